#!/bin/sh
# run.sh BUILD_DIR [unit|unit+e2e] - run every test (or the unit tests, or the
# unit and end-to-end tests) and print one summary line.
#
# Unit tests are cmocka binaries (BUILD_DIR/tests/test_*); golden, conformance
# and end-to-end tests are shell scripts that end with "N passed, N failed" (and
# ", N skipped"; cmocka's SKIPPED count and a "1..0 # SKIP" plan count too).
# Every suite's line and the total read "N passed, N failed, N skipped"; each
# skip is printed with its reason. A suite that prints no count fails. Under
# CI=true a suite with a skip fails unless tests/skip-allow.txt names it.
# The last line is the total: "checks: N passed, N failed, N skipped".
# The script suites run two at a time (TEST_JOBS=N for another number;
# tests/schedule.txt names the ones that may not overlap, and the ones
# whose processes skip LeakSanitizer's exit check under ASan).
set -u
B=${1:-build/default}
ONLY=${2:-all}
cd "$(dirname "$0")/.." || exit 2
ROOT=$(pwd)
export ABUSEDESK_BIN="$ROOT/abusedesk" ABUSEDESK_ROOT="$ROOT" ABUSEDESK_BUILD="$ROOT/$B"
LOG=$ROOT/$B/test-logs
rm -rf "$LOG"; mkdir -p "$LOG"
pass=0; fail=0; skipped=0; failed_names=""
ALLOW=$ROOT/tests/skip-allow.txt

# skip_reasons LOGFILE - every skip a log states, one a line: cmocka's
# "[  SKIPPED ] test_x", TAP's "ok N # SKIP why" and "1..0 # SKIP why", and
# the "SKIP: why" lines the conformance scripts print
skip_reasons() {
	sed -n 's/^\[  SKIPPED \] \(test_[^ ]*\)$/\1 (cmocka skip())/p
		s/^ok [0-9][0-9]* # SKIP \(.*\)/\1/p
		s/^1\.\.0 # SKIP \(.*\)/\1/p
		s/^# SKIP \(.*\)/\1/p
		s/^SKIP:\{0,1\} \(.*\)/\1/p' "$1" | awk '!seen[$0]++'
}

# allowed NAME - NAME (e.g. e2e/test_probe) is on tests/skip-allow.txt
# or names it for this build only as BUILD:NAME (asan:e2e/test_faultinject)
allowed() {
	[ -f "$ALLOW" ] && grep -v '^#' "$ALLOW" |
		awk -v n="$1" -v b="$(basename "$B"):$1" '$1 == n || $1 == b { f = 1 } END { exit !f }'
}

count() { # count NAME LOGFILE RC
	nm=${1%% (*}
	p=$(sed -n 's/^.*\[  PASSED  \] \([0-9][0-9]*\) test.*/\1/p; s/^\(.*: \)\{0,1\}\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed.*/\2/p' "$2" | tail -1)
	f=$(sed -n 's/^.*\[  FAILED  \] \([0-9][0-9]*\) test.*/\1/p; s/^\(.*: \)\{0,1\}\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed.*/\3/p' "$2" | tail -1)
	sk=$(sed -n 's/^.*\[  SKIPPED \] \([0-9][0-9]*\) test.*/\1/p; s/^\(.*: \)\{0,1\}[0-9][0-9]* passed, [0-9][0-9]* failed, \([0-9][0-9]*\) skipped.*/\2/p' "$2" | tail -1)
	p=${p:-0}; f=${f:-0}; sk=${sk:-0}
	# a whole suite skipped by its plan ("1..0 # SKIP why") is one skip
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && [ "$sk" -eq 0 ] && grep -q '^1\.\.0 # SKIP' "$2"; then sk=1; fi
	reasons=$(skip_reasons "$2")
	# a script that stopped at once with a SKIP line and "0 passed, 0 failed"
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && [ "$sk" -eq 0 ] && [ -n "$reasons" ] && [ "$3" -eq 0 ]; then sk=1; fi
	why=""
	if [ "$3" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; why="exit status $3"; fi
	# a suite that counted nothing did not run: a failure, not a silent pass
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && [ "$sk" -eq 0 ]; then f=1; why="no count line (nothing ran)"; fi
	if [ "$sk" -ne 0 ] && [ -z "$reasons" ]; then reasons="(no reason given)"; fi
	if [ "$sk" -ne 0 ] && [ "${CI:-}" = true ] && ! allowed "$nm"; then
		f=$((f + 1)); why="skipped under CI=true and not on tests/skip-allow.txt"
	fi
	pass=$((pass + p)); fail=$((fail + f)); skipped=$((skipped + sk))
	if [ "$f" -ne 0 ]; then
		failed_names="$failed_names $nm"
		printf '  FAIL %-40s %s passed, %s failed, %s skipped%s (log: %s)\n' "$1" "$p" "$f" "$sk" \
			"${why:+ - $why}" "$2"
		tail -n 25 "$2" | sed 's/^/       | /'
	else
		printf '  ok   %-40s %s passed, %s failed, %s skipped\n' "$1" "$p" "$f" "$sk"
	fi
	[ -z "$reasons" ] || printf '%s\n' "$reasons" | sed 's/^/       SKIP /'
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

# The script suites run TEST_JOBS at a time (tests/schedule.txt says which
# may not overlap); each line is printed as its suite ends.
SCHED=$ROOT/tests/schedule.txt
JOBS=${TEST_JOBS:-2}
case $JOBS in ''|*[!0-9]*|0) JOBS=1 ;; esac
running=""; nrun=0

sched() { # sched NAME - the groups that keep it apart ("alone" one of them), or nothing
	[ -f "$SCHED" ] && grep -v '^#' "$SCHED" |
		awk -v n="$1" '$1 == n && $2 != "first" && $2 != "noleaks" { printf "%s ", $2 }'
}

marked() { # marked NAME WORD - tests/schedule.txt has the line "NAME WORD"
	[ -f "$SCHED" ] && grep -v '^#' "$SCHED" | awk -v n="$1" -v w="$2" '$1 == n && $2 == w { f = 1 } END { exit !f }'
}

logof() { echo "$LOG/$(echo "$1" | tr / _).log"; }

start() { # start NAME SCRIPT - in the background; NAME's log gets a .rc file with "rc seconds" at its end
	l=$(logof "$1")
	(
		s=$(date +%s)
		if [ -n "${ASAN_OPTIONS:-}" ] && marked "$1" noleaks; then
			export ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0"
		fi
		timeout 900 bash "$2" >"$l" 2>&1 </dev/null
		echo "$? $(( $(date +%s) - s ))" >"$l.rc.tmp" && mv "$l.rc.tmp" "$l.rc"
	) &
	running="$running $1"; nrun=$((nrun + 1))
}

reap() { # count the suites that ended; nrun is how many still run
	left=""; nrun=0
	for n in $running; do
		l=$(logof "$n")
		if [ -f "$l.rc" ]; then
			read -r rc secs <"$l.rc"
			count "$n (${secs}s)" "$l" "$rc"
			grep -E '^FIGURE' "$l" | sed 's/^/       /'
		else
			left="$left $n"; nrun=$((nrun + 1))
		fi
	done
	running=$left
}

busy() { # busy NAME GROUPS - NAME may not start now
	[ "$nrun" -ge "$JOBS" ] && return 0
	case " $2 " in *" alone "*) [ "$nrun" -gt 0 ] && return 0 ;; esac
	for r in $running; do
		for g in $(sched "$r"); do
			[ "$g" = alone ] && return 0
			case " $2 " in *" $g "*) return 0 ;; esac
		done
	done
	return 1
}

run_scripts() { # DIR... - every suite of the DIRs, the "first" ones of tests/schedule.txt first
	list=""
	[ -f "$SCHED" ] && for n in $(grep -v '^#' "$SCHED" | awk '$2 == "first" { print $1 }'); do
		[ -f "tests/$n.sh" ] && for d in "$@"; do [ "$d" = "tests/${n%%/*}" ] && list="$list $n"; done
	done
	for d in "$@"; do
		for s in "$d"/*.sh; do
			[ -f "$s" ] || continue
			n="$(basename "$d")/$(basename "$s" .sh)"
			case " $list " in *" $n "*) ;; *) list="$list $n" ;; esac
		done
	done
	queue=$list
	while [ -n "$queue" ] || [ "$nrun" -gt 0 ]; do
		reap
		# every slot taken: no suite could start, so the queue is not looked at
		# (its look is a pipeline a suite)
		if [ "$nrun" -ge "$JOBS" ]; then sleep 1; continue; fi
		next=""; rest=""
		for n in $queue; do
			if [ -z "$next" ] && ! busy "$n" "$(sched "$n")"; then next=$n; else rest="$rest $n"; fi
		done
		if [ -n "$next" ]; then
			start "$next" "tests/$next.sh"; queue=$rest
		else
			sleep 1
		fi
	done
}

# the system users the suites share, made before two suites could race to make them
if [ "$(id -u)" = 0 ]; then
	for u in abusedesk abusedesk-test; do
		id "$u" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$u"
	done
fi

echo "unit tests:"
run_unit
if [ "$ONLY" = all ]; then
	echo "golden, conformance and end-to-end tests ($JOBS at a time):"
	run_scripts tests/golden tests/conformance tests/e2e
elif [ "$ONLY" = unit+e2e ]; then
	echo "end-to-end tests ($JOBS at a time):"
	run_scripts tests/e2e
fi
echo "checks: $pass passed, $fail failed, $skipped skipped"
[ "$fail" -eq 0 ]
