#!/bin/bash
# test_pg.sh - the same desk on PostgreSQL: init, ingest of the samples and
# the helpdesk's answers equal to the same run on SQLite. Starts its own
# cluster (tests/lib/pg.sh) and stops it by its PID.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/pg.sh
BIN=${ABUSEDESK_BIN:-$PWD/abusedesk}
T=$(mktemp -d /tmp/abusedesk-pg-XXXXXX)
cleanup() { pg_stop "$T/pg"; rm -rf "$T"; }
trap cleanup EXIT
chmod 755 "$T"

if ! pg_start "$T/pg"; then
	skip "PostgreSQL cannot be started here"
	done_testing; exit
fi
RUN_USER=
if [ "$(id -u)" = 0 ]; then
	id abusedesk >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin abusedesk
	RUN_USER=abusedesk
fi
conf() { # conf NAME DATABASE
	mkdir -p "$T/$1"; chmod 755 "$T/$1"; [ -n "$RUN_USER" ] && chown "$RUN_USER" "$T/$1"
	cat > "$T/$1/abusedesk.conf" <<CONF
database = $2
spool_dir = $T/$1/spool
run_user = $RUN_USER
syslog = no
db_busy_timeout = 2s
our_networks = 192.0.2.0/24, 198.51.100.0/24, 2001:db8::/32
our_domains = example.net
CONF
}
conf pg "$PG_URI"
conf sq "$T/sq/abusedesk.db"
A() { local w=$1; shift; "$BIN" -c "$T/$w/abusedesk.conf" "$@"; }
export ABUSEDESK_NOW=1790000000

ok "A pg init" "init creates the schema on PostgreSQL"
is "$(pg_psql 'SELECT version FROM schema_version')" 4 "schema version recorded"
ok "A pg init" "init again is harmless"
is "$(pg_psql "SELECT count(*) FROM information_schema.views WHERE table_name IN ('open_incidents','incident_reports','pending_reports','untraced_reports','outbox_failed')")" 5 "the views for psql users exist"
ok "A sq init >/dev/null" "SQLite init"

n=0; bad=0
for f in samples/*.eml; do
	n=$((n + 1))
	A pg -q ingest < "$f" || bad=$((bad + 1))
	A sq -q ingest < "$f"
done
is "$bad" 0 "every sample ingested on PostgreSQL with exit 0"
is "$(find "$T/pg/spool/new" -type f | wc -l)" 0 "nothing left pending in the spool"
is "$(pg_psql "SELECT count(*) FROM reports WHERE status = 'done'")" "$n" "one done report per sample"
# duplicate delivery: the dedupe key holds on PostgreSQL too
A pg -q ingest < samples/arf-abuse.eml
is "$(pg_psql 'SELECT count(*) FROM reports')" "$n" "a redelivered message adds no report"

# the same verdicts and incidents as on SQLite (times are the clock's, not compared)
norm='map(del(.first_seen, .last_seen, .received)) | sort_by(.id)'
A pg incidents --limit 1000 --format json > "$T/pg.inc" 2>&1; is "$?" 0 "incidents --format json on PostgreSQL"
A sq incidents --limit 1000 --format json > "$T/sq.inc"
is "$(jq length "$T/sq.inc")" 22 "SQLite has the samples' 22 incidents"
is "$(jq -c "$norm" "$T/pg.inc")" "$(jq -c "$norm" "$T/sq.inc")" "incidents equal to SQLite's"
is "$(pg_psql "SELECT string_agg(coalesce(verdict,'-'), ',' ORDER BY id) FROM reports")" \
   "$(sqlite3 "$T/sq/abusedesk.db" "SELECT group_concat(v, ',') FROM (SELECT coalesce(verdict,'-') AS v FROM reports ORDER BY id)")" \
   "trace verdicts equal to SQLite's"
is "$(A pg stats)" "$(A sq stats)" "stats equal (per-day counters kept by the triggers)"
is "$(A pg show 1 | grep -v '^Seen:')" "$(A sq show 1 | grep -v '^Seen:')" "show equal"
is "$(A pg incidents --status open | wc -l)" "$(A sq incidents --status open | wc -l)" "incidents --status (named parameters)"
done_testing
