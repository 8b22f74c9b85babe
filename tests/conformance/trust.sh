#!/bin/sh
# trust.sh - trace conformance against SpamAssassin's trust-path cases.
#
# Usage: tests/conformance/trust.sh   (from anywhere; ABUSEDESK_BIN or ABUSEDESK
# overrides ./abusedesk). A missing ../shared/corpus (relative to the project
# root) or binary is a failure. What is compared, and which cases are left out
# because our semantics differ on purpose, is written in trust.py.
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
cases=../shared/corpus/received/trust_cases.jsonl
bin=${ABUSEDESK_BIN:-${ABUSEDESK:-./abusedesk}}
if [ ! -f "$cases" ]; then
	echo "FAIL: corpus not found ($cases)"
	echo "0 passed, 1 failed"
	exit 1
fi
if [ ! -x "$bin" ]; then
	echo "FAIL: $bin not built (make, or set ABUSEDESK_BIN=path)"
	echo "0 passed, 1 failed"
	exit 1
fi
exec python3 tests/conformance/trust.py "$bin" "$cases"
