#!/bin/bash
# parse.sh - golden test of `abusedesk parse --json`: each samples/FORMAT-*.eml
# against tests/golden/parse/NAME.json, compared exactly. UPDATE=1 rewrites.
cd "$(dirname "$0")/../.." || exit 2
. tests/lib/tap.sh
bin=${ABUSEDESK_BIN:-./abusedesk}
[ -x "$bin" ] || { echo "SKIP: $bin not built"; echo "0 passed, 0 failed"; exit 0; }
for f in samples/{arf,xarf,spamcop,jmrp,forward,plain,autoreply,dmarc}-*.eml; do
	[ -f "$f" ] || continue
	name=$(basename "$f" .eml)
	want=tests/golden/parse/$name.json
	got=$("$bin" parse --json "$f" 2>&1)
	if [ "${UPDATE:-0}" = 1 ]; then
		printf '%s\n' "$got" > "$want"
	fi
	if [ ! -f "$want" ]; then
		fail "$name" "no golden file $want (run with UPDATE=1)"
	elif [ "$got" = "$(cat "$want")" ]; then
		pass "$name"
	else
		fail "$name" "output differs from $want:"
		diff <(printf '%s\n' "$got" | python3 -m json.tool) <(python3 -m json.tool < "$want") >&2 || true
	fi
done
done_testing
