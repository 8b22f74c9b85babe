#!/bin/sh
# received.sh - Received-parser conformance against SpamAssassin's cases.
#
# Usage: tests/conformance/received.sh   (from anywhere; ABUSEDESK=path overrides ./abusedesk)
# A missing ../shared/corpus (relative to the project root) or binary is a failure.
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
cases=../shared/corpus/received/rcvd_cases.jsonl
bin=${ABUSEDESK:-./abusedesk}
if [ ! -f "$cases" ]; then
	echo "FAIL: corpus not found ($cases)"
	echo "0 passed, 1 failed"
	exit 1
fi
if [ ! -x "$bin" ]; then
	echo "FAIL: $bin not built (make, or set ABUSEDESK=path)"
	echo "0 passed, 1 failed"
	exit 1
fi
exec python3 tests/conformance/received.py "$bin" "$cases" "${THRESHOLD:-95}"
