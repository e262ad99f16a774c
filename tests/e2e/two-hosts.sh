#!/usr/bin/env bash
# End-to-end test: two musaid processes sharing one Redis, behind one real Postfix.
#
# Postfix's port-25 service uses musaid A, its submission service musaid B, both on the same
# redis-server (started here on a free loopback port, no persistence). Urgent mail arrives
# through A and schedules escalations with a short deadline; the owner answers one of them
# through the submission service, so B sees the reply. Both processes run the escalation
# scheduler. Checks: every unanswered escalation reaches the delegate exactly once, the
# answered one never does, and the response time measured by B is in the shared store.
# Needs root, postfix, swaks and redis-server (scripts/test.sh installs them). Stops
# everything it started, by PID. Prints "N passed, M failed".
#
# Both hosts also run the daily reminder: one reminder goes, listing exactly the unanswered
# messages. The test waits for the reminder's minute, so it takes one to two minutes.
#
# Usage: tests/e2e/two-hosts.sh [PATH-TO-MUSAID-BINARY]
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
musaid=${1:-$root/target/debug/musaid}
[ -x "$musaid" ] || { echo "e2e: no musaid binary at $musaid (cargo build first)"; exit 2; }
for tool in postfix swaks redis-server redis-cli; do
    command -v "$tool" >/dev/null || { echo "e2e: $tool is required (run scripts/test.sh)"; exit 2; }
done
[ "$(id -u)" = 0 ] || { echo "e2e: must run as root (Postfix's own processes need it)"; exit 2; }

T=$(mktemp -d /tmp/musaid-2hosts.XXXXXX)
passed=0; failed=0
pid_a=""; pid_b=""; redis_pid=""

. "$root/scripts/postfix-instance.sh"
SMTP_PORT=$(free_port); SUB_PORT=$(free_port); PORT_A=$(free_port); PORT_B=$(free_port); REDIS_PORT=$(free_port)

ok()   { passed=$((passed+1)); echo "ok   - $*"; }
fail() { failed=$((failed+1)); echo "FAIL - $*"; }

cleanup() {
    for p in $pid_a $pid_b $redis_pid; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    pf_stop "$T"
    if [ "$failed" -gt 0 ] || [ -n "${KEEP_E2E:-}" ]; then
        echo "--- maillog (tail)"; tail -n 30 "$T/maillog" 2>/dev/null
        for h in a b; do echo "--- musaid $h log (tail)"; tail -n 20 "$T/musaid-$h.log" 2>/dev/null; done
    fi
    pf_forget "$T"
    [ -z "${KEEP_E2E:-}" ] && rm -rf "$T"
}
trap cleanup EXIT

# ---- Redis -----------------------------------------------------------------------------------
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no --daemonize no \
    --dir "$T" >"$T/redis.log" 2>&1 &
redis_pid=$!
for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done

# ---- Postfix: port 25 → musaid A, submission → musaid B ----------------------------------------
pf_setup "$T" "$SMTP_PORT"
pf_submission "$T" "$SUB_PORT" "inet:127.0.0.1:$PORT_B"
for u in ceo assistant partner; do echo "$u@example.com $u/" >> "$T/etc/vmailbox"; done
pf_conf "$T" "smtpd_milters = { inet:127.0.0.1:$PORT_A, connect_timeout=10s, default_action=accept }"
pf_start "$T" || { echo "e2e: postfix did not start"; cat "$T/maillog"; exit 2; }

# ---- the two musaid hosts ------------------------------------------------------------------------
# The daily reminder is due at the next minute (the one after, if that is less than 20 s away),
# when all the test mail has arrived and been answered: it must list exactly what is unanswered.
REMIND_AT=$(python3 -c 'import datetime as d; n=d.datetime.now(d.timezone.utc); n+=d.timedelta(minutes=2 if n.second>40 else 1); print(n.strftime("%H:%M"))')
REMIND_EPOCH=$(python3 -c 'import datetime as d,sys; n=d.datetime.now(d.timezone.utc); h,m=map(int,sys.argv[1].split(":")); t=n.replace(hour=h,minute=m,second=0,microsecond=0); t+=d.timedelta(days=1) if t<n else d.timedelta(0); print(int(t.timestamp()))' "$REMIND_AT")
for h in a b; do
    port=$PORT_A; [ "$h" = b ] && port=$PORT_B
    cat > "$T/musaid-$h.toml" <<EOF
[milter]
listen = "inet:127.0.0.1:$port"
[store]
url = "redis://127.0.0.1:$REDIS_PORT/"
timeout = "2s"

[[mailbox]]
address = "ceo@example.com"
delegate = "assistant@example.com"
working_hours = "00:00-24:00"
working_days = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

[outbox]
relay = "smtp://127.0.0.1:$SMTP_PORT"
retry_after = "1s"

[tracking]
remind_at = "$REMIND_AT"
remind_after = "1s"

[[rule]]
name = "escalate-outages"
when.all = [{ recipient = "ceo@example.com" }, { subject = "outage" }]
then = { escalate = { to = "delegate", if_unanswered_within = "4s" } }
EOF
    "$musaid" --config "$T/musaid-$h.toml" serve >>"$T/musaid-$h.log" 2>&1 &
    [ "$h" = a ] && pid_a=$! || pid_b=$!
    for _ in $(seq 100); do grep -q "milter ready" "$T/musaid-$h.log" 2>/dev/null && break; sleep 0.1; done
    grep -q "milter ready" "$T/musaid-$h.log" || { echo "e2e: musaid $h did not start"; cat "$T/musaid-$h.log"; exit 2; }
done


# ---- six urgent messages through A; the owner answers number 3 through B ----------------------------
for n in 1 2 3 4 5 6; do
    swaks --server 127.0.0.1 --port "$SMTP_PORT" --helo client.example.net --from partner@partner.example.org \
          --to ceo@example.com --header "Subject: Site outage $n [h$n]" --header "Message-Id: <outage-$n@partner.example.org>" \
          --body "Region $n is down." >"$T/h$n.log" 2>&1
done
tagged=0
for n in 1 2 3 4 5 6; do f=$(wait_mail ceo "h$n\]") && grep -q '^X-Musaid-Category' "$f" && tagged=$((tagged+1)); done
[ "$tagged" = 6 ] && ok "six messages delivered and tagged through musaid A" || fail "only $tagged of 6 tagged"
swaks --server 127.0.0.1 --port "$SUB_PORT" --helo ceo-laptop --from ceo@example.com --to partner@partner.example.org \
      --header "Subject: Re: Site outage 3 [r3]" --header "In-Reply-To: <outage-3@partner.example.org>" \
      --body "On it." >"$T/r3.log" 2>&1
grep -q "queued as" "$T/r3.log" && ok "the reply went through the submission service (musaid B)" || fail "reply not accepted: $(tail -n3 "$T/r3.log")"

# ---- escalations: five, each once, none for the answered one --------------------------------------
for n in 1 2 4 5 6; do wait_mail assistant "Subject: \[Escalation\] Site outage $n \[h$n\]" >/dev/null; done
sleep 4   # more scheduler rounds on both hosts: nothing more may arrive
dups=""
for n in 1 2 4 5 6; do
    c=$(grep -l "Subject: \[Escalation\] Site outage $n \[h$n\]" "$T/mail/assistant/new/"* 2>/dev/null | wc -l)
    [ "$c" = 1 ] || dups="$dups $n:$c"
done
[ -z "$dups" ] && ok "each of the five unanswered escalations reached the delegate exactly once" || fail "escalations not once each (message:count):$dups"
! grep -qs "Subject: \[Escalation\] Site outage 3 " "$T/mail/assistant/new/"* \
    && ok "the message answered through host B was not escalated (cancelled)" || fail "answered message escalated"
fired_a=$(grep -c "escalation fired" "$T/musaid-a.log"); fired_b=$(grep -c "escalation fired" "$T/musaid-b.log")
[ $((fired_a + fired_b)) = 5 ] && ok "fired by the two hosts together five times (A: $fired_a, B: $fired_b)" \
    || fail "hosts fired $fired_a + $fired_b times"

# ---- one reminder, from whichever host, listing exactly the unanswered messages ----------------------
while [ "$(date +%s)" -lt "$REMIND_EPOCH" ]; do sleep 1; done
if f=$(wait_mail ceo '^Subject: Reminder: 5 messages without a reply'); then
    listed=$(python3 -c '
import email, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
body = m.get_payload(decode=True).decode()
print(" ".join(sorted(l.split("[h")[1].rstrip("]") for l in body.splitlines() if "[h" in l)))
' "$f")
    [ "$listed" = "1 2 4 5 6" ] && ok "the reminder lists exactly the unanswered messages ($listed)" || fail "reminder lists: $listed"
else fail "no reminder arrived"; fi
sleep 2
[ "$(grep -l '^Subject: Reminder: ' "$T/mail/ceo/new/"* | wc -l)" = 1 ] && ok "one reminder across the two hosts" || fail "reminders sent more than once"

# ---- the shared store holds B's measurement of A's message -----------------------------------------
stats=$("$musaid" --config "$T/musaid-a.toml" stats --mailbox ceo@example.com --days 1 --json)
echo "$stats" | grep '"mailbox":"ceo@example.com"' | grep -q '"replies":1,' \
    && ok "response time measured by B, read through A's config: $(echo "$stats" | grep -o '"response":{[^}]*}')" \
    || fail "no shared response time: $stats"
echo "$stats" | grep '"mailbox":"ceo@example.com"' | grep -q '"escalations_fired":5,"escalations_cancelled":1,' \
    && ok "counters: 5 escalations fired, 1 cancelled" || fail "escalation counters wrong: $stats"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
