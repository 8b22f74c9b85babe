#!/bin/bash
# test_pg_demo_copy.sh - `abusedesk db copy` round-trips the demo database:
# the desk `make demo` builds (inventory, mail and NAT logs, every sample
# through ingest, a web user, a digest) is copied to PostgreSQL and back to a
# new SQLite file, and every table comes back row for row, value for value;
# the PostgreSQL copy answers the helpdesk as the original does. Starts its
# own cluster (tests/lib/pg.sh) and stops it by its PID.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/pg.sh
. tests/lib/demo-env.sh
BIN=${ABUSEDESK_BIN:-$PWD/abusedesk}
T=$(mktemp -d /tmp/abusedesk-pgdemo-XXXXXX)
cleanup() { pg_stop "$T/pg"; [ -n "${KEEP:-}" ] || rm -rf "$T"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
chmod 755 "$T"

pg_start_or_skip "$T/pg"
mail_user
mkdir -p "$T/demo"; [ -n "$RUN_USER" ] && chown "$RUN_USER" "$T/demo"
demo_conf "$T/demo" "$RUN_USER"
C=$T/demo/abusedesk.conf
SQ=$T/demo/db/abusedesk.db
A() { "$BIN" -c "$C" "$@"; }
demo_load "$BIN" "$C" > "$T/load.out" 2>&1; is "$?" 0 "the demo's init and imports"
bad=0; n=0
for f in samples/*.eml; do
	A -q ingest < "$f" 2>>"$T/ingest.err" || bad=$((bad + 1))
	n=$((n + 1))
done
is "$bad" 0 "all $n samples ingested"
echo demo | A user add demo --role handler >/dev/null 2>&1; is "$?" 0 "a web user, as the demo adds"
A digest --since 24h > /dev/null 2>&1; is "$?" 0 "a digest over the demo"
ok "[ $(sqlite3 "$SQ" 'SELECT count(*) FROM reports') -ge $n ]" "a report (or more) a sample"

CP=$(pg_uri democopy)
A db copy "$SQ" "$CP" > "$T/copy1.out" 2>&1; is "$?" 0 "db copy demo SQLite -> PostgreSQL"
is "$(grep -c DIFFERS "$T/copy1.out")" 0 "no table's count differs"
A db copy "$CP" "$T/back.db" > "$T/copy2.out" 2>&1; is "$?" 0 "db copy PostgreSQL -> new SQLite file"
is "$(grep -c DIFFERS "$T/copy2.out")" 0 "no table's count differs on the way back"

# every table, row for row: the same columns in the same order, sorted
tables=$(sqlite3 "$SQ" "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' ORDER BY name")
nt=0; same=0; rows=0; differ=
for t in $tables; do
	cols=$(sqlite3 "$SQ" "SELECT group_concat(name, ',') FROM pragma_table_info('$t')")
	q="SELECT quote($(printf '%s' "$cols" | sed 's/,/), quote(/g')) FROM \"$t\" ORDER BY 1, 2"
	sqlite3 "$SQ" "$q" > "$T/a.rows" 2>"$T/a.err"
	sqlite3 "$T/back.db" "$q" > "$T/b.rows" 2>"$T/b.err"
	nt=$((nt + 1)); rows=$((rows + $(wc -l < "$T/a.rows")))
	if cmp -s "$T/a.rows" "$T/b.rows" && [ ! -s "$T/b.err" ]; then
		same=$((same + 1))
	else
		differ="$differ $t"
		diff "$T/a.rows" "$T/b.rows" | head -n 6 | sed 's/^/# /'
		cat "$T/b.err" | sed 's/^/# /'
	fi
done
ok "[ $nt -ge 15 ]" "the demo has its tables ($nt)"
is "$same" "$nt" "every table comes back row for row, value for value ($rows rows)${differ:+; differ:$differ}"

# the PostgreSQL copy answers as the original does
cat > "$T/pg.conf" <<CONF
database = $CP
spool_dir = $T/pgspool
run_user = $RUN_USER
syslog = no
our_networks = 192.0.2.0/24, 198.51.100.0/24, 2001:db8:25::/48, 2001:db8:10::/48, 10.0.0.0/8, 100.64.0.0/10, 127.0.0.0/28
our_domains = example.net
CONF
P() { "$BIN" -c "$T/pg.conf" "$@"; }
is "$(P incidents --limit 1000 --format json)" "$(A incidents --limit 1000 --format json)" "incidents equal on the PostgreSQL copy"
is "$(P reports --limit 1000 --format csv)" "$(A reports --limit 1000 --format csv)" "reports equal"
is "$(P stats)" "$(A stats)" "stats equal"
like "$(P user list 2>&1)" "demo" "the web user came along"
is "$(P user list 2>&1)" "$(A user list 2>&1)" "and the user list is the same"
done_testing
