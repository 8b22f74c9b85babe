#!/bin/bash
# test_browser.sh - the web helpdesk in a real browser: Debian's chromium
# (headless) driven by chromedriver through python3-selenium, against a real
# `abusedesk web` on a free loopback port (stopped by PID). Logs in, filters
# the list, opens an incident, resolves it with a note and sees the timeline
# change, then checks with the CLI that it changed. A report whose every
# field a reporter controls carries script (script tags, event handlers,
# javascript: URLs, CSS, SVG) that would set a marker: the browser runs none
# of it and shows no dialog. With WEB_SCREENSHOTS=DIR the main pages are
# saved there as PNG (docs/ holds the ones of the documentation).
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
BIN=${ABUSEDESK_BIN:-$PWD/abusedesk}
T=$(mktemp -d /tmp/abusedesk-browser-XXXXXX)
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
CHROME=$(command -v chromium || true)
DRIVER=$(command -v chromedriver || true)
# Debian's python3-selenium is for Debian's python3 (another python3 may come first in PATH)
PY=
for p in /usr/bin/python3 python3; do
	"$p" -c 'import selenium' 2>/dev/null && { PY=$p; break; }
done
if [ -z "$CHROME" ] || [ -z "$DRIVER" ] || [ -z "$PY" ]; then
	echo "1..0 # SKIP chromium, chromium-driver or python3-selenium not installed (tests/lib/deps.sh test)"
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
A -q ingest < samples/trace-open-proxy.eml
# every field a reporter controls tries to set the marker window.__pwned (or the title)
M='window.__pwned=1;document.title=`PWNED`'
S1="<script>$M</script>"
S2="<img src=x onerror=\"$M\">"
S3="<a href=\"javascript:$M\" id=jslink>click</a>"
S4="<svg onload=\"$M\"><style>body{background:url(javascript:$M)}</style>"
S5="<iframe srcdoc=\"<script>parent.$M</script>\"></iframe>"
sed -e "s|^Subject: You have won|Subject: $S1 $S2 $S3|" \
    -e "s|^User-Agent: .*|User-Agent: $S2 $S4|" \
    -e "s|^From: Complainant FBL <fbl@complainant.example>|From: \"$S1\" <fbl@complainant.example>|" \
    -e "s|from spammer.example.org|from $S4 $S5|" \
    samples/trace-open-relay.eml > "$T/hostile.eml"
A -q ingest < "$T/hostile.eml"
HID=$(A incidents --verdict open_relay --format csv | sed -n '2s/,.*//p')
like "$HID" '^[0-9]+$' "the hostile report made an incident"
like "$(A show "$HID" --format json)" 'onerror' "the stored report keeps the hostile text"
echo 'handler pw' | A user add alice --role handler >/dev/null

PORT=$(free_port)
"$BIN" -c "$T/abusedesk.conf" web --listen 127.0.0.1:$PORT 2>"$T/web.log" &
PID=$!
if ! wait_port 127.0.0.1 "$PORT" 10; then
	fail "web server starts" "$(cat "$T/web.log")"
	done_testing
	exit 1
fi
pass "web server listens on 127.0.0.1:$PORT"

# the browser session: one line of TAP-like "ok NAME" / "not ok NAME: why" a check
cat > "$T/drive.py" <<'PY'
import os, sys, time
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, UnexpectedAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

base, hid, shots, tmp = sys.argv[1], sys.argv[2], os.environ.get("SHOTS", ""), os.environ["T"]

def check(cond, name, why=""):
    print(("ok " if cond else "not ok ") + name + ("" if cond else ": " + str(why)), flush=True)

opts = webdriver.ChromeOptions()
opts.binary_location = os.environ["CHROME"]
for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
          "--window-size=1280,1000", "--user-data-dir=" + tmp + "/profile", "--no-first-run",
          "--disable-extensions", "--disable-background-networking"):
    opts.add_argument(a)
opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
d = webdriver.Chrome(service=Service(os.environ["DRIVER"]), options=opts)
d.set_page_load_timeout(20)

def wait_for(cond, secs=10):
    end = time.time() + secs
    while time.time() < end:
        try:
            if cond():
                return True
        except Exception:
            pass
        time.sleep(0.1)
    return False

def shot(name):
    if shots:
        d.save_screenshot(os.path.join(shots, name))

def inert(where):
    try:
        alert = d.switch_to.alert
        check(False, "no dialog on " + where, alert.text)
        alert.dismiss()
    except NoAlertPresentException:
        check(True, "no dialog on " + where)
    marker = d.execute_script("return window.__pwned === undefined && document.title.indexOf('PWNED') < 0")
    check(marker, "the marker is not set on " + where, d.title)
    n = d.execute_script("return document.querySelectorAll('script, iframe, img, style, #jslink, [onload], [onerror], a[href^=javascript]').length")
    check(n == 0, "no injected element in the DOM of " + where, n)

try:
    d.get(base + "/incidents")
    check(d.current_url.endswith("/login"), "without a session the browser lands on the login page", d.current_url)
    shot("web-login.png")
    d.find_element(By.NAME, "name").send_keys("alice")
    d.find_element(By.NAME, "password").send_keys("wrong")
    d.find_element(By.CSS_SELECTOR, "form[action='/login'] button").click()
    check(wait_for(lambda: "Wrong user name or password" in d.page_source), "a wrong password is refused")
    d.find_element(By.NAME, "name").send_keys("alice")
    d.find_element(By.NAME, "password").send_keys("handler pw")
    d.find_element(By.CSS_SELECTOR, "form[action='/login'] button").click()
    check(wait_for(lambda: d.current_url.endswith("/incidents")), "logging in leads to the incident list", d.current_url)
    cookies = {c["name"]: c for c in d.get_cookies()}
    c = cookies.get("ad_session", {})
    check(c.get("httpOnly") is True and c.get("sameSite") == "Strict", "the session cookie is HttpOnly, SameSite=Strict", c)
    check(d.execute_script("return document.cookie") == "", "script cannot read the session cookie")
    rows = d.find_elements(By.CSS_SELECTOR, "main table tbody tr")
    check(len(rows) == 3, "the list shows the three active incidents", len(rows))
    inert("the incident list")
    shot("web-incidents.png")

    Select(d.find_element(By.NAME, "status")).select_by_value("all")
    v = d.find_element(By.NAME, "verdict")
    v.clear()
    v.send_keys("open_relay")
    d.find_element(By.CSS_SELECTOR, "form.filters button").click()
    check(wait_for(lambda: "verdict=open_relay" in d.current_url), "the filter form puts the filter in the URL", d.current_url)
    links = [a.text for a in d.find_elements(By.CSS_SELECTOR, "main table tbody tr td:first-child a")]
    check(links == [hid], "filtered by verdict: only the open relay incident", links)

    d.find_element(By.LINK_TEXT, hid).click()
    check(wait_for(lambda: d.current_url.endswith("/incidents/" + hid)), "the link opens the incident", d.current_url)
    check("Incident " + hid in d.find_element(By.TAG_NAME, "h1").text, "the incident page")
    body = d.find_element(By.TAG_NAME, "main").text
    check("<script>" in body and "onerror=" in body, "the hostile text is shown as text", body[:200])
    check("open relay" in body, "the explanation is on the page")
    inert("the hostile incident's page")
    shot("web-incident.png")

    d.find_element(By.NAME, "note").send_keys("relay closed <b>by hand</b>")
    d.find_element(By.CSS_SELECTOR, "button[name=action][value=resolve]").click()
    check(wait_for(lambda: "resolved" in d.find_element(By.TAG_NAME, "h1").text) and
          d.current_url.endswith("/incidents/" + hid), "after resolving, back on the incident", d.current_url)
    h1 = d.find_element(By.TAG_NAME, "h1").text
    check("resolved" in h1, "the page shows it resolved", h1)
    changes = d.find_elements(By.XPATH, "//h2[text()='State changes']/following-sibling::table[1]//tbody/tr")
    last = changes[-1].text if changes else ""
    check("alice" in last and "resolved" in last and "relay closed <b>by hand</b>" in last,
          "the timeline has the change by alice with the note, as text", last)
    inert("the incident after resolving")
    shot("web-incident-resolved.png")

    # the raw complaint is an attachment: the browser downloads it and stays on the page
    link = d.find_element(By.XPATH, "//h2[starts-with(text(),'Reports')]/following-sibling::table[1]//a[text()='download']")
    href = link.get_attribute("href")
    link.click()
    time.sleep(1)
    check(d.current_url.endswith("/incidents/" + hid) and "X-Sample" not in d.page_source,
          "the raw complaint downloads instead of being shown", d.current_url)
    d.get(href)
    time.sleep(1)
    check("X-Sample" not in d.page_source, "opened directly, it is not rendered either", d.current_url)
    d.get(base + "/incidents")
    inert("the list after the download")
    d.get(base + "/dashboard?since=7d")
    check(len(d.find_elements(By.CSS_SELECTOR, "svg rect")) >= 4, "the dashboard draws its charts")
    inert("the dashboard")
    shot("web-dashboard.png")
    d.get(base + "/search?q=PWNED")
    check(len(d.find_elements(By.CSS_SELECTOR, "main table tbody tr")) >= 1, "a text search finds the hostile report")
    inert("the search results")
    errs = [e["message"] for e in d.get_log("browser") if "Content Security Policy" in e["message"]]
    print("# CSP reports in the console: %d" % len(errs), flush=True)
except UnexpectedAlertPresentException as e:
    check(False, "no dialog opened", e)
except Exception as e:
    check(False, "the browser session ran to the end", repr(e))
finally:
    d.quit()
PY
mkdir -p "$T/shots"
out=$(T="$T" CHROME="$CHROME" DRIVER="$DRIVER" SHOTS="${WEB_SCREENSHOTS:-$T/shots}" \
	timeout 180 "$PY" "$T/drive.py" "http://127.0.0.1:$PORT" "$HID" 2>"$T/drive.err")
rc=$?
[ "$rc" = 0 ] || diag "the browser script exited $rc: $(tail -5 "$T/drive.err")"
n=0
while IFS= read -r line; do
	case "$line" in
	"ok "*) pass "${line#ok }"; n=$((n + 1)) ;;
	"not ok "*) fail "${line#not ok }"; n=$((n + 1)) ;;
	"# "*) diag "${line#\# }" ;;
	esac
done <<<"$out"
[ "$n" -ge 37 ] && pass "the browser ran every check ($n)" || fail "the browser ran every check" "only $n"

# the CLI sees what the browser did
out=$(A show "$HID")
like "$out" "^Incident $HID +\[resolved\]" "the CLI sees the incident resolved"
like "$out" "-> resolved by alice: relay closed <b>by hand</b>" "by the web user, with the note"

kill "$PID"
wait "$PID"
is "$?" 0 "SIGTERM stops the server cleanly"
PID=
done_testing
