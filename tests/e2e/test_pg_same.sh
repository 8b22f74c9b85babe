#!/bin/bash
# test_pg_same.sh - every helpdesk command answers the same on PostgreSQL as
# on SQLite: two desks, one of each, get the same inventory, mail and NAT
# logs and samples; then incidents, reports, show, search (IP, CIDR, text,
# Message-ID), stats, digest, inventory export and lookup, notify --status,
# the state changes and reprocess --all are run on both and their outputs
# (exit code, stdout and stderr) compared; the moments of ingest, the
# machine's clock, are set to the same values on both. Starts its own
# cluster (tests/lib/pg.sh) and stops it by its PID.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/pg.sh
BIN=${ABUSEDESK_BIN:-$PWD/abusedesk}
T=$(mktemp -d /tmp/abusedesk-pgsame-XXXXXX)
cleanup() { pg_stop "$T/pg"; [ -n "${KEEP:-}" ] || rm -rf "$T"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
chmod 755 "$T"

pg_start_or_skip "$T/pg"
mail_user
conf() { # conf NAME DATABASE
	mkdir -p "$T/$1"; chmod 755 "$T/$1"; [ -n "$RUN_USER" ] && chown "$RUN_USER" "$T/$1"
	cat > "$T/$1/abusedesk.conf" <<CONF
database = $2
spool_dir = $T/$1/spool
run_user = $RUN_USER
syslog = no
db_busy_timeout = 5s
our_networks = 192.0.2.0/24, 198.51.100.0/24, 2001:db8::/32
our_domains = example.net
organization = Example Network
team_address = abuse-team@example.net
from_address = abusedesk@example.net
CONF
}
conf sq "$T/sq/abusedesk.db"
conf pg "$PG_URI"
A() { local w=$1; shift; "$BIN" -c "$T/$w/abusedesk.conf" "$@"; }
export ABUSEDESK_NOW=1790000000

# same DESCRIPTION ARGS... - run on both, compare exit code and output
same() {
	local d=$1 r1 r2; shift
	A sq "$@" > "$T/out.sq" 2>&1; r1=$?
	A pg "$@" > "$T/out.pg" 2>&1; r2=$?
	sed -i "s|$T/sq/abusedesk.db|DB|g; s|postgresql://[^ ]*/abusedesk|DB|g" "$T/out.sq" "$T/out.pg"
	if [ "$r1" = "$r2" ] && cmp -s "$T/out.sq" "$T/out.pg"; then
		pass "$d"
	else
		fail "$d" "exit $r1 on SQLite, $r2 on PostgreSQL"
		diff "$T/out.sq" "$T/out.pg" | head -n 6 | cut -c1-160 | sed 's/^/#   /' >&2
	fi
}

ok "A sq init" "SQLite init"
ok "A pg init" "PostgreSQL init"
same "inventory import owners" inventory import owners samples/inventory/owners.csv
same "inventory import networks" inventory import networks samples/inventory/networks.csv
same "inventory import hosts" inventory import hosts samples/inventory/hosts.csv
same "maillog import (Postfix)" maillog import samples/maillog/postfix.log
same "maillog import (Exim)" maillog import samples/maillog/exim.log
same "maillog import (trace)" maillog import samples/maillog/trace.log
same "natlog import" natlog import samples/natlog/nat1.csv
same "natlog import again (duplicates)" natlog import samples/natlog/nat1.csv
bad=0
for f in samples/*.eml; do
	A sq -q ingest < "$f" || bad=$((bad + 1))
	A pg -q ingest < "$f" || bad=$((bad + 1))
done
is "$bad" 0 "every sample ingested on both (exit 0)"
# the clock of ingest is the machine's: the same times on both desks
PIN="UPDATE reports SET received_at = 1789990000 + id * 10;
UPDATE incidents SET first_seen = (SELECT min(received_at) FROM reports r WHERE r.incident_id = incidents.id),
 last_seen = (SELECT max(received_at) FROM reports r WHERE r.incident_id = incidents.id)
 WHERE id IN (SELECT incident_id FROM reports)"
sqlite3 "$T/sq/abusedesk.db" "$PIN"
pg_psql "$PIN" >/dev/null
same "incidents" incidents --limit 1000
same "incidents --format json" incidents --limit 1000 --format json
same "incidents --format csv" incidents --limit 1000 --format csv
same "incidents --host (a suffix)" incidents --host example.net
same "incidents --ip" incidents --ip 192.0.2.25
same "incidents --verdict" incidents --verdict open_relay
same "incidents --owner" incidents --owner mail-team
same "incidents --status active" incidents --status active
same "reports" reports --limit 100
same "reports --format json" reports --limit 100 --format json
same "reports --status" reports --status done --format csv
for i in 1 2 3 5 8 11 15 20; do
	same "show $i" show "$i"
	same "show $i --format json" show "$i" --format json
done
same "show of no incident" show 9999
same "search IP" search 192.0.2.25
same "search CIDR" search 192.0.2.0/24
same "search IPv6 CIDR" search 2001:db8::/32
same "search text" search offer
same "search text, case folded" search OFFER
same "search Message-ID" search '<20240305135839.AB12@webhost7.example.com>'
same "stats" stats
same "stats --since" stats --since 30d
same "stats --format json" stats --format json
same "inventory export" inventory export
same "inventory lookup" inventory lookup 192.0.2.25
same "notify --status --all" notify --status --all
same "digest" digest --since 30d
same "digest --format html" digest --since 30d --format html
same "digest --owner" digest --since 30d --owner mail-team
same "ack" ack 3 --note "looking"
same "resolve" resolve 5
same "reopen" reopen 5
same "false-positive" false-positive 7
same "show after the changes" show 3
same "notify --status after the changes" notify --status --all
same "reprocess --all" reprocess --all
same "incidents after reprocess --all" incidents --limit 1000 --format json
same "stats after reprocess --all" stats
done_testing
