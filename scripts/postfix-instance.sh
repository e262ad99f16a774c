# shellcheck shell=bash
# A private Postfix instance for tests and benchmarks; source this file.
#
# The instance has its own config directory, queue, data directory and log under one
# directory, listens on a loopback port, runs no service chrooted, and is registered in the
# default instance's alternate_config_directories only while it exists (commands such as
# postdrop refuse unlisted config directories). Needs root, postfix, python3.
#
#   pf_setup DIR PORT          write main.cf and master.cf (then add settings with pf_conf)
#   pf_conf DIR 'key = value'  set a main.cf parameter
#   pf_submission DIR PORT [MILTER]  add a submission-like service (outbound for musaid),
#                              optionally with its own milter
#   wait_mail USER PATTERN     a delivered message of USER (in the instance at $T)
#   pf_start DIR / pf_reload DIR / pf_stop DIR (by the master's PID) / pf_forget DIR

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

pf_setup() {
    local dir=$1 port=$2
    mkdir -p "$dir/etc" "$dir/spool" "$dir/data" "$dir/mail"
    chmod 755 "$dir"
    chown postfix "$dir/data"
    chown 65534:65534 "$dir/mail"
    : > "$dir/etc/vmailbox"
    cat > "$dir/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $dir/spool
data_directory = $dir/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.example.com
mydomain = example.com
myorigin = example.com
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
recipient_delimiter = +
virtual_mailbox_domains = example.com
virtual_mailbox_base = $dir/mail
virtual_mailbox_maps = texthash:$dir/etc/vmailbox
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
alias_maps =
alias_database =
local_recipient_maps =
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtputf8_enable = no
biff = no
maillog_file = $dir/maillog
maillog_file_prefixes = /var, /dev/stdout, /tmp
milter_default_action = accept
EOF
    cat > "$dir/etc/master.cf" <<EOF
127.0.0.1:$port inet n - n - - smtpd
pickup    unix  n       -       n       1       1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
    # The system's own main.cf is never edited (no alternate_config_directories entry): as
    # root, `postfix -c DIR` and `sendmail` with MAIL_CONFIG=DIR need none.
}

pf_conf() { postconf -c "$1/etc" -e "$2"; }

# pf_submission DIR PORT [MILTER]: a second smtpd, like the submission service, whose mail
# musaid sees as outbound ({daemon_name} ORIGINATING); MILTER (e.g. inet:127.0.0.1:7358)
# replaces smtpd_milters for this service only.
pf_submission() {
    local milter=""
    [ -n "${3:-}" ] && milter=" -o smtpd_milters=$3"
    echo "127.0.0.1:$2 inet n - n - - smtpd -o syslog_name=postfix/submission -o milter_macro_daemon_name=ORIGINATING$milter" >> "$1/etc/master.cf"
}

# wait_mail USER PATTERN: waits up to 20 s for a message delivered to USER of the instance in
# $T containing PATTERN (a grep -E pattern); prints the file name.
wait_mail() {
    for _ in $(seq 200); do
        f=$(grep -lE -- "$2" "$T/mail/$1/new/"* 2>/dev/null | head -n1)
        [ -n "$f" ] && { echo "$f"; return 0; }
        sleep 0.1
    done
    return 1
}

pf_start() {
    postfix -c "$1/etc" set-permissions >/dev/null 2>&1
    postfix -c "$1/etc" check && postfix -c "$1/etc" start >/dev/null 2>&1
}

pf_reload() { postfix -c "$1/etc" reload >/dev/null 2>&1; }

pf_stop() {
    local dir=$1 pid
    [ -f "$dir/spool/pid/master.pid" ] || return 0
    pid=$(tr -d ' ' < "$dir/spool/pid/master.pid")
    postfix -c "$dir/etc" stop >/dev/null 2>&1
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
    return 0
}

# pf_forget DIR: nothing of the instance is left in the system's configuration (none was
# written there); kept so that callers read the same.
pf_forget() { :; }
