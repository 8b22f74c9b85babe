#!/bin/sh
# demo.sh - the main job on the embedded default: a demo database built from
# samples/ through the same pipe path the MTA uses, then incidents and a digest.
set -eu
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
D=$ROOT/build/demo
BIN=$ROOT/abusedesk
rm -rf "$D"
mkdir -p "$D"
RUN_USER=
if [ "$(id -u)" = 0 ]; then
	# hostile mail is never handled as root: the pipe runs as a mail user
	id abusedesk >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin abusedesk
	RUN_USER=abusedesk
	chown abusedesk "$D"
fi
cat > "$D/abusedesk.conf" <<CONF
# demo configuration: the documentation networks play "our" network
database = $D/db/abusedesk.db
spool_dir = $D/spool
run_user = $RUN_USER
syslog = no
our_networks = 192.0.2.0/24, 198.51.100.0/24, 2001:db8::/32, 10.0.0.0/8, 100.64.0.0/10
our_domains = example.net
team_address = abuse-team@example.net
from_address = abusedesk@example.net
organization = Example Network
CONF
A() { "$BIN" -c "$D/abusedesk.conf" "$@"; }
echo "== abusedesk init"
A init
if [ -d samples/inventory ]; then
	echo "== inventory import"
	for k in owners networks hosts; do
		[ -f "samples/inventory/$k.csv" ] && A inventory import "$k" "samples/inventory/$k.csv"
	done
fi
for f in samples/maillog/*.log; do [ -f "$f" ] && A maillog import "$f"; done
for f in samples/natlog/*.csv; do [ -f "$f" ] && A natlog import "$f"; done
echo "== ingest: each sample piped to 'abusedesk ingest', as the MTA does"
n=0; bad=0
for f in samples/*.eml; do
	if [ -n "$RUN_USER" ]; then
		runuser -u "$RUN_USER" -- "$BIN" -q -c "$D/abusedesk.conf" ingest < "$f" || bad=$((bad + 1))
	else
		A -q ingest < "$f" || bad=$((bad + 1))
	fi
	n=$((n + 1))
done
echo "ingested $n messages ($bad deferred)"
echo
echo "== abusedesk reports --limit 15"
A reports --limit 15
echo
echo "== abusedesk incidents"
A incidents
echo
first=$(A incidents --format csv | sed -n '2p' | cut -d, -f1)
if [ -n "$first" ]; then
	echo "== abusedesk show $first"
	A show "$first"
	echo
fi
echo "== abusedesk digest --since 24h"
A digest --since 24h
echo
echo "demo database: $D/db/abusedesk.db (try: sqlite3 $D/db/abusedesk.db 'select * from open_incidents')"
echo "configuration: $D/abusedesk.conf (abusedesk -c $D/abusedesk.conf --help)"
