#!/usr/bin/env bash
# The one test command: installs what the tests need, then runs every check and test.
#
#   scripts/test.sh
#
# As root (CI, a fresh Debian machine): installs postfix, swaks, redis-server, redis-tools,
# python3 and python3-venv (the calendar reference: python-dateutil and icalendar are
# installed by the test into a virtual environment under target/ when python3 lacks them),
# chromium (renders the HTML digest headless), fonts-dejavu-core, dovecot-imapd and
# dovecot-sieve (sievec compiles the generated Sieve scripts; a private Dovecot instance runs
# the IMAPSieve learning scripts), and for the Debian package adduser, binutils and systemd
# (only its systemd-analyze is used; nothing is started) with apt-get, and cargo-deb with
# cargo install (no service is started by the package; the tests start their own
# redis-server and Postfix instances on free loopback ports and stop them by PID).
# Otherwise it expects them to be installed already. Then: formatting, clippy, a build,
# check-config on every shipped configuration, the Rust tests (unit, milter protocol,
# corpus, the store contract on SQLite and Redis standalone/Cluster/Sentinel, Redis faults,
# recurrence and time zones against python-dateutil, zoneinfo and python-icalendar),
# the end-to-end test through a private Postfix instance, IMAP learning through a private
# Dovecot instance, a fault test of the store on a full
# disk (a 1 MB tmpfs), a smoke run of the benchmark harness, and the Debian package: built
# with cargo deb (a release build), installed with dpkg -i, run as its unit runs it with a
# private Postfix delivering through it, removed and purged.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

if [ "$(id -u)" = 0 ]; then
    step "installing test dependencies (postfix, swaks, redis-server, redis-tools, python3, python3-venv, chromium, fonts-dejavu-core, dovecot-imapd, dovecot-sieve, adduser, binutils, systemd, cargo-deb)"
    export DEBIAN_FRONTEND=noninteractive
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections 2>/dev/null || true
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends postfix swaks redis-server redis-tools python3 python3-venv chromium fonts-dejavu-core dovecot-imapd dovecot-sieve adduser binutils systemd >/dev/null
    # The version the package metadata in Cargo.toml is written for.
    if ! cargo deb --version 2>/dev/null | grep -q '^3\.8\.'; then
        cargo install --quiet --locked cargo-deb --version 3.8.0
    fi
fi
for tool in postfix swaks redis-server redis-cli python3 chromium sievec dovecot systemd-analyze cargo-deb; do
    command -v "$tool" >/dev/null || { echo "missing $tool: run this script as root to install it"; exit 1; }
done

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy --all-targets -- -D warnings"
cargo clippy --locked --all-targets -- -D warnings

step "no import cycles between modules"
python3 scripts/module-graph.py

step "cargo build"
cargo build --locked

step "musaid check-config on every shipped configuration"
for f in conf/*.toml packaging/*.toml; do ./target/debug/musaid check-config "$f"; done

log=$(mktemp)
trap 'rm -f "$log"' EXIT

step "cargo test"
cargo test --locked 2>&1 | tee -a "$log"

step "benchmark harness smoke run (figures not asserted)"
bench/run.sh --smoke

step "end-to-end through Postfix"
tests/e2e/postfix.sh target/debug/musaid 2>&1 | tee -a "$log"

step "end-to-end: two musaid hosts sharing one Redis behind Postfix"
tests/e2e/two-hosts.sh target/debug/musaid 2>&1 | tee -a "$log"

step "end-to-end: readers teach musaid through a real Dovecot (IMAPSieve)"
tests/e2e/dovecot.sh target/debug/musaid 2>&1 | tee -a "$log"

step "fault test: the SQLite store on a full disk"
cargo build --locked --quiet --example milter_load
tests/e2e/disk-full.sh target/debug/musaid target/debug/examples/milter_load 2>&1 | tee -a "$log"

step "the Debian package: cargo deb, dpkg -i, run as the unit runs it, Postfix through it, purge"
cargo deb --locked --quiet
tests/e2e/package.sh "$(ls -t target/debian/musaid_*.deb | head -n1)" 2>&1 | tee -a "$log"

# One closing line for everything above (cargo's per-binary lines and the e2e line).
passed=$(grep -hoE '[0-9]+ passed' "$log" | awk '{ s += $1 } END { print s + 0 }')
failed=$(grep -hoE '[0-9]+ failed' "$log" | awk '{ s += $1 } END { print s + 0 }')
echo
echo "summary: $passed passed, $failed failed"
[ "$failed" = 0 ]
