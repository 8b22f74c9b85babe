#!/bin/sh
# run.sh [--smoke] [--keep] - the abusedesk benchmark suite.
#
# Prints one table: each figure with the command that produced it, the
# target, and whether the target was met, plus the machine it ran on (nproc,
# CPU model, RAM, kernel). Peers (Sisimai, SpamAssassin's Received parser,
# a bare durable "cat into the spool") run in the same run, on the same
# files, and are reported as ratios. Benchmarks print figures; they never
# fail a build: the exit status is 0 unless the suite itself broke.
#
#   --smoke   tiny sizes (200 messages, a 10k-report database), no peers and
#             no big files: what `make check` runs so the suite cannot rot
#   --keep    leave the work folder (printed at the end) for inspection
#
# Environment: ABUSEDESK_BIN (default build/default/abusedesk), BENCH_DIR
# (work folder, default a fresh one under /tmp), BENCH_OUT (also write the
# table there), BENCH_MBOX_COUNT (size of the import mbox; default 100,000),
# BENCH_ONLY=parse (the parse, Received, trace and RSS rows only, about a minute),
# BENCH_ONLY=import (the bulk import and reprocess rows on both backends only).
# The PostgreSQL rows (bench/pg.sh) start a private cluster with tests/lib/pg.sh
# (fsync on); where PostgreSQL cannot be installed they are reported as skipped.
# Tools come from `make tools` (build/default/bench/gen, lat, catspool).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
cd "$(dirname "$0")/.." || exit 2
ROOT=$(pwd)
BIN=${ABUSEDESK_BIN:-$ROOT/build/default/abusedesk}   # not ./abusedesk: check-asan relinks it
TOOLS=${BENCH_TOOLS:-$ROOT/build/default/bench}
SMOKE=0 KEEP=0
for a in "$@"; do
	case $a in
	--smoke) SMOKE=1 ;;
	--keep) KEEP=1 ;;
	*) echo "usage: bench/run.sh [--smoke] [--keep]" >&2; exit 64 ;;
	esac
done
for t in gen lat catspool; do
	[ -x "$TOOLS/$t" ] || { echo "bench: $TOOLS/$t missing: run 'make tools'" >&2; exit 2; }
done
[ -x "$BIN" ] || { echo "bench: $BIN missing: run 'make'" >&2; exit 2; }

if [ "$SMOKE" = 1 ]; then
	N_PARSE=200 N_TRACE=200 N_LAT1=20 N_LAT8=40 N_LAT24=40 N_C50=200 N_MBOX=200
	DB_REPORTS=10000 DB_INCIDENTS=1000 BIG_MB=1 N_BATCH=200 N_RCVD_REP=1
else
	N_PARSE=20000 N_TRACE=5000 N_LAT1=200 N_LAT8=800 N_LAT24=400 N_C50=5000 N_MBOX=100000
	DB_REPORTS=1000000 DB_INCIDENTS=100000 BIG_MB=50 N_BATCH=1000 N_RCVD_REP=20
fi
N_MBOX=${BENCH_MBOX_COUNT:-$N_MBOX}
W=${BENCH_DIR:-$(mktemp -d /tmp/abusedesk-bench-XXXXXX)}
mkdir -p "$W"
chmod 755 "$W"   # the run user must reach its spool and database
TAB=$W/table.tsv
# measure one binary throughout, even if the tree is rebuilt meanwhile
cp "$BIN" "$W/abusedesk" || exit 2
BIN_SRC=$BIN BIN=$W/abusedesk
: >"$TAB"
cleanup() {
	declare -F bench_pg_stop >/dev/null && bench_pg_stop
	[ "$KEEP" = 1 ] || rm -rf "$W"
}
trap cleanup EXIT
export ABUSEDESK_NOW=${ABUSEDESK_NOW:-1714608000}

. "$ROOT/bench/lib.sh"

LOAD0=$(cut -d" " -f1-3 /proc/loadavg)
section() { printf '\n== %s\n' "$*" >&2; }

# --- setup: run user, peers, time(1) ---------------------------------------
RUN_USER=
if [ "$(id -u)" = 0 ]; then
	id abusedesk >/dev/null 2>&1 ||
		useradd --system --no-create-home --shell /usr/sbin/nologin abusedesk
	RUN_USER=abusedesk
fi
[ -x /usr/bin/time ] || apt_get time >/dev/null 2>&1
HAVE_SISIMAI=0 HAVE_SA=0
if [ "$SMOKE" = 0 ]; then
	perl -MSisimai -e1 2>/dev/null || apt_get libsisimai-perl >/dev/null 2>&1
	perl -MSisimai -e1 2>/dev/null && HAVE_SISIMAI=1
	perl -MMail::SpamAssassin::Message::Metadata::Received -e1 2>/dev/null ||
		apt_get spamassassin >/dev/null 2>&1
	perl -MMail::SpamAssassin::Message::Metadata::Received -e1 2>/dev/null && HAVE_SA=1
fi

# --- data --------------------------------------------------------------------
section "generating data in $W"
"$TOOLS/gen" --seed 1 --count "$N_PARSE" --dir "$W/mix" || exit 2
grep -l '^Content-Type: message/feedback-report' -r "$W/mix" | sort >"$W/arf.list"
mkdir -p "$W/arf"
head -n 2000 "$W/arf.list" | xargs -r cp -t "$W/arf"
BOUNCES=$ROOT/../shared/corpus/bounces/maildir/bsd

[ "${BENCH_ONLY:-}" = import ] || . "$ROOT/bench/parse.sh"
if [ "${BENCH_ONLY:-}" != parse ]; then
	. "$ROOT/bench/ingest.sh"
	[ "${BENCH_ONLY:-}" = import ] || . "$ROOT/bench/helpdesk.sh"
	. "$ROOT/bench/pg.sh"
fi

# --- the table ---------------------------------------------------------------
print_table | tee ${BENCH_OUT:+"$BENCH_OUT"}
[ "$KEEP" = 1 ] && echo "work folder kept: $W"
exit 0
