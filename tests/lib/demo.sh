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
. tests/lib/demo-env.sh
demo_conf "$D" "$RUN_USER"
A() { "$BIN" -c "$D/abusedesk.conf" "$@"; }
echo "== abusedesk init; inventory, mail log and NAT log import"
demo_load "$BIN" "$D/abusedesk.conf"
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
# every verdict the tracer gives has a sample (docs/trace.md lists them)
echo "== verdicts of the $n samples"
seen=$(A reports --limit 1000 --format csv | sed 1d | cut -d, -f8 | sort | uniq -c)
echo "$seen"
missing=
for v in open_proxy infected_host compromised_account open_relay web_script local_injection unknown not_ours; do
	echo "$seen" | grep -qw "$v" || missing="$missing $v"
done
if [ -n "$missing" ]; then
	echo "demo: no sample gave the verdict(s):$missing" >&2
	exit 1
fi
echo
echo "demo database: $D/db/abusedesk.db (try: sqlite3 $D/db/abusedesk.db 'select * from open_incidents')"
echo "configuration: $D/abusedesk.conf (abusedesk -c $D/abusedesk.conf --help)"
