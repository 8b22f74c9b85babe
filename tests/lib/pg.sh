# tests/lib/pg.sh -- a private PostgreSQL cluster for the tests (source from bash).
#
#   pg_start DIR            initdb in DIR/data and start a postmaster on 127.0.0.1 and a
#                           free port (socket in DIR too), as an unprivileged user;
#                           sets PG_PORT, PG_URI (postgresql://abusedesk@127.0.0.1:PORT/abusedesk)
#                           and creates the database. Returns 1 (and says why) when
#                           PostgreSQL is not installed and cannot be.
#   pg_start_or_skip DIR    pg_start, or skip and end the test where it cannot start
#   pg_uri DBNAME           the URI of another database of the cluster (created)
#   pg_psql SQL             run SQL on $PG_URI, unaligned tuples only
#   pg_stop DIR             stop that postmaster by its PID (fast, then KILL) - never the
#                           system's service
#   pg_restart DIR          start the stopped cluster of DIR again, on the same port
#
# The cluster runs as the user 'abusedesk-test' (created when missing) when the
# tests run as root, else as the caller; trust authentication on loopback only.
# It runs with fsync=off unless PG_FSYNC=on (the benchmarks: commits as durable
# as a real server's).

_PG_LIBDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
declare -F free_port >/dev/null || . "$_PG_LIBDIR/tap.sh"

_pg_bindir() {
    local d
    for d in /usr/lib/postgresql/*/bin; do
        [ -x "$d/initdb" ] && { printf '%s\n' "$d"; return 0; }
    done
    return 1
}

_pg_as() {   # run as the cluster's user
    if [ "$(id -u)" -eq 0 ]; then runuser -u abusedesk-test -- "$@"; else "$@"; fi
}

_pg_ctl_start() {   # BIN DIR: the postmaster of DIR on 127.0.0.1:$PG_PORT
    _pg_as "$1/pg_ctl" -D "$2/data" -l "$2/postgres.log" -w -t 60 \
        -o "-h 127.0.0.1 -p $PG_PORT -k $2 -c fsync=${PG_FSYNC:-off} -c max_connections=60" start \
        >>"$2/pg_ctl.log" 2>&1 || { echo "pg.sh: postgres did not start (see $2/postgres.log)" >&2; return 1; }
}

pg_start() {
    local dir="$1" bin
    if ! bin=$(_pg_bindir); then
        sh "$_PG_LIBDIR/deps.sh" test >/dev/null 2>&1
        bin=$(_pg_bindir) || { echo "pg.sh: PostgreSQL is not installed (apt-get install postgresql)" >&2; return 1; }
    fi
    PG_BIN=$bin
    if [ "$(id -u)" -eq 0 ] && ! id abusedesk-test >/dev/null 2>&1; then
        useradd --system --no-create-home --shell /usr/sbin/nologin abusedesk-test || return 1
    fi
    mkdir -p "$dir" && chmod 755 "$dir" || return 1
    [ "$(id -u)" -eq 0 ] && chown abusedesk-test "$dir"
    _pg_as "$bin/initdb" -D "$dir/data" -U abusedesk -A trust -E UTF8 --locale=C.UTF-8 \
        >"$dir/initdb.log" 2>&1 || { echo "pg.sh: initdb failed (see $dir/initdb.log)" >&2; return 1; }
    PG_PORT=$(free_port)
    _pg_ctl_start "$bin" "$dir" || return 1
    PG_DIR=$dir
    PG_URI="postgresql://abusedesk@127.0.0.1:$PG_PORT/abusedesk"
    "$bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U abusedesk abusedesk || return 1
    export PG_PORT PG_URI PG_BIN PG_DIR
}

# pg_start_or_skip DIR - pg_start, or the test ends here with one skip
pg_start_or_skip() {
    pg_start "$1" && return 0
    skip "PostgreSQL cannot be started here"
    done_testing; exit
}

pg_uri() {
    "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U abusedesk "$1" >/dev/null 2>&1
    printf 'postgresql://abusedesk@127.0.0.1:%s/%s\n' "$PG_PORT" "$1"
}

pg_psql() {
    "$PG_BIN/psql" -X -q -At -d "${PG_DB_URI:-$PG_URI}" -c "$1"
}

pg_restart() {
    _pg_ctl_start "$PG_BIN" "$1"
}

pg_stop() {
    local dir="$1" pid
    [ -f "$dir/data/postmaster.pid" ] || return 0
    pid=$(head -n 1 "$dir/data/postmaster.pid")
    [ -n "$pid" ] || return 0
    kill -INT "$pid" 2>/dev/null
    for _ in $(seq 100); do proc_alive "$pid" || return 0; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
}
