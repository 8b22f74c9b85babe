#!/bin/sh
# received.sh - Received-parser conformance against SpamAssassin's cases.
#
# Usage: tests/conformance/received.sh   (from anywhere; ABUSEDESK=path overrides ./abusedesk)
# Skips (exit 0) when ../shared/corpus, relative to the project root, is absent.
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
cases=../shared/corpus/received/rcvd_cases.jsonl
bin=${ABUSEDESK:-./abusedesk}
if [ ! -f "$cases" ]; then
	echo "SKIP: corpus not found ($cases)"
	exit 0
fi
if [ ! -x "$bin" ]; then
	echo "FAIL: $bin not built (make, or set ABUSEDESK=path)"
	exit 1
fi
exec python3 tests/conformance/received.py "$bin" "$cases" "${THRESHOLD:-95}"
