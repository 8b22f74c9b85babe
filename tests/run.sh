#!/bin/sh
# run.sh BUILD_DIR [unit] - run every test and print one summary line.
#
# Unit tests are cmocka binaries (BUILD_DIR/tests/test_*); golden, conformance
# and end-to-end tests are shell scripts that end with "N passed, N failed".
# The last line is the total: "checks: N passed, N failed".
set -u
B=${1:-build/default}
ONLY=${2:-all}
cd "$(dirname "$0")/.." || exit 2
ROOT=$(pwd)
export ABUSEDESK_BIN="$ROOT/abusedesk" ABUSEDESK_ROOT="$ROOT" ABUSEDESK_BUILD="$ROOT/$B"
LOG=$ROOT/$B/test-logs
rm -rf "$LOG"; mkdir -p "$LOG"
pass=0; fail=0; failed_names=""

count() { # count NAME LOGFILE RC
	p=$(sed -n 's/^.*\[  PASSED  \] \([0-9][0-9]*\) test.*/\1/p; s/^\(.*: \)\{0,1\}\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed.*/\2/p' "$2" | tail -1)
	f=$(sed -n 's/^.*\[  FAILED  \] \([0-9][0-9]*\) test.*/\1/p; s/^\(.*: \)\{0,1\}\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed.*/\3/p' "$2" | tail -1)
	p=${p:-0}; f=${f:-0}
	if [ "$3" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	pass=$((pass + p)); fail=$((fail + f))
	if [ "$f" -ne 0 ]; then
		failed_names="$failed_names $1"
		printf '  FAIL %-40s %s passed, %s failed (log: %s)\n' "$1" "$p" "$f" "$2"
		tail -n 25 "$2" | sed 's/^/       | /'
	else
		printf '  ok   %-40s %s passed\n' "$1" "$p"
	fi
}

run_unit() {
	for t in "$B"/tests/test_*; do
		[ -x "$t" ] || continue
		n=$(basename "$t")
		if [ "${VALGRIND:-0}" = 1 ]; then
			VALGRIND=1 valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
				--suppressions="$ROOT/tests/lib/valgrind.supp" "$t" >"$LOG/$n.log" 2>&1
		else
			"$t" >"$LOG/$n.log" 2>&1
		fi
		count "unit/$n" "$LOG/$n.log" $?
	done
}

run_scripts() { # DIR
	for s in "$1"/*.sh; do
		[ -f "$s" ] || continue
		n="$(basename "$1")/$(basename "$s" .sh)"
		l="$LOG/$(echo "$n" | tr / _).log"
		start=$(date +%s)
		timeout 900 bash "$s" >"$l" 2>&1 </dev/null
		rc=$?
		count "$n ($(( $(date +%s) - start ))s)" "$l" $rc
		grep -E '^(FIGURE|SKIP)' "$l" | sed 's/^/       /'
	done
}

echo "unit tests:"
run_unit
if [ "$ONLY" = all ]; then
	echo "golden tests:"; run_scripts tests/golden
	echo "conformance:"; run_scripts tests/conformance
	echo "end to end:"; run_scripts tests/e2e
fi
echo "checks: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
