#!/bin/sh
# check.sh BUILD_DIR - what `make check` runs: the whole suite and the
# Debian package's install test (tests/deb/check-deb.sh); with CI=true
# (or CHECK_ALL=1) also the whole suite again under AddressSanitizer and
# UBSan, and every fuzz target for FUZZ_SECONDS (default 15) seconds.
# The last line is the total: "total: N passed, N failed, N skipped".
set -u
B=${1:-build/default}
cd "$(dirname "$0")/.." || exit 2
OUT=$(mktemp /tmp/abusedesk-check.XXXXXX)
trap 'rm -f "$OUT"' EXIT
pass=0; fail=0; skipped=0; rc=0
times=""; t0=$(date +%s)
took() { # took WHAT - add how long WHAT took (since the last took) to the time line
	t1=$(date +%s); times="$times${times:+, }$1 $((t1 - t0)) s"; t0=$t1
}

tally() { # tally LOG: add the "checks: N passed, N failed, N skipped" line of a suite (none: a failure)
	p=$(sed -n 's/^checks: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1/p' "$1" | tail -1)
	f=$(sed -n 's/^checks: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\2/p' "$1" | tail -1)
	s=$(sed -n 's/^checks: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\3/p' "$1" | tail -1)
	pass=$((pass + ${p:-0})); fail=$((fail + ${f:-1})); skipped=$((skipped + ${s:-0}))
	[ "${f:-1}" -eq 0 ] || rc=1
}

echo "== the suite ($B)"
sh tests/run.sh "$B" | tee "$OUT"
tally "$OUT"
took "suite"

# the package (make check-deb): make deb, a Debian 12 chroot with Postfix, an
# alias delivery, purge; about a minute and a half (a first run also makes the
# root with debootstrap). Its TAP log stays in $B/test-logs/check-deb.log.
echo "== the Debian package (tests/deb/check-deb.sh)"
DEBLOG=$B/test-logs/check-deb.log
mkdir -p "$B/test-logs"
start=$(date +%s)
timeout 1800 bash tests/deb/check-deb.sh >"$DEBLOG" 2>&1 </dev/null; drc=$?
grep -E '^(not ok|Bail out|SKIP|FIGURE)' "$DEBLOG" | sed 's/^/  /'
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$DEBLOG" | tail -1)
line=${line:-0 passed, 1 failed, 0 skipped}
dp=$(echo "$line" | cut -d' ' -f1); df=$(echo "$line" | cut -d' ' -f3); ds=$(echo "$line" | cut -d' ' -f5)
if [ "$drc" -ne 0 ] && [ "$df" -eq 0 ]; then df=1; fi
# under CI=true a skip (not root) is a failure, as in tests/run.sh
if [ "$ds" -ne 0 ] && [ "${CI:-}" = true ]; then df=$((df + 1)); fi
echo "  check-deb ($(( $(date +%s) - start ))s): $dp passed, $df failed, $ds skipped (log: $DEBLOG)"
[ "$df" -eq 0 ] || tail -n 25 "$DEBLOG" | sed 's/^/       | /'
echo "checks: $dp passed, $df failed, $ds skipped" >"$OUT"
tally "$OUT"
took "package"
if [ "${CI:-}" = true ] || [ "${CHECK_ALL:-0}" = 1 ]; then
	echo "== the suite under AddressSanitizer and UBSan"
	make --no-print-directory check-asan 2>&1 | grep -vE '^(cc|clang) ' | tee "$OUT"
	tally "$OUT"
	took "ASan build and suite"
	echo "== fuzz smoke (${FUZZ_SECONDS:-15} s a target)"
	if FUZZ_SECONDS=${FUZZ_SECONDS:-15} FUZZ_JOBS=${FUZZ_JOBS:-2} sh fuzz/build.sh fuzz-smoke >"$OUT" 2>&1; then
		n=$(grep -c '^FIGURE fuzz' "$OUT"); pass=$((pass + n))
	else
		rc=1; fail=$((fail + 1))
	fi
	grep -E '^FIGURE fuzz|crash|fuzz-smoke' "$OUT"
	took "fuzz smoke"
fi
echo "time: $times"
echo "total: $pass passed, $fail failed, $skipped skipped"
exit $rc
