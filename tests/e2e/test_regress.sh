#!/bin/bash
# tests/e2e/test_regress.sh - replay tests/regress/TARGET/* through their entry points.
#
# parse/, trace/ and received/ inputs go through the abusedesk command (exit 0,
# bounded time); every input is also replayed through its fuzz target's checks
# (fuzz/fuzz_TARGET.c + fuzz/replay.c, linked with the library of the build
# under test, ABUSEDESK_BUILD). A sanitizer report ("ERROR: AddressSanitizer",
# "runtime error:", "LeakSanitizer") fails the case.
set -u
cd "$(dirname "$0")/../.." || exit 2
. tests/lib/tap.sh
BIN=${ABUSEDESK_BIN:-$PWD/abusedesk}
BUILD=${ABUSEDESK_BUILD:-$PWD/build/default}
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lib/lsan.supp}

if [ ! -x "$BIN" ] || [ ! -f "$BUILD/libabusedesk.a" ]; then
	skip "abusedesk or $BUILD/libabusedesk.a not built"; done_testing; exit 0
fi

# clean LOG - no sanitizer report in LOG
clean() {
	! grep -qE 'ERROR: (Address|Leak|Memory)Sanitizer|runtime error:|SUMMARY: UndefinedBehavior' "$1"
}

# replayer TARGET - build TMP/replay_TARGET against BUILD's library; 0 or 1
replayer() {
	local t=$1 cc=cc san=""
	[ -x "$TMP/replay_$t" ] && return 0
	case $BUILD in
	*asan*) cc=clang; san="-fsanitize=address,undefined -fno-sanitize-recover=undefined" ;;
	*coverage*) san=--coverage ;;
	esac
	# shellcheck disable=SC2046,SC2086
	$cc -std=c11 -D_GNU_SOURCE -g -O1 $san $(pkg-config --cflags gmime-3.0 libpcre2-8 libcurl sqlite3) \
		-o "$TMP/replay_$t" "fuzz/fuzz_$t.c" fuzz/replay.c "$BUILD/libabusedesk.a" \
		$(pkg-config --libs gmime-3.0 libpcre2-8 libcurl sqlite3) -lm >"$TMP/cc_$t.log" 2>&1
}

# run_cli NAME CMD... - the command exits 0 within 30 s, without a sanitizer report
run_cli() {
	local name=$1; shift
	timeout 30 "$@" >"$TMP/out" 2>"$TMP/err"; rc=$?
	if [ "$rc" -eq 0 ] && clean "$TMP/err"; then pass "$name"
	else fail "$name" "exit $rc"; tail -n 15 "$TMP/err" | sed 's/^/#   /' >&2; fi
}

n=0
for dir in tests/regress/*/; do
	t=$(basename "$dir")
	for f in "$dir"*; do
		[ -f "$f" ] || continue
		n=$((n + 1)); name="$t/$(basename "$f")"
		case $t in
		parse) run_cli "parse $name" "$BIN" parse --json "$f" ;;
		trace) run_cli "trace $name" "$BIN" -c tests/golden/trace.conf trace --json "$f" ;;
		received) run_cli "received $name" sh -c '"$1" received <"$2"' sh "$BIN" "$f" ;;
		esac
		if [ ! -f "fuzz/fuzz_$t.c" ]; then fail "replay $name" "no fuzz/fuzz_$t.c"; continue; fi
		if ! replayer "$t"; then fail "replay $name" "cannot build the replayer"; tail -5 "$TMP/cc_$t.log" >&2; continue; fi
		run_cli "replay $name" "$TMP/replay_$t" "$f"
	done
done
[ "$n" -gt 0 ] || fail "regression inputs present" "tests/regress is empty"
done_testing
