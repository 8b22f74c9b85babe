#!/bin/bash
# parse.sh - golden test of `abusedesk parse --json`: every report sample
# samples/FORMAT-*.eml (every format but trace-, inventory- and maillog-,
# which are not reports) against tests/golden/parse/NAME.json, and every golden
# file against its sample. Compares stdout exactly; a non-zero exit status or
# anything on stderr (unless tests/golden/parse/NAME.stderr states it) is a
# failure. UPDATE=1 rewrites the golden files (stdout only).
cd "$(dirname "$0")/../.." || exit 2
. tests/lib/tap.sh
bin=${ABUSEDESK_BIN:-./abusedesk}
G=tests/golden/parse
[ -x "$bin" ] || { fail "abusedesk binary" "$bin not built"; done_testing; exit 1; }
T=$(mktemp -d) || exit 2
trap 'rm -rf "$T"' EXIT

# the samples to run: every report sample, and the sample of every golden file
names=$(
	for f in samples/*.eml; do
		case $(basename "$f") in trace-*|inventory-*|maillog-*) continue ;; esac
		basename "$f" .eml
	done
	for g in "$G"/*.json; do basename "$g" .json; done
)
for name in $(printf '%s\n' $names | sort -u); do
	f=samples/$name.eml
	want=$G/$name.json
	if [ ! -f "$f" ]; then
		fail "$name" "golden file $want has no sample $f"
		continue
	fi
	"$bin" parse --json "$f" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "${UPDATE:-0}" = 1 ]; then
		cp "$T/out" "$want"
	fi
	is "$rc" 0 "$name: parse exits 0"
	if [ -f "$G/$name.stderr" ]; then
		is "$(cat "$T/err")" "$(cat "$G/$name.stderr")" "$name: stderr as stated in $G/$name.stderr"
	else
		is "$(cat "$T/err")" "" "$name: nothing on stderr"
	fi
	if [ ! -f "$want" ]; then
		fail "$name" "no golden file $want (run with UPDATE=1)"
	elif cmp -s "$T/out" "$want"; then
		pass "$name"
	else
		fail "$name" "output differs from $want:"
		diff <(python3 -m json.tool <"$T/out" 2>&1) <(python3 -m json.tool <"$want") >&2 || true
	fi
done
done_testing
