#!/bin/sh
# coverage.sh BUILD_DIR - what `make coverage` runs after building BUILD_DIR
# with --coverage: the unit and end-to-end tests against that build, then line
# coverage (gcov) per module, and on its own for ingest/, the pipeline
# (app/process.c) and the outbox (db/outbox.c). A source file no test ran
# counts with all its lines missed. The counters start from zero each run.
# COVERAGE_SUITE=unit runs the unit tests only.
set -u
B=${1:-build/coverage}
cd "$(dirname "$0")/../.." || exit 2
command -v gcov >/dev/null || { echo "coverage: gcov not found (apt-get install gcc)" >&2; exit 2; }
find "$B" -name '*.gcda' -delete
sh tests/run.sh "$B" "${COVERAGE_SUITE:-unit+e2e}"
rc=$?
OUT=$(mktemp /tmp/abusedesk-cov.XXXXXX)
trap 'rm -f "$OUT"' EXIT
# one line per source file: PATH LINES COVERED
MODS=$(sed -n 's/^\([a-z/]*\):.*/\1/p' tests/lib/layers.txt)
for m in $MODS; do
	for c in "$m"/*.c; do
		[ -f "$c" ] || continue
		gcov -n -o "$B/$m" "$c" 2>/dev/null | awk -v f="$c" '
			/^File / { cur = $2; gsub(/\047/, "", cur) }
			/^Lines executed:/ && cur == f {
				split($2, a, ":"); pct = a[2] + 0; n = $4 + 0
				printf "%s %d %d\n", f, n, int(pct * n / 100 + 0.5); exit
			}'
	done
done >"$OUT"
echo "line coverage ($B, gcov):"
awk '
	function show(name, n, c) { printf "  %-22s %6.1f%%  %6d of %6d lines\n", name, n ? 100 * c / n : 0, c, n }
	{ m = $1; sub(/\/[^\/]*$/, "", m); n[m] += $2; c[m] += $3; N += $2; C += $3
	  split($1, p, "/")
	  if (p[1] == "ingest" || $1 == "app/process.c" || $1 == "db/outbox.c") { fn[$1] = $2; fc[$1] = $3 } }
	END {
		k = split(mods, order, " ")
		for (i = 1; i <= k; i++) show(order[i] "/", n[order[i]], c[order[i]])
		show("all", N, C)
		print "the parts that keep the promises:"
		show("ingest/", n["ingest"], c["ingest"])
		for (f in fn) if (f ~ /^ingest\//) show("  " f, fn[f], fc[f])
		show("app/process.c", fn["app/process.c"], fc["app/process.c"])
		show("db/outbox.c", fn["db/outbox.c"], fc["db/outbox.c"])
	}' mods="$(echo $MODS)" "$OUT"
exit $rc
