# tests/lib/servers.sh -- start/stop the loopback SMTP and HTTP sinks (source from bash).
#
#   sink_start DIR PORT [none|4xx|5xx|slow [SECONDS]] [smtpsink.py args...]
#                                  SMTP sink (smtpsink.py) -> DIR/NNNN.eml/.env; the mode
#                                  may be left out before options, e.g.
#                                  sink_start DIR PORT --starttls CERT KEY --auth u:p
#   sink_stop DIR
#   sink_count DIR                 number of messages received (DIR/*.eml)
#   sink_wait DIR N [TIMEOUT]      wait until at least N messages were received
#   http_start DIR PORT [httpsink.py args: --secret S --status CODE --slow SECS]
#   http_stop DIR
#   http_count DIR                 number of requests recorded (DIR/*.hdr)
#   http_wait DIR N [TIMEOUT]      wait until at least N requests were recorded
#
# Servers bind $SINK_ADDR (default 127.0.0.1; loopback only), run in the
# background, and are stopped by the PID recorded in DIR/smtpsink.pid or
# DIR/httpsink.pid (TERM, then KILL after 5 s).  Their stdout/stderr go to
# DIR/smtpsink.log / DIR/httpsink.log.  They run under /usr/bin/python3 (the
# Debian interpreter that has python3-aiosmtpd), override with $SINK_PYTHON.

_SRV_LIBDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib/tap.sh disable=SC1091
declare -F wait_port >/dev/null || . "$_SRV_LIBDIR/tap.sh"
: "${SINK_ADDR:=127.0.0.1}"
if [ -z "${SINK_PYTHON:-}" ]; then
    if [ -x /usr/bin/python3 ]; then SINK_PYTHON=/usr/bin/python3; else SINK_PYTHON=python3; fi
fi

_srv_start() {   # NAME DIR PORT ARGS...
    local name="$1" dir="$2" port="$3" pid; shift 3
    mkdir -p "$dir" || return 1
    if [ -f "$dir/$name.pid" ] && proc_alive "$(cat "$dir/$name.pid")"; then
        echo "servers.sh: $name already running in $dir" >&2; return 1
    fi
    "$SINK_PYTHON" "$_SRV_LIBDIR/$name.py" --addr "$SINK_ADDR" --port "$port" --dir "$dir" "$@" \
        </dev/null >>"$dir/$name.log" 2>&1 &
    pid=$!
    printf '%s\n' "$pid" >"$dir/$name.pid"
    for _ in $(seq 100); do
        if ! proc_alive "$pid"; then
            echo "servers.sh: $name exited: $(tail -n 3 "$dir/$name.log")" >&2
            rm -f "$dir/$name.pid"; return 1
        fi
        wait_port "$SINK_ADDR" "$port" 0.2 && return 0
    done
    echo "servers.sh: $name did not listen on $SINK_ADDR:$port" >&2
    _srv_stop "$name" "$dir"; return 1
}

_srv_stop() {    # NAME DIR
    local name="$1" dir="$2" pid
    [ -f "$dir/$name.pid" ] || return 0
    pid=$(cat "$dir/$name.pid")
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null
        for _ in $(seq 50); do
            proc_alive "$pid" || break
            sleep 0.1
        done
        proc_alive "$pid" && kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    fi
    rm -f "$dir/$name.pid"
    return 0
}

_srv_wait() {    # GLOB-EXT DIR N TIMEOUT
    local ext="$1" dir="$2" n="$3" timeout="${4:-10}" end
    end=$((SECONDS + timeout))
    while [ "$(_srv_count "$ext" "$dir")" -lt "$n" ]; do
        [ "$SECONDS" -ge "$end" ] && return 1
        sleep 0.1
    done
}
_srv_count() { find "$2" -maxdepth 1 -name "[0-9]*.$1" 2>/dev/null | wc -l | tr -d ' '; }

sink_start() {
    local dir="$1" port="$2" mode=none secs=5
    shift 2
    case "${1:-}" in
        '') [ $# -gt 0 ] && shift ;;
        -*) ;;
        *) mode=$1; shift ;;
    esac
    if [ "$mode" = slow ]; then
        case "${1:-}" in
            [0-9]*) secs=$1; shift ;;
        esac
        _srv_start smtpsink "$dir" "$port" --fail-mode slow --slow "$secs" "$@"
    else
        _srv_start smtpsink "$dir" "$port" --fail-mode "$mode" "$@"
    fi
}
sink_stop()  { _srv_stop smtpsink "$1"; }
sink_count() { _srv_count eml "$1"; }
sink_wait()  { _srv_wait eml "$1" "$2" "${3:-10}"; }

http_start() { local dir="$1" port="$2"; shift 2; _srv_start httpsink "$dir" "$port" "$@"; }
http_stop()  { _srv_stop httpsink "$1"; }
http_count() { _srv_count hdr "$1"; }
http_wait()  { _srv_wait hdr "$1" "$2" "${3:-10}"; }
