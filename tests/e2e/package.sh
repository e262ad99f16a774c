#!/usr/bin/env bash
# The Debian package as an administrator meets it: install, run, deliver, remove, purge.
#
# Installs the .deb built by `cargo deb` with dpkg -i on this machine, checks its files, the
# musaid user and group and the directories the maintainer scripts create, runs the
# installed unit's ExecStartPre and ExecStart lines as the musaid user with the installed
# configuration (there is no systemd here: setpriv does what User=, Group= and UMask= do),
# has a private Postfix instance deliver a message through the installed musaid on its unix
# socket in /var/spool/postfix/musaid (the way the package sets it up for Postfix's group),
# then removes the package (configuration, store and user stay) and purges it (nothing of it
# is left: the file lists of /etc, /usr, /var and the user database are compared with a
# snapshot taken before installing). Needs root, dpkg, postfix, swaks and systemd-analyze
# (scripts/test.sh installs them). Prints "N passed, M failed".
#
# Usage: tests/e2e/package.sh target/debian/musaid_VERSION_ARCH.deb
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
deb=${1:?usage: tests/e2e/package.sh PATH-TO-DEB}
[ -f "$deb" ] || { echo "package: no package at $deb (cargo deb first)"; exit 2; }
[ "$(id -u)" = 0 ] || { echo "package: must run as root (dpkg -i)"; exit 2; }
for tool in dpkg postfix swaks setpriv readelf systemd-analyze; do
    command -v "$tool" >/dev/null || { echo "package: $tool is required (run scripts/test.sh)"; exit 2; }
done
getent group postfix >/dev/null || { echo "package: Postfix's group is missing (install postfix first)"; exit 2; }

T=$(mktemp -d /tmp/musaid-package.XXXXXX)
passed=0; failed=0
musaid_pid=""

. "$root/scripts/postfix-instance.sh"
SMTP_PORT=$(free_port)

ok()   { passed=$((passed+1)); echo "ok   - $*"; }
fail() { failed=$((failed+1)); echo "FAIL - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else fail "$what"; fi; }

cleanup() {
    [ -n "$musaid_pid" ] && kill "$musaid_pid" 2>/dev/null && wait "$musaid_pid" 2>/dev/null
    pf_stop "$T"
    if [ "$failed" -gt 0 ] || [ -n "${KEEP_E2E:-}" ]; then
        echo "--- maillog (tail)"; tail -n 30 "$T/maillog" 2>/dev/null
        echo "--- musaid log (tail)"; tail -n 30 "$T/musaid.log" 2>/dev/null
    fi
    # Never leave the package behind, whatever failed.
    dpkg-query -W musaid >/dev/null 2>&1 && dpkg --purge musaid >/dev/null 2>&1
    [ -z "${KEEP_E2E:-}" ] && rm -rf "$T"
}
trap cleanup EXIT

# What exists on the system: every path under /etc, /usr and /var except the package
# manager's own records, caches, logs and backup files of the user database.
snapshot() {
    find /etc /usr /var -xdev \
        \( -path /var/lib/dpkg -o -path /var/lib/apt -o -path /var/cache -o -path /var/log \
           -o -path /var/tmp -o -path /var/mail -o -path /var/spool/postfix/pid \) -prune \
        -o \( ! -name '*-' -print \) 2>/dev/null | sort
}
users() { grep -h '^musaid:' /etc/passwd /etc/group /etc/shadow /etc/gshadow 2>/dev/null; }

# A run that failed half-way may have left the package installed.
dpkg-query -W musaid >/dev/null 2>&1 && dpkg --purge musaid >/dev/null 2>&1
snapshot > "$T/before"

# ---- install -----------------------------------------------------------------------------
if dpkg -i "$deb" > "$T/dpkg-install.log" 2>&1; then ok "dpkg -i installs the package"
else fail "dpkg -i installs the package"; cat "$T/dpkg-install.log"; exit 1; fi

listed() { dpkg -L musaid | grep -qx "$1"; }
for f in /usr/bin/musaid /etc/musaid/musaid.toml \
         /usr/share/doc/musaid/examples/musaid.toml /usr/share/doc/musaid/examples/postfix/header_checks \
         /usr/share/doc/musaid/copyright /usr/share/man/man8/musaid.8.gz /usr/share/man/man5/musaid.toml.5.gz \
         /usr/lib/systemd/system/musaid.service /usr/lib/systemd/system/musaid-report.service \
         /usr/lib/systemd/system/musaid-report.timer /usr/lib/systemd/system/musaid-report-monthly.timer \
         /usr/share/bash-completion/completions/musaid /usr/share/zsh/vendor-completions/_musaid \
         /usr/share/fish/vendor_completions.d/musaid.fish; do
    check "the package installs $f" listed "$f"
done
check "/etc/musaid/musaid.toml is a conffile" \
    sh -c "dpkg-query -W -f='\${Conffiles}' musaid | grep -q ' /etc/musaid/musaid.toml '"
check "the binary is stripped (its debug symbols are in musaid-dbgsym)" \
    sh -c "! readelf -S -W /usr/bin/musaid | grep -Eq '\.debug_(info|line|str|abbrev)'"
check "musaid --version runs" sh -c "/usr/bin/musaid --version | grep -q '^musaid '"

check "the musaid system user exists, without a login shell" \
    sh -c "getent passwd musaid | grep -Eq '^musaid:x:[0-9]+:[0-9]+:.*:/var/lib/musaid:/usr/sbin/nologin$'"
check "the musaid group exists" sh -c "getent group musaid >/dev/null"
modes() { stat -c '%U:%G %a' "$1"; }
check "/var/lib/musaid is musaid's alone (musaid:musaid 750)" test "$(modes /var/lib/musaid)" = "musaid:musaid 750"
check "/var/spool/postfix/musaid is musaid's, setgid postfix (musaid:postfix 2750)" \
    test "$(modes /var/spool/postfix/musaid)" = "musaid:postfix 2750"
check "the configuration is readable by musaid, not by everyone (root:musaid 640)" \
    test "$(modes /etc/musaid/musaid.toml)" = "root:musaid 640"
check "the installed configuration passes check-config as musaid" \
    setpriv --reuid=musaid --regid=musaid --init-groups /usr/bin/musaid check-config /etc/musaid/musaid.toml
check "the full example passes check-config" \
    /usr/bin/musaid check-config /usr/share/doc/musaid/examples/musaid.toml
for unit in musaid.service musaid-report.service musaid-report-monthly.service; do
    score=$(systemd-analyze security --offline=true "/usr/lib/systemd/system/$unit" 2>/dev/null \
        | sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p')
    check "$unit is hardened: exposure $score (at most 2.0)" \
        awk -v s="$score" 'BEGIN { exit !(s != "" && s <= 2.0) }'
done

# ---- run the unit's commands as the unit would ---------------------------------------------
unit_line() { sed -n "s/^$1=//p" /usr/lib/systemd/system/musaid.service; }
start_pre=$(unit_line ExecStartPre); start=$(unit_line ExecStart)
umask_value=$(unit_line UMask)
as_musaid() { (umask "$umask_value"; exec setpriv --reuid=musaid --regid=musaid --init-groups "$@"); }
# shellcheck disable=SC2086 # the unit's command lines are split into words as systemd does
check "ExecStartPre ($start_pre) passes as musaid" as_musaid $start_pre
# A background subshell that execs: $! is musaid's own PID, to stop it as systemd would.
# shellcheck disable=SC2086
(umask "$umask_value"; exec setpriv --reuid=musaid --regid=musaid --init-groups $start) > "$T/musaid.log" 2>&1 &
musaid_pid=$!
sock=/var/spool/postfix/musaid/musaid.sock
for _ in $(seq 300); do [ -S "$sock" ] && break; kill -0 "$musaid_pid" 2>/dev/null || break; sleep 0.1; done
check "ExecStart ($start) listens on $sock" test -S "$sock"
check "the socket is musaid's, in Postfix's group, mode 660" test "$(modes "$sock")" = "musaid:postfix 660"
check "the store is created in /var/lib/musaid, owned by musaid" \
    sh -c "stat -c %U /var/lib/musaid/musaid.db 2>/dev/null | grep -qx musaid"

# ---- Postfix delivers through the installed musaid -----------------------------------------
pf_setup "$T" "$SMTP_PORT"
echo "ceo@example.com ceo/" >> "$T/etc/vmailbox"
pf_conf "$T" "smtpd_milters = { unix:$sock, connect_timeout=10s, default_action=tempfail }"
pf_conf "$T" "milter_default_action = tempfail"
pf_start "$T" || { fail "the private Postfix starts"; exit 1; }
swaks --server "127.0.0.1:$SMTP_PORT" --from lina@partner.example.org --to ceo@example.com \
    --header "Subject: Board pack for Thursday" \
    --body "Please review the attached board pack before Thursday's meeting." > "$T/swaks.log" 2>&1
delivered=$(wait_mail ceo 'X-Musaid-Category' || true)
check "Postfix (as the postfix user) reaches musaid on the socket and delivers the message tagged" \
    test -n "$delivered"
[ -n "$delivered" ] && check "the tags come from the installed musaid" grep -q '^X-Musaid-Priority: ' "$delivered"
pf_stop "$T"
kill "$musaid_pid"; wait "$musaid_pid" 2>/dev/null; musaid_pid=""
check "musaid removes its socket when it stops" test ! -e "$sock"

# ---- remove keeps the data, purge removes it -----------------------------------------------
dpkg -r musaid > "$T/dpkg-remove.log" 2>&1
check "dpkg -r removes the program" test ! -e /usr/bin/musaid
check "dpkg -r keeps the configuration" test -f /etc/musaid/musaid.toml
check "dpkg -r keeps the store" test -f /var/lib/musaid/musaid.db
check "dpkg -r keeps the user" sh -c "getent passwd musaid >/dev/null"
dpkg --purge musaid > "$T/dpkg-purge.log" 2>&1
check "dpkg --purge succeeds" sh -c "! dpkg-query -W musaid >/dev/null 2>&1"
check "dpkg --purge removes the user and group" test -z "$(users)"
snapshot > "$T/after"
if diff "$T/before" "$T/after" > "$T/left-behind"; then ok "dpkg --purge leaves nothing behind"
else fail "dpkg --purge leaves nothing behind:"; cat "$T/left-behind"; fi

echo "package: $passed passed, $failed failed"
[ "$failed" = 0 ]
