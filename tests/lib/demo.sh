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
PIPE_BIN=$BIN
if [ "$(id -u)" = 0 ]; then
	# hostile mail is never handled as root: the pipe runs as a mail user
	id abusedesk >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin abusedesk
	RUN_USER=abusedesk
	# a checkout the mail user cannot reach (under /root, mode 0700): the
	# demo's files and a copy of the binary go where it can
	. tests/lib/pipeuser.sh
	PIPE_BIN=$(pipe_user_bin "$BIN" abusedesk) || {
		echo "demo: the mail user 'abusedesk' cannot execute $BIN, and no copy it can run could be made" >&2
		exit 1
	}
	[ "$PIPE_BIN" = "$(readlink -f "$BIN")" ] ||
		echo "demo: 'abusedesk' cannot reach $ROOT; it runs the copy $PIPE_BIN"
	if ! runuser -u abusedesk -- test -x "$D"; then
		rmdir "$D"
		D=/var/tmp/abusedesk-demo-$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)
		rm -rf "$D"
		mkdir -m 0755 "$D" || exit 1
		echo "demo: 'abusedesk' cannot reach $ROOT/build; the demo's database and spool are in $D"
	fi
	chown abusedesk "$D"
fi
. tests/lib/demo-env.sh
demo_conf "$D" "$RUN_USER"
A() { "$BIN" -c "$D/abusedesk.conf" "$@"; }
echo "== abusedesk init; inventory, mail log and NAT log import"
demo_load "$BIN" "$D/abusedesk.conf"
echo "== ingest: each sample piped to 'abusedesk ingest', as the MTA does"
n=0; bad=0; why=
for f in samples/*.eml; do
	rc=0
	if [ -n "$RUN_USER" ]; then
		runuser -u "$RUN_USER" -- "$PIPE_BIN" -q -c "$D/abusedesk.conf" ingest < "$f" 2>"$D/ingest.err" || rc=$?
	else
		A -q ingest < "$f" 2>"$D/ingest.err" || rc=$?
	fi
	if [ "$rc" -ne 0 ]; then
		bad=$((bad + 1))
		[ -n "$why" ] || why="$f: exit $rc: $(head -3 "$D/ingest.err")"
	fi
	n=$((n + 1))
done
rm -f "$D/ingest.err"
echo "ingested $n messages ($bad deferred)"
if [ "$bad" -ne 0 ]; then
	# the MTA would keep these and retry: for the demo it is a failure
	echo "demo: $bad of $n ingests did not succeed (an MTA would defer them); the first:" >&2
	echo "  $why" >&2
	exit 1
fi
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
for v in open_proxy infected_host compromised_account open_relay web_script local_injection compromised_server web_compromise unknown not_ours; do
	echo "$seen" | grep -qw "$v" || missing="$missing $v"
done
if [ -n "$missing" ]; then
	echo "demo: no sample gave the verdict(s):$missing" >&2
	exit 1
fi
echo
echo "demo database: $D/db/abusedesk.db (try: sqlite3 $D/db/abusedesk.db 'select * from open_incidents')"
echo "configuration: $D/abusedesk.conf (abusedesk -c $D/abusedesk.conf --help)"
# a handler for the web helpdesk: user demo, password demo
A user del demo >/dev/null 2>&1 || true
echo demo | A user add demo --role handler >/dev/null
echo
echo "== the web helpdesk of the demo"
echo "start it:  $BIN -c $D/abusedesk.conf web --listen 127.0.0.1:8025"
echo "then open: http://127.0.0.1:8025/  (user demo, password demo)"
echo "the API:   TOKEN=\$($BIN -c $D/abusedesk.conf user token demo)"
echo "           curl -H \"Authorization: Bearer \$TOKEN\" http://127.0.0.1:8025/api/v1/incidents"
