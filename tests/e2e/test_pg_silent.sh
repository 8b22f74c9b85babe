#!/bin/bash
# test_pg_silent.sh - a PostgreSQL server that stops answering in the middle
# of a session (every process of the private cluster stopped with SIGSTOP:
# its kernel still acknowledges what is sent, so only the client can give
# up) does not hold a long-lived abusedesk for ever: a statement waits for
# its answer at most ten times db_busy_timeout (at least 10 s), then the
# connection is dropped and the call fails as busy. `abusedesk web` answers
# that request 503 within the bound and, the server back (after the freeze,
# and after a restart), answers the next ones again from a new connection.
# A command started while the server is silent gives up within
# connect_timeout.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/pg.sh
BIN=${ABUSEDESK_BIN:-$PWD/abusedesk}
T=$(mktemp -d /tmp/abusedesk-pgsilent-XXXXXX)
WEB=
cleanup() {
	[ -f "$T/frozen" ] && kill -CONT $(cat "$T/frozen") 2>/dev/null
	[ -n "$WEB" ] && kill "$WEB" 2>/dev/null
	pg_stop "$T/pg"; rm -rf "$T"
}
trap cleanup EXIT
chmod 755 "$T"

pg_start_or_skip "$T/pg"
mail_user
cat > "$T/abusedesk.conf" <<CONF
database = $PG_URI
spool_dir = $T/spool
run_user = $RUN_USER
syslog = no
db_busy_timeout = 1s
our_networks = 192.0.2.0/24, 198.51.100.0/24
CONF
A() { "$BIN" -c "$T/abusedesk.conf" "$@"; }
ok "A -q init" "init on a private cluster"
[ -n "$RUN_USER" ] && chown -R "$RUN_USER" "$T/spool"
for f in samples/arf-*.eml; do A -q ingest < "$f"; done
ok "[ $(pg_psql 'SELECT count(*) FROM reports') -gt 0 ]" "reports recorded"
echo 'pw pw' | A -q user add vera --role viewer >/dev/null 2>&1
TOK=$(A user token vera)
PORT=$(free_port)
"$BIN" -c "$T/abusedesk.conf" web --listen 127.0.0.1:$PORT 2>"$T/web.log" &
WEB=$!
wait_port 127.0.0.1 "$PORT" 10 || fail "web server starts" "$(cat "$T/web.log")"
code() { curl -s -o "$T/body" -w '%{http_code}' --max-time "${2:-40}" -H "Authorization: Bearer $TOK" \
	"http://127.0.0.1:$PORT$1"; }
is "$(code /api/v1/incidents)" 200 "the API answers"
cp "$T/body" "$T/before"

# freeze: the postmaster, then each of its processes (the web's backend among them)
freeze() {
	local pm kids
	pm=$(head -n 1 "$T/pg/data/postmaster.pid")
	kill -STOP "$pm"; kids=$(pgrep -P "$pm" | tr '\n' ' ')
	echo "$pm $kids" > "$T/frozen"
	# shellcheck disable=SC2086
	kill -STOP $kids
}
thaw() {
	# shellcheck disable=SC2046
	kill -CONT $(cat "$T/frozen"); rm -f "$T/frozen"
}
freeze
t0=$(date +%s%N)
c=$(code /api/v1/incidents 60)
ms=$((($(date +%s%N) - t0) / 1000000))
is "$c" 503 "a request while the server is silent: 503, not a hang"
ok "[ $ms -ge 9000 ] && [ $ms -le 20000 ]" "... after the answer deadline of 10 s ($ms ms)"
like "$(cat "$T/web.log")" "no answer from the server within 10 s" "the log says why"
t0=$(date +%s%N)
A -q incidents >/dev/null 2>"$T/err"; rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
ok "[ $rc -ne 0 ] && [ $ms -le 8000 ]" "a command started while it is silent gives up (rc $rc, $ms ms)"
thaw
c=$(code /api/v1/incidents)
is "$c" 200 "the server back: the web answers again, from a new connection"
ok "cmp -s '$T/body' '$T/before'" "... the same incidents"
# a restart: the first request may meet the old connection's end; the next is served
pg_stop "$T/pg"
pg_restart "$T/pg" || fail "PostgreSQL restarts"
c=$(code /api/v1/incidents); [ "$c" = 200 ] || c=$(code /api/v1/incidents)
is "$c" 200 "after a restart of the server the web answers again"
proc_alive "$WEB"; is "$?" 0 "the web server kept running throughout"
done_testing
