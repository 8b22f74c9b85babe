#!/bin/bash
# test_bench_smoke.sh - the benchmark suite still runs: `bench/run.sh --smoke`
# (tiny sizes, no peers) prints the machine line and the table with every
# row, each with a result and a command; no benchmarked command failed, and
# the 50-concurrent delivery recorded every message exactly once. Figures
# themselves are not judged here: benchmarks do not pass or fail CI.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/lib/tap.sh"
B=${ABUSEDESK_BUILD:-$ROOT/build/default}
T=$(mktemp -d /tmp/abusedesk-benchsmoke-XXXXXX)
trap 'rm -rf "$T"' EXIT

if [ ! -x "$B/bench/gen" ] || [ ! -x "$B/bench/lat" ] || [ ! -x "$B/bench/catspool" ]; then
	skip "bench tools not built (make tools)"; done_testing; exit
fi
start=$(date +%s)
BENCH_TOOLS="$B/bench" sh "$ROOT/bench/run.sh" --smoke >"$T/out" 2>"$T/err"
rc=$?
diag "smoke bench took $(( $(date +%s) - start )) s"
is "$rc" 0 "bench/run.sh --smoke exits 0"
out=$(cat "$T/out")
like "$out" "machine: nproc [0-9]+; CPU [^;]+; RAM [0-9.]+ GiB; kernel Linux " "machine line: nproc, CPU, RAM, kernel"
like "$out" "\| id \| benchmark \| result \| target \| status \|" "table header printed"

ROWS="parse.mix parse.arf parse.bounces parse.bounces.x10 peer.sisimai.bounce peer.sisimai.arf received peer.sa.received
trace rss.big rss.batch ingest.floor ingest.floor8 ingest.serial ingest.p8 ingest.startup ingest.c50
ingest.c50.count ingest.floor2 ingest.p2 ingest.floor4 ingest.p4 import.mbox reprocess.all q.status q.owner q.host q.ip q.verdict q.since q.active q.show q.search.ip
q.search.inj q.search.mid q.search.text q.stats q.stats.30d q.stats.365d digest digest.html digest.week ingest.emptydb ingest.bigdb ingest.big.ratio
web.api.list web.api.all web.api.show web.page.list web.page.owner web.page.show web.page.dash
import.mbox.pg reprocess.all.pg pg.floor ingest.pg1 ingest.pg2 ingest.pg4 ingest.pg8 q.pg.status q.pg.owner q.pg.host q.pg.ip
q.pg.verdict q.pg.since q.pg.active q.pg.show q.pg.search.ip q.pg.search.inj q.pg.search.mid q.pg.search.text
q.pg.stats q.pg.stats.30d q.pg.stats.365d digest.pg digest.pg.html digest.pg.week"
for r in $ROWS; do
	line=$(grep -F "| $r |" "$T/out" | head -n 1)
	res=$(printf '%s' "$line" | awk -F ' \\| ' '{ print $3 }')
	if [ -n "$line" ] && [ -n "$res" ] && [ "$res" != "-" ]; then
		pass "row $r printed with a result"
	else
		fail "row $r printed with a result" "line: $line"
	fi
	grep -Eq "^  $r +[^ ]" "$T/out" && pass "row $r has its command" || fail "row $r has its command"
done
is "$(grep '^| [a-z]' "$T/out" | grep -vc '^| id |')" "$(echo $ROWS | wc -w)" "no row without a known id"
like "$(grep -F '| peer.sisimai.arf |' "$T/out")" "skipped: smoke" "peers skipped in the smoke run"
like "$(grep -F '| parse.mix |' "$T/out")" "[0-9,]+ msg/s" "parse row carries a rate"
like "$(grep -F '| q.show |' "$T/out")" "[0-9.]+ ms \(median of 5\)" "query row carries a median"
is "$(grep -c 'BROKEN' "$T/out")" 0 "no benchmarked command failed"
like "$(grep -F '| ingest.c50.count |' "$T/out")" "\| met \|$" "50 concurrent deliveries: each recorded exactly once"
like "$(grep -F '| import.mbox |' "$T/out")" "all recorded" "mbox import recorded every message"
like "$(grep -F '| reprocess.all |' "$T/out")" " 200 processed" "reprocess --all went over every imported report"
# the server's floor: a figure in microseconds, or skipped with PostgreSQL
like "$(grep -F '| pg.floor |' "$T/out")" "([0-9.]+ us a message \(the report row [0-9.]+ us\)|skipped: )" \
	"the PostgreSQL floor row carries microseconds a message"
[ -s "$T/err" ] && grep -qi 'missing from the big database' "$T/err" &&
	fail "big database has the columns the CLI queries" "$(grep -i missing "$T/err")" ||
	pass "big database has the columns the CLI queries"
done_testing
