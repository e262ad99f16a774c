# shellcheck shell=bash
# A private rspamd 3.x as a milter for the benchmark: Debian's package, its own local.d under
# DIR, the proxy in milter mode with self-scan on a unix socket, 2 workers, DNS pointed at
# loopback (no network lookups), one header-adding rule (milter_headers: X-Spam-Status). Two
# kinds: "stripped" (nearly every module off: rspamd's own floor) and "default" (Debian's
# modules as shipped; those that need the network or Redis find neither and do nothing). The
# first start compiles Hyperscan databases (minutes), cached under DIR/db for later starts.
# Source this file.
#
#   rspamd_setup DIR [stripped|default] ; rspamd_start DIR (waits for the socket) ;
#   rspamd_stop DIR (by PID)

rspamd_setup() {
    local d=$1 kind=${2:-stripped} m
    mkdir -p "$d/local.d" "$d/db" "$d/run"
    chown _rspamd:_rspamd "$d/db" "$d/run" 2>/dev/null || chown _rspamd "$d/db" "$d/run"
    if [ "$kind" = stripped ]; then
        for m in /etc/rspamd/modules.d/*.conf; do
            m=$(basename "$m" .conf)
            [ "$m" = milter_headers ] && continue
            echo "enabled = false;" > "$d/local.d/$m.conf"
        done
    fi
    cat > "$d/local.d/milter_headers.conf" <<EOC
use = ["x-spam-status"];
skip_local = false;
skip_authenticated = false;
EOC
    cat > "$d/local.d/options.inc" <<EOC
dns { nameserver = ["127.0.0.1:53"]; timeout = 0.1s; retransmits = 1; }
EOC
    cat > "$d/local.d/logging.inc" <<EOC
type = "file";
filename = "$d/rspamd.log";
level = "error";
EOC
    cat > "$d/local.d/worker-proxy.inc" <<EOC
bind_socket = "$d/proxy.sock mode=0666";
milter = yes;
timeout = 120s;
count = 2;
upstream "local" { default = yes; self_scan = yes; }
EOC
    echo "enabled = false;" > "$d/local.d/worker-normal.inc"
    echo "enabled = false;" > "$d/local.d/worker-controller.inc"
    echo "enabled = false;" > "$d/local.d/worker-fuzzy.inc"
}

rspamd_start() {
    local d=$1
    rspamd -f -u _rspamd -g _rspamd -c /etc/rspamd/rspamd.conf \
        --var="LOCAL_CONFDIR=$d" --var="DBDIR=$d/db" --var="RUNDIR=$d/run" --var="LOGDIR=$d" \
        > "$d/stdout.log" 2>&1 &
    echo $! > "$d/main.pid"
    for _ in $(seq 3000); do
        [ -S "$d/proxy.sock" ] && return 0
        kill -0 "$(cat "$d/main.pid")" 2>/dev/null || { echo "rspamd exited:"; tail -5 "$d/stdout.log" "$d/rspamd.log"; return 1; }
        sleep 0.1
    done
    return 1
}

rspamd_stop() {
    local d=$1 pid
    [ -f "$d/main.pid" ] || return 0
    pid=$(cat "$d/main.pid")
    local workers; workers=$(pgrep -P "$pid")
    kill "$pid" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" $workers 2>/dev/null
    return 0
}

# CPU ticks of rspamd's processes: the main process and its workers.
rspamd_ticks() {
    local main n=0 p
    main=$(cat "$1/main.pid")
    for p in $main $(pgrep -P "$main"); do
        n=$(( n + $(awk '{print $14+$15}' "/proc/$p/stat" 2>/dev/null || echo 0) ))
    done
    echo "$n"
}
