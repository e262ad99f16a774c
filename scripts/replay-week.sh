#!/usr/bin/env bash
# Replays a synthetic week of mail through `musaid serve` and writes the week's digests.
#
#   scripts/replay-week.sh [OUT_DIR]        (default target/replay-week; needs root for apt)
#
# scripts/synth-week.py writes the week (231 messages to the example configuration's
# mailboxes, the owners' replies, robot mail to support@); examples/replay_week.rs sends each
# message to `musaid serve` over the milter protocol at its own time. musaid runs unchanged
# under libfaketime: its clock is a file the replay sets before each message, so a week of
# arrivals, replies, acknowledgements, reminders and escalations happens in a few minutes.
# Mail musaid sends goes to Postfix's smtp-sink, one file per message in OUT_DIR/sent/.
# At the end `musaid report` runs at Monday 30 November 08:00 Riyadh time and writes the
# digests of ceo@ (Arabic), support@ (English) and the organisation report, text and HTML,
# to OUT_DIR/digests/.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/replay-week}
monday=2026-11-23
report_at=2026-11-30T05:00:00Z

need=()
command -v smtp-sink >/dev/null || need+=(postfix)
command -v faketime >/dev/null || need+=(faketime)
if ((${#need[@]})); then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
libfaketime=$(dpkg -L libfaketime | grep '/libfaketime.so.1$' | head -1)

cargo build --locked --quiet --bin musaid --example replay_week
rm -rf "$out"
mkdir -p "$out/sent" "$out/digests"
chmod 777 "$out/sent"
python3 scripts/synth-week.py "$out/week" --monday "$monday"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
milter_port=$(free_port)
sink_port=$(free_port)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

smtp-sink -u nobody -d "$out/sent/%d%H%M%S." 127.0.0.1:"$sink_port" 64 >/dev/null 2>&1 &
pids+=($!)

# The shipped example, its relay pointed at the sink.
sed "s|^relay = .*|relay = \"smtp://127.0.0.1:$sink_port\"|" conf/musaid.toml >"$out/musaid.toml"
clock="$out/clock"
echo "$monday 00:00:00" >"$clock"
fake() {
    TZ=UTC LD_PRELOAD="$libfaketime" FAKETIME_TIMESTAMP_FILE="$clock" FAKETIME_NO_CACHE=1 \
        FAKETIME_DONT_FAKE_MONOTONIC=1 "$@"
}
musaid=(target/debug/musaid --config "$out/musaid.toml" --store "sqlite:$out/musaid.db")
fake "${musaid[@]}" --listen "inet:127.0.0.1:$milter_port" serve 2>"$out/musaid.log" &
pids+=($!)
for _ in $(seq 100); do
    (echo >/dev/tcp/127.0.0.1/"$milter_port") 2>/dev/null && break
    sleep 0.1
done

target/debug/examples/replay_week --addr "inet:127.0.0.1:$milter_port" --clock "$clock" \
    --until "$report_at" "$out/week" | tee "$out/replay.txt" | tail -4

kill "${pids[1]}"
wait "${pids[1]}" 2>/dev/null || true

for who in ceo@example.com support@example.com '*'; do
    name=${who%@*}
    [[ $who == '*' ]] && name=organisation
    for format in text html json; do
        fake "${musaid[@]}" report --for "$monday" --mailbox "$who" --format "$format" \
            --out "$out/digests" >/dev/null
    done
done
echo "replay-week: $(ls "$out/sent" | wc -l) messages sent by musaid (in $out/sent)"
ls "$out/digests"
