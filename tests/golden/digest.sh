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
like "$(cat "$T/expected.txt")" "no state change and no new report for more than 7 days" \
	"the footer defines stale"
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
