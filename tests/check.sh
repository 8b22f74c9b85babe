#!/bin/sh
# check.sh BUILD_DIR - what `make check` runs: the whole suite; with CI=true
# (or CHECK_ALL=1) also the whole suite again under AddressSanitizer and
# UBSan, and every fuzz target for FUZZ_SECONDS (default 15) seconds.
# The last line is the total: "total: N passed, N failed, N skipped".
set -u
B=${1:-build/default}
cd "$(dirname "$0")/.." || exit 2
OUT=$(mktemp /tmp/abusedesk-check.XXXXXX)
trap 'rm -f "$OUT"' EXIT
pass=0; fail=0; skipped=0; rc=0

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
if [ "${CI:-}" = true ] || [ "${CHECK_ALL:-0}" = 1 ]; then
	echo "== the suite under AddressSanitizer and UBSan"
	make --no-print-directory check-asan 2>&1 | grep -vE '^(cc|clang) ' | tee "$OUT"
	tally "$OUT"
	echo "== fuzz smoke (${FUZZ_SECONDS:-15} s a target)"
	if FUZZ_SECONDS=${FUZZ_SECONDS:-15} FUZZ_JOBS=${FUZZ_JOBS:-2} sh fuzz/build.sh fuzz-smoke >"$OUT" 2>&1; then
		n=$(grep -c '^FIGURE fuzz' "$OUT"); pass=$((pass + n))
	else
		rc=1; fail=$((fail + 1))
	fi
	grep -E '^FIGURE fuzz|crash|fuzz-smoke' "$OUT"
fi
echo "total: $pass passed, $fail failed, $skipped skipped"
exit $rc
