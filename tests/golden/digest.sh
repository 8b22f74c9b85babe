#!/bin/bash
# digest.sh - the digest over a fixed database matches its golden files.
#
# tests/golden/digest/fixture.sql builds the database; the clock is fixed
# (ABUSEDESK_NOW, 2024-05-02 00:00 UTC). Golden files: expected.txt (team,
# last 24h), expected-owner.txt (--owner mail-team), expected-empty.txt (a
# period with nothing in it), expected.html. UPDATE=1 rewrites them.
# The HTML must be well-formed (xmllint), and no report text may reach it
# unescaped.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/lib/tap.sh"
BIN=${ABUSEDESK_BIN:-$ROOT/abusedesk}
G=$ROOT/tests/golden/digest
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export ABUSEDESK_NOW=1714608000 TZ=UTC

command -v sqlite3 >/dev/null || { skip "sqlite3 command missing"; done_testing; exit; }
[ -x "$BIN" ] || { fail "abusedesk binary at $BIN"; done_testing; exit 1; }
printf 'database = %s/ad.db\nspool_dir = %s/spool\nsyslog = no\norganization = Example Network\n' \
	"$T" "$T" >"$T/conf"
ok "$BIN" -c "$T/conf" -q init "init the database"
ok "sqlite3 -bail '$T/ad.db' < '$G/fixture.sql'" "load the fixture"

# golden NAME ARGS... - run the digest and compare with $G/NAME
golden() {
	local name=$1; shift
	"$BIN" -c "$T/conf" digest "$@" >"$T/$name" 2>"$T/$name.err"
	local rc=$?
	is "$rc" 0 "digest $* exits 0"
	if [ "${UPDATE:-0}" = 1 ]; then
		cp "$T/$name" "$G/$name"
		pass "$name rewritten"
	elif diff -u "$G/$name" "$T/$name" >"$T/$name.diff"; then
		pass "$name matches"
	else
		fail "$name differs" "$(head -40 "$T/$name.diff")"
	fi
}

golden expected.txt
golden expected-owner.txt --owner mail-team
golden expected-empty.txt --from 2023-01-01 --to 2023-01-02
golden expected.html --format html
golden expected-week.txt --since 7d

like "$(cat "$T/expected-empty.txt")" "Nothing new in this period" "an empty period says nothing new"
like "$(cat "$T/expected.txt")" "no state change and no new report for[[:space:]]more than 7 days" \
	"the footer defines stale"
# the text digest fits an 80-column terminal and a mail (78), whatever COLUMNS says
for f in expected.txt expected-owner.txt expected-empty.txt expected-week.txt; do
	w=$(awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }' "$T/$f")
	ok "[ $w -le 78 ]" "$f: every line within 78 columns ($w)"
done
w=$(COLUMNS=80 "$BIN" -c "$T/conf" digest | awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }')
ok "[ $w -le 80 ]" "digest with COLUMNS=80 fits ($w)"
txt=$(cat "$T/expected.txt")
like "$txt" "Open relay" "text: verdicts as words"
[[ "$txt" != *open_relay* && "$txt" != *compromised_account* ]] && pass "text: no verdict identifiers" ||
	fail "text: verdict identifiers shown"
like "$txt" "Not counted above: 1 report of mail that did not come from our" "text: not_ours apart from the chart"
owner_out=$(cat "$T/expected-owner.txt")
[[ "$owner_out" != *proxy1.example.net* && "$owner_out" != *weird* ]] &&
	pass "the owner digest shows only the owner's hosts" || fail "owner digest leaks other hosts"

# the HTML: well-formed XML; the HTML parser reports nothing but the SVG
# elements that libxml2's HTML 4 parser does not know
html=$T/expected.html
if command -v xmllint >/dev/null; then
	ok "xmllint --noout '$html'" "the HTML is well-formed XML"
	errs=$(xmllint --html --noout "$html" 2>&1 | grep 'error' | grep -v 'Tag \(svg\|rect\|text\|line\) invalid')
	is "$errs" "" "xmllint --html reports no errors (beyond SVG tags)"
else
	skip "xmllint missing (apt-get install libxml2-utils)"
fi
body=$(cat "$html")
# verdicts as words, not_ours apart from the chart, a y axis of round ticks,
# the open incidents under New or Growing not repeated
like "$body" "Local injection|Open relay</td>" "HTML: verdicts as words"
[[ "$body" != *'> open_relay'* && "$body" != *'> not_ours'* && "$body" != *'>not_ours'* ]] &&
	pass "HTML: no verdict identifiers shown" || fail "HTML: verdict identifiers shown"
is "$(grep -c 'fill="#8c959f"' "$html")" 0 "HTML: no not_ours bar in the chart"
like "$body" "Not in the chart: <b[^>]*>1</b> report of mail that did not come from our" "HTML: not_ours counted apart"
is "$(grep -oE 'text-anchor="end" fill="#57606a">[0-9]+<' "$html" | grep -oE '>[0-9]+' | tr -d '>' | tr '\n' ' ')" "0 5 10 15 " \
	"HTML: the y axis has round ticks 0 5 10 15"
open=$(sed -n '/Other open incidents/,/<\/table>/p' "$html")
like "$open" "Other open incidents, most recent first \\(3\\)" "HTML: the open table counts the others"
for id in 6 1 2; do
	[[ "$open" != *">#$id<"* ]] && pass "HTML: #$id (under New or Growing) not repeated in the open table" ||
		fail "HTML: #$id repeated in the open table"
done
like "$open" ">#5<" "HTML: an open incident not listed above is in the open table"
for bad in '<script' '<img' '<b>bold' 'onerror=alert(2)>' '"weird"&co' $'\x1b'; do
	[[ "$body" != *"$bad"* ]] && pass "no raw '$bad' in the HTML" || fail "raw '$bad' in the HTML"
done
like "$body" '&lt;script&gt;alert\(1\)&lt;/script&gt;' "the hostile host name is escaped"
like "$body" '&quot;&gt;&lt;img src=x onerror=alert\(2\)&gt;' "the hostile injector is escaped"
like "$body" '&#39;too&#39;' "single quotes are escaped"
like "$body" $'bad \xef\xbf\xbd\\(\xef\xbf\xbd utf8' "invalid UTF-8 becomes U+FFFD"
ext=$(grep -oiE '(src|href)="[a-z]+:' "$html" | head -1)
is "$ext" "" "no external resource"
done_testing
