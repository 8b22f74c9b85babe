#!/bin/bash
# test_pg.sh - the same desk on PostgreSQL: init, ingest of the samples and
# the helpdesk's answers equal to the same run on SQLite; then two "hosts"
# (own spools and configurations, one database) at once: a complaint both
# receive is one report, reports opening an incident for the same host at
# the same moment give one incident with consistent counters, a database out
# of reach leaves the message pending in the host's spool until
# `reprocess --pending`, and two `notify` runners send every queued
# notification to the loopback SMTP sink once. Starts its own cluster
# (tests/lib/pg.sh) and stops it by its PID.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/pg.sh
. tests/lib/servers.sh
BIN=${ABUSEDESK_BIN:-$PWD/abusedesk}
T=$(mktemp -d /tmp/abusedesk-pg-XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	sink_stop "$T/sink"; pg_stop "$T/pg"; [ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
chmod 755 "$T"

pg_start_or_skip "$T/pg"
mail_user
conf() { # conf NAME DATABASE [EXTRA-LINES]
	mkdir -p "$T/$1"; chmod 755 "$T/$1"; [ -n "$RUN_USER" ] && chown "$RUN_USER" "$T/$1"
	cat > "$T/$1/abusedesk.conf" <<CONF
database = $2
spool_dir = $T/$1/spool
run_user = $RUN_USER
syslog = no
db_busy_timeout = 2s
our_networks = 192.0.2.0/24, 198.51.100.0/24, 2001:db8::/32
our_domains = example.net
${3:-}
CONF
}
conf pg "$PG_URI"
conf sq "$T/sq/abusedesk.db"
A() { local w=$1; shift; "$BIN" -c "$T/$w/abusedesk.conf" "$@"; }
export ABUSEDESK_NOW=1790000000

ok "A pg init" "init creates the schema on PostgreSQL"
is "$(pg_psql 'SELECT count(*) FROM schema_version')" 1 "schema version recorded"
# where the server has pg_trgm (Debian's postgresql does), incidents --host's
# subdomain match has its trigram index, and the planner uses it
if [ "$(pg_psql "SELECT count(*) FROM pg_available_extensions WHERE name = 'pg_trgm'")" = 1 ]; then
	is "$(pg_psql "SELECT count(*) FROM pg_indexes WHERE indexname = 'incidents_key_host_trgm'")" 1 \
		"init made the trigram index of incidents.key_host"
	like "$(pg_psql "SET enable_seqscan = off; EXPLAIN SELECT id FROM incidents WHERE key_host LIKE '%.example.net'")" \
		"incidents_key_host_trgm" "a subdomain match can use it"
else
	skip "pg_trgm is not installed on this server"
fi
ok "A pg init" "init again is harmless"
is "$(pg_psql "SELECT count(*) FROM information_schema.views WHERE table_name IN ('open_incidents','incident_reports','pending_reports','untraced_reports','outbox_failed')")" 5 "the views for psql users exist"
ok "A sq init >/dev/null" "SQLite init"
SQ="$T/sq/abusedesk.db"
is "$(pg_psql 'SELECT version FROM schema_version')" "$(sqlite3 "$SQ" 'PRAGMA user_version')" \
   "the same schema version as SQLite"
# every table and column of the SQLite schema, and every view, on PostgreSQL too
is "$(pg_psql "SELECT table_name || '.' || column_name FROM information_schema.columns c
	WHERE table_schema = 'public' AND table_name <> 'schema_version' AND table_name IN
	 (SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE')" | LC_ALL=C sort)" \
   "$(sqlite3 "$SQ" "SELECT m.name || '.' || p.name FROM sqlite_master m, pragma_table_info(m.name) p
	WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'" | LC_ALL=C sort)" "the same tables and columns as SQLite"
is "$(pg_psql "SELECT table_name FROM information_schema.views WHERE table_schema = 'public'" | LC_ALL=C sort)" \
   "$(sqlite3 "$SQ" "SELECT name FROM sqlite_master WHERE type = 'view'" | LC_ALL=C sort)" "the same views as SQLite"
# a version 3 database (before fetch_state) is migrated by init
conf v3 "$(pg_uri v3)"
A v3 -q init >/dev/null 2>&1
PG_DB_URI=$(pg_uri v3) pg_psql "DROP TABLE fetch_uids, fetch_state; UPDATE schema_version SET version = 3" >/dev/null
ok "A v3 -q init" "init migrates a version 3 PostgreSQL database"
is "$(PG_DB_URI=$(pg_uri v3) pg_psql "SELECT (SELECT version FROM schema_version) || ' ' || count(*) FROM information_schema.tables
	WHERE table_name IN ('fetch_state', 'fetch_uids')")" "$(sqlite3 "$SQ" 'PRAGMA user_version') 2" "to the current version, fetch_state and fetch_uids created"

n=0; bad=0
for f in samples/*.eml; do
	n=$((n + 1))
	A pg -q ingest < "$f" || bad=$((bad + 1))
	A sq -q ingest < "$f"
done
is "$bad" 0 "every sample ingested on PostgreSQL with exit 0"
is "$(find "$T/pg/spool/new" -type f | wc -l)" 0 "nothing left pending in the spool"
is "$(pg_psql "SELECT count(*) FROM reports WHERE status = 'done'")" "$(sqlite3 "$SQ" "SELECT count(*) FROM reports WHERE status = 'done'")" "as many done reports as on SQLite"
# duplicate delivery: the dedupe key holds on PostgreSQL too
A pg -q ingest < samples/arf-abuse.eml
is "$(pg_psql 'SELECT count(*) FROM reports')" "$(sqlite3 "$SQ" 'SELECT count(*) FROM reports')" "a redelivered message adds no report"

# the same verdicts and incidents as on SQLite (times are the clock's, not compared)
norm='map(del(.first_seen, .last_seen, .received)) | sort_by(.id)'
A pg incidents --limit 1000 --format json > "$T/pg.inc" 2>&1; is "$?" 0 "incidents --format json on PostgreSQL"
A sq incidents --limit 1000 --format json > "$T/sq.inc"
ok "[ $(jq length "$T/sq.inc") -gt 20 ]" "SQLite has the samples' incidents"
is "$(jq -c "$norm" "$T/pg.inc")" "$(jq -c "$norm" "$T/sq.inc")" "incidents equal to SQLite's"
is "$(pg_psql "SELECT string_agg(coalesce(verdict,'-'), ',' ORDER BY id) FROM reports")" \
   "$(sqlite3 "$T/sq/abusedesk.db" "SELECT group_concat(v, ',') FROM (SELECT coalesce(verdict,'-') AS v FROM reports ORDER BY id)")" \
   "trace verdicts equal to SQLite's"
is "$(A pg stats)" "$(A sq stats)" "stats equal (per-day counters kept by the triggers)"
is "$(A pg show 1 | grep -v '^Seen:')" "$(A sq show 1 | grep -v '^Seen:')" "show equal"
is "$(A pg incidents --status open | wc -l)" "$(A sq incidents --status open | wc -l)" "incidents --status (named parameters)"

# db copy: the SQLite desk to a new PostgreSQL database and back to a new SQLite file
CP=$(pg_uri copy)
A sq db copy "$SQ" "$CP" > "$T/copy1.out" 2>&1; is "$?" 0 "db copy SQLite -> PostgreSQL (exit 0: every count equal)"
like "$(tail -n 1 "$T/copy1.out")" "every table has the same count" "it says the counts are equal"
is "$(grep -c DIFFERS "$T/copy1.out")" 0 "no table differs"
A sq db copy "$CP" "$T/back.db" > "$T/copy2.out" 2>&1; is "$?" 0 "db copy PostgreSQL -> SQLite"
conf pc "$CP"; conf bk "$T/back.db"
is "$(A pc incidents --limit 1000 --format json)" "$(A sq incidents --limit 1000 --format json)" "the PostgreSQL copy lists the same incidents"
is "$(A bk incidents --limit 1000 --format json)" "$(A sq incidents --limit 1000 --format json)" "so does the copy back"
is "$(A bk stats)" "$(A sq stats)" "the same stats after the round trip (counters counted again)"
is "$(A bk show 3)" "$(A sq show 3)" "the same incident page after the round trip"
is "$(sqlite3 "$T/back.db" 'SELECT sum(length(body)), group_concat(hex(sha256)) FROM (SELECT o.body, r.sha256 FROM outbox o, reports r WHERE r.id = o.report_id ORDER BY o.id)')" \
   "$(sqlite3 "$SQ" 'SELECT sum(length(body)), group_concat(hex(sha256)) FROM (SELECT o.body, r.sha256 FROM outbox o, reports r WHERE r.id = o.report_id ORDER BY o.id)')" \
   "outbox bodies (bytes) come back whole"
A sq db copy "$SQ" "$CP" > "$T/copy3.out" 2>&1; rc=$?
ok "[ $rc -ne 0 ]" "db copy refuses a destination that has rows"
like "$(cat "$T/copy3.out")" "not empty" "and says so"
# a new report on the PostgreSQL copy gets the next id after the copied ones
A pc -q ingest < samples/dsn-exim.eml
is "$(PG_DB_URI=$CP pg_psql "SELECT count(*) FROM reports")" "$(sqlite3 "$SQ" 'SELECT count(*) FROM reports')" \
   "the copy knows the copied messages (a known one adds no report)"
printf 'From: a@example.org\nTo: abuse@example.net\nSubject: new on the copy\nMessage-ID: <copy1@example.org>\n\nhi\n' > "$T/new.eml"
A pc -q ingest < "$T/new.eml"
# (an insert that met its conflict used a number too: PostgreSQL's ids may have gaps)
NID=$(PG_DB_URI=$CP pg_psql "SELECT id FROM reports WHERE subject = 'new on the copy'")
ok "[ '${NID:-0}' -gt '$(sqlite3 "$SQ" 'SELECT max(id) FROM reports')' ]" "a new report on the copy gets an id after the copied ones"

# ---------------------------------------------- two hosts, one database
# arf ID N [REPORTER]: a feedback-loop complaint about 192.0.2.N (our
# customer host cust-N), its own Message-IDs from ID, sent by REPORTER's
# domain (default fbl.example.org)
arf() {
	printf 'From: Feedback Loop <fbl@%s>\nTo: abuse@example.net\nSubject: fblrace %s\n' "${3:-fbl.example.org}" "$1"
	printf 'Message-ID: <fbl-%s@%s>\nMIME-Version: 1.0\n' "$1" "${3:-fbl.example.org}"
	printf 'Content-Type: multipart/report; report-type=feedback-report; boundary="b"\n\n'
	printf -- '--b\nContent-Type: text/plain\n\nA recipient marked a message from 192.0.2.%s as spam.\n\n' "$2"
	printf -- '--b\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\nUser-Agent: FBL/1\nVersion: 1\n'
	printf 'Source-IP: 192.0.2.%s\nArrival-Date: Tue, 05 Mar 2024 13:58:41 +0000\n\n' "$2"
	printf -- '--b\nContent-Type: message/rfc822\n\n'
	printf 'Received: from cust-%s.example.net (cust-%s.example.net [192.0.2.%s])\n' "$2" "$2" "$2"
	printf '\tby mx.fbl.example.org with ESMTP id Q%s; Tue, 05 Mar 2024 13:58:41 +0000\n' "$1"
	printf 'From: <x@cust-%s.example.net>\nTo: <jane@example.org>\nSubject: offer\n' "$2"
	printf 'Message-ID: <spam-%s@cust-%s.example.net>\n\nBuy now.\n--b--\n' "$1" "$2"
}
conf h1 "$PG_URI"
conf h2 "$PG_URI"
mkdir -p "$T/race"
R0=$(pg_psql 'SELECT count(*) FROM reports')
# 1. the same 40 complaints delivered to both hosts, both ingesting at once
for i in $(seq 1 40); do arf "same$i" $((100 + i % 4)) > "$T/race/same$i.eml"; done
for h in h1 h2; do
	( bad=0; for i in $(seq 1 40); do A $h -q ingest < "$T/race/same$i.eml" 2>>"$T/$h.err" || bad=$((bad + 1)); done
	  echo "$bad" > "$T/$h.bad" ) &
	PIDS+=($!)
done
for p in "${PIDS[@]}"; do wait "$p"; done; PIDS=()
is "$(cat "$T/h1.bad")$(cat "$T/h2.bad")" 00 "both hosts accepted every delivery (exit 0)"
is "$(pg_psql 'SELECT count(*) FROM reports')" $((R0 + 40)) "40 complaints delivered to two hosts are 40 reports"
is "$(pg_psql "SELECT count(*) FROM reports WHERE status <> 'done'")" 0 "all of them done"
is "$(find "$T/h1/spool/new" "$T/h2/spool/new" -type f | wc -l)" 0 "nothing pending in either spool"
is "$(cat "$T/h1.err" "$T/h2.err" | grep -c .)" 0 "nothing said about the other host's spool files"
is "$(pg_psql "SELECT count(*) FROM reports WHERE subject LIKE 'fblrace same%' AND spool_path IN ($(
	for h in h1 h2; do for f in "$T/$h/spool/cur"/*; do printf "'%s'," "${f##*/}"; done; done)'')")" 40 \
   "each report names a file one of the two hosts holds"
# 2. for each of 12 new hosts, each host records a different report about it at the same moment
for k in $(seq 1 12); do
	arf "a$k" $((20 + k)) > "$T/race/a$k.eml"; arf "b$k" $((20 + k)) > "$T/race/b$k.eml"
done
for k in $(seq 1 12); do
	A h1 -q ingest < "$T/race/a$k.eml" 2>>"$T/h1.err" & p1=$!
	A h2 -q ingest < "$T/race/b$k.eml" 2>>"$T/h2.err" & p2=$!
	wait "$p1"; wait "$p2"
done
is "$(pg_psql "SELECT count(*) FROM reports WHERE subject LIKE 'fblrace a%' OR subject LIKE 'fblrace b%'")" 24 \
   "24 reports about 12 hosts"
is "$(pg_psql "SELECT count(DISTINCT incident_id) FROM reports WHERE subject LIKE 'fblrace a%' OR subject LIKE 'fblrace b%'")" 12 \
   "two reports about one host at the same moment join one incident (12 incidents)"
# the same, with the moment made certain: a session holds the incidents table
# against inserts while both hosts look up the key (none yet) and try to open
# one; it lets go, and both inserts run at once (two reporters: one
# reporter's reports of a day take turns on their per-day counter row)
for k in $(seq 1 4); do
	arf "c$k" $((40 + k)) fbl-c.example.org > "$T/race/c$k.eml"
	arf "d$k" $((40 + k)) fbl-d.example.org > "$T/race/d$k.eml"
	pg_psql "BEGIN; LOCK TABLE incidents IN SHARE ROW EXCLUSIVE MODE; SELECT pg_sleep(1.2); COMMIT" >/dev/null &
	LP=$!
	for _ in $(seq 50); do
		[ "$(pg_psql "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
			WHERE c.relname = 'incidents' AND l.mode = 'ShareRowExclusiveLock' AND l.granted")" = 1 ] && break
		sleep 0.05
	done
	A h1 -q ingest < "$T/race/c$k.eml" 2>>"$T/h1.err" & p1=$!
	A h2 -q ingest < "$T/race/d$k.eml" 2>>"$T/h2.err" & p2=$!
	wait "$p1"; r1=$?; wait "$p2"; r2=$?; wait "$LP"
	[ "$r1$r2" = 00 ] || diag "round $k: ingest exit $r1 $r2"
done
is "$(pg_psql "SELECT count(*) || ' ' || count(DISTINCT incident_id) FROM reports
	WHERE subject LIKE 'fblrace c%' OR subject LIKE 'fblrace d%'")" "8 4" \
   "reports opening an incident for one host in the same instant: 8 reports, 4 incidents"
is "$(pg_psql "SELECT string_agg(reports::text, ',') FROM incidents WHERE id IN (SELECT incident_id FROM reports
	WHERE subject LIKE 'fblrace c%')")" "2,2,2,2" "each counts both reports"
is "$(pg_psql "SELECT count(*) FROM (SELECT key_host, verdict FROM incidents WHERE status <> 'resolved'
	GROUP BY key_host, verdict HAVING count(*) > 1) AS x")" 0 "no incident key is open twice"
is "$(pg_psql "SELECT count(*) FROM incidents i WHERE reports <> (SELECT count(*) FROM reports r WHERE r.incident_id = i.id)
	OR messages <> (SELECT count(*) FROM incident_keys k WHERE k.incident_id = i.id AND k.kind = 'message')")" 0 \
   "every incident's report and message counters match its reports"
is "$(pg_psql "SELECT count(*) FROM incident_events e WHERE new_status = 'open' AND old_status IS NULL
	AND e.incident_id IN (SELECT incident_id FROM reports WHERE subject LIKE 'fblrace a%')")" 12 \
   "one 'opened' event per incident"

is "$(pg_psql "SELECT (SELECT sum(n) FROM report_days) = (SELECT count(*) FROM reports)
	AND NOT EXISTS (SELECT 1 FROM report_days d WHERE n <> (SELECT count(*) FROM reports r
	 WHERE r.received_at / 86400 = d.day AND coalesce(r.reporter, '-') = d.reporter))
	AND (SELECT sum(n) FROM incident_days WHERE dim = 'status') = (SELECT count(*) FROM incidents)")" t \
   "the per-day counters (counted at commit) match the rows after the concurrent runs"

# 3. the database out of reach: ingest still exits 0 within db_busy_timeout,
# the message waits in the host's spool, and reprocess --pending records it
DEAD=$(free_port)
conf h3 "postgresql://abusedesk@127.0.0.1:$DEAD/abusedesk"
arf "down1" 77 > "$T/race/down1.eml"
t0=$(date +%s)
A h3 -q ingest < "$T/race/down1.eml" 2>"$T/h3.err"; is "$?" 0 "ingest exits 0 when PostgreSQL cannot be reached"
is "$(( $(date +%s) - t0 <= 4 ))" 1 "and returns within db_busy_timeout (2s)"
is "$(find "$T/h3/spool/new" -type f | wc -l)" 1 "the message waits in that host's spool"
like "$(cat "$T/h3.err")" "cannot connect" "the error says why"
conf h3 "$PG_URI"
ok "A h3 -q reprocess --pending" "reprocess --pending once the database is back"
is "$(pg_psql "SELECT count(*) FROM reports WHERE subject = 'fblrace down1' AND status = 'done'")" 1 "it is recorded, once"
is "$(find "$T/h3/spool/new" -type f | wc -l)" 0 "nothing left pending"

# 4. an older incident cannot be reopened beside a newer one for the same key
OLD=$(pg_psql "SELECT incident_id FROM reports WHERE subject = 'fblrace down1'")
A h1 -q resolve "$OLD" >/dev/null 2>&1
pg_psql "UPDATE incidents SET resolved_at = resolved_at - 30 * 86400 WHERE id = $OLD" >/dev/null
arf "down2" 77 > "$T/race/down2.eml"; A h1 -q ingest < "$T/race/down2.eml" 2>/dev/null
NEW=$(pg_psql "SELECT incident_id FROM reports WHERE subject = 'fblrace down2'")
ok "[ -n '$NEW' ] && [ '$NEW' != '$OLD' ]" "a report long after the resolution opens a new incident"
A h1 -q reopen "$OLD" > "$T/reopen.out" 2>&1; rc=$?
ok "[ $rc -ne 0 ]" "reopening the older one is refused while the newer is open"
like "$(cat "$T/reopen.out")" "incidents_live" "and says which rule refused it"

# 5. two notify runners (one per host) and the loopback SMTP sink: each notification once
if ! "$SINK_PYTHON" -c 'import aiosmtpd' 2>/dev/null; then
	skip "python3-aiosmtpd is not installed: no SMTP sink"
	done_testing; exit
fi
SP=$(free_port)
NOTIFY="organization = Example Network
team_address = abuse-team@example.net
from_address = abusedesk@example.net
smtp_url = smtp://127.0.0.1:$SP
smtp_tls = none
smtp_timeout = 30s
notify_lease = 5m"
conf h1 "$PG_URI" "$NOTIFY"
conf h2 "$PG_URI" "$NOTIFY"
ok sink_start "$T/sink" "$SP" "SMTP sink up"
NOW=$(date +%s)
pg_psql "DELETE FROM outbox; INSERT INTO outbox(kind, channel, recipient, subject, message_id, body, state,
	next_attempt_at, created_at)
	SELECT 'notify', 'smtp', 'noc@owner.test', 'n' || i, '<n' || i || '@test>',
	 convert_to('From: <abusedesk@example.net>' || chr(13) || chr(10) || 'To: <noc@owner.test>' || chr(13) || chr(10)
	  || 'Subject: n' || i || chr(13) || chr(10) || 'Message-ID: <n' || i || '@test>' || chr(13) || chr(10)
	  || chr(13) || chr(10) || 'notice ' || i || chr(13) || chr(10), 'UTF8'), 'pending', $NOW, $NOW
	FROM generate_series(1, 150) AS i" >/dev/null
is "$(pg_psql "SELECT count(*) FROM outbox WHERE state = 'pending'")" 150 "150 notifications queued"
unset ABUSEDESK_NOW
for h in h1 h2; do
	( A $h -q notify --once > "$T/$h.notify" 2>&1; echo $? > "$T/$h.nrc" ) &
	PIDS+=($!)
done
for p in "${PIDS[@]}"; do wait "$p"; done; PIDS=()
is "$(cat "$T/h1.nrc")$(cat "$T/h2.nrc")" 00 "both runners finished (exit 0)"
mids() { cat "$T/sink"/[0-9]*.eml 2>/dev/null | tr -d '\r' | sed -n 's/^Message-ID: *//Ip'; }
is "$(mids | grep -c '^<n[0-9]*@test>$')" 150 "the sink got 150 notifications"
is "$(mids | sort -u | grep -c '^<n[0-9]*@test>$')" 150 "150 distinct Message-IDs: each exactly once"
is "$(pg_psql "SELECT state || ':' || count(*) FROM outbox GROUP BY state")" "sent:150" "every row sent"
is "$(pg_psql 'SELECT count(*) FROM outbox WHERE claim_owner IS NOT NULL')" 0 "no claim left behind"
S1=$(sed -n 's/^notify: \([0-9]*\) sent.*/\1/p' "$T/h1.notify"); S2=$(sed -n 's/^notify: \([0-9]*\) sent.*/\1/p' "$T/h2.notify")
is "$((${S1:-0} + ${S2:-0}))" 150 "the runners' sent counts add up to 150"
diag "runner 1 sent ${S1:-0}, runner 2 sent ${S2:-0}"
# a claim whose lease runs is passed over; once it has ended the row is taken again
pg_psql "UPDATE outbox SET state = 'pending', sent_at = NULL, claim_owner = 'gone:1:x', claim_until = $(( $(date +%s) + 300 ))
	WHERE message_id = '<n7@test>'" >/dev/null
A h1 -q notify --once >/dev/null 2>&1
is "$(mids | grep -cxF '<n7@test>')" 1 "a row under another runner's lease is not sent"
pg_psql "UPDATE outbox SET claim_until = $(( $(date +%s) - 1 )) WHERE message_id = '<n7@test>'" >/dev/null
A h2 -q notify --once >/dev/null 2>&1
is "$(mids | grep -cxF '<n7@test>')" 2 "after the lease it is sent again (the runner that held it never finished)"
done_testing
