#!/bin/sh
# generated.sh - Received headers generated from the MTAs' own formats with
# known answers (tests/differential/gen_received.py): abusedesk must be right
# on every field of every value; SpamAssassin is scored on the same answers
# and, through received.py --values, compared field by field with abusedesk.
# N values a shape (GEN_N, default 1000; `make check` runs 100), seed GEN_SEED.
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
bin=${ABUSEDESK:-./abusedesk}
if [ ! -x "$bin" ]; then
	echo "FAIL: $bin missing: run make first"
	echo "0 passed, 1 failed"
	exit 1
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
python3 tests/differential/gen_received.py --n "${GEN_N:-1000}" --seed "${GEN_SEED:-1}" \
	--show "${SHOW:-5}" --values "$tmp/values" "$bin"
rc=$?
if perl -MMail::SpamAssassin::Message::Metadata::Received -e1 2>/dev/null; then
	# every difference from SpamAssassin on generated values must have a written reason
	python3 tests/differential/received.py --values "$tmp/values" --show "${SHOW:-5}" \
		--max-wrong 0 "$bin" tests/differential/deliberate.txt |
		sed 's/^FIGURE received-diff/FIGURE received-gen-diff/' >"$tmp/diff"
	rc2=$?
	grep -v '^[0-9]* passed' "$tmp/diff"
	grep -q '^FAIL' "$tmp/diff" && rc2=1
	[ "$rc2" -eq 0 ] || rc=1
else
	echo "SKIP: the SpamAssassin side (apt-get install spamassassin)"
fi
exit $rc
