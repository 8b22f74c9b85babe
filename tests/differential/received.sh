#!/bin/sh
# received.sh - abusedesk's Received parser against SpamAssassin's, on every
# Received header of ../shared/corpus and samples/ (tests/differential/received.py).
# SAMPLE=N compares N distinct values (the `make check` run); unset: all of them
# (`make differential`). Bounds: client IP + by >= 98%, explained >= 99%.
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
bin=${ABUSEDESK:-./abusedesk}
if ! perl -MMail::SpamAssassin::Message::Metadata::Received -e1 2>/dev/null; then
	echo "SKIP: spamassassin not installed (apt-get install spamassassin)"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi
if [ ! -d ../shared/corpus ] || [ ! -x "$bin" ]; then
	echo "FAIL: ../shared/corpus or $bin missing"
	echo "0 passed, 1 failed"
	exit 1
fi
exec python3 tests/differential/received.py --sample "${SAMPLE:-0}" --show "${SHOW:-0}" \
	--min-ipby "${MIN_IPBY:-98}" --min-all "${MIN_EXPLAINED:-99}" \
	"$bin" tests/differential/deliberate.txt ../shared/corpus samples
