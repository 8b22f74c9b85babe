#!/bin/bash
# test_digest.sh - `abusedesk digest --send` arrives in a real SMTP server.
#
# The golden fixture database, the loopback SMTP sink (tests/lib/smtpsink.py);
# the team digest and the digest of the one owner who opted in with an email
# must arrive as multipart/alternative with a text and an HTML part, with
# Auto-Submitted and a subject that counts new incidents; the owner's copy
# holds only the owner's hosts. Python's email package parses what arrived.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/lib/tap.sh"
. "$ROOT/tests/lib/servers.sh"
. "$ROOT/tests/lib/db.sh"
BIN=${ABUSEDESK_BIN:-$ROOT/abusedesk}
T=$(mktemp -d)
export ABUSEDESK_NOW=1714608000
cleanup() { sink_stop "$T/sink"; rm -rf "$T"; }
trap cleanup EXIT

if ! "$SINK_PYTHON" -c 'import aiosmtpd' 2>/dev/null; then
	skip "python3-aiosmtpd missing"; done_testing; exit
fi
command -v sqlite3 >/dev/null || { skip "sqlite3 missing"; done_testing; exit; }
PORT=$(free_port)
sink_start "$T/sink" "$PORT" || { fail "SMTP sink started"; done_testing; exit 1; }
cat >"$T/conf" <<CONF
database = $(db_target "$T/ad.db")
spool_dir = $T/spool
syslog = no
smtp_url = smtp://127.0.0.1:$PORT
smtp_tls = none
from_address = abusedesk@example.net
team_address = team@example.net
digest_address = digest@example.net
organization = Example Network
CONF
ok "$BIN" -c "$T/conf" -q init "init"
DB=$(db_target "$T/ad.db")
ok db_load "$DB" "$ROOT/tests/golden/digest/fixture.sql" "load the fixture"
out=$("$BIN" -c "$T/conf" digest --send 2>&1)
is "$?" 0 "digest --send exits 0"
like "$out" "2 queued; outbox: 2 sent, 0 failed" "two digests queued and sent"
sink_wait "$T/sink" 2 15
is "$(sink_count "$T/sink")" 2 "two messages arrived"
is "$(db_q "$DB" "SELECT group_concat(state, ',') FROM outbox WHERE kind = 'digest'")" "sent,sent" \
	"the outbox rows are marked sent"

# check.py EML - facts of one message, one a line
cat >"$T/check.py" <<'PY'
import email, sys
from email import policy
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=policy.default)
print("type", m.get_content_type())
print("to", m["To"])
print("subject", m["Subject"])
print("auto", m["Auto-Submitted"])
print("parts", ",".join(p.get_content_type() for p in m.iter_parts()))
html = m.get_body(("html",)).get_content()
print("html_new", "New incidents (" in html)
print("html_raw_script", "<script" in html)
print("proxy", "proxy1.example.net" in m.get_body(("plain",)).get_content())
PY
for f in "$T"/sink/*.eml; do
	facts=$("$SINK_PYTHON" "$T/check.py" "$f")
	to=$(sed -n 's/^to //p' <<<"$facts")
	is "$(sed -n 's/^type //p' <<<"$facts")" "multipart/alternative" "$to: multipart/alternative"
	is "$(sed -n 's/^parts //p' <<<"$facts")" "text/plain,text/html" "$to: text and HTML parts"
	is "$(sed -n 's/^auto //p' <<<"$facts")" "auto-generated" "$to: Auto-Submitted"
	like "$(sed -n 's/^subject //p' <<<"$facts")" '^\[abusedesk\] digest 2024-05-01.*\(2 new incidents\)$' \
		"$to: subject counts new incidents"
	is "$(sed -n 's/^html_raw_script //p' <<<"$facts")" "False" "$to: no raw <script> in the HTML"
	is "$(sed -n 's/^html_new //p' <<<"$facts")" "True" "$to: the HTML lists new incidents"
	case "$to" in
	digest@example.net) is "$(sed -n 's/^proxy //p' <<<"$facts")" "True" "team digest: all hosts" ;;
	mail-team@example.net) is "$(sed -n 's/^proxy //p' <<<"$facts")" "False" "owner digest: only the owner's hosts" ;;
	*) fail "unexpected recipient '$to'" ;;
	esac
done
env_rcpts=$(cat "$T"/sink/*.env | sed -n 's/^RCPT TO://p' | sort | tr '\n' ' ')
is "$env_rcpts" "<digest@example.net> <mail-team@example.net> " "envelope recipients"

# an empty period is a short digest, not an error
out=$("$BIN" -c "$T/conf" digest --from 2023-01-01 --to 2023-01-02)
is "$?" 0 "an empty period exits 0"
like "$out" "Nothing new in this period" "an empty period says nothing new"
# a report received in the second the digest runs belongs to the period that
# ends now (the demo's digest lost the last report it had just ingested)
cat >"$T/conf2" <<CONF
database = $(db_target "$T/now.db")
spool_dir = $T/spool2
syslog = no
our_networks = 192.0.2.0/24
CONF
if [ "$(id -u)" = 0 ]; then   # as root, ingest drops to the mail user
	id abusedesk >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin abusedesk
	echo "run_user = abusedesk" >>"$T/conf2"; chmod 755 "$T"
fi
"$BIN" -c "$T/conf2" -q init
printf 'From: reporter@example.org\nTo: abuse@example.net\nSubject: spam\nMessage-ID: <now1@example.org>\n\nspam from 192.0.2.9\n' |
	"$BIN" -c "$T/conf2" -q ingest
rcv=$(db_q "$(db_target "$T/now.db")" 'SELECT received_at FROM reports')
like "$rcv" '^[0-9]+$' "the report is recorded"
out=$(ABUSEDESK_NOW=$rcv "$BIN" -c "$T/conf2" digest --since 24h)
like "$out" "reports received +1 " "the digest counts the report received this very second"
done_testing
