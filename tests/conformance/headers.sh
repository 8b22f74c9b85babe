#!/bin/sh
# headers.sh - decoded Subject values (the message's and its reported
# original's) against Python's email package on every file of ../shared/corpus
# and samples/ (tests/differential/headers.py; about 3 s). Fails on a
# difference no written rule explains.
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
bin=${ABUSEDESK:-./abusedesk}
if [ ! -d ../shared/corpus ] || [ ! -x "$bin" ]; then
	echo "FAIL: ../shared/corpus or $bin missing"
	echo "0 passed, 1 failed"
	exit 1
fi
exec python3 tests/differential/headers.py "$bin" ../shared/corpus samples
