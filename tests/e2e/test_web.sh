#!/bin/bash
# test_web.sh - `abusedesk user` and `abusedesk web` against a real server on
# a free loopback port (stopped by PID), driven with curl: users and tokens,
# login and its rate limit, session cookie flags, CSRF refusal, a viewer who
# may not act, the security headers, hostile report text escaped in the HTML,
# the raw complaint download, the JSON API (no, wrong and viewer tokens; the
# same objects as the CLI's --format json, notes and assignment), caps on the
# body and the headers, slow clients that do not hold up another one, 200
# concurrent requests, the actor of every change a person (--by, SUDO_USER,
# never "uid N"), and libmicrohttpd and libcrypt loaded only by the commands
# that need them.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/db.sh
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
DB=$(db_target "$T/abusedesk.db")
cat > "$T/abusedesk.conf" <<CONF
database = $DB
spool_dir = $T/spool
syslog = no
db_busy_timeout = 2s
run_user = $RUN_USER
our_networks = 192.0.2.0/24, 198.51.100.0/24, 2001:db8::/32
our_domains = example.net
CONF
A() { "$BIN" -c "$T/abusedesk.conf" "$@"; }

ok A -q init "init"
libs=$(ldd "$BIN")
[[ "$libs" == *libmicrohttpd* || "$libs" == *libcrypt.so* ]] && fail "the binary does not link libmicrohttpd or libcrypt (loaded on demand)" \
	|| pass "the binary does not link libmicrohttpd or libcrypt (loaded on demand)"
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
like "$(db_q "$DB" "SELECT pwhash FROM users WHERE name = 'alice'")" '^\$y\$' "the password is stored as yescrypt"
TOK_A=$(A user token alice)
TOK_B=$(A user token bob)
like "$TOK_A" '^[0-9a-f]{64}$' "user token prints a token"
is "$(db_q "$DB" "SELECT count(*) FROM api_tokens WHERE hash = '$TOK_A'")" 0 "the token itself is not stored"
is "$(db_q "$DB" "SELECT count(*) FROM api_tokens WHERE \"user\" = 'alice'")" 1 "its hash is"

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
ok grep -q libmicrohttpd "/proc/$PID/maps" "abusedesk web has loaded libmicrohttpd"
if [ -n "$RUN_USER" ]; then
	is "$(awk '/^Uid:/ {print $2}' "/proc/$PID/status")" "$(id -u "$RUN_USER")" "started as root, the server runs as run_user"
fi
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
page=$(C -b "$T/alice.jar" "$U/incidents?host=192.0.2.0%2F24")
like "$page" "href=\"/incidents/$HID\"" "a CIDR filter finds the incident in the network"
[[ "$page" == *'href="/incidents/1"'* ]] && fail "... and not the one outside it" || pass "... and not the one outside it"
like "$page" "incidents 1 to 1 of 1\." "the list counts what matches"
like "$(C -b "$T/alice.jar" "$U/incidents?status=all")" "incidents 1 to 2 of 2\." "... all of them"
like "$(C -b "$T/alice.jar" "$U/incidents?status=all&sort=id")" "<tr><td><a href=\"/incidents/$HID\">.*<tr><td><a href=\"/incidents/1\">" "sort by id: newest first"
like "$(C -b "$T/alice.jar" "$U/incidents?sort=reports")" '<option value="reports" selected>' "the sort is kept in the form"

# ---- hostile text is inert ----
page=$(C -b "$T/alice.jar" "$U/incidents/$HID")
like "$page" "Incident $HID" "the incident page"
like "$page" '&lt;script&gt;document.title=&quot;pwned&quot;&lt;/script&gt;' "a script tag is escaped"
[[ "$page" == *"<script"* ]] && fail "no script element in the page" || pass "no script element in the page"
[[ "$page" == *"<img"* || "$page" == *"<svg"* ]] && fail "no injected img or svg element" || pass "no injected img or svg element"
[[ "$page" =~ \<a[^\>]*javascript: ]] && fail "no javascript: link" || pass "no javascript: link"
like "$page" '&lt;img src=x onerror=alert\(1\)&gt;' "an event handler is shown as text"

# ---- search and the dashboard ----
page=$(C -b "$T/alice.jar" "$U/search?q=192.0.2.25")
like "$page" "href=\"/incidents/$HID\"" "the search page finds the incident by its address"
page=$(C -b "$T/alice.jar" "$U/search?q=pwned")
like "$page" "document.title=&quot;pwned&quot;" "a text search shows the hostile summary escaped"
[[ "$page" == *"<script"* ]] && fail "no script element in the search page" || pass "no script element in the search page"
page=$(C -b "$T/alice.jar" "$U/dashboard?since=7d")
like "$page" "<svg xmlns=\"http://www.w3.org/2000/svg\"" "the dashboard draws inline SVG"
like "$page" "Reports per day by verdict" "... reports per day by verdict"
like "$page" "open_relay: 1</title>" "... with a bar for the open relay report"
like "$page" "Active incidents by owner.*mail-team" "... active incidents by owner"
like "$page" "Top hosts by reports.*mx2.example.net" "... top hosts"
like "$page" "Time to resolve.*&lt; 1 hour" "... time to resolve"
[[ "$page" == *"<script"* ]] && fail "no script element in the dashboard" || pass "no script element in the dashboard"

page=$(C -b "$T/alice.jar" "$U/inventory?ip=192.0.2.25")
like "$page" "<dt>Host</dt><dd>mx2.example.net</dd>" "the inventory lookup names the host"
like "$page" "<dt>Owner</dt><dd>mail-team</dd>" "... and its owner"
like "$(C -b "$T/alice.jar" "$U/inventory?ip=203.0.113.9")" "is not in the inventory" "an address outside it"
like "$(C -b "$T/alice.jar" "$U/inventory?ip=%3Cscript%3E")" 'value="&lt;script&gt;".*Not an IP address' "a bad address is refused, escaped"

# ---- the raw complaint ----
RID=$(A show "$HID" --format json | sed -n 's/.*"reports":\[{"id":\([0-9]*\).*/\1/p')
h=$(C -b "$T/alice.jar" -D "$T/raw.h" -o "$T/raw.eml" "$U/incidents/$HID/reports/$RID/raw"; cat "$T/raw.h")
like "$h" "Content-Type: text/plain" "raw download is text/plain"
like "$h" "Content-Disposition: attachment; filename=\"report-$RID.eml\"" "as an attachment"
like "$h" "X-Content-Type-Options: nosniff" "with nosniff"
ok grep -q "^X-Sample: trace-open-relay" "$T/raw.eml" "the complaint's bytes"
is "$(C -b "$T/alice.jar" -o /dev/null -w '%{http_code}' "$U/incidents/$HID/reports/99999/raw")" 404 "another incident's or no report: 404"

# ---- actions and CSRF ----
# other - the same token with its last digit changed
other() { case "$1" in *0) printf '%s1' "${1%?}" ;; *) printf '%s0' "${1%?}" ;; esac; }
CSRF=$(C -b "$T/alice.jar" "$U/incidents/$HID" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -1)
like "$CSRF" '^[0-9a-f]{64}$' "the page's forms carry a CSRF token"
is "$(C -b "$T/alice.jar" -o /dev/null -w '%{http_code}' -d 'action=resolve&note=x' "$U/incidents/$HID/action")" 403 "a POST without the CSRF token is refused"
is "$(C -b "$T/alice.jar" -o /dev/null -w '%{http_code}' -d "action=resolve&csrf=$(other "$CSRF")" "$U/incidents/$HID/action")" 403 "a POST with a wrong CSRF token is refused"
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
is "$(C -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $(other "$TOK_A")" "$U/api/v1/incidents")" 401 "a wrong token: 401"
is "$(C -H "Authorization: Bearer $TOK_B" "$U/api/v1/incidents")" "$(A incidents --format json)" "GET incidents = incidents --format json"
is "$(C -H "Authorization: Bearer $TOK_B" "$U/api/v1/incidents?status=resolved")" "$(A incidents --status resolved --format json)" "... with a filter"
is "$(C -H "Authorization: Bearer $TOK_B" "$U/api/v1/incidents/$HID")" "$(A show "$HID" --format json)" "GET incidents/ID = show --format json"
is "$(C -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOK_B" "$U/api/v1/incidents/99999")" 404 "an unknown incident: 404"
is "$(C -H "Authorization: Bearer $TOK_B" "$U/api/v1/incidents?status=all&ip=192.0.2.0/24" | jq -r '.[].id')" "$HID" "ip= takes a CIDR network"
is "$(C -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOK_B" "$U/api/v1/incidents?ip=192.0.2.0/99")" 400 "... a bad one: 400"
is "$(C -H "Authorization: Bearer $TOK_B" "$U/api/v1/reports")" "$(A reports --format json)" "GET reports = reports --format json"
is "$(C -H "Authorization: Bearer $TOK_B" "$U/api/v1/reports?since=7d&limit=1")" "$(A reports --since 7d --limit 1 --format json 2>/dev/null)" "... with since and limit"
is "$(C -H "Authorization: Bearer $TOK_B" "$U/api/v1/search?q=192.0.2.25")" "$(A search 192.0.2.25 --format json)" "GET search?q=IP = search --format json"
is "$(C -H "Authorization: Bearer $TOK_B" "$U/api/v1/search?q=192.0.2.0%2F24")" "$(A search 192.0.2.0/24 --format json)" "GET search?q=CIDR = search --format json"
like "$(C -H "Authorization: Bearer $TOK_B" "$U/api/v1/search?q=192.0.2.25" | jq -r '.[0].kind')" '^(incident|report)$' "... and it finds something"
is "$(C -H "Authorization: Bearer $TOK_B" "$U/api/v1/stats?since=7d")" "$(A stats --since 7d --format json)" "GET stats = stats --format json"
is "$(C -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOK_B" "$U/api/v1/search")" 400 "search without q: 400"
is "$(C -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOK_B" "$U/api/v1/stats?since=soon")" 400 "a bad since: 400"
is "$(C -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOK_B" -d '{"note":"x"}' "$U/api/v1/incidents/$HID/reopen")" 403 "a viewer's token may not act: 403"
is "$(C -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOK_A" -d '{"note":' "$U/api/v1/incidents/$HID/reopen")" 400 "a malformed body: 400"
out=$(C -H "Authorization: Bearer $TOK_A" -d '{"note": "seen again \u00e9"}' "$U/api/v1/incidents/$HID/reopen")
is "$out" "{\"id\":$HID,\"status\":\"open\",\"actor\":\"alice\"}" "a handler's token reopens"
like "$(A show "$HID")" "resolved -> open by alice: seen again é" "the CLI sees the API's change and note"
is "$(C -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOK_A" -X POST "$U/api/v1/incidents/$HID/ack")" 200 "an action without a body"
is "$(C -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOK_A" -d "{\"note\":\"$(head -c 20000 /dev/zero | tr '\0' a)\"}" "$U/api/v1/incidents/$HID/ack")" 413 "a body over the cap: 413"
is "$(C -H "Authorization: Bearer $TOK_A" -d '{"note": "called the customer"}' "$U/api/v1/incidents/$HID/notes")" \
	"{\"id\":$HID,\"note\":\"added\",\"actor\":\"alice\"}" "POST notes"
like "$(A show "$HID")" "acknowledged -> acknowledged by alice: called the customer" "the note is on the timeline, status unchanged"
is "$(C -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOK_A" -d '{}' "$U/api/v1/incidents/$HID/notes")" 400 "a note without text: 400"
is "$(C -H "Authorization: Bearer $TOK_A" -d '{"user": "bob"}' "$U/api/v1/incidents/$HID/assign")" \
	"{\"id\":$HID,\"assignee\":\"bob\",\"actor\":\"alice\"}" "POST assign"
is "$(A show "$HID" --format json | jq -r .incident.assignee)" bob "the CLI's JSON shows the assignee"
is "$(C -H "Authorization: Bearer $TOK_B" "$U/api/v1/incidents?assignee=bob&status=all" | jq -r '.[].id')" "$HID" "the assignee filter"
is "$(C -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOK_A" -d '{"user": "nobody-here"}' "$U/api/v1/incidents/$HID/assign")" 400 "assigning to no such user: 400"
is "$(C -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOK_B" -d '{"user": "bob"}' "$U/api/v1/incidents/$HID/assign")" 403 "a viewer may not assign: 403"
is "$(C -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOK_B" "$U/api/v1/incidents?status=bogus")" 400 "a bad filter: 400"
is "$(C -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOK_B" -X DELETE "$U/api/v1/incidents")" 405 "a wrong method: 405"

# ---- caps: a header block over the connection's memory ----
big=$(head -c 40000 /dev/zero | tr '\0' a)
code=$(C -o /dev/null -w '%{http_code}' -H "X-Big: $big" "$U/login")
[[ "$code" == 431 || "$code" == 413 || "$code" == 400 || "$code" == 000 ]] && pass "a 40 kB header is refused ($code)" \
	|| fail "a 40 kB header is refused" "got $code"
hdrs=()
for i in $(seq 2000); do hdrs+=(-H "X-H$i: v"); done
code=$(C -o /dev/null -w '%{http_code}' "${hdrs[@]}" "$U/login")
[[ "$code" != 200 ]] && pass "2000 headers are refused ($code)" || fail "2000 headers are refused" "got 200"
is "$(C -o /dev/null -w '%{http_code}' "$U/login")" 200 "... and the server answers the next request"

# ---- 200 concurrent requests ----
: > "$T/par.cfg"
for i in $(seq 200); do
	if [ $((i % 2)) = 0 ]; then
		printf 'url = "%s/api/v1/incidents?status=all"\nheader = "Authorization: Bearer %s"\noutput = "/dev/null"\n' "$U" "$TOK_B"
	else
		printf 'url = "%s/login"\noutput = "/dev/null"\n' "$U"
	fi >> "$T/par.cfg"
done
# par - the 200 requests at once: "count code" pairs and the milliseconds in $ms
par() {
	local t0
	t0=$(date +%s%N)
	codes=$(curl -s --no-progress-meter -Z --parallel-max 200 --max-time 60 -K "$T/par.cfg" -w '%{http_code}\n' |
		sort | uniq -c | sed 's/^ *//')
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
}
par
if [ "$codes" != "200 200" ]; then
	# A run where the server's one thread stalled past the 15 s connection
	# timeout (seen twice in CI under AddressSanitizer on PostgreSQL, never
	# again in reruns) loses the connections it had not served yet. Say what
	# came back, then send the 200 again: the server must answer them all.
	diag "first run: got (count code): $(echo $codes) in ${ms} ms; server: $(grep -v 'web helpdesk on' "$T/web.log" | tail -n 5 | tr '\n' ' ')"
	par
fi
if [ "$codes" = "200 200" ]; then
	pass "200 concurrent requests (pages and API) all answered 200 (${ms} ms)"
else
	# what came back, and what the server said of it
	fail "200 concurrent requests (pages and API) all answered 200" "got (count code): $(echo $codes) in ${ms} ms" \
		"; server: $(grep -v 'web helpdesk on' "$T/web.log" | tail -n 5 | tr '\n' ' ')"
fi
is "$(C -o /dev/null -w '%{http_code}' "$U/login")" 200 "... and the server keeps answering"

# ---- a slow client holds only its own connection ----
exec 3<>"/dev/tcp/127.0.0.1/$PORT"
printf 'GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ' >&3
is "$(C -o /dev/null -w '%{http_code}' "$U/login")" 200 "another request is answered while a client sends half a request"
exec 3>&-
python3 - "$PORT" <<'PY' > "$T/slow.out" &
import socket, sys, time
socks = []
for i in range(100):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
    s.sendall(b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nname=")
    socks.append(s)
print("open", len(socks), flush=True)
time.sleep(8)
PY
SLOW=$!
for i in $(seq 50); do grep -q open "$T/slow.out" 2>/dev/null && break; sleep 0.1; done
like "$(cat "$T/slow.out")" "open 100" "100 clients hold half-sent requests"
t0=$(date +%s%N)
is "$(C -o /dev/null -w '%{http_code}' "$U/login")" 200 "... and another client is answered"
t1=$(date +%s%N)
ok test $(( (t1 - t0) / 1000000 )) -lt 2000 "... within 2 seconds"
kill "$SLOW" 2>/dev/null; wait "$SLOW" 2>/dev/null

# ---- the login rate limit (last: it locks this address out) ----
for i in $(seq 10); do C -o /dev/null -d 'name=alice&password=wrong' "$U/login"; done
is "$(C -o /dev/null -w '%{http_code}' --data-urlencode 'name=alice' --data-urlencode 'password=handler pw' "$U/login")" 429 "after 10 failed logins the address must wait"

kill "$PID"
wait "$PID"
is "$?" 0 "SIGTERM stops the server cleanly"
PID=
# ---- HTTPS served by abusedesk web itself (libmicrohttpd with GnuTLS) ----
if command -v openssl >/dev/null; then
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 2 \
		-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1
	chmod 600 "$T/key.pem"
	TPORT=$(free_port)
	"$BIN" -c "$T/abusedesk.conf" web --listen 127.0.0.1:$TPORT --tls-cert "$T/cert.pem" --tls-key "$T/key.pem" 2>"$T/tls.log" &
	PID=$!
	if wait_port 127.0.0.1 "$TPORT" 10; then
		h=$(curl -s --max-time 20 --cacert "$T/cert.pem" -D - -o /dev/null --data-urlencode 'name=alice' \
			--data-urlencode 'password=handler pw' "https://127.0.0.1:$TPORT/login")
		like "$h" "HTTP/1.1 303" "over HTTPS: login (the root-only key read before dropping root)"
		like "$h" "Set-Cookie: ad_session=[0-9a-f]{64}; Path=/; Max-Age=[0-9]+; HttpOnly; SameSite=Strict; Secure" "... the cookie is Secure"
		is "$(curl -s --max-time 20 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$TPORT/login")" 000 "plain HTTP on the TLS port gets no page"
	else
		fail "the HTTPS server starts" "$(cat "$T/tls.log")"
	fi
	kill "$PID"; wait "$PID"; PID=
else
	skip "openssl not installed: HTTPS not tested"
fi
"$BIN" -c "$T/abusedesk.conf" web --listen 127.0.0.1:1 --tls-cert "$T/cert.pem" >/dev/null 2>&1
is "$?" 64 "--tls-cert without --tls-key is refused"

# ---- trusted reverse-proxy login: the header only from the proxy's address ----
cp "$T/abusedesk.conf" "$T/proxy.conf"
printf 'web_auth_header = X-Remote-User\nweb_auth_proxies = 127.0.0.2/32\n' >> "$T/proxy.conf"
PPORT=$(free_port)
"$BIN" -c "$T/proxy.conf" web --listen 127.0.0.1:$PPORT 2>"$T/proxy.log" &
PID=$!
if wait_port 127.0.0.1 "$PPORT" 10; then
	P=http://127.0.0.1:$PPORT
	like "$(C -D - -o /dev/null -H 'X-Remote-User: alice' "$P/incidents")" "303.*Location: /login" \
		"the header from another address is ignored"
	page=$(C --interface 127.0.0.2 -H 'X-Remote-User: alice' "$P/incidents/$HID")
	like "$page" "alice \(handler\)" "the header from the proxy's address logs the user in"
	like "$(C --interface 127.0.0.2 -D - -o /dev/null -H 'X-Remote-User: mallory' "$P/incidents")" "303.*Location: /login" \
		"... only a user that exists"
	PCSRF=$(sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' <<<"$page" | head -1)
	is "$(C --interface 127.0.0.2 -H 'X-Remote-User: alice' -o /dev/null -w '%{http_code}' -d action=ack "$P/incidents/$HID/action")" 403 \
		"... and its POSTs still need the CSRF token"
	is "$(C --interface 127.0.0.2 -H 'X-Remote-User: alice' -o /dev/null -w '%{http_code}' --data-urlencode "csrf=$PCSRF" \
		-d action=note --data-urlencode 'note=via the proxy' "$P/incidents/$HID/action")" 303 "... with it, the proxied user acts"
	like "$(A show "$HID")" "by alice: via the proxy" "... as that user"
	is "$(C --interface 127.0.0.2 -H 'X-Remote-User: alice' -o /dev/null -w '%{http_code}' "$P/api/v1/incidents")" 401 \
		"the API ignores the header: a token is needed"
else
	fail "the server with proxy login starts" "$(cat "$T/proxy.log")"
fi
kill "$PID"; wait "$PID"; PID=

# ---- the actor of a change made on the command line is a person ----
last_actor() { db_q "$DB" "SELECT actor FROM incident_events WHERE incident_id = $HID ORDER BY id DESC LIMIT 1"; }
A resolve "$HID" --by carol >/dev/null
is "$(last_actor)" carol "--by NAME is the actor"
SUDO_USER=dave A reopen "$HID" >/dev/null
is "$(last_actor)" dave "else SUDO_USER (who ran sudo)"
env -u SUDO_USER LOGNAME=erin USER=erin "$BIN" -c "$T/abusedesk.conf" ack "$HID" </dev/null >/dev/null 2>&1
a=$(last_actor)
[[ "$a" == erin || "$a" == "$(logname 2>/dev/null)" ]] && pass "else the login name ($a)" || fail "else the login name" "got '$a'"
env -i PATH="$PATH" "$BIN" -c "$T/abusedesk.conf" reopen "$HID" </dev/null >/dev/null 2>&1
a=$(last_actor)
like "$a" '^[A-Za-z_][A-Za-z0-9._-]*$' "without any of them: the uid's user name ($a)"
A resolve "$HID" --by 'two words' >/dev/null 2>&1; is "$?" 64 "a --by with a space is refused"
is "$(db_q "$DB" "SELECT count(*) FROM incident_events WHERE actor LIKE 'uid %'")" 0 "no event is recorded as 'uid N'"

ok A user del bob "user del"
is "$(db_q "$DB" "SELECT count(*) FROM api_tokens WHERE \"user\" = 'bob'")" 0 "... with its tokens"
done_testing
