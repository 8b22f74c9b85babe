#!/bin/bash
# test_pg_pipeline.sh - the statements a batch sends without waiting
# (db_step_later: libpq's pipeline mode) on a real PostgreSQL, and a bulk
# run whose server goes away. The tests of tests/lib/pgpipe.c run against
# a private cluster (seen by the next question, a failure fails that
# question or the COMMIT, which commits nothing). Then an import whose
# server is frozen (SIGSTOP) in the middle of a batch, past the answer
# bound, loses nothing: the connection is given up, opened again once the
# server answers (within --db-wait), and the batch stored again; a
# reprocess --all whose server restarts re-parses every message. Then an
# import whose server is stopped and started again with --db-wait 0:
# what arrives while it is down stays pending at once (a warning, not a
# line a message), what arrives after it is back is stored, and
# `reprocess --pending` stores the rest. Each desk then holds the same rows
# and counters as the same import on SQLite. Starts its own cluster and
# stops it by its PID.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
. tests/lib/tap.sh
. tests/lib/pg.sh
. tests/lib/drivers.sh
BIN=${ABUSEDESK_BIN:-$PWD/abusedesk}
BUILD=${ABUSEDESK_BUILD:-$ROOT/build/default}
T=$(mktemp -d /tmp/abusedesk-pgpipe-XXXXXX)
IMP=
cleanup() {
	[ -f "$T/frozen" ] && kill -CONT $(cat "$T/frozen") 2>/dev/null
	[ -n "$IMP" ] && kill -9 "$IMP" 2>/dev/null
	pg_stop "$T/pg"; [ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
chmod 755 "$T"

pg_start_or_skip "$T/pg"
mail_user

# the driver's own tests, on this server
build_driver pgpipe.c "$T/pgpipe" -lcmocka || fail "tests/lib/pgpipe.c builds"
out=$(ABUSEDESK_TEST_PG="$(pg_uri pipe)" "$T/pgpipe" 2>&1)
rc=$?
is "$rc" 0 "pgpipe passes against the server"
like "$out" "PASSED +\] 10 test" "all ten of its tests ran"
[ "$rc" = 0 ] || diag "$(printf '%s\n' "$out" | tail -n 20)"

# a frozen server in the middle of an import's batch
conf() { # conf NAME DATABASE
	mkdir -p "$T/$1"; chmod 755 "$T/$1"; [ -n "$RUN_USER" ] && chown "$RUN_USER" "$T/$1"
	cat > "$T/$1/abusedesk.conf" <<CONF
database = $2
spool_dir = $T/$1/spool
run_user = $RUN_USER
syslog = no
db_busy_timeout = 1s
our_networks = 192.0.2.0/24, 198.51.100.0/24, 2001:db8::/32
our_domains = example.net
CONF
	"$BIN" -q -c "$T/$1/abusedesk.conf" init >/dev/null 2>&1
	# an inventory, so that a verdict says whether each lookup was answered
	for k in owners networks hosts; do
		"$BIN" -q -c "$T/$1/abusedesk.conf" inventory import "$k" "$ROOT/samples/inventory/$k.csv" >/dev/null 2>&1
	done
	[ -n "$RUN_USER" ] && chown -R "$RUN_USER" "$T/$1"
}
conf dpg "$(pg_uri imp)"
conf dsq "$T/dsq/abusedesk.db"
"$BUILD/bench/gen" --seed 7 --count 6000 --mbox "$T/m.mbox" >/dev/null || fail "gen wrote the mbox"
"$BIN" -q -c "$T/dsq/abusedesk.conf" import mbox "$T/m.mbox" >/dev/null 2>&1
want=$(sqlite3 "$T/dsq/abusedesk.db" "SELECT count(*) FROM reports" 2>/dev/null)
ok "[ \"${want:-0}\" -gt 5500 ]" "the same import on SQLite stores the mbox ($want reports)"

PGQ() { PG_DB_URI=$(pg_uri imp) pg_psql "$1"; }
# over N Q SQL - ask Q (PGQ, PGQ2) SQL every 50 ms, for up to 20 s, until it answers more than N; the answer in $n
over() {
	for _ in $(seq 400); do
		n=$("$2" "$3" 2>/dev/null)
		[ "${n:-0}" -gt "$1" ] && return 0
		sleep 0.05
	done
	return 1
}
VERDICTS="SELECT verdict || '=' || count(*) FROM reports GROUP BY verdict ORDER BY verdict"
"$BIN" -c "$T/dpg/abusedesk.conf" import mbox "$T/m.mbox" >"$T/imp.out" 2>"$T/imp.err" &
IMP=$!
# freeze once the import is under way, in the middle of a batch
over 500 PGQ "SELECT count(*) FROM reports"
pm=$(head -n 1 "$T/pg/data/postmaster.pid")
kill -STOP "$pm"; kids=$(pgrep -P "$pm" | tr '\n' ' ')
echo "$pm $kids" > "$T/frozen"
# shellcheck disable=SC2086
kill -STOP $kids 2>/dev/null   # a child that has just exited is gone already
t0=$(date +%s)
sleep 13
# shellcheck disable=SC2046
kill -CONT $(cat "$T/frozen"); rm -f "$T/frozen"
wait "$IMP"; irc=$?; IMP=
secs=$(($(date +%s) - t0))
is "$irc" 0 "the import ends with exit 0 although the server froze ($secs s after the freeze)"
like "$(cat "$T/imp.err")" "connection lost.*connected again after" \
	"it says it lost the server and connected again once it answered"
pend=$(grep -o '[0-9]* pending' "$T/imp.out" | head -n 1 | cut -d' ' -f1)
is "${pend:-?}" 0 "nothing was left pending: the frozen batch was stored again"
ok "\"$BIN\" -q -c \"$T/dpg/abusedesk.conf\" reprocess --pending" "reprocess --pending has nothing to add"
is "$(PGQ "SELECT count(*) FROM reports")" "$want" "every message is one report, as on SQLite"
is "$(PGQ "SELECT count(*) FROM reports WHERE status <> 'done'")" 0 "none is left undone"
is "$(PGQ "SELECT count(*) FROM (SELECT key_host, verdict FROM incidents WHERE status <> 'resolved' GROUP BY 1, 2 HAVING count(*) > 1) x")" 0 \
	"no incident key is open twice"
# the rows sent without waiting, and the counters, as SQLite has them
SQ() { sqlite3 "$T/dsq/abusedesk.db" "$1"; }
for q in "SELECT count(*) FROM report_hops" "SELECT count(*) FROM report_items" \
	"SELECT count(*) FROM report_rcpts" "SELECT count(*) FROM incidents" \
	"SELECT sum(reports) || ' ' || sum(messages) || ' ' || sum(reporters) || ' ' || sum(injectors) FROM incidents" \
	"SELECT count(*) FROM incident_keys" "SELECT count(*) FROM reports WHERE incident_id IS NOT NULL" \
	"$VERDICTS"; do
	is "$(PGQ "$q")" "$(SQ "$q")" "as on SQLite: $q"
done
# each incident row as SQLite has it: a batch's later reports of an incident
# are counted in memory and its row written once before the commit
# (incidents.c), so the counters, keys, details and notices are checked row by row
rows() { # rows WHAT - the query that lists WHAT, a line a row
	case $1 in
	incidents) echo "SELECT key_host || ' ' || verdict || ' ' || status || ' ' || reports || ' ' || messages ||
		' ' || reporters || ' ' || injectors || ' ' || coalesce(owner, '-') || ' ' || coalesce(abused_ip, '-') ||
		' ' || coalesce(abused_host, '-') || ' ' || coalesce(role, '-') || ' ' || coalesce(confidence, '-') ||
		' ' || coalesce(auth_user, '-') || ' ' || coalesce(notified_reports, 0) FROM incidents" ;;
	keys) echo "SELECT i.key_host || ' ' || k.kind || ' ' || count(*) || ' ' || sum(k.count) FROM incident_keys k
		JOIN incidents i ON i.id = k.incident_id GROUP BY i.key_host, k.kind" ;;
	outbox) echo "SELECT o.kind || ' ' || o.state || ' ' || coalesce(i.key_host, '-') || ' ' || count(*) FROM outbox o
		LEFT JOIN incidents i ON i.id = o.incident_id GROUP BY o.kind, o.state, i.key_host" ;;
	esac
}
for w in incidents keys outbox; do
	is "$(PGQ "$(rows $w)" | LC_ALL=C sort)" "$(SQ "$(rows $w)" | LC_ALL=C sort)" "as on SQLite, row by row: the $w"
done
n=$(PGQ "SELECT count(*) FROM outbox")
ok "[ \"${n:-0}\" -gt 0 ]" "the import queued notices, the same as on SQLite (${n:-0})"

# --- the server restarted during reprocess --all: it waits, connects again and re-parses every message
# (the rows made to read as an older parser left them: a re-parse that finds
# what a row holds writes nothing, so each of these must be written again)
PGQ "UPDATE reports SET verdict = 'unknown', parse_json = '{}'" >/dev/null
x0=$(PGQ "SELECT txid_current()")
"$BIN" -c "$T/dpg/abusedesk.conf" reprocess --all >"$T/rp.out" 2>"$T/rp.err" &
IMP=$!
# stopped once some batches committed: rows rewritten by a transaction newer than x0
over 300 PGQ "SELECT count(*) FROM reports WHERE xmin::text::bigint > $x0"
ok "[ \"${n:-0}\" -gt 300 ] && [ \"${n:-0}\" -lt \"$want\" ]" "the server stops in the middle of reprocess --all (${n:-0} of $want re-parsed)"
pg_stop "$T/pg"; sleep 2; pg_restart "$T/pg" || fail "the cluster starts again"
wait "$IMP"; irc=$?; IMP=
is "$irc" 0 "reprocess --all ends with exit 0 although the server restarted"
like "$(cat "$T/rp.err")" "connection lost.*connected again after" "it says it lost the server and connected again"
like "$(cat "$T/rp.out")" "^reprocess: $want processed, 0 duplicates, 0 still pending" "every message re-parsed, none left pending"
for q in "SELECT count(*) FROM reports" "SELECT count(*) FROM report_hops" "SELECT count(*) FROM incidents" \
	"$VERDICTS"; do
	is "$(PGQ "$q")" "$(SQ "$q")" "after reprocess --all, as on SQLite: $q"
done
# again, with nothing to change: every message re-parsed, not a row written
x1=$(PGQ "SELECT txid_current()")
"$BIN" -c "$T/dpg/abusedesk.conf" reprocess --all >"$T/rp2.out" 2>/dev/null
like "$(cat "$T/rp2.out")" "^reprocess: $want processed" "reprocess --all of an unchanged desk processes every message"
is "$(PGQ "SELECT count(*) FROM reports WHERE xmin::text::bigint > $x1")" 0 "and writes no report row"
is "$(PGQ "SELECT count(*) FROM report_hops")" "$(SQ "SELECT count(*) FROM report_hops")" "its hops kept"

# --- the server stopped and started again during an import that does not wait for it
conf dpg2 "$(pg_uri imp2)"
conf dsq2 "$T/dsq2/abusedesk.db"
"$BUILD/bench/gen" --seed 8 --count 3000 --mbox "$T/m1.mbox" >/dev/null || fail "gen wrote the first half"
"$BUILD/bench/gen" --seed 9 --count 3000 --mbox "$T/m2.mbox" >/dev/null || fail "gen wrote the second half"
cat "$T/m1.mbox" "$T/m2.mbox" | "$BIN" -q -c "$T/dsq2/abusedesk.conf" import mbox - >/dev/null 2>&1
want2=$(sqlite3 "$T/dsq2/abusedesk.db" "SELECT count(*) FROM reports" 2>/dev/null)
ok "[ \"${want2:-0}\" -gt 5500 ]" "both halves on SQLite ($want2 reports)"
PGQ2() { PG_DB_URI=$(pg_uri imp2) pg_psql "$1"; }
# the first half, then the second once the server is back and the import's next try is due
# (PROC_DB_RETRY_MS, 2 s: meanwhile nothing arrives)
{ cat "$T/m1.mbox"; for _ in $(seq 600); do [ -f "$T/up" ] && break; sleep 0.1; done; sleep 2.5
  cat "$T/m2.mbox"; } |
	"$BIN" -c "$T/dpg2/abusedesk.conf" import --db-wait 0 mbox - >"$T/imp2.out" 2>"$T/imp2.err" &
IMP=$!
over 300 PGQ2 "SELECT count(*) FROM reports"
pg_stop "$T/pg"
for _ in $(seq 300); do grep -q "unreachable" "$T/imp2.err" && break; sleep 0.1; done
like "$(cat "$T/imp2.err")" "unreachable.*stay pending" "with the server stopped it says the messages stay pending"
pg_restart "$T/pg" || fail "the cluster starts again"
at=$(PGQ2 "SELECT count(*) FROM reports")
touch "$T/up"
wait "$IMP"; irc=$?; IMP=
is "$irc" 0 "the import ends with exit 0"
pend=$(grep -o '[0-9]* pending' "$T/imp2.out" | head -n 1 | cut -d' ' -f1)
ok "[ \"${pend:-0}\" -gt 0 ]" "what arrived while it was down was left pending (${pend:-0})"
like "$(cat "$T/imp2.err")" "connected again after" "it says when the server was back"
lines=$(wc -l < "$T/imp2.err")
ok "[ \"$lines\" -le 6 ]" "a few warnings, not a line a message ($lines lines for ${pend:-0} pending)"
got=$(PGQ2 "SELECT count(*) FROM reports")
ok "[ \"$got\" -gt \"$((at + 1000))\" ]" "once it was back the import stored again ($at reports at the restart, $got after)"
ok "\"$BIN\" -q -c \"$T/dpg2/abusedesk.conf\" reprocess --pending" "reprocess --pending stores the rest"
is "$(PGQ2 "SELECT count(*) FROM reports")" "$want2" "every message is one report, as on SQLite"
SQ2() { sqlite3 "$T/dsq2/abusedesk.db" "$1"; }
for q in "SELECT count(*) FROM report_hops" "SELECT count(*) FROM incidents" \
	"SELECT sum(reports) || ' ' || sum(messages) || ' ' || sum(reporters) FROM incidents" \
	"SELECT count(*) FROM reports WHERE status <> 'done'" \
	"$VERDICTS"; do
	is "$(PGQ2 "$q")" "$(SQ2 "$q")" "as on SQLite: $q"
done

# --- keys a stranger wrote: one host's complaints in one batch, whose reported
# Message-IDs hold quotes, backslashes, commas and braces (the memo hands
# them to the server as array literals), some twice, one past the key's
# 512 bytes: the incident's keys and counters as SQLite has them, value for value;
# with notify_interval 0 the count's crossing of 10 inside the batch is a
# notice made from a row the memo held: the notices as SQLite queues them
hostile() { # hostile N - complaint N about 192.0.2.25 (mx2, its owner told at once)
	local id="q\"uo\\te,{b}$(( $1 % 7 == 0 ? $1 - 1 : $1 ))"
	[ "$1" = 5 ] && id="long$(printf 'x%.0s' $(seq 700))"
	printf 'From fbl@fbl.example.org Tue Mar  5 13:58:41 2024\n'
	printf 'From: FBL <fbl%s@fbl.example.org>\nTo: abuse@example.net\nSubject: complaint %s\n' "$(( $1 % 3 ))" "$1"
	printf 'Message-ID: <hk-%s@fbl.example.org>\nMIME-Version: 1.0\n' "$1"
	printf 'Content-Type: multipart/report; report-type=feedback-report; boundary="b"\n\n'
	printf -- '--b\nContent-Type: text/plain\n\nspam\n\n--b\nContent-Type: message/feedback-report\n\n'
	printf 'Feedback-Type: abuse\nUser-Agent: HK/1\nVersion: 1\nSource-IP: 192.0.2.25\n\n'
	printf -- '--b\nContent-Type: message/rfc822\n\n'
	printf 'Received: from h (h [192.0.2.25])\n\tby mx.fbl.example.org with ESMTP id H%s;\n' "$1"
	printf '\tTue, 05 Mar 2024 13:58:41 +0000\nFrom: <s@example.net>\nSubject: offer\n'
	printf 'Message-ID: <%s@spam.example>\n\nbuy\n\n--b--\n\n' "$id"
}
for i in $(seq 1 60); do hostile "$i"; done > "$T/hk.mbox"
conf hkpg "$(pg_uri hkeys)"
conf hksq "$T/hksq/abusedesk.db"
echo "notify_interval = 0s" | tee -a "$T/hkpg/abusedesk.conf" >> "$T/hksq/abusedesk.conf"
"$BIN" -q -c "$T/hkpg/abusedesk.conf" import mbox "$T/hk.mbox" >/dev/null 2>"$T/hk.err"
"$BIN" -q -c "$T/hksq/abusedesk.conf" import mbox "$T/hk.mbox" >/dev/null 2>&1
HKP() { PG_DB_URI=$(pg_uri hkeys) pg_psql "$1"; }
HKS() { sqlite3 "$T/hksq/abusedesk.db" "$1"; }
is "$(HKP "SELECT count(*) FROM reports")" 60 "the 60 complaints are 60 reports on PostgreSQL"
# (a batch that failed would be stored again message by message, each its own
# transaction, and come out the same: the import must not have said a word)
is "$(cat "$T/hk.err")" "" "in one batch, without an error"
KQ="SELECT kind || ' ' || count || ' ' || value FROM incident_keys"
is "$(HKP "$KQ" | LC_ALL=C sort | md5sum)" "$(HKS "$KQ" | LC_ALL=C sort | md5sum)" "the keys as on SQLite, value for value"
like "$(HKP "$KQ")" 'message 2 mid:<?q"uo\\te,\{b\}6' "a key twice is one row counted twice, its quote and backslash kept"
n=$(HKP "SELECT max(length(value)) FROM incident_keys")
ok "[ \"${n:-0}\" -le 511 ] && [ \"${n:-0}\" -gt 400 ]" "the long one cut to the key's size ($n)"
IQ="SELECT reports || ' ' || messages || ' ' || reporters || ' ' || injectors || ' ' || notified_reports FROM incidents"
is "$(HKP "$IQ")" "$(HKS "$IQ")" "the incident's counters as on SQLite"
OQ="SELECT kind || ' ' || channel || ' ' || state || ' ' || subject FROM outbox"
is "$(HKP "$OQ" | LC_ALL=C sort)" "$(HKS "$OQ" | LC_ALL=C sort)" "the notices as on SQLite"
n=$(HKP "SELECT count(*) FROM outbox WHERE kind = 'notify' AND channel = 'smtp'")
is "$n" 2 "two notices: the incident opened, then grown past 10 reports in the batch"
done_testing
