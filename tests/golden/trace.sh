#!/bin/bash
# tests/golden/trace.sh - golden tests of `abusedesk trace`.
#
# Each samples/trace-NAME.eml is traced with the fixed configuration
# tests/golden/trace.conf (inventory tests/golden/inventory.csv) and its JSON
# verdict compared, as parsed JSON, with tests/golden/trace/NAME.json.
# samples/trace-postfix-*.eml (real Postfix headers on 127.0.0.x, made by
# tools/capture-postfix-samples.sh) use tests/golden/trace-postfix.conf.
# UPDATE=1 rewrites the expected files (review the diff before committing).
# Whatever UPDATE=1 wrote, each verdict must also agree with the truth the
# sample declares in its first line ("X-Sample: NAME: what; truth:
# verdict=V abused_ip=IP abused_host=NAME injector_ip=IP believed=N", "-" for
# none), and so must the verdict traced against the demo's inventory
# (tests/lib/demo-env.sh: samples/inventory, samples/maillog, samples/natlog
# in a database). believed=N is for the forged-hop property of test_trace.
# Then: readable output, bad inventory rows, unreadable files.
set -u
cd "$(dirname "$0")/../.." || exit 2
. tests/lib/tap.sh
BIN=${ABUSEDESK_BIN:-./abusedesk}
CONF=tests/golden/trace.conf
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT

if [ ! -x "$BIN" ]; then
	echo "SKIP: $BIN is not built"
	pass "skipped: no binary"; done_testing; exit 0
fi

# same_json A B - exit 0 when the two files hold equal JSON; a diff on stderr otherwise
same_json() {
	python3 - "$1" "$2" <<'PY'
import difflib, json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
if a != b:
    sa, sb = (json.dumps(x, indent=2, sort_keys=True).splitlines() for x in (a, b))
    sys.stderr.write("\n".join(difflib.unified_diff(sb, sa, "want", "got", lineterm="")) + "\n")
    sys.exit(1)
PY
}

# truth FILE JSON - exit 0 when the verdict in JSON is the truth FILE declares; why on stderr
truth() {
	python3 - "$1" "$2" <<'PY'
import json, sys
path, got = sys.argv[1], json.load(open(sys.argv[2]))
first = open(path, encoding="utf-8", errors="replace").readline()
if not first.startswith("X-Sample:") or "truth:" not in first:
    sys.exit("no 'truth:' in the X-Sample line")
want = dict(kv.split("=", 1) for kv in first.split("truth:", 1)[1].split() if "=" in kv)
keys = ("verdict", "abused_ip", "abused_host", "injector_ip")
missing = [k for k in keys + ("believed",) if k not in want]
if missing:
    sys.exit("the truth lacks " + ", ".join(missing))
diff = ["%s: declared %s, traced %s" % (k, want[k], got.get(k) or "-")
        for k in keys if want[k] != (got.get(k) or "-")]
if diff:
    sys.exit("; ".join(diff))
PY
}

# the demo's inventory, as `make demo` loads it
. tests/lib/demo-env.sh
mkdir -p "$TMP/demo"
demo_conf "$TMP/demo" ""
if demo_load "$BIN" "$TMP/demo/abusedesk.conf" >"$TMP/demo.log" 2>&1; then
	pass "demo inventory loaded"
else
	fail "demo inventory loaded" "$(cat "$TMP/demo.log")"
fi

n=0
for f in samples/trace-*.eml; do
	name=$(basename "$f" .eml); name=${name#trace-}
	want=tests/golden/trace/$name.json
	n=$((n + 1))
	conf=$CONF
	case $name in postfix-*) conf=tests/golden/trace-postfix.conf ;; esac
	if ! "$BIN" -c "$conf" trace --json "$f" >"$TMP/got" 2>"$TMP/err"; then
		fail "trace $name" "exit status $? $(cat "$TMP/err")"; continue
	fi
	if [ "${UPDATE:-0}" = 1 ]; then
		python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin), indent=2))' <"$TMP/got" >"$want"
	fi
	if [ ! -f "$want" ]; then
		fail "trace $name" "no $want (run with UPDATE=1)"
	elif same_json "$TMP/got" "$want" 2>"$TMP/diff"; then
		pass "trace $name"
	else
		fail "trace $name" "$(cat "$TMP/diff")"
	fi
	if truth "$f" "$TMP/got" 2>"$TMP/why"; then
		pass "trace $name: the declared truth"
	else
		fail "trace $name: the declared truth" "$(cat "$TMP/why")"
	fi
	if ! "$BIN" -c "$TMP/demo/abusedesk.conf" trace --json "$f" >"$TMP/demo.json" 2>"$TMP/err"; then
		fail "trace $name, demo inventory" "exit status $? $(cat "$TMP/err")"
	elif truth "$f" "$TMP/demo.json" 2>"$TMP/why"; then
		pass "trace $name, demo inventory: the declared truth"
	else
		fail "trace $name, demo inventory: the declared truth" "$(cat "$TMP/why")"
	fi
done
[ "$n" -ge 15 ] && pass "at least 15 trace samples ($n)" || fail "at least 15 trace samples ($n)"

# every expected file has its sample
for w in tests/golden/trace/*.json; do
	name=$(basename "$w" .json)
	[ -f "samples/trace-$name.eml" ] || fail "sample for $w" "samples/trace-$name.eml missing"
done

# readable output: verdict, explanation and evidence
out=$("$BIN" -c "$CONF" trace samples/trace-open-relay.eml 2>&1)
like "$out" "^samples/trace-open-relay.eml: open_relay \(high confidence\) mx2.example.net \(192.0.2.25\)" "readable first line"
like "$out" "without authentication and relayed it to an outside recipient" "readable explanation"
like "$out" "  - hop 2: from 203.0.113.9" "readable evidence"

# several files: one JSON line each
is "$("$BIN" -c "$CONF" trace --json samples/trace-open-relay.eml samples/trace-not-ours.eml | wc -l | tr -d ' ')" 2 "one line per file"

# bad inventory rows: reported with line numbers, good rows still used, exit 65
printf 'host,mx2.example.net,192.0.2.25,mta,mail-team\nhost,bad,999.1.1.1,mta,x\nnetwork,192.0.2.0/24,,wizard,x\n' >"$TMP/inv.csv"
"$BIN" -c "$CONF" trace --json --inventory "$TMP/inv.csv" samples/trace-open-relay.eml >"$TMP/out" 2>"$TMP/err"
is "$?" 65 "bad inventory rows: exit 65"
like "$(cat "$TMP/err")" "inv.csv:2: bad IP address" "bad row 2 named"
like "$(cat "$TMP/err")" "inv.csv:3: unknown role" "bad row 3 named"
like "$(cat "$TMP/out")" '"verdict":"open_relay"' "good rows still used"

# unreadable inventory / message
"$BIN" -c "$CONF" trace --json --inventory "$TMP/none.csv" samples/trace-open-relay.eml >/dev/null 2>&1
is "$?" 66 "missing inventory: exit 66"
"$BIN" -c "$CONF" trace --json "$TMP/none.eml" >/dev/null 2>&1
is "$?" 66 "missing message: exit 66"
"$BIN" -c "$CONF" trace >/dev/null 2>&1
is "$?" 64 "no file: usage"

done_testing
