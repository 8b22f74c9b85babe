# tests/lib/tap.sh -- tiny TAP-ish helpers for shell tests (source it; bash).
#   ok CMD... "name"        pass if CMD (run via eval of its args) exits 0
#   is GOT WANT "name"      pass if GOT = WANT (string compare)
#   like GOT REGEX "name"   pass if GOT matches the bash ERE REGEX
#   pass "name" / fail "name" [diag]
#   skip "reason"           count a skip (not a pass): prints "ok N # SKIP reason"
#   diag "text"             print "# text" to stderr
#   done_testing            prints "N passed, N failed, N skipped" and returns the
#                           status (a script that ran nothing but skips did not fail)
#   free_port [ADDR]        prints a free TCP port on ADDR (default 127.0.0.1)
#   wait_port ADDR PORT [TIMEOUT_SECS]  wait until ADDR:PORT accepts (default 10 s)
#   proc_alive PID          PID exists and is not a zombie
# Loaded once: sourcing it again (e.g. from postfix.sh) keeps the counters.
[ -n "${_TAP_SH_LOADED:-}" ] && return 0
_TAP_SH_LOADED=1
TAP_N=0
TAP_PASS=0
TAP_FAIL=0
TAP_SKIP=0

diag() { printf '# %s\n' "$*" >&2; }

pass() {
    TAP_N=$((TAP_N + 1)); TAP_PASS=$((TAP_PASS + 1))
    printf 'ok %d - %s\n' "$TAP_N" "$1"
}

fail() {
    TAP_N=$((TAP_N + 1)); TAP_FAIL=$((TAP_FAIL + 1))
    printf 'not ok %d - %s\n' "$TAP_N" "$1"
    shift
    [ $# -gt 0 ] && diag "$@"
    return 0
}

# ok CMD [ARGS...] NAME   -- last argument is the test name; the rest is run as
# a command in the current shell (so servers it starts stay our children); a
# single string argument is eval'ed, so `ok "[ -f x ]" name` works.  Output is
# captured and shown (last 10 lines) only on failure.
# skip REASON -- a check that could not run here; counted apart from the passes
# and shown by tests/run.sh with its reason (under CI=true an unlisted skip fails
# the run: tests/skip-allow.txt)
skip() {
    TAP_N=$((TAP_N + 1)); TAP_SKIP=$((TAP_SKIP + 1))
    printf 'ok %d # SKIP %s\n' "$TAP_N" "$1"
    return 0
}

ok() {
    local name="${*: -1}"
    local -a cmd=("${@:1:$#-1}")
    local rc out="${TMPDIR:-/tmp}/tap.$$.out"
    if [ "${#cmd[@]}" -eq 1 ]; then
        eval "${cmd[0]}" >"$out" 2>&1 </dev/null; rc=$?
    else
        "${cmd[@]}" >"$out" 2>&1 </dev/null; rc=$?
    fi
    if [ "$rc" -eq 0 ]; then
        pass "$name"
    else
        fail "$name" "command failed (rc=$rc): ${cmd[*]}"
        tail -n 10 "$out" 2>/dev/null | sed 's/^/#   /' >&2
    fi
    rm -f "$out"
    return 0
}

is() {
    if [ "$1" = "$2" ]; then pass "$3"
    else fail "$3" "got: '$1'" && diag "want: '$2'"; fi
}

like() {
    if [[ "$1" =~ $2 ]]; then pass "$3"
    else fail "$3" "got: '$1'" && diag "does not match: /$2/"; fi
}

done_testing() {
    printf '1..%d\n' "$TAP_N"
    printf '%d passed, %d failed, %d skipped\n' "$TAP_PASS" "$TAP_FAIL" "$TAP_SKIP"
    [ "$TAP_FAIL" -eq 0 ] && [ "$TAP_N" -gt 0 ]
}

# shellcheck disable=SC2120  # ADDR is optional
# mail_user - sets RUN_USER: the user hostile mail is handled as, 'abusedesk'
# (a system user, created when missing) when the tests run as root, else empty
mail_user() {
	RUN_USER=
	[ "$(id -u)" = 0 ] || return 0
	id abusedesk >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin abusedesk
	RUN_USER=abusedesk
}

free_port() {
    "${SINK_PYTHON:-python3}" -c 'import socket,sys
s=socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET)
s.bind((sys.argv[1],0)); print(s.getsockname()[1]); s.close()' "${1:-127.0.0.1}"
}

wait_port() {
    local addr="$1" port="$2" timeout="${3:-10}"
    "${SINK_PYTHON:-python3}" - "$addr" "$port" "$timeout" <<'PY'
import socket, sys, time
addr, port, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
end = time.monotonic() + timeout
while time.monotonic() < end:
    try:
        socket.create_connection((addr, port), timeout=1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
PY
}

# proc_alive PID -- true if PID exists and is not a zombie (a daemon's zombie
# may linger when PID 1 of the container is slow to reap orphans).
proc_alive() {
    kill -0 "$1" 2>/dev/null || return 1
    local st
    st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
    [ "$st" != Z ]
}
