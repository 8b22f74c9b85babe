#!/bin/bash
# helpdesk_db.sh [--reuse] [DIR] [REPORTS] [INCIDENTS] - helpdesk latency on a big database.
#
# Builds DIR (default /tmp/abusedesk-helpdesk) with bench/digest_db.sh
# (1,000,000 reports, 100,000 incidents), runs each helpdesk query 5 times
# after one warm-up run and prints the median wall time of the whole process
# per query, then times `abusedesk ingest` of one more ARF report (samples/
# arf-abuse.eml, a unique Message-ID each run) 20 times into the big
# database and 20 times into an empty one and prints both medians.
# Output: a readable table on stdout, and for scripts one line per figure:
#   FIGURE helpdesk <query>: <ms> ms
#   FIGURE helpdesk ingest ratio: <big/empty> x
# --reuse keeps DIR/ad.db when it is there (no rebuild). ABUSEDESK_BIN picks
# the binary; as root the ingest runs as run_user abusedesk (created if
# missing), as mail delivery would.
set -eu
REUSE=0
[ "${1:-}" = --reuse ] && { REUSE=1; shift; }
DIR=${1:-/tmp/abusedesk-helpdesk}
NR=${2:-1000000}
NI=${3:-100000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${ABUSEDESK_BIN:-$ROOT/abusedesk}
export ABUSEDESK_NOW=${ABUSEDESK_NOW:-1714608000}
RUNS=5 INGESTS=20
SAMPLE=$ROOT/samples/arf-abuse.eml

# run1 CMD... - "wall_us cpu_us" of one run (user + sys), output discarded; FAILED counts errors
run1() {
	local TIMEFORMAT='%3R %3U %3S'
	{ time "$@" >/dev/null 2>&1 || echo x >>"$W/failed"; } 2>"$W/t"
	awk '{ printf "%d %d\n", $1 * 1e6, ($2 + $3) * 1e6 }' "$W/t"
}

# median COL - the middle of column COL (microseconds) of stdin, in ms
median() { awk -v c="$1" '{ print $c }' | sort -n | awk '{ v[NR] = $1 } END { printf "%.1f", v[int((NR + 1) / 2)] / 1000 }'; }

# query NAME ARGS... - medians of RUNS runs of abusedesk ARGS on the big database
query() {
	local name=$1 w c
	shift
	"$BIN" -q -c "$DIR/conf" "$@" >/dev/null 2>&1 || echo "helpdesk_db: '$*' failed" >&2
	for _ in $(seq "$RUNS"); do run1 "$BIN" -q -c "$DIR/conf" "$@"; done >"$W/runs"
	w=$(median 1 <"$W/runs")
	c=$(median 2 <"$W/runs")
	printf '%-34s %8s ms %8s ms   abusedesk %s\n' "$name" "$w" "$c" "$*" >>"$TAB"
	echo "FIGURE helpdesk $name: $w ms"
}

# setup_conf DIR - ingest settings, inventory, ownership for the run user
setup_conf() {
	local d=$1
	cat >>"$d/conf" <<CONF
run_user = $RUN_USER
db_busy_timeout = 30s
our_networks = 192.0.2.0/24, 198.51.100.0/24, 2001:db8::/32
our_domains = example.net
CONF
	"$BIN" -q -c "$d/conf" init >/dev/null
	for k in owners networks hosts; do
		"$BIN" -q -c "$d/conf" inventory import "$k" "$ROOT/samples/inventory/$k.csv" >/dev/null 2>&1 || true
	done
	[ -z "$RUN_USER" ] || chown -R "$RUN_USER" "$d"
}

# ingest_runs DIR TAG - "wall cpu" of INGESTS ingests of unique copies of SAMPLE
ingest_runs() {
	local d=$1 tag=$2 i f
	for i in $(seq "$INGESTS"); do
		f=$W/msg-$tag-$i.eml
		sed "s/^Message-ID: .*/Message-ID: <helpdesk-$tag-$i-$$@bench.example>/" "$SAMPLE" >"$f"
		run1 "$BIN" -q -c "$d/conf" ingest <"$f"
	done
}

RUN_USER=
if [ "$(id -u)" = 0 ]; then
	id abusedesk >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin abusedesk
	RUN_USER=abusedesk
fi
if [ "$REUSE" = 0 ] || [ ! -f "$DIR/ad.db" ]; then
	ABUSEDESK_BIN=$BIN bash "$ROOT/bench/digest_db.sh" "$DIR" "$NR" "$NI" >&2
fi
grep -q '^our_networks' "$DIR/conf" || setup_conf "$DIR"
W=$(mktemp -d /tmp/abusedesk-hd-XXXXXX)
chmod 755 "$W"
trap 'rm -rf "$W"' EXIT
TAB=$W/table
: >"$W/failed"
MID=$(( NI / 2 + 7 ))

query "incidents" incidents
query "incidents --status active" incidents --status active
query "incidents --status open" incidents --status open
query "incidents --owner" incidents --owner owner5
query "incidents --status active --owner" incidents --status active --owner owner7
query "incidents --verdict" incidents --verdict open_relay
query "incidents --verdict --status" incidents --verdict open_proxy --status resolved
query "incidents --ip" incidents --ip 192.0.2.5
query "incidents --host" incidents --host "host$MID"
query "incidents --since 7d" incidents --since 7d
query "show" show "$MID"
query "search ip" search 192.0.2.5
query "search injector ip" search 203.0.7.9
query "search message-id, not found" search "<subject-$MID@nowhere.example>"
query "search text" search isp7
query "search text, no match" search no-such-text
query "stats --since 7d" stats --since 7d
query "stats" stats
query "stats --since 365d" stats --since 365d
query "ack" ack "$MID" --note bench
query "reopen" reopen "$MID"

mkdir -p "$W/empty"
printf 'database = %s/empty/ad.db\nspool_dir = %s/empty/spool\nsyslog = no\n' "$W" "$W" >"$W/empty/conf"
setup_conf "$W/empty"
: >"$W/failed"
ingest_runs "$W/empty" empty >"$W/empty.runs"
ingest_runs "$DIR" big >"$W/big.runs"
[ -s "$W/failed" ] && echo "helpdesk_db: $(wc -l <"$W/failed") ingests failed" >&2
E=$(median 1 <"$W/empty.runs") EC=$(median 2 <"$W/empty.runs")
B=$(median 1 <"$W/big.runs") BC=$(median 2 <"$W/big.runs")
R=$(awk -v b="$B" -v e="$E" 'BEGIN { printf "%.2f", (e > 0) ? b / e : 0 }')
printf '%-34s %8s ms %8s ms   abusedesk ingest <arf (median of %d)\n' "ingest, empty database" "$E" "$EC" \
	"$INGESTS" >>"$TAB"
printf '%-34s %8s ms %8s ms   abusedesk ingest <arf (median of %d)\n' "ingest, big database" "$B" "$BC" \
	"$INGESTS" >>"$TAB"
printf '%-34s %8s x                big / empty, wall (target <= 2)\n' "ingest ratio" "$R" >>"$TAB"
echo "FIGURE helpdesk ingest, empty database: $E ms"
echo "FIGURE helpdesk ingest, big database: $B ms"
echo "FIGURE helpdesk ingest ratio: $R x"

echo
echo "helpdesk on $(sqlite3 "$DIR/ad.db" 'SELECT count(*) FROM reports') reports," \
	"$(sqlite3 "$DIR/ad.db" 'SELECT count(*) FROM incidents') incidents; median of $RUNS" \
	"(whole process, target < 50 ms); nproc $(nproc), load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-34s %11s %11s   %s\n' "query" "wall" "cpu" "command"
cat "$TAB"
