#!/usr/bin/env bash
# End-to-end test: mail through a real Postfix with musaid as its milter.
#
# Runs a private Postfix instance (its own config directory, queue and log under a temporary
# directory, listening on a free loopback port, no chroot) that delivers example.com to
# Maildirs, with smtpd_milters and non_smtpd_milters pointing at a musaid started here.
# Needs root, postfix and swaks (scripts/test.sh installs them). Stops everything it started,
# by PID, on exit. Prints "N passed, M failed" and exits non-zero on any failure.
#
# Usage: tests/e2e/postfix.sh [PATH-TO-MUSAID-BINARY]
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
musaid=${1:-$root/target/debug/musaid}
[ -x "$musaid" ] || { echo "e2e: no musaid binary at $musaid (cargo build first)"; exit 2; }
command -v postfix >/dev/null && command -v swaks >/dev/null || { echo "e2e: postfix and swaks are required (run scripts/test.sh)"; exit 2; }
[ "$(id -u)" = 0 ] || { echo "e2e: must run as root (Postfix's own processes need it)"; exit 2; }

T=$(mktemp -d /tmp/musaid-e2e.XXXXXX)
passed=0; failed=0
musaid_pid=""

. "$root/scripts/postfix-instance.sh"
SMTP_PORT=$(free_port); MILTER_PORT=$(free_port); SUB_PORT=$(free_port)

ok()   { passed=$((passed+1)); echo "ok   - $*"; }
fail() { failed=$((failed+1)); echo "FAIL - $*"; }

cleanup() {
    [ -n "$musaid_pid" ] && kill "$musaid_pid" 2>/dev/null && wait "$musaid_pid" 2>/dev/null
    pf_stop "$T"
    if [ "$failed" -gt 0 ] || [ -n "${KEEP_E2E:-}" ]; then
        echo "--- maillog (tail)"; tail -n 40 "$T/maillog" 2>/dev/null
        echo "--- musaid log (tail)"; tail -n 40 "$T/musaid.log" 2>/dev/null
    fi
    pf_forget "$T"
    [ -z "${KEEP_E2E:-}" ] && rm -rf "$T"
}
trap cleanup EXIT

# ---- Postfix instance ------------------------------------------------------------------
pf_setup "$T" "$SMTP_PORT"
pf_submission "$T" "$SUB_PORT"
for u in ceo support billing helpdesk accounting assistant crm-intake sender partner listmaster; do
    echo "$u@example.com $u/" >> "$T/etc/vmailbox"
done
cp "$root/conf/postfix/header_checks" "$T/etc/musaid_header_checks"
pf_conf "$T" "header_checks = regexp:$T/etc/musaid_header_checks"
pf_conf "$T" "smtpd_milters = { inet:127.0.0.1:$MILTER_PORT, connect_timeout=10s, default_action=accept }"
pf_conf "$T" "non_smtpd_milters = { inet:127.0.0.1:$MILTER_PORT, connect_timeout=10s, default_action=accept }"
pf_start "$T" || { echo "e2e: postfix did not start"; cat "$T/maillog"; exit 2; }

# ---- musaid --------------------------------------------------------------------------------
cat > "$T/musaid.toml" <<EOF
[milter]
listen = "inet:127.0.0.1:$MILTER_PORT"
[store]
url = "sqlite:$T/musaid.db"

[[mailbox]]
address = "ceo@example.com"
delegate = "assistant@example.com"
working_hours = "00:00-24:00"
working_days = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
vip = ["chairman@board.example.net"]
invitations = { on_conflict = "counter" }

[outbox]
relay = "smtp://127.0.0.1:$SMTP_PORT"
retry_after = "1s"

[folders]
newsletter = "Newsletters"

[cleanup]
subaddress = true

[autoreply]
draft_secret_file = "$T/draft.secret"
# The list in test 14 arrives with this MX's verdict (written by the test, as a verifier
# milter before musaid would write it).
trusted_authserv_ids = ["mx.example.com"]

[template.ceo-draft]
body = { en = "Dear {sender_name},\n\nThank you for your proposal; I will come back to you shortly." }

[[rule]]
name = "escalate-outages"
when.all = [{ recipient = "ceo@example.com" }, { subject = "outage" }]
then = { escalate = { to = "delegate", if_unanswered_within = "2s" } }

[[rule]]
name = "draft-proposals"
when.all = [{ recipient = "ceo@example.com" }, { subject = "proposal" }]
then = { draft = "ceo-draft" }

[[mailbox]]
address = "billing@example.com"
autoreply = "billing-ack"

[[mailbox]]
address = "support@example.com"
autoreply = "support-ack"

[template.support-ack]
subject = { en = "Auto: {subject}" }
body = { en = "Thank you, {sender_name}. Your request {reference} was received." }

[template.billing-ack]
subject = { en = "Auto: {subject}" }
body = { en = "Billing received your message." }

[[rule]]
name = "billing-copy"
when.recipient = "billing@example.com"
then = { add_recipient = "accounting@example.com", category = "important" }

[[rule]]
name = "no-exe"
when.attachment = { name = "*.exe" }
then = { reject = { code = "550", xcode = "5.7.1", text = "Executables are not accepted here" } }

[[rule]]
name = "hold-zip"
when.attachment = { name = "*.zip" }
then = { quarantine = "zip held for review" }
EOF
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$T/draft.secret"
start_musaid() {
    "$musaid" --config "$T/musaid.toml" serve >>"$T/musaid.log" 2>&1 &
    musaid_pid=$!
    for _ in $(seq 100); do
        grep -q "milter ready" "$T/musaid.log" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "e2e: musaid did not start"; cat "$T/musaid.log"; exit 2
}
start_musaid

# ---- helpers -----------------------------------------------------------------------------
smtp() { swaks --server 127.0.0.1 --port "$SMTP_PORT" --helo client.example.net "$@" 2>&1; }

# ---- 1. swaks: tagged on delivery --------------------------------------------------------
smtp --from partner@partner.example.org --to ceo@example.com \
     --header "Subject: Contract review [t1]" \
     --body "Could you please review the contract and confirm by Thursday?" > "$T/t1.log"
if f=$(wait_mail ceo 't1\]'); then
    grep -q '^X-Musaid-Category: important' "$f" && grep -q '^X-Musaid-Priority: 2' "$f" && grep -q '^X-Musaid-Reason: ' "$f" \
        && grep -q '^X-Musaid-Thread: [0-9a-f]\{16\}$' "$f" \
        && ok "swaks message delivered with category, priority, reason and thread key" \
        || fail "swaks message lacks musaid headers: $(grep -i '^x-musaid' "$f")"
else fail "swaks message not delivered"; fi

# ---- 2. spoofed headers are removed ------------------------------------------------------
smtp --from x@attacker.example --to ceo@example.com \
     --header "Subject: spoof [t2]" --add-header "X-Musaid-Category: urgent" --add-header "X-Musaid-Priority: 1" \
     --body "hello" > "$T/t2.log"
if f=$(wait_mail ceo 't2\]'); then
    [ "$(grep -c '^X-Musaid-Category:' "$f")" = 1 ] && grep -q '^X-Musaid-Category: deferrable' "$f" \
        && ! grep -q '^X-Musaid-Priority: 1' "$f" \
        && ok "forged X-Musaid-* headers replaced" || fail "forged headers survived: $(grep -i '^x-musaid' "$f")"
else fail "spoof message not delivered"; fi

# ---- 3. sendmail(1) goes through non_smtpd_milters ---------------------------------------
printf 'From: sender@example.com\nTo: ceo@example.com\nSubject: Local note [t3]\n\nPlease call me back.\n' \
    | MAIL_CONFIG="$T/etc" sendmail -f sender@example.com ceo@example.com
if f=$(wait_mail ceo 't3\]'); then
    grep -q '^X-Musaid-Category: ' "$f" && ok "sendmail(1) message delivered with musaid headers" \
        || fail "sendmail(1) message not tagged"
else fail "sendmail(1) message not delivered"; fi

# ---- 4. routing: add_recipient copy reaches its mailbox ----------------------------------
smtp --from vendor@vendor.example --to billing@example.com --header "Subject: Invoice 42 [t4]" --body "Invoice attached." > "$T/t4.log"
if f=$(wait_mail accounting 't4\]'); then
    grep -q '^Cc: accounting@example.com' "$f" && grep -q '^X-Musaid-Category: important' "$f" \
        && ok "rule-added recipient got its copy (visible in Cc)" || fail "copy lacks Cc/category"
else fail "added recipient got nothing"; fi
wait_mail billing 't4\]' >/dev/null && ok "original recipient still got the message" || fail "original recipient lost the message"

# ---- 5. reject with the configured code ------------------------------------------------------
printf 'MZ fake exe' > "$T/setup.exe"
smtp --from a@outside.example --to ceo@example.com --header "Subject: tool [t5]" --attach "@$T/setup.exe" > "$T/t5.log"
grep -q '550 5.7.1 Executables are not accepted here' "$T/t5.log" \
    && ok "reject rule refused the message with 550 5.7.1 and the configured text" \
    || fail "reject rule did not answer as configured: $(grep -E '^ *<~?\*? *5|^ *<~? *4' "$T/t5.log" | tail -n2)"

# ---- 6. quarantine goes to the hold queue ----------------------------------------------------
printf 'PK fake zip' > "$T/files.zip"
smtp --from a@outside.example --to ceo@example.com --header "Subject: files [t6]" --attach "@$T/files.zip" > "$T/t6.log"
held=""
for _ in $(seq 100); do
    held=$(find "$T/spool/hold" -type f 2>/dev/null | head -n1); [ -n "$held" ] && break; sleep 0.1
done
[ -n "$held" ] && ok "quarantine rule put the message on hold" || fail "quarantined message not in the hold queue"

# ---- 7. counters were recorded ---------------------------------------------------------------
stats=$("$musaid" --config "$T/musaid.toml" stats --raw --days 2)
echo "$stats" | grep -qE $'\t\\*\timportant\treceived\t[0-9]+' && echo "$stats" | grep -qE $'billing@example.com\timportant\trouted\t1' \
    && ok "counters recorded per mailbox and for the organisation" || fail "counters missing: $stats"
summary=$("$musaid" --config "$T/musaid.toml" stats --days 2)
echo "$summary" | grep -q '^the organisation (all mail)$' && echo "$summary" | grep -qE '^  by the rules +.*1 routed' \
    && ok "stats summarises per mailbox: $(echo "$summary" | grep -m1 '  received')" || fail "stats summary: $summary"

# ---- 8. SIGHUP reload: a good file takes effect, a broken one is refused ------------------------
cat >> "$T/musaid.toml" <<'EOF'

[[rule]]
name = "reload-marker"
when.recipient = "ceo@example.com"
then = { add_header = { "X-Reloaded" = "yes" } }
EOF
kill -HUP "$musaid_pid"
for _ in $(seq 50); do grep -q "configuration reloaded" "$T/musaid.log" && break; sleep 0.1; done
smtp --from a@outside.example --to ceo@example.com --header "Subject: after reload [t8]" --body "hi" > "$T/t8.log"
f=$(wait_mail ceo 't8\]') && grep -q '^X-Reloaded: yes' "$f" && ok "SIGHUP reload applied the new rule" || fail "reload not applied"
cp "$T/musaid.toml" "$T/musaid.toml.good"
printf '\n[[rule]]\nname = "broken"\nwhen.colour = "red"\nthen = { stop = true }\n' >> "$T/musaid.toml"
kill -HUP "$musaid_pid"
for _ in $(seq 50); do grep -q "configuration not reloaded" "$T/musaid.log" && break; sleep 0.1; done
grep -qE 'musaid.toml:[0-9]+:[0-9]+: rule \\?"broken\\?"\.when: unknown key .colour' "$T/musaid.log" && grep -q "configuration not reloaded" "$T/musaid.log" \
    && ok "broken file on reload: error names file, line, column and rule; old config kept" || fail "broken reload not reported"
smtp --from a@outside.example --to ceo@example.com --header "Subject: after bad reload [t8b]" --body "hi" > "$T/t8b.log"
f=$(wait_mail ceo 't8b\]') && grep -q '^X-Reloaded: yes' "$f" && grep -q '^X-Musaid-Category' "$f" \
    && ok "musaid kept serving with the previous configuration" || fail "serving broken after bad reload"
cp "$T/musaid.toml.good" "$T/musaid.toml"

# ---- 9. acknowledgements ---------------------------------------------------------------------
count_auto() { grep -l '^Subject: Auto: ' "$T/mail/$1/new/"* 2>/dev/null | grep -c . ; }
smtp --from partner@example.com --to support@example.com --header "Subject: VPN broken [t10]" --body "The VPN does not work since this morning." > "$T/t10.log"
if f=$(wait_mail partner 'Subject: Auto: VPN broken \[t10\]'); then
    grep -q '^Auto-Submitted: auto-replied' "$f" && grep -q '^In-Reply-To: <' "$f" && grep -q '^X-Auto-Response-Suppress: All' "$f" \
        && ok "a request to support@ got one acknowledgement with RFC 3834 headers" || fail "acknowledgement headers wrong"
    ! grep -qi '^X-Musaid-' "$f" && grep -q '^Musaid-Origin: v=1; m=' "$f" \
        && ok "the acknowledgement passed back through musaid untagged (recognised as its own)" \
        || fail "own mail tagged on its way out: $(grep -i '^x-musaid' "$f")"
else fail "no acknowledgement arrived"; fi
smtp --from partner@example.com --to support@example.com --header "Subject: still broken [t11]" --body "Any news?" > "$T/t11.log"
smtp --from partner@example.com --to support@example.com --header "Subject: digest [t12]" --add-header "List-Id: <weekly.example.net>" --body "list post" > "$T/t12.log"
smtp --from "" --to support@example.com --header "Subject: Undelivered Mail Returned to Sender [t12b]" --body "bounce" > "$T/t12b.log"
smtp --from partner@example.com --to support@example.com --header "Subject: Automatic reply: away [t12c]" --add-header "Auto-Submitted: auto-replied" --body "I am away" > "$T/t12c.log"
wait_mail support 't12c\]' >/dev/null; sleep 3
[ "$(count_auto partner)" = 1 ] && ok "no second acknowledgement within the period; none for a list post, a bounce or an auto-reply" \
    || fail "partner has $(count_auto partner) acknowledgements"

# Two mailboxes that both acknowledge, writing to each other: one reply each, no loop.
smtp --from billing@example.com --to support@example.com --header "Subject: from billing [t13]" --body "Please check invoice 7." > "$T/t13.log"
wait_mail billing 'Subject: Auto: from billing \[t13\]' >/dev/null && sleep 3
[ "$(count_auto billing)" = 1 ] && [ "$(count_auto support)" = 0 ] \
    && ok "two auto-acknowledging mailboxes: one reply, no loop" || fail "loop: billing $(count_auto billing), support $(count_auto support)"

# The outbox survives kill -9: a reply queued while the relay is unreachable is sent, once,
# after a restart.
sed -i "s|^relay = .*|relay = \"smtp://127.0.0.1:1\"|" "$T/musaid.toml"
kill -HUP "$musaid_pid"; sleep 1
smtp --from sender@example.com --to support@example.com --header "Subject: queued [t14]" --body "Please help." > "$T/t14.log"
wait_mail support 't14\]' >/dev/null; sleep 2
kill -9 "$musaid_pid"; wait "$musaid_pid" 2>/dev/null; musaid_pid=""
sed -i "s|^relay = .*|relay = \"smtp://127.0.0.1:$SMTP_PORT\"|" "$T/musaid.toml"
start_musaid
if wait_mail sender 'Subject: Auto: queued \[t14\]' >/dev/null; then
    sleep 3
    [ "$(grep -l 'Subject: Auto: queued \[t14\]' "$T/mail/sender/new/"* | wc -l)" = 1 ] \
        && ok "outbox survived kill -9: the queued reply was sent once after restart" || fail "queued reply sent more than once"
else fail "queued reply lost after kill -9"; fi

# ---- 10. review drafts -------------------------------------------------------------------------
smtp --from partner@example.com --to ceo@example.com --header "Subject: Our proposal [t15]" --body "Please find our proposal for the new office." > "$T/t15.log"
if f=$(wait_mail assistant 'Subject: Re: Our proposal \[t15\]'); then
    grep -q '^X-Musaid-Draft: [0-9a-f]\{64\}' "$f" && grep -q '^To: <partner@example.com>' "$f" && grep -q '^Delivered-To: assistant+drafts@example.com' "$f" \
        && ok "a review draft reached the delegate at +drafts with its signed marker" || fail "draft lacks marker or addressing: $(grep -E '^(To|Delivered-To|X-Musaid-Draft):' "$f")"
else fail "no draft for the delegate"; fi
sleep 1
! grep -qs 'Subject: Re: Our proposal \[t15\]' "$T/mail/partner/new/"* && ok "the draft was not sent to the original sender" || fail "draft leaked to the sender"
smtp --from x@attacker.example --to ceo@example.com --header "Subject: fake draft [t16]" --add-header "X-Musaid-Draft: 00ff" --body "file me" > "$T/t16.log"
f=$(wait_mail ceo 't16\]') && ! grep -q '^X-Musaid-Draft' "$f" && ok "a forged draft marker is removed" || fail "forged draft marker survived"

# ---- 11. reply tracking through the submission service ----------------------------------------
smtp --from partner@example.com --to ceo@example.com --header "Subject: URGENT: decision needed [t17]" \
     --header "Message-Id: <track-17@partner.example.org>" --body "Please decide today." > "$T/t17.log"
wait_mail ceo 't17\]' >/dev/null
swaks --server 127.0.0.1 --port "$SUB_PORT" --helo ceo-laptop --from ceo@example.com --to partner@example.com \
      --header "Subject: Re: URGENT: decision needed [t17r]" --header "In-Reply-To: <track-17@partner.example.org>" \
      --body "Approved." > "$T/t17r.log" 2>&1
if f=$(wait_mail partner 't17r\]'); then
    ! grep -q '^X-Musaid-Category' "$f" && ok "mail through the submission service is outbound: not categorised" || fail "outbound mail was tagged"
else fail "the reply through the submission service was not delivered"; fi
stats=$("$musaid" --config "$T/musaid.toml" stats --mailbox ceo@example.com --days 1)
echo "$stats" | grep -qE '^  response time +median .* \(1 replies in ' \
    && ok "the reply was measured: $(echo "$stats" | grep 'response time' | sed 's/^ *//')" || fail "no response time recorded: $stats"

# ---- 12. escalation when no reply came in time --------------------------------------------------
smtp --from partner@example.com --to ceo@example.com --header "Subject: Site outage [t18]" --body "The site is down." > "$T/t18.log"
if f=$(wait_mail assistant 'Subject: \[Escalation\] Site outage \[t18\]'); then
    grep -q '^Auto-Submitted: auto-generated' "$f" && ! grep -qs '\[Escalation\] Site outage' "$T/mail/partner/new/"* \
        && ok "no reply within the deadline: the delegate got the escalation, the sender did not" || fail "escalation headers or addressing wrong"
else fail "no escalation arrived"; fi

# ---- 13. the weekly digest, from this traffic, through Postfix, once --------------------------------
today=$(date -u +%F)
"$musaid" --config "$T/musaid.toml" report --period week --for "$today" --mailbox ceo@example.com 2>"$T/report1.log"
if f=$(wait_mail ceo '^Message-ID: <musaid\.report-'); then
    grep -q '^Auto-Submitted: auto-generated' "$f" && grep -q 'multipart/alternative' "$f" && grep -q 'Content-ID: <chart@musaid>' "$f" \
        && ok "the weekly digest reached the mailbox through Postfix (text, HTML, inline chart)" || fail "digest malformed"
else fail "no digest delivered: $(cat "$T/report1.log")"; fi
"$musaid" --config "$T/musaid.toml" report --period week --for "$today" --mailbox ceo@example.com 2>"$T/report2.log"
sleep 1
[ "$(grep -l '^Message-ID: <musaid\.report-' "$T/mail/ceo/new/"* | wc -l)" = 1 ] && grep -q "already sent" "$T/report2.log" \
    && ok "running the job again sends nothing new" || fail "digest sent twice: $(cat "$T/report2.log")"
"$musaid" --config "$T/musaid.toml" report --period week --for "$today" --mailbox ceo@example.com --format text > "$T/digest.txt"
grep -qE '^Urgent +[0-9]+' "$T/digest.txt" && grep -q '^Replies sent: 1$' "$T/digest.txt" \
    && ok "the digest counts the urgent mail and the reply sent through submission" || fail "digest figures wrong: $(cat "$T/digest.txt")"
[ -n "${E2E_SHOW_DIGEST:-}" ] && cat "$T/digest.txt"

# ---- 14. cleanup: filing by subaddress, leaving a list by mailto, a black hole -------------------------
smtp --from news@lists.example.net --to ceo@example.com --header "Subject: Weekly digest [t20]" \
     --add-header "Authentication-Results: mx.example.com; dkim=pass header.d=lists.example.net" \
     --add-header "DKIM-Signature: v=1; a=rsa-sha256; d=lists.example.net; s=s1; h=From:Subject:List-Id:List-Unsubscribe; bh=a=; b=b=" \
     --add-header "List-Id: Weekly <weekly.lists.example.net>" --add-header "Precedence: bulk" \
     --add-header "List-Unsubscribe: <mailto:listmaster@example.com?subject=unsubscribe%20weekly>" --body "This week's news." > "$T/t20.log"
if f=$(wait_mail ceo 't20\]'); then
    grep -q '^X-Musaid-Folder: Newsletters' "$f" && grep -qE '^(X-Original-To|Delivered-To): ceo\+Newsletters@example.com' "$f" \
        && ok "a newsletter was filed by subaddress: delivered to ceo+Newsletters@example.com" \
        || fail "no subaddress filing: $(grep -E '^(X-Musaid-Folder|X-Original-To|Delivered-To):' "$f")"
else fail "newsletter not delivered"; fi
"$musaid" --config "$T/musaid.toml" lists ceo@example.com > "$T/lists.txt"
grep -q '^weekly.lists.example.net	news@lists.example.net	messages 1	' "$T/lists.txt" \
    && ok "the list is remembered: $(cut -f1,3,5 "$T/lists.txt" | head -n1 | tr '\t' ' ')" || fail "list memory: $(cat "$T/lists.txt")"
"$musaid" --config "$T/musaid.toml" unsubscribe ceo@example.com weekly.lists.example.net > "$T/unsub.log" 2>&1
if f=$(wait_mail listmaster '^Subject: unsubscribe$'); then
    grep -q '^From: <\?ceo@example.com>\?' "$f" && grep -q '^Return-Path: <ceo@example.com>' "$f" \
        && ok "mailto unsubscribe reached the list's address through Postfix, from the subscriber" \
        || fail "unsubscribe mail wrongly addressed: $(grep -E '^(From|Return-Path):' "$f")"
else fail "no unsubscribe mail: $(cat "$T/unsub.log")"; fi
"$musaid" --config "$T/musaid.toml" blackhole add ceo@example.com spam.example > "$T/bh.log"
sleep 6   # the running milter reads black holes every 5 s
smtp --from offers@spam.example --to ceo@example.com --header "Subject: Offer [t21]" --body "Buy." > "$T/t21.log"
if f=$(wait_mail ceo 't21\]'); then
    grep -q '^X-Musaid-Folder: Black hole' "$f" && grep -qE '^(X-Original-To|Delivered-To): ceo\+Black-hole@example.com' "$f" \
        && ok "a new black hole files mail to its folder during the grace period" || fail "black hole not applied: $(grep -i '^x-musaid' "$f")"
else fail "black-holed mail lost during the grace period"; fi

# ---- 15. invitations: conflicts at delivery, a counter-proposal, acceptance, cancellation ------------
# Next Monday in UTC (the ceo mailbox works around the clock, in UTC).
day=$(python3 -c 'import datetime as d; t=d.date.today()+d.timedelta(days=7); print((t+d.timedelta(days=(7-t.weekday())%7)).strftime("%Y%m%d"))')
printf 'BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:board-e2e\r\nDTSTART:%sT100000Z\r\nDTEND:%sT120000Z\r\nSUMMARY:Board meeting\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n' "$day" "$day" > "$T/board.ics"
"$musaid" --config "$T/musaid.toml" calendar import ceo@example.com "$T/board.ics" > "$T/import.log" 2>&1 \
    && ok "calendar imported: $(sed 's|.*ics: ||' "$T/import.log")" || fail "import failed: $(cat "$T/import.log")"
# invite FROM TO METHOD UID START END ORGANIZER SUBJECT [PARTSTAT]: an Outlook-like iMIP mail.
invite() {
    printf 'Authentication-Results: mx.example.com; spf=pass smtp.mailfrom=%s\r\n' "$1"
    printf 'From: %s\r\nTo: %s\r\nSubject: %s\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=bb\r\n\r\n--bb\r\nContent-Type: text/plain\r\n\r\nMeeting request.\r\n--bb\r\nContent-Type: text/calendar; charset=utf-8; method=%s\r\n\r\n' "$1" "$2" "$8" "$3"
    printf 'BEGIN:VCALENDAR\r\nMETHOD:%s\r\nBEGIN:VEVENT\r\nUID:%s\r\nSEQUENCE:0\r\nDTSTAMP:20261101T080000Z\r\nDTSTART:%sT%sZ\r\nDTEND:%sT%sZ\r\nSUMMARY:%s\r\nORGANIZER:mailto:%s\r\nATTENDEE;PARTSTAT=%s:mailto:ceo@example.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n--bb--\r\n' \
        "$3" "$4" "$day" "$5" "$day" "$6" "$8" "$7" "${9:-NEEDS-ACTION}"
}
invite partner@example.com ceo@example.com REQUEST inv-a 110000 120000 partner@example.com "Budget call [t30]" > "$T/t30.eml"
smtp --from partner@example.com --to ceo@example.com --data "$T/t30.eml" > "$T/t30.log"
if f=$(wait_mail ceo 't30\]'); then
    grep -q '^X-Musaid-Calendar: conflict; with="Board meeting".*response=counter' "$f" && grep -q '^X-Musaid-Category: meeting' "$f" \
        && ok "an invitation overlapping an imported event is tagged conflict (and countered)" || fail "no conflict tag: $(grep -i '^x-musaid-' "$f")"
else fail "invitation not delivered"; fi
if f=$(wait_mail partner '^Subject: New time proposed: Budget call \[t30\]'); then
    proposal=$(python3 -c '
import email, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
for part in m.walk():
    if part.get_content_type() == "text/calendar":
        lines = part.get_payload(decode=True).decode().splitlines()
        print(next(l[7:] for l in lines if l.startswith("METHOD:")), next(l[8:] for l in lines if l.startswith("DTSTART:")))
' "$f")
    set -- $proposal
    [ "${1:-}" = COUNTER ] && [ -n "${2:-}" ] && { [[ "$2" < "${day}T100000Z" ]] || [[ ! "$2" < "${day}T120000Z" ]]; } \
        && ok "the organiser received an iTIP COUNTER proposing a free slot ($2)" || fail "bad counter-proposal: $proposal"
else fail "no counter-proposal reached the organiser"; fi
# A free slot; the owner accepts it through submission, so that time is then taken.
invite partner@example.com ceo@example.com REQUEST inv-b 140000 150000 partner@example.com "Review [t31]" > "$T/t31.eml"
smtp --from partner@example.com --to ceo@example.com --data "$T/t31.eml" > "$T/t31.log"
f=$(wait_mail ceo 't31\]') && grep -q '^X-Musaid-Calendar: free' "$f" && ok "a free slot is tagged free" || fail "free slot not tagged free"
invite ceo@example.com partner@example.com REPLY inv-b 140000 150000 partner@example.com "Accepted: Review [t32]" ACCEPTED > "$T/t32.eml"
swaks --server 127.0.0.1 --port "$SUB_PORT" --helo ceo-laptop --from ceo@example.com --to partner@example.com --data "$T/t32.eml" > "$T/t32.log" 2>&1
wait_mail partner 't32\]' >/dev/null
"$musaid" --config "$T/musaid.toml" calendar list ceo@example.com --from "$(date -u +%F)" --to "$(date -u -d "$day + 1 day" +%F)" > "$T/cal.txt"
grep -q "accepted	Review \[t31\]" "$T/cal.txt" && ok "the owner's acceptance (REPLY via submission) put the event in the calendar" || fail "acceptance not recorded: $(cat "$T/cal.txt")"
# The organiser cancels it; an invitation at that time is then free.
invite partner@example.com ceo@example.com CANCEL inv-b 140000 150000 partner@example.com "Canceled: Review [t33]" > "$T/t33.eml"
smtp --from partner@example.com --to ceo@example.com --data "$T/t33.eml" > "$T/t33.log"
f=$(wait_mail ceo 't33\]') && grep -q '^X-Musaid-Calendar: cancelled; removed' "$f" && ok "a CANCEL from the organiser removed the event" || fail "cancel not applied"
invite other@example.com ceo@example.com REQUEST inv-c 140000 150000 other@example.com "Sync [t34]" > "$T/t34.eml"
smtp --from other@example.com --to ceo@example.com --data "$T/t34.eml" > "$T/t34.log"
f=$(wait_mail ceo 't34\]') && grep -q '^X-Musaid-Calendar: free' "$f" && ok "after the cancellation the slot is free again" || fail "slot still taken: $(grep -i '^x-musaid-calendar' "$f")"
# A spoofed organiser (not the sender's domain) is only tagged: no counter-proposal.
invite mallory@attacker.example ceo@example.com REQUEST inv-d 110000 120000 partner@example.com "Spoofed [t35]" > "$T/t35.eml"
smtp --from mallory@attacker.example --to ceo@example.com --data "$T/t35.eml" > "$T/t35.log"
f=$(wait_mail ceo 't35\]') && grep -q '^X-Musaid-Calendar: unverified-organizer' "$f" && ok "a spoofed organiser is only tagged unverified-organizer" || fail "spoofed organiser not flagged"
sleep 2
! grep -qs 'Spoofed \[t35\]' "$T/mail/partner/new/"* && ok "nothing was sent for the spoofed invitation" || fail "an answer went out for a spoofed invitation"

# ---- 16. with musaid stopped, mail still flows ----------------------------------------------------
kill "$musaid_pid"; wait "$musaid_pid" 2>/dev/null; musaid_pid=""
grep -q "musaid stopped" "$T/musaid.log" && ok "SIGTERM: graceful shutdown" || fail "no graceful shutdown message"
smtp --from a@outside.example --to ceo@example.com --header "Subject: milter down [t9]" \
     --add-header "X-Musaid-Category: urgent" --add-header "x-musaid-priority: 1" --body "still here" > "$T/t9.log"
if f=$(wait_mail ceo 't9\]'); then
    ! grep -qi '^X-Musaid-' "$f" && ok "with musaid stopped, mail is delivered untagged, forged X-Musaid-* removed by the shipped header_checks" \
        || fail "unexpected or forged tags: $(grep -i '^x-musaid' "$f")"
else fail "mail lost while musaid was down"; fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
