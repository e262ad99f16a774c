#!/usr/bin/env bash
# Fault test: the SQLite store on a full disk. A 1 MB tmpfs (mounted here, unmounted on
# exit) holds the database; 2,000 messages are replayed through `musaid serve` with
# examples/milter_load while the disk fills. Every message must be answered (accepted,
# tagged degraded once the disk is full), musaid must stay up, and the log must say so
# without flapping (one line a minute per state, not one per message). Needs root (mount).
# Prints "N passed, M failed".
#
# Usage: tests/e2e/disk-full.sh [PATH-TO-MUSAID] [PATH-TO-MILTER_LOAD]
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
musaid=${1:-$root/target/debug/musaid}
load=${2:-$root/target/debug/examples/milter_load}
[ "$(id -u)" = 0 ] || { echo "disk-full: must run as root (it mounts a small tmpfs)"; exit 2; }
[ -x "$musaid" ] && [ -x "$load" ] || { echo "disk-full: build musaid and examples/milter_load first"; exit 2; }

T=$(mktemp -d /tmp/musaid-disk.XXXXXX)
passed=0; failed=0; pid=""
ok()   { passed=$((passed+1)); echo "ok   - $*"; }
fail() { failed=$((failed+1)); echo "FAIL - $*"; }
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    umount "$T/small" 2>/dev/null
    [ "$failed" -gt 0 ] && { echo "--- musaid log (tail)"; tail -n 20 "$T/musaid.log"; }
    rm -rf "$T"
}
trap cleanup EXIT

mkdir -p "$T/small"
mount -t tmpfs -o size=1m tmpfs "$T/small" || { echo "disk-full: cannot mount a tmpfs"; exit 2; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$T/musaid.toml" <<EOT
[milter]
listen = "inet:127.0.0.1:$port"
[store]
url = "sqlite:$T/small/musaid.db"
timeout = "1s"
[[mailbox]]
address = "ceo@example.com"
EOT
"$musaid" --config "$T/musaid.toml" serve > "$T/musaid.log" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q "milter ready" "$T/musaid.log" && break; sleep 0.1; done

"$load" --addr "inet:127.0.0.1:$port" --connections 4 --messages 2000 "$root/tests/corpus/talon" "$root/tests/corpus/flanker" > "$T/load.json" 2> "$T/load.err"
result=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["accepted"], r["errors"], r["tempfailed"]+r["rejected"])' "$T/load.json")
set -- $result
[ "${1:-0}" = 2000 ] && [ "${2:-1}" = 0 ] && [ "${3:-1}" = 0 ] \
    && ok "every message answered and accepted while the disk filled" || fail "load: $(cat "$T/load.json") $(tail -3 "$T/load.err")"
kill -0 "$pid" 2>/dev/null && ok "musaid kept serving on a full disk" || fail "musaid died: $(tail -3 "$T/musaid.log")"
[ "$(df --output=avail "$T/small" | tail -1 | tr -d ' ')" -lt 64 ] && ok "the disk did fill" || fail "the disk never filled"
plain=$(sed 's/\x1b\[[0-9;]*m//g' "$T/musaid.log")
degraded=$(echo "$plain" | grep -c 'actions=[^ ]*degraded')
[ "$degraded" -gt 0 ] && ok "messages handled on the full disk were tagged degraded ($degraded)" || fail "nothing tagged degraded"
lines=$(echo "$plain" | grep -cE 'store unavailable|store reachable again')
[ "$lines" -ge 1 ] && [ "$lines" -le 4 ] && ok "the store's state was logged $lines time(s), not once per message" || fail "state lines: $lines"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
