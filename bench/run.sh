#!/usr/bin/env bash
# musaid benchmarks: figures and ratios against baselines measured in the same run.
#
#   bench/run.sh            full run (release build), a few minutes
#   bench/run.sh --smoke    tiny counts with the debug build: keeps the harness from rotting (CI)
#
# Builds, starts what it needs on loopback (a private Postfix instance, smtp-sink, musaid),
# runs, prints a table, writes bench/out/results.json, and stops everything it started.
# Needs root, postfix (with smtp-source and smtp-sink) and python3; see BENCHMARKS.md.
#
# 1. classify: `musaid classify` over the corpus on one core (taskset -c 0), best of three,
#    and its instruction count under callgrind when valgrind is installed.
# 2. milter alone: examples/milter_load replays messages over the milter protocol with 1, 10
#    and 100 connections (one message per connection), to musaid on a unix socket with the
#    SQLite store: messages/s, end-of-message latency p50/p99, musaid CPU per message, peak RSS.
# 3. in Postfix: smtp-source -> Postfix -> smtp-sink, without a milter and with musaid over
#    TCP and over a unix socket: messages/s end to end (until the queue is empty), the ratio
#    to Postfix without a milter, musaid CPU per message.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"
. scripts/postfix-instance.sh
. bench/rspamd.sh

smoke=0
[ "${1:-}" = "--smoke" ] && smoke=1
if [ $smoke = 1 ]; then
    profile=debug; n_milter=200; n_postfix=40; conns="1 10"
    cargo build --quiet --bin musaid --example milter_load --example model_bench --example null_milter || exit 1
else
    profile=release; n_milter=20000; n_postfix=2000; conns="1 10 100"
    cargo build --quiet --release --bin musaid --example milter_load --example model_bench --example null_milter || exit 1
fi
musaid=target/$profile/musaid
load=target/$profile/examples/milter_load
for tool in postfix smtp-source smtp-sink python3 taskset; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is required"; exit 2; }
done
[ "$(id -u)" = 0 ] || { echo "bench: must run as root (Postfix)"; exit 2; }
if [ $smoke = 0 ] && ! command -v valgrind >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends valgrind >/dev/null 2>&1
fi

T=$(mktemp -d /tmp/musaid-bench.XXXXXX)
out=$root/bench/out
mkdir -p "$out" "$T/small"
rows="$T/rows.jsonl"; : > "$rows"
musaid_pid=""; sink_pid=""; redis_pids=""; null_pid=""

cleanup() {
    [ -n "$musaid_pid" ] && kill "$musaid_pid" 2>/dev/null && wait "$musaid_pid" 2>/dev/null
    [ -n "$null_pid" ] && kill "$null_pid" 2>/dev/null && wait "$null_pid" 2>/dev/null
    for p in $redis_pids; do kill "$p" 2>/dev/null; done
    [ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null && wait "$sink_pid" 2>/dev/null
    [ -d "$T/rspamd" ] && rspamd_stop "$T/rspamd"
    pf_stop "$T"; pf_forget "$T"
    rm -rf "$T"
}
trap cleanup EXIT

# A 4 KB message like the ones executives get all day.
python3 - "$T/small/4k.eml" <<'EOF'
import sys
body = ("Dear Faisal,\r\nCould you please review the attached quarterly figures and let me know "
        "if we can discuss them on Sunday? ") * 40
open(sys.argv[1], "w").write(
    "From: Lina <lina@partner.example.org>\r\nTo: ceo@example.com\r\nSubject: Quarterly figures\r\n"
    "Message-ID: <1@partner.example.org>\r\nDate: Fri, 27 Nov 2026 10:00:00 +0300\r\n"
    "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body[:3800] + "\r\n")
EOF

cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
record() { echo "$1" >> "$rows"; }

calc() { awk "BEGIN { printf \"%.3f\", $1 }"; }
calc0() { awk "BEGIN { printf \"%d\", $1 }"; }

# The shipped configuration, with a socket mode that lets Postfix's smtpd (user postfix) in.
sed 's/^socket_mode = .*/socket_mode = "0666"/' conf/musaid.toml > "$T/musaid.toml"

# Logs at info, as in production (one line per message).
start_musaid() { # LISTEN [STORE-URL]
    : > "$T/musaid.log"
    "$musaid" --config "$T/musaid.toml" --listen "$1" --store "${2:-sqlite:$T/musaid.db}" serve 2>>"$T/musaid.log" &
    musaid_pid=$!
    for _ in $(seq 100); do grep -q "milter ready" "$T/musaid.log" && return 0; sleep 0.1; done
    echo "bench: musaid did not start"; cat "$T/musaid.log"; exit 2
}
stop_musaid() { kill "$musaid_pid"; wait "$musaid_pid" 2>/dev/null; musaid_pid=""; }

# ---- 0. the learned model: CPU per message with and without it, memory, learning speed ----
n_model=20000; n_learned=100000; [ $smoke = 1 ] && { n_model=200; n_learned=2000; }
model_row=$(taskset -c 0 target/$profile/examples/model_bench "$T/small/4k.eml" $n_model $n_learned) || exit 1
# `musaid learn` into a fresh SQLite store: the project's labelled mail and the corpus, as ham.
printf '[store]\nurl = "sqlite:%s/learn.db"\n' "$T" > "$T/learn.toml"
learn_json=$("$musaid" --config "$T/learn.toml" learn --json --category ham tests/labelled/messages tests/corpus 2>/dev/null) || exit 1
record "$(python3 -c 'import json,sys; m=json.loads(sys.argv[1]); l=json.loads(sys.argv[2]); m.update(bench="model", learn_messages=l["messages"], learn_per_s=round(l["messages"]/max(l["seconds"],1e-3))); print(json.dumps(m))' "$model_row" "$learn_json")"

# ---- 1. classify on one core ----------------------------------------------------------------
mapfile -t corpus < <(find tests/corpus -type f ! -path '*/LICENSES/*' ! -name 'LICENSE*' ! -name 'COPYING*' \
    ! -name 'MIT-LICENSE' ! -name '*.md' ! -name '*.rst' ! -name '*.ics' | sort)
# Best of three (this shared machine's speed moves from one second to the next), wall and
# CPU (user + system) time of the process.
best=""; best_cpu=""; rounds=3; [ $smoke = 1 ] && rounds=1
for _ in $(seq $rounds); do
    TIMEFORMAT='%R %U %S'
    t=$( { time taskset -c 0 "$musaid" --config conf/musaid.toml classify --json "${corpus[@]}" > "$T/classify.jsonl" 2>/dev/null; } 2>&1 )
    read -r wall user sys <<< "$t"
    cpu=$(calc "$user + $sys")
    if [ -z "$best" ] || awk "BEGIN { exit !($wall < $best) }"; then best=$wall; fi
    if [ -z "$best_cpu" ] || awk "BEGIN { exit !($cpu < $best_cpu) }"; then best_cpu=$cpu; fi
done
n=$(wc -l < "$T/classify.jsonl")
# Instructions per message (callgrind, full run only): a figure the machine's noise does not move.
instr=0
if [ $smoke = 0 ] && command -v valgrind >/dev/null; then
    valgrind --tool=callgrind --callgrind-out-file="$T/classify.callgrind" "$musaid" --config conf/musaid.toml \
        classify --json "${corpus[@]}" 2> "$T/callgrind.log" > /dev/null
    instr=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$T/callgrind.log")
fi
record "{\"bench\":\"classify\",\"rounds\":$rounds,\"messages\":$n,\"seconds\":$best,\"cpu_seconds\":$best_cpu,\"msgs_per_s\":$(calc0 "$n / $best"),\"cpu_us_per_msg\":$(calc0 "$best_cpu * 1000000 / $n"),\"instructions_per_msg\":$(calc0 "${instr:-0} / $n")}"

# ---- 2. milter alone ----------------------------------------------------------------------------
start_musaid "unix:$T/musaid.sock"
for set in corpus 4k; do
    src=tests/corpus; [ $set = 4k ] && src=$T/small
    for c in $conns; do
        before=$(cpu_ticks "$musaid_pid")
        res=$("$load" --addr "unix:$T/musaid.sock" --connections "$c" --messages "$n_milter" "$src")
        ticks=$(( $(cpu_ticks "$musaid_pid") - before ))
        us=$(calc0 "$ticks * 1000000 / $hz / $n_milter")
        record "{\"bench\":\"milter\",\"set\":\"$set\",\"store\":\"sqlite\",\"cpu_us_per_msg\":$us,${res#\{}"
    done
done
rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$musaid_pid/status")
record "{\"bench\":\"milter-rss\",\"peak_rss_kb\":$rss_kb}"
stop_musaid

# ---- 2a. the floor: a milter that reads every message, adds four headers, does nothing else --
target/$profile/examples/null_milter "unix:$T/null.sock" 2>"$T/null.log" &
null_pid=$!
for _ in $(seq 100); do grep -q "milter ready" "$T/null.log" && break; sleep 0.1; done
for c in $conns; do
    before=$(cpu_ticks "$null_pid")
    res=$("$load" --addr "unix:$T/null.sock" --connections "$c" --messages "$n_milter" "$T/small")
    ticks=$(( $(cpu_ticks "$null_pid") - before ))
    us=$(calc0 "$ticks * 1000000 / $hz / $n_milter")
    record "{\"bench\":\"milter\",\"set\":\"4k\",\"store\":\"floor\",\"cpu_us_per_msg\":$us,${res#\{}"
done
kill "$null_pid"; wait "$null_pid" 2>/dev/null; null_pid=""

# ---- 2b. milter alone on Redis: standalone and a 3-master Cluster ------------------------------
redis_start() { # PORT [extra args...]
    local port=$1; shift
    mkdir -p "$T/redis-$port"
    (cd "$T/redis-$port" && exec redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no "$@" >log 2>&1) &
    redis_pids="$redis_pids $!"
    for _ in $(seq 100); do [ "$(redis-cli -p "$port" PING 2>/dev/null)" = PONG ] && return 0; sleep 0.1; done
    echo "bench: redis-server did not start"; exit 2
}
redis_cmds() { # PORT...: commands processed so far, summed
    local n=0 p
    for p in "$@"; do n=$(( n + $(redis-cli -p "$p" INFO stats | awk -F: '/^total_commands_processed/ {print $2+0}') )); done
    echo "$n"
}
milter_on() { # NAME STORE-URL PORTS...
    local name=$1 url=$2; shift 2
    start_musaid "unix:$T/musaid.sock" "$url"
    local before_cmds before ticks res us cmds
    before_cmds=$(redis_cmds "$@"); before=$(cpu_ticks "$musaid_pid")
    res=$("$load" --addr "unix:$T/musaid.sock" --connections 10 --messages "$n_milter" "$T/small")
    ticks=$(( $(cpu_ticks "$musaid_pid") - before ))
    us=$(calc0 "$ticks * 1000000 / $hz / $n_milter")
    cmds=$(calc "($(redis_cmds "$@") - $before_cmds) / $n_milter")
    degraded=$(grep -c 'degraded="[a-z]' "$T/musaid.log")
    record "{\"bench\":\"milter\",\"set\":\"4k\",\"store\":\"$name\",\"cpu_us_per_msg\":$us,\"redis_commands_per_msg\":$cmds,\"degraded\":$degraded,${res#\{}"
    stop_musaid
}
if command -v redis-server >/dev/null && command -v redis-cli >/dev/null; then
    RPORT=$(free_port)
    redis_start "$RPORT"
    milter_on redis "redis://127.0.0.1:$RPORT/0" "$RPORT"
    CPORTS=""
    for _ in 1 2 3; do p=$(free_port); while [ "$p" -gt 55000 ]; do p=$(free_port); done; CPORTS="${CPORTS:+$CPORTS }$p"; done
    for p in $CPORTS; do redis_start "$p" --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 2000; done
    # shellcheck disable=SC2086
    redis-cli --cluster create $(for p in $CPORTS; do echo "127.0.0.1:$p"; done) --cluster-replicas 0 --cluster-yes >/dev/null
    for _ in $(seq 100); do redis-cli -p ${CPORTS%% *} CLUSTER INFO | grep -q cluster_state:ok && break; sleep 0.1; done
    # shellcheck disable=SC2086
    milter_on redis-cluster "redis+cluster://$(echo $CPORTS | sed 's/\([0-9]*\)/127.0.0.1:\1/g; s/ /,/g')" $CPORTS
else
    echo "bench: redis-server not installed; Redis rows skipped"
fi

# ---- 3. in Postfix ------------------------------------------------------------------------------
SMTP_PORT=$(free_port); SINK_PORT=$(free_port); MILTER_PORT=$(free_port)
smtp-sink -u nobody 127.0.0.1:"$SINK_PORT" 256 >/dev/null 2>&1 &
sink_pid=$!
pf_setup "$T" "$SMTP_PORT"
pf_conf "$T" "relayhost = [127.0.0.1]:$SINK_PORT"
pf_conf "$T" "smtp_destination_concurrency_limit = 50"
pf_start "$T" || { echo "bench: postfix did not start"; exit 2; }

queue_empty() { [ -z "$(find "$T/spool/incoming" "$T/spool/active" "$T/spool/deferred" "$T/spool/maildrop" -type f 2>/dev/null | head -n1)" ]; }

postfix_run() { # NAME MILTER-SPEC [CPU-PROBE]
    local name=$1 spec=$2 probe=${3:-} before=0 ticks=0 start secs
    [ -z "$probe" ] && [ -n "$musaid_pid" ] && probe="cpu_ticks $musaid_pid"
    pf_conf "$T" "smtpd_milters = $spec"
    pf_reload "$T"; sleep 1
    [ -n "$probe" ] && before=$($probe)
    start=$(date +%s.%N)
    smtp-source -s 10 -m "$n_postfix" -l 4096 -f sender@example.org -t rcpt@example.net 127.0.0.1:"$SMTP_PORT"
    for _ in $(seq 1200); do queue_empty && break; sleep 0.05; done
    secs=$(calc "$(date +%s.%N) - $start")
    [ -n "$probe" ] && ticks=$(( $($probe) - before ))
    # How many messages musaid saw (its one log line per message): a milter Postfix could not
    # reach would make the run meaningless.
    local seen; seen=$(grep -c ' message ' "$T/musaid.log" 2>/dev/null)
    record "{\"bench\":\"postfix\",\"scenario\":\"$name\",\"milter_saw\":${seen:-0},\"messages\":$n_postfix,\"seconds\":$secs,\"msgs_per_s\":$(calc0 "$n_postfix / $secs"),\"cpu_us_per_msg\":$(calc0 "$ticks * 1000000 / $hz / $n_postfix")}"
}

: > "$T/musaid.log"
postfix_run "no milter" ""
start_musaid "inet:127.0.0.1:$MILTER_PORT"
postfix_run "musaid tcp" "{ inet:127.0.0.1:$MILTER_PORT, connect_timeout=10s, default_action=accept }"
stop_musaid
start_musaid "unix:$T/spool/musaid.sock"
postfix_run "musaid unix" "{ unix:$T/spool/musaid.sock, connect_timeout=10s, default_action=accept }"
stop_musaid
# The floor in Postfix: the null milter on a unix socket.
target/$profile/examples/null_milter "unix:$T/spool/null.sock" 2>"$T/null.log" &
null_pid=$!
for _ in $(seq 100); do grep -q "milter ready" "$T/null.log" && break; sleep 0.1; done
: > "$T/musaid.log"
postfix_run "null milter unix" "{ unix:$T/spool/null.sock, connect_timeout=10s, default_action=accept }" "cpu_ticks $null_pid"
kill "$null_pid"; wait "$null_pid" 2>/dev/null; null_pid=""
if [ -n "${RPORT:-}" ]; then
    start_musaid "unix:$T/spool/musaid.sock" "redis://127.0.0.1:$RPORT/0"
    postfix_run "musaid unix, redis" "{ unix:$T/spool/musaid.sock, connect_timeout=10s, default_action=accept }"
    stop_musaid
fi
# rspamd (full runs only: its first start compiles Hyperscan databases for minutes).
if [ $smoke = 0 ] && ! command -v rspamd >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends rspamd >/dev/null 2>&1
fi
if [ $smoke = 0 ] && command -v rspamd >/dev/null; then
    # Two anchors: rspamd with nearly every module off, and with its default modules.
    for kind in stripped default; do
        rm -rf "$T/rspamd"
        rspamd_setup "$T/rspamd" "$kind"
        if rspamd_start "$T/rspamd"; then
            : > "$T/musaid.log"
            postfix_run "rspamd $kind" "{ unix:$T/rspamd/proxy.sock, connect_timeout=10s, default_action=accept }" "rspamd_ticks $T/rspamd"
        else
            echo "bench: rspamd ($kind) did not start; its row is left out"
        fi
        rspamd_stop "$T/rspamd"
    done
elif [ $smoke = 0 ]; then
    echo "bench: rspamd is not installed (apt-get install rspamd); its row is left out"
fi

# ---- report --------------------------------------------------------------------------------------
python3 - "$rows" "$out/results.json" "$smoke" <<'EOF'
import json, sys, platform, datetime, os
rows = [json.loads(l) for l in open(sys.argv[1])]
smoke = sys.argv[3] == "1"
base = next((r["msgs_per_s"] for r in rows if r.get("scenario") == "no milter"), None)
print("\n%-90s %9s %9s %8s %9s %9s" % ("benchmark", "messages", "msg/s", "ratio", "p99 ms", "cpu us"))
for r in rows:
    b = r["bench"]
    if b == "classify":
        name, ratio, p99, cpu = "classify, corpus, 1 core, best of %d" % r["rounds"], "", "", r["cpu_us_per_msg"]
        if r.get("instructions_per_msg"):
            name += " (%dk instructions/msg)" % (r["instructions_per_msg"] // 1000)
    elif b == "milter":
        name = "milter alone, %s, %d conn" % (r["set"], r["connections"])
        floor = next((f for f in rows if f.get("store") == "floor" and f["connections"] == r["connections"]), None)
        if r["store"] == "floor":
            name += ", null milter (the floor)"
        elif r["set"] == "4k" and floor and floor["msgs_per_s"] and floor["cpu_us_per_msg"]:
            name += ", %.2fx floor msg/s, %.1fx floor CPU" % (r["msgs_per_s"] / floor["msgs_per_s"], r["cpu_us_per_msg"] / floor["cpu_us_per_msg"])
        if r["store"] not in ("sqlite", "floor"):
            name += ", %s (%.1f cmd/msg)" % (r["store"], r["redis_commands_per_msg"])
            if r.get("degraded"):
                name += " degraded %d!" % r["degraded"]
        ratio, p99, cpu = "", "%.2f" % r["eom_p99_ms"], r["cpu_us_per_msg"]
    elif b == "model":
        print("%-60s %9s %9s %8s %9s %9s" % ("classify 4 KB, weight table only", r["iterations"], "", "", "", r["classify_us_without_model"]))
        print("%-60s %9s %9s %8s %9s %9s" % ("classify 4 KB, table and starter model (adds %.1f us)" % r["model_adds_us"], r["iterations"], "", "%.2fx" % r["ratio_with_to_without"], "", r["classify_us_with_model"]))
        print("%-60s %s" % ("model layer after %d learned messages" % r["learned_messages"], "%.1f MB, %d features kept" % (r["learned_layer_mb"], r["learned_features_kept"])))
        print("%-60s %s" % ("starter model in memory", "%.1f MB, %d features" % (r["starter_mb"], r["starter_features"])))
        print("%-60s %9s %9s" % ("musaid learn into SQLite (labelled + corpus)", r["learn_messages"], r["learn_per_s"]))
        continue
    elif b == "milter-rss":
        print("%-60s %s" % ("milter peak RSS", "%.1f MB" % (r["peak_rss_kb"] / 1024))); continue
    else:
        name = "postfix, 4 KB, " + r["scenario"]
        ratio = "%.2fx" % (r["msgs_per_s"] / base) if base else ""
        pf_floor = next((f for f in rows if f.get("scenario") == "null milter unix"), None)
        if pf_floor and r["scenario"].startswith("musaid unix") and pf_floor["msgs_per_s"]:
            name += " (%.2fx the floor)" % (r["msgs_per_s"] / pf_floor["msgs_per_s"])
        if r["scenario"].startswith("musaid unix"):
            for kind in ("stripped", "default"):
                rsp = next((f for f in rows if f.get("scenario") == "rspamd " + kind), None)
                if rsp and rsp["msgs_per_s"]:
                    name += " %.2fx rspamd %s" % (r["msgs_per_s"] / rsp["msgs_per_s"], kind)
        p99, cpu = "", r["cpu_us_per_msg"] if r["scenario"] != "no milter" else ""
        if r["scenario"].startswith("musaid") and r["milter_saw"] < r["messages"]:
            name += " (milter saw %d!)" % r["milter_saw"]
    print("%-90s %9s %9s %8s %9s %9s" % (name, r["messages"], r["msgs_per_s"], ratio, p99, cpu))
doc = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
       "machine": {"cpus": os.cpu_count(), "kernel": platform.release()},
       "smoke": smoke, "rows": rows}
json.dump(doc, open(sys.argv[2], "w"), indent=1)
print("\nwritten: " + sys.argv[2])
EOF
