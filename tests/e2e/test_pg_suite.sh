#!/bin/bash
# test_pg_suite.sh - the end-to-end tests again, unchanged, on PostgreSQL:
# starts one private cluster (tests/lib/pg.sh), runs each test of the list
# below with ABUSEDESK_TEST_DB=pg (tests/lib/db.sh gives each desk of a
# test its own database of that cluster), stops the cluster by its PID.
# Prints each test's count and the sum as its own count line, so
# tests/run.sh counts every check; a test's skips and failures are shown
# with its name. The only skips expected are the checks of the SQLite file
# itself (tests/lib/db.sh sqlite_only, "SQLite only: ..."; hence the line
# in tests/skip-allow.txt): under CI=true any other skip, a test that
# passed nothing, or a cluster that does not start is a failure. Names on
# the command line run those tests only (bash tests/e2e/test_pg_suite.sh
# test_web).
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/pg.sh
TESTS=(test_ingest test_correlation test_store_rows test_evidence test_nat_port test_helpdesk test_cli test_notify
	test_outbox test_digest test_web test_whois test_forward test_ack test_probe)
[ $# -gt 0 ] && TESTS=("$@")
T=$(mktemp -d /tmp/abusedesk-pgsuite-XXXXXX)
LOGS=${ABUSEDESK_BUILD:+$ABUSEDESK_BUILD/test-logs}
LOGS=${LOGS:-$T/logs}
cleanup() { pg_stop "$T/pg"; [ -n "${KEEP:-}" ] || rm -rf "$T"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
chmod 755 "$T"; mkdir -p "$LOGS"

if ! pg_start "$T/pg"; then
	if [ "${CI:-}" = true ]; then
		fail "PostgreSQL cannot be started here (CI=true: the suite must run on it)"
	else
		skip "PostgreSQL cannot be started here"
	fi
	done_testing; exit
fi

p=0; f=0; s=0
for t in "${TESTS[@]}"; do
	log=$LOGS/pg_$t.log
	start=$(date +%s)
	ABUSEDESK_TEST_DB=pg timeout 600 bash "tests/e2e/$t.sh" >"$log" 2>&1 </dev/null
	rc=$?
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
	tp=$(echo "$line" | sed -n 's/^\([0-9]*\) passed.*/\1/p'); tp=${tp:-0}
	tf=$(echo "$line" | sed -n 's/^[0-9]* passed, \([0-9]*\) failed.*/\1/p'); tf=${tf:-0}
	ts=$(echo "$line" | sed -n 's/.* failed, \([0-9]*\) skipped.*/\1/p'); ts=${ts:-0}
	if [ "$rc" -ne 0 ] && [ "$tf" -eq 0 ]; then tf=1; fi
	[ -z "$line" ] && [ "$tf" -eq 0 ] && tf=1
	if [ "${CI:-}" = true ]; then
		other=$(grep -E '^(ok [0-9]+ # SKIP|1\.\.0 # SKIP|SKIP)' "$log" | grep -vc '# SKIP SQLite only, not on PostgreSQL: ')
		[ "$tp" -eq 0 ] && other=$((other + 1))
		if [ "$other" -ne 0 ]; then
			tf=$((tf + other))
			echo "# $t: CI=true: skipped on PostgreSQL for a reason other than the SQLite file, or ran nothing"
		fi
	fi
	p=$((p + tp)); f=$((f + tf)); s=$((s + ts))
	echo "# $t on PostgreSQL ($(( $(date +%s) - start ))s): $tp passed, $tf failed, $ts skipped (log: $log)"
	sed -n -E "s/^(ok [0-9]+ # SKIP |1\.\.0 # SKIP |SKIP:? )(.*)/SKIP: $t: \2/p" "$log"
	# each failed check with the lines that say why (its "# " diagnostics)
	awk '/^not ok/ { f = 1; print; next } f && /^# / { print; next } { f = 0 }' "$log" | sed "s/^/# $t: /"
	[ "$tf" -eq 0 ] || tail -n 15 "$log" | sed 's/^/#   | /'
done
echo "$p passed, $f failed, $s skipped"
[ "$f" -eq 0 ]
