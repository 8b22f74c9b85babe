#!/bin/sh
# bounces - conformance of the bounce reader against ../shared/corpus/bounces
# (sisimai's set of emails): runs `abusedesk parse --json` once over every
# sample and scores the output with bounces.py. ABUSEDESK names the binary
# (default ./abusedesk). A missing corpus or binary is a failure.
cd "$(dirname "$0")/../.." || exit 1
CORPUS=../shared/corpus/bounces
AD=${ABUSEDESK:-./abusedesk}
if [ ! -f "$CORPUS/expected.jsonl" ]; then
	echo "FAIL: bounces conformance: $CORPUS not found (the shared corpus is part of the suite)"
	echo "0 passed, 1 failed"
	exit 1
fi
if [ ! -x "$AD" ]; then
	echo "FAIL: bounces conformance: $AD not built"
	echo "0 passed, 1 failed"
	exit 1
fi
out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT
start=$(date +%s.%N)
"$AD" parse --json "$CORPUS"/maildir/bsd/*.eml "$CORPUS"/maildir/dos/*.eml \
	"$CORPUS"/maildir/not/*.eml "$CORPUS"/maildir/err/*.eml >"$out" 2>/dev/null
rc=$?
end=$(date +%s.%N)
if [ $rc -gt 1 ]; then
	echo "FAIL: bounces conformance: $AD parse exited $rc"
	exit 1
fi
elapsed=$(echo "$end - $start" | bc 2>/dev/null || echo 0)
if python3 tests/conformance/bounces.py "$CORPUS" "$out" "$elapsed"; then
	:
else
	echo "FAIL: bounces conformance"
	exit 1
fi
