#!/bin/bash
# test_web.sh - `abusedesk user` and `abusedesk web` against a real server on
# a free loopback port (stopped by PID), driven with curl: users and tokens,
# login and its rate limit, session cookie flags, CSRF refusal, a viewer who
# may not act, the security headers, hostile report text escaped in the HTML,
# the raw complaint download, the JSON API (no, wrong and viewer tokens; the
# same objects as the CLI's --format json), and a half-sent request that does
# not hold up another client.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
BIN=${ABUSEDESK_BIN:-$PWD/abusedesk}
T=$(mktemp -d /tmp/abusedesk-web-XXXXXX)
PID=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
if [ ! -x "$BIN" ]; then
	echo "1..0 # SKIP $BIN not built (make)"
	exit 0
fi
if ! command -v curl >/dev/null; then
	echo "1..0 # SKIP curl not installed"
	exit 0
fi
RUN_USER=
if [ "$(id -u)" = 0 ]; then   # ingest never parses mail as root
	id abusedesk >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin abusedesk
	RUN_USER=abusedesk
	chmod 755 "$T"
fi
cat > "$T/abusedesk.conf" <<CONF
database = $T/abusedesk.db
spool_dir = $T/spool
syslog = no
db_busy_timeout = 2s
run_user = $RUN_USER
our_networks = 192.0.2.0/24, 198.51.100.0/24, 2001:db8::/32
our_domains = example.net
CONF
A() { "$BIN" -c "$T/abusedesk.conf" "$@"; }

ok A -q init "init"
for k in owners networks hosts; do A -q inventory import $k samples/inventory/$k.csv; done
A -q ingest < samples/trace-infected-host.eml
# a report whose every text field tries to run script in the helpdesk's page
XSS1='<script>document.title="pwned"</script>'
XSS2='<img src=x onerror=alert(1)>'
XSS3='<a href="javascript:alert(1)">click</a>'
sed -e "s|^Subject: You have won|Subject: $XSS1 $XSS2 $XSS3|" \
    -e "s|^User-Agent: .*|User-Agent: $XSS2|" \
    -e "s|^From: Complainant FBL <fbl@complainant.example>|From: \"$XSS1\" <fbl@complainant.example>|" \
    -e "s|from spammer.example.org|from <svg/onload=alert(1)>|" \
    samples/trace-open-relay.eml > "$T/hostile.eml"
A -q ingest < "$T/hostile.eml"
HID=$(A incidents --verdict open_relay --format csv | sed -n '2s/,.*//p')
like "$HID" '^[0-9]+$' "the hostile report made an incident"

# ---- users ----
ok bash -c "echo 'handler pw' | $BIN -c $T/abusedesk.conf user add alice --role handler" "user add (password on stdin)"
ok bash -c "echo 'viewer pw' | $BIN -c $T/abusedesk.conf user add bob --role viewer" "user add a viewer"
echo x | A user add alice --role handler >/dev/null 2>&1; is "$?" 65 "a taken name is refused"
echo x | A user add carol --role root >/dev/null 2>&1; is "$?" 64 "an unknown role is refused"
like "$(A user list)" "alice +handler" "user list"
like "$(sqlite3 "$T/abusedesk.db" "SELECT pwhash FROM users WHERE name = 'alice'")" '^\$y\$' "the password is stored as yescrypt"
TOK_A=$(A user token alice)
TOK_B=$(A user token bob)
like "$TOK_A" '^[0-9a-f]{64}$' "user token prints a token"
is "$(sqlite3 "$T/abusedesk.db" "SELECT count(*) FROM api_tokens WHERE hash = '$TOK_A'")" 0 "the token itself is not stored"
is "$(sqlite3 "$T/abusedesk.db" "SELECT count(*) FROM api_tokens WHERE user = 'alice'")" 1 "its hash is"

# ---- the server ----
PORT=$(free_port)
U=http://127.0.0.1:$PORT
"$BIN" -c "$T/abusedesk.conf" web --listen 127.0.0.1:$PORT 2>"$T/web.log" &
PID=$!
if ! wait_port 127.0.0.1 "$PORT" 10; then
	fail "web server starts" "$(cat "$T/web.log")"
	done_testing
	exit 1
fi
pass "web server listens on 127.0.0.1:$PORT"
C() { curl -s --max-time 20 "$@"; }

h=$(C -D - -o /dev/null "$U/login")
like "$h" "Content-Security-Policy: default-src 'none'; style-src 'self'" "strict CSP"
like "$h" "X-Frame-Options: DENY" "no framing"
like "$h" "Referrer-Policy: no-referrer" "no referrer"
like "$h" "X-Content-Type-Options: nosniff" "nosniff"
like "$(C -D - -o /dev/null "$U/incidents")" "303.*Location: /login" "no session: to the login page"

is "$(C -o /dev/null -w '%{http_code}' -d 'name=alice&password=wrong' "$U/login")" 403 "a wrong password is refused"
h=$(C -D - -o /dev/null -c "$T/alice.jar" --data-urlencode 'name=alice' --data-urlencode 'password=handler pw' "$U/login")
like "$h" "HTTP/1.1 303" "login"
like "$h" "Set-Cookie: ad_session=[0-9a-f]{64}; Path=/; Max-Age=[0-9]+; HttpOnly; SameSite=Strict" "session cookie HttpOnly, SameSite=Strict"
[[ "$h" == *Secure* ]] && fail "no Secure flag without --secure-cookie" || pass "no Secure flag without --secure-cookie"

page=$(C -b "$T/alice.jar" "$U/incidents")
like "$page" "href=\"/incidents/$HID\"" "the list links the incident"
like "$(C -b "$T/alice.jar" "$U/incidents?status=resolved")" "incidents 0 to 0" "the status filter"
like "$(C -b "$T/alice.jar" "$U/incidents?verdict=open_relay")" "href=\"/incidents/$HID\"" "the verdict filter"

# ---- hostile text is inert ----
page=$(C -b "$T/alice.jar" "$U/incidents/$HID")
like "$page" "Incident $HID" "the incident page"
like "$page" '&lt;script&gt;document.title=&quot;pwned&quot;&lt;/script&gt;' "a script tag is escaped"
[[ "$page" == *"<script"* ]] && fail "no script element in the page" || pass "no script element in the page"
[[ "$page" == *"<img"* || "$page" == *"<svg"* ]] && fail "no injected img or svg element" || pass "no injected img or svg element"
[[ "$page" =~ \<a[^\>]*javascript: ]] && fail "no javascript: link" || pass "no javascript: link"
like "$page" '&lt;img src=x onerror=alert\(1\)&gt;' "an event handler is shown as text"

# ---- the raw complaint ----
RID=$(A show "$HID" --format json | sed -n 's/.*"reports":\[{"id":\([0-9]*\).*/\1/p')
h=$(C -b "$T/alice.jar" -D "$T/raw.h" -o "$T/raw.eml" "$U/incidents/$HID/reports/$RID/raw"; cat "$T/raw.h")
like "$h" "Content-Type: text/plain" "raw download is text/plain"
like "$h" "Content-Disposition: attachment; filename=\"report-$RID.eml\"" "as an attachment"
like "$h" "X-Content-Type-Options: nosniff" "with nosniff"
ok grep -q "^X-Sample: trace-open-relay" "$T/raw.eml" "the complaint's bytes"
is "$(C -b "$T/alice.jar" -o /dev/null -w '%{http_code}' "$U/incidents/$HID/reports/99999/raw")" 404 "another incident's or no report: 404"

# ---- actions and CSRF ----
CSRF=$(C -b "$T/alice.jar" "$U/incidents/$HID" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -1)
like "$CSRF" '^[0-9a-f]{64}$' "the page's forms carry a CSRF token"
is "$(C -b "$T/alice.jar" -o /dev/null -w '%{http_code}' -d 'action=resolve&note=x' "$U/incidents/$HID/action")" 403 "a POST without the CSRF token is refused"
is "$(C -b "$T/alice.jar" -o /dev/null -w '%{http_code}' -d "action=resolve&csrf=${CSRF%?}0" "$U/incidents/$HID/action")" 403 "a POST with a wrong CSRF token is refused"
like "$(A show "$HID")" "^Incident $HID +\[open\]" "... and changed nothing"
is "$(C -b "$T/alice.jar" -o /dev/null -w '%{http_code}' --data-urlencode "csrf=$CSRF" -d action=resolve --data-urlencode 'note=fixed <b>relay</b>' "$U/incidents/$HID/action")" 303 "resolve with a note"
out=$(A show "$HID")
like "$out" "^Incident $HID +\[resolved\]" "the CLI sees it resolved"
like "$out" "-> resolved by alice: fixed <b>relay</b>" "with the web user as actor and the note"
like "$(C -b "$T/alice.jar" "$U/incidents/$HID")" "fixed &lt;b&gt;relay&lt;/b&gt;" "the note is escaped on the page"

C -o /dev/null -c "$T/bob.jar" --data-urlencode 'name=bob' --data-urlencode 'password=viewer pw' "$U/login"
page=$(C -b "$T/bob.jar" "$U/incidents/$HID")
BCSRF=$(echo "$page" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -1)
[[ "$page" == *'action="/incidents/'* ]] && fail "a viewer sees no action form" || pass "a viewer sees no action form"
is "$(C -b "$T/bob.jar" -o /dev/null -w '%{http_code}' --data-urlencode "csrf=$BCSRF" -d action=reopen "$U/incidents/$HID/action")" 403 "a viewer cannot act"
like "$(A show "$HID")" "^Incident $HID +\[resolved\]" "... and nothing changed"

# ---- the API ----
out=$(C -D "$T/h" "$U/api/v1/incidents")
like "$(head -1 "$T/h")" " 401" "API without a token: 401"
like "$out" '^\{"error":' "... as {\"error\": ...}"
like "$(cat "$T/h")" "WWW-Authenticate: Bearer" "... with WWW-Authenticate"
is "$(C -o /dev/null -w '%{http_code}' -H "Authorization: Bearer ${TOK_A%?}0" "$U/api/v1/incidents")" 401 "a wrong token: 401"
is "$(C -H "Authorization: Bearer $TOK_B" "$U/api/v1/incidents")" "$(A incidents --format json)" "GET incidents = incidents --format json"
is "$(C -H "Authorization: Bearer $TOK_B" "$U/api/v1/incidents?status=resolved")" "$(A incidents --status resolved --format json)" "... with a filter"
is "$(C -H "Authorization: Bearer $TOK_B" "$U/api/v1/incidents/$HID")" "$(A show "$HID" --format json)" "GET incidents/ID = show --format json"
is "$(C -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOK_B" "$U/api/v1/incidents/99999")" 404 "an unknown incident: 404"
is "$(C -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOK_B" -d '{"note":"x"}' "$U/api/v1/incidents/$HID/reopen")" 403 "a viewer's token may not act: 403"
is "$(C -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOK_A" -d '{"note":' "$U/api/v1/incidents/$HID/reopen")" 400 "a malformed body: 400"
out=$(C -H "Authorization: Bearer $TOK_A" -d '{"note": "seen again \u00e9"}' "$U/api/v1/incidents/$HID/reopen")
is "$out" "{\"id\":$HID,\"status\":\"open\",\"actor\":\"alice\"}" "a handler's token reopens"
like "$(A show "$HID")" "resolved -> open by alice: seen again é" "the CLI sees the API's change and note"
is "$(C -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOK_A" -X POST "$U/api/v1/incidents/$HID/ack")" 200 "an action without a body"
is "$(C -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOK_A" -d "{\"note\":\"$(head -c 20000 /dev/zero | tr '\0' a)\"}" "$U/api/v1/incidents/$HID/ack")" 413 "a body over the cap: 413"

# ---- a slow client holds only its own connection ----
exec 3<>"/dev/tcp/127.0.0.1/$PORT"
printf 'GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ' >&3
is "$(C -o /dev/null -w '%{http_code}' "$U/login")" 200 "another request is answered while a client sends half a request"
exec 3>&-

# ---- the login rate limit (last: it locks this address out) ----
for i in $(seq 10); do C -o /dev/null -d 'name=alice&password=wrong' "$U/login"; done
is "$(C -o /dev/null -w '%{http_code}' --data-urlencode 'name=alice' --data-urlencode 'password=handler pw' "$U/login")" 429 "after 10 failed logins the address must wait"

kill "$PID"
wait "$PID"
is "$?" 0 "SIGTERM stops the server cleanly"
PID=
ok A user del bob "user del"
is "$(sqlite3 "$T/abusedesk.db" "SELECT count(*) FROM api_tokens WHERE user = 'bob'")" 0 "... with its tokens"
done_testing
