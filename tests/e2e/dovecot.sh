#!/usr/bin/env bash
# End-to-end test: readers teach musaid through a real Dovecot IMAP server.
#
# A private Dovecot instance (its own configuration, base and state directories, one IMAP
# listener on a free loopback port, stopped by PID) runs the IMAPSieve scripts that
# `musaid sieve --learn` writes. An IMAP client (Python's imaplib) then does what a reader
# does: it moves a message into the "Urgent" folder, appends one to Junk, moves that one back
# out to the inbox. Checks that each action changed what musaid says about the next similar
# message (or the same one), through `musaid classify` on the same store.
# Needs root, dovecot-imapd, dovecot-sieve and python3 (scripts/test.sh installs them).
# Prints "N passed, M failed".
#
# Usage: tests/e2e/dovecot.sh [PATH-TO-MUSAID-BINARY]
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
musaid=$(realpath "${1:-$root/target/debug/musaid}")
[ -x "$musaid" ] || { echo "e2e: no musaid binary at $musaid (cargo build first)"; exit 2; }
for tool in dovecot sievec python3; do
    command -v "$tool" >/dev/null || { echo "e2e: $tool is required (run scripts/test.sh)"; exit 2; }
done
[ "$(id -u)" = 0 ] || { echo "e2e: must run as root (a private Dovecot master needs it)"; exit 2; }

. "$root/scripts/postfix-instance.sh"
T=$(mktemp -d /tmp/musaid-dovecot.XXXXXX)
chmod 755 "$T"
PORT=$(free_port)
passed=0; failed=0
ok()   { passed=$((passed+1)); echo "ok   - $*"; }
fail() { failed=$((failed+1)); echo "FAIL - $*"; }

cleanup() {
    if [ -f "$T/run/master.pid" ]; then
        pid=$(cat "$T/run/master.pid")
        kill "$pid" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    [ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT

# The mail user: Dovecot runs mail processes (and so the learning program) as a user, never
# as root. Every musaid command of the test runs as that user too, on a store it owns.
mail_user=nobody
mail_uid=$(id -u "$mail_user"); mail_gid=$(id -g "$mail_user")
as_mail_user() { runuser -u "$mail_user" -- "$@"; }
mkdir -p "$T/run" "$T/state" "$T/home" "$T/sieve" "$T/store"
chown "$mail_uid:$mail_gid" "$T/home" "$T/store"
cat > "$T/musaid.toml" <<EOF
[store]
url = "sqlite:$T/store/musaid.db"

[folders]
urgent = "Urgent"
junk = "Junk"

[[mailbox]]
address = "ceo@example.com"
EOF
"$musaid" --config "$T/musaid.toml" check-config "$T/musaid.toml" >/dev/null \
    || { echo "e2e: the test configuration is invalid"; exit 2; }

"$musaid" --config "$T/musaid.toml" sieve --learn --dir "$T/sieve" > "$T/95-musaid-learn.conf" 2>"$T/sieve.log" \
    || fail "musaid sieve --learn: $(cat "$T/sieve.log")"

cat > "$T/dovecot.conf" <<EOF
protocols = imap
listen = 127.0.0.1
base_dir = $T/run
state_dir = $T/state
log_path = $T/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
passdb {
  driver = static
  args = password=secret
}
userdb {
  driver = static
  args = uid=$mail_uid gid=$mail_gid home=$T/home/%u
}
mail_location = maildir:~/Maildir
namespace inbox {
  inbox = yes
  mailbox Junk {
    auto = create
    special_use = \\Junk
  }
  mailbox Urgent {
    auto = create
  }
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $PORT
  }
  inet_listener imaps {
    port = 0
  }
}
!include $T/95-musaid-learn.conf
EOF
if sievec -c "$T/dovecot.conf" "$T/sieve" 2>>"$T/sieve.log"; then
    ok "musaid sieve --learn wrote scripts that sievec compiles ($(ls "$T"/sieve/*.sieve | wc -l) scripts)"
else
    fail "sievec: $(cat "$T/sieve.log")"
fi
dovecot -c "$T/dovecot.conf" || { echo "e2e: dovecot did not start: $(tail -5 "$T/dovecot.log")"; exit 1; }
for _ in $(seq 100); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 1)" 2>/dev/null && break
    sleep 0.1
done

message() { # $1 message-id, $2 subject, $3 body
    printf 'From: Harbour Office <office@kestrel-port.example.net>\r\nTo: ceo@example.com\r\nSubject: %s\r\nMessage-ID: <%s@kestrel-port.example.net>\r\nDate: Tue, 01 Dec 2026 09:00:00 +0300\r\n\r\n%s\r\n' "$2" "$1" "$3"
}
message m1 "Zephyr glossary 4471" "Attached the Zephyr glossary for the Kestrel archive, compiled by Okonkwo from the harbour records." > "$T/m1.eml"
message m2 "Zephyr glossary 4472" "The second Zephyr glossary for the Kestrel archive, compiled by Okonkwo from the harbour records." > "$T/m2.eml"
# Three of a kind for Junk: junk is the starter model's largest class (500 spam messages), so
# one lesson moves it less than a lesson moves a small class.
for i in 1 2 3 4; do
    message "t$i" "Berth schedule $i" "The berth schedule number $i for the Kestrel harbour, from the pilots' office, with the tide table." > "$T/t$i.eml"
done

category_of() {
    as_mail_user "$musaid" --config "$T/musaid.toml" classify --json --rcpt ceo@example.com "$1" 2>/dev/null \
        | python3 -c 'import json,sys; r=json.loads(sys.stdin.readline()); print(r["category"], " ".join(r["reasons"]))'
}

imap() { # python statements with M logged in
    python3 - "$PORT" <<EOF
import imaplib, sys, time
M = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
M.login("ceo@example.com", "secret")
def append(folder, path):
    with open(path, "rb") as f:
        typ, _ = M.append(folder, None, None, f.read())
    assert typ == "OK", typ
def move_all(src, dst):
    M.select(src)
    typ, data = M.uid("SEARCH", None, "ALL")
    for uid in data[0].split():
        typ, _ = M.uid("MOVE", uid, dst)
        assert typ == "OK", typ
$1
M.logout()
EOF
}

before=$(category_of "$T/m2.eml")
imap "append('INBOX', '$T/m1.eml'); move_all('INBOX', 'Urgent')" 2>"$T/imap.log" || fail "IMAP MOVE into Urgent: $(cat "$T/imap.log")"
after=$(category_of "$T/m2.eml")
case "$before|$after" in
    urgent*) fail "the next such message was urgent before anything was taught ('$before')";;
    *"|urgent"*model:urgent*) ok "an IMAP MOVE into Urgent taught musaid: the next such message was '${before%% *}', now '$after'";;
    *) fail "after the MOVE into Urgent the next such message is '$after' (was '$before'); dovecot log: $(tail -5 "$T/dovecot.log")";;
esac

before=$(category_of "$T/t4.eml")
imap "append('Junk', '$T/t1.eml'); append('Junk', '$T/t2.eml'); append('Junk', '$T/t3.eml')" 2>"$T/imap.log" \
    || fail "IMAP APPEND into Junk: $(cat "$T/imap.log")"
junk=$(category_of "$T/t4.eml")
case "$before|$junk" in
    junk*) fail "the next schedule was junk before anything was taught ('$before')";;
    *"|junk"*) ok "mail put into Junk taught musaid: the next such message was '${before%% *}', now '$junk'";;
    *) fail "after the APPENDs into Junk the next such message is '$junk' (was '$before')";;
esac

imap "move_all('Junk', 'INBOX')" 2>"$T/imap.log" || fail "IMAP MOVE out of Junk: $(cat "$T/imap.log")"
back=$(category_of "$T/t4.eml")
case "$back" in
    junk*) fail "after the MOVE out of Junk the next such message is still '$back'";;
    *) ok "moving them out of Junk taught musaid they are not spam (now '${back%% *}')";;
esac

# The store holds feature hashes, never the words of the mail.
if python3 - "$T/store/musaid.db" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for (table,) in db.execute("select name from sqlite_master where type='table'"):
    for row in db.execute(f"select * from {table}"):
        for v in row:
            b = v if isinstance(v, bytes) else str(v).encode()
            for w in (b"Zephyr", b"zephyr", b"Okonkwo", b"okonkwo", b"tulip", b"Vandermeer"):
                if w in b:
                    sys.exit(f"{table} holds {w!r}")
EOF
then ok "the store holds no word of the learned mail"
else fail "the store holds text of the learned mail"
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
