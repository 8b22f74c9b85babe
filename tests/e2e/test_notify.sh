#!/bin/bash
# test_notify.sh - notifications end to end against real servers on loopback:
# a notice arrives in the aiosmtpd sink with exactly the headers we wrote
# (parsed back with Python's email module) and the first complaint attached;
# the webhook arrives with a valid HMAC signature; hostile report text (CR/LF,
# NUL, encoded words, HTML, fake boundaries, long lines, non-ASCII) stays
# inert; hostile owner addresses are refused; the server down (backoff grows,
# delivered once it is up, same Message-ID), 4xx, 5xx, a server slower than
# smtp_timeout, a webhook answering 500, and giving up after
# notify_max_attempts. Incidents and reports are inserted with SQL (db_q) and
# queued through notify_enqueue by a tiny driver linked with libabusedesk.a.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
. tests/lib/tap.sh
. tests/lib/servers.sh
. tests/lib/db.sh
BIN=${ABUSEDESK_BIN:-$ROOT/abusedesk}
BUILD=${ABUSEDESK_BUILD:-$ROOT/build/default}

if ! "$SINK_PYTHON" -c 'import aiosmtpd' 2>/dev/null; then
	echo "SKIP test_notify.sh: python3-aiosmtpd is not installed (make check installs it)"
	echo "0 passed, 0 failed"; exit 0
fi
for f in "$BIN" "$BUILD/libabusedesk.a"; do
	[ -e "$f" ] || { echo "Bail out! $f missing: run make first"; echo "0 passed, 1 failed"; exit 1; }
done

T=$(mktemp -d /tmp/abusedesk-notify-XXXXXX)
SINK=$T/sink HTTP=$T/http HTTP5=$T/http5
cleanup() { sink_stop "$SINK"; http_stop "$HTTP"; http_stop "$HTTP5"; [ -n "${KEEP:-}" ] || rm -rf "$T"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

SP=$(free_port) HP=$(free_port) HP5=$(free_port)
NOW=$(date +%s)
export ABUSEDESK_NOW=$NOW
DB=$(db_target "$T/abusedesk.db")
cat > "$T/abusedesk.conf" <<CONF
database = $DB
spool_dir = $T/spool
syslog = no
organization = Example Network
team_address = abuse-team@example.net
from_address = abusedesk@example.net
smtp_url = smtp://127.0.0.1:$SP
smtp_tls = try
smtp_timeout = 2s
webhook_timeout = 2s
webhook_secret = s3cret
notify_backoff = 60s
notify_max_attempts = 4
notify_interval = 1h
CONF
A() { "$BIN" -q -c "$T/abusedesk.conf" "$@"; }
q() { db_q "$DB" "$1"; }
CR=$'\r' LF=$'\n'   # control characters go into the SQL literals as they are

. "$ROOT/tests/lib/drivers.sh"
build_driver enqueue.c "$T/enqueue" ||
	{ echo "Bail out! cannot build the enqueue driver"; echo "0 passed, 1 failed"; exit 1; }
enqueue() { "$T/enqueue" "$T/abusedesk.conf" "$1" "$2"; }

# incident ID HOST EXPLANATION OWNER ; report ID INCIDENT SPOOLNAME ORIG_HEADERS (SQL expressions)
incident() {
	q "INSERT INTO incidents(id, key_host, verdict, status, abused_host, abused_ip, owner, confidence,
	   explanation, first_seen, last_seen, reports, messages, reporters, created_at, updated_at)
	   VALUES ($1, 'k$1', 'open_relay', 'open', $2, '192.0.2.25', $4, 'high', $3, $NOW, $NOW, 1, 1, 1, $NOW, $NOW)"
}
report() {
	q "INSERT INTO reports(id, received_at, size, sha256, spool_path, status, incident_id, orig_headers,
	   explanation, trace_json) VALUES ($1, $NOW, 1, 'sha$1', '$3', 'done', $2, $4, 'x',
	   '{\"verdict\":\"open_relay\",\"evidence\":[\"hop 1: mx2.example.net received from 198.51.100.7 without auth\",\"recipient outside our domains\"]}')"
}

# parse a received message back; prints what the checks need
mailinfo() {
	"$SINK_PYTHON" - "$1" <<'PY'
import email, email.policy, sys, re
raw = open(sys.argv[1], "rb").read()
m = email.message_from_bytes(raw, policy=email.policy.default)
print("headers=" + ",".join(m.keys()))
print("subject=" + repr(str(m["Subject"])))
print("mid=" + str(m["Message-ID"]))
print("to=" + str(m["To"]))
print("autosub=" + str(m["Auto-Submitted"]))
parts = list(m.iter_parts()) if m.is_multipart() else [m]
print("parts=" + ",".join(p.get_content_type() for p in parts))
print("defects=%d" % sum(len(p.defects) for p in m.walk()))
text = parts[0].get_content()
open(sys.argv[1] + ".txt", "w").write(text)
print("maxline=%d" % max(len(l) for l in raw.split(b"\r\n")))
print("bare_lf=%d" % len(re.findall(rb"[^\r]\n", raw)))
for p in parts[1:]:
    if p.get_content_type() == "message/rfc822":
        inner = p.get_content()
        print("inner_subject=" + str(inner["Subject"]))
    else:
        open(sys.argv[1] + ".att", "wb").write(p.get_content())
PY
}
field() { sed -n "s/^$2=//p" <<<"$1"; }

ok A init "init"
mkdir -p "$T/spool/cur"
printf 'Received: from spammer.example (198.51.100.7) by mx2.example.net\nFrom: reporter@remote.test\nTo: abuse@example.net\nSubject: relay spam seen\nMessage-ID: <c1@remote.test>\n\nYour host relayed this.\n' \
	>"$T/spool/cur/1700000000.1.P1R1"
ok sink_start "$SINK" "$SP" "smtp sink up"
ok http_start "$HTTP" "$HP" --secret s3cret "http sink up"

# ---------------------------------------------------------------- 1: the normal case
q "INSERT INTO owners(key, name, email, webhook_url, policy) VALUES ('netops', 'NOC', 'noc@owner.test', 'http://127.0.0.1:$HP/hook', 'immediate')"
incident 1 "'mx2.example.net'" "'mx2.example.net accepted mail from 198.51.100.7 and relayed it to outside recipients.'" "'netops'"
report 1 1 1700000000.1.P1R1 "'Received: from spammer.example (198.51.100.7)${LF}Subject: relay spam seen'"
ok enqueue 1 1 "enqueue incident 1"
is "$(q "select channel || ':' || recipient from outbox where incident_id = 1 order by id" | tr '\n' ' ')" \
	"smtp:noc@owner.test webhook:http://127.0.0.1:$HP/hook " "mail to the owner and webhook queued"
MID1=$(q "select message_id from outbox where id = 1")
A notify --once >"$T/out1" 2>&1
is "$(cat "$T/out1" | grep '^notify:')" "notify: 2 sent, 0 deferred, 0 failed" "notify sends both"
ok sink_wait "$SINK" 1 5 "notice arrived in the sink"
ok http_wait "$HTTP" 1 5 "webhook arrived"
is "$(head -n2 "$SINK/0001.env" | tr '\n' ' ')" "MAIL FROM:<abusedesk@example.net> RCPT TO:<noc@owner.test> " "envelope"
I=$(mailinfo "$SINK/0001.eml")
is "$(field "$I" headers)" "Date,From,To,Reply-To,Subject,Message-ID,Auto-Submitted,X-Abusedesk-Incident,MIME-Version,Content-Type" \
	"exactly the headers we wrote"
is "$(field "$I" subject)" "'[abuse #1] open relay on mx2.example.net (1 report)'" "subject"
is "$(field "$I" mid)" "$MID1" "Message-ID is the one stored at enqueue"
is "$(field "$I" autosub)" "auto-generated" "Auto-Submitted: auto-generated"
is "$(field "$I" parts)" "text/plain,message/rfc822" "text and the complaint as message/rfc822"
is "$(field "$I" inner_subject)" "relay spam seen" "attached complaint parses"
is "$(field "$I" defects)" 0 "no MIME defects"
is "$(field "$I" bare_lf)" 0 "CRLF line ends only"
TXT=$(tr -d '\r' <"$SINK/0001.eml.txt")
like "$TXT" "accepted mail from 198.51.100.7" "body: explanation"
is "$(tr -d '\r' <"$SINK/0001.eml" | sed -n 's/^Reply-To: //p')" "<abuse-team@example.net>" "Reply-To: the team address the body asks to reply to"
like "$TXT" "What happened"$'\n\n'"    People who received mail from mx2.example.net reported it" "body: what happened, in plain words"
like "$TXT" "Technical evidence"$'\n' "body: the trace under its own heading"
ok "! sed -n '/^What happened/,/^Technical evidence/p' <<<\"\$TXT\" | grep -qiE 'egress|ingress|backscatter'" \
	"no desk jargon before the technical evidence"
ok "! sed -n '/^What happened/,/^What to do/p; /^Technical evidence/,/^Headers of/p' <<<\"\$TXT\" | grep -q '.\{73\}'" \
	"what happened and the evidence wrap at 72"
like "$TXT" "- hop 1: mx2.example.net received from 198.51.100.7" "body: evidence"
like "$TXT" "smtpd_relay_restrictions" "body: Postfix advice for open relays"
like "$TXT" "Received: from spammer.example" "body: header sample"
like "$TXT" "Reports: +1 \\(1 distinct message, 1 reporter\\)" "body: counts"
ok "grep -qx 'signature-valid: yes' '$HTTP/0001.hdr'" "webhook signature valid"
J=$("$SINK_PYTHON" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["incident"], d["verdict"], d["host"], d["ip"], d["owner"], d["reports"], len(d["evidence"]))' "$HTTP/0001.json")
is "$J" "1 open_relay mx2.example.net 192.0.2.25 netops 1 2" "webhook JSON fields"
is "$(q "select group_concat(state, ',') from outbox where incident_id = 1")" "sent,sent" "rows marked sent"
is "$(q "select status from incidents where id = 1")" notified "incident is now notified"
A notify --once >/dev/null 2>&1
is "$(sink_count "$SINK")$(http_count "$HTTP")" "11" "a second run sends nothing again"

# ---------------------------------------------------------------- 2: hostile text
HOST="'evil.example$CR${LF}Bcc: victim@example.org${LF}=?utf-8?q?=E2=80=AE?= höst <b>x</b>'"
printf 'Subject: fake\n\n--=_abusedesk_\n--frontier\nContent-Type: text/html\n\n<script>alert(1)</script>\n%s\n' \
	"$(head -c 3000 /dev/zero | tr '\0' 'A')" >"$T/spool/cur/1700000000.2.P1R1"
# a NUL inside a stored value: SQLite text holds one, PostgreSQL text cannot
NUL_TAIL=" || char(0) || 'after nul'"; db_pg && NUL_TAIL=
incident 2 "$HOST" "'<script>alert(1)</script>$CR${LF}Subject: injected'$NUL_TAIL" NULL
report 2 2 1700000000.2.P1R1 "'X-Evil: ${CR}Bcc: x@y${LF}--=_abusedesk_${LF}Subject: =?utf-8?b?PHNjcmlwdD4=?= $(head -c 900 /dev/urandom | od -An -tx1 | tr -d ' \n' | tr a-f A-F)'"
ok enqueue 2 2 "enqueue hostile incident 2"
A notify --once >/dev/null 2>&1
ok sink_wait "$SINK" 2 5 "hostile notice arrived"
I=$(mailinfo "$SINK/0002.eml")
is "$(field "$I" headers)" "Date,From,To,Reply-To,Subject,Message-ID,Auto-Submitted,X-Abusedesk-Incident,MIME-Version,Content-Type" \
	"hostile text added no header"
is "$(grep -c '^RCPT TO' "$SINK/0002.env")" 1 "one recipient only"
is "$(head -n2 "$SINK/0002.env" | tail -n1)" "RCPT TO:<abuse-team@example.net>" "no owner: the team address"
like "$(field "$I" subject)" "Bcc: victim@example.org =\\?utf-8\\?q\\?=E2=80=AE\\?= h.st <b>x</b>" \
	"subject: controls gone, encoded-word text kept literal"
ok "! grep -qi '^bcc:' '$SINK/0002.eml'" "no Bcc line anywhere at line start"
is "$(field "$I" parts)" "text/plain,application/octet-stream" "fake boundaries inert: two parts; long-line complaint goes base64"
is "$(field "$I" defects)" 0 "no MIME defects"
ok "[ $(field "$I" maxline) -le 78 ]" "no raw line longer than 78"
ok "cmp -s '$SINK/0002.eml.att' '$T/spool/cur/1700000000.2.P1R1'" "attachment decodes to the exact complaint"
TXT=$(tr -d '\r' <"$SINK/0002.eml.txt")
like "$TXT" "  <script>alert\\(1\\)</script> Subject: injected"$'\n' "explanation: one indented paragraph, HTML left as text"
sqlite_only "a NUL inside a stored text value (PostgreSQL text cannot hold one)" &&
	ok "! grep -q 'after nul' '$SINK/0002.eml.txt'" "explanation: cut at the NUL"
like "$TXT" "    X-Evil: Bcc: x@y" "header sample: a bare CR does not start a line"

# ---------------------------------------------------------------- 3: refused addresses
q "INSERT INTO owners(key, email, webhook_url) VALUES ('bad', 'noc@owner.test$CR${LF}Bcc: x@example.org', 'gopher://h/')"
incident 3 "'h3.example.net'" "'x'" "'bad'"
report 3 3 none NULL
ok enqueue 3 3 "enqueue with a hostile owner address"
is "$(q "select count(*) from outbox where incident_id = 3 and state = 'failed' and last_error like 'refusing%'")" 2 \
	"bad address and bad webhook URL refused"
S=$(A notify --status --format json)
like "$S" '"state":"failed"' "--status shows the refused rows"
like "$S" 'refusing to send: the recipient is not a plain address' "--status shows why"

# ---------------------------------------------------------------- 4: server down, backoff, then up
sink_stop "$SINK"
incident 4 "'h4.example.net'" "'x'" NULL
report 4 4 none NULL
ok enqueue 4 4 "enqueue incident 4"
ID4=$(q "select id from outbox where incident_id = 4")
MID4=$(q "select message_id from outbox where id = $ID4")
A notify --once >"$T/out4" 2>&1
is "$(grep '^notify: [0-9]* sent' "$T/out4")" "notify: 0 sent, 1 deferred, 0 failed" "server down: deferred"
is "$(q "select attempts || ' ' || (next_attempt_at - $NOW) from outbox where id = $ID4")" "1 60" "next try after 60 s"
A notify --once >/dev/null 2>&1
is "$(q "select attempts from outbox where id = $ID4")" 1 "not retried before it is due"
ABUSEDESK_NOW=$((NOW + 60)) A notify --once >/dev/null 2>&1
is "$(q "select attempts || ' ' || (next_attempt_at - $NOW) from outbox where id = $ID4")" "2 180" "backoff doubles: 120 s"
ok sink_start "$SINK" "$SP" "sink back up"
ABUSEDESK_NOW=$((NOW + 180)) A notify --once >/dev/null 2>&1
ok sink_wait "$SINK" 3 5 "delivered once the server is up"
is "$(q "select state || ' ' || attempts from outbox where id = $ID4")" "sent 3" "marked sent after 3 attempts"
is "$(field "$(mailinfo "$SINK/0003.eml")" mid)" "$MID4" "same Message-ID as queued"
NOW=$((NOW + 1000)); export ABUSEDESK_NOW=$NOW

# ---------------------------------------------------------------- 5: 4xx, then accepted
incident 5 "'h5.example.net'" "'x'" NULL
report 5 5 none NULL
enqueue 5 5
ID5=$(q "select id from outbox where incident_id = 5")
echo 4xx >"$SINK/fail-mode"
A notify --once >/dev/null 2>&1
like "$(q "select state || ' ' || last_error from outbox where id = $ID5")" "^pending smtp: 451 4\\.3\\.0" "451: deferred with the server's reply"
rm -f "$SINK/fail-mode"
ABUSEDESK_NOW=$((NOW + 60)) A notify --once >/dev/null 2>&1
is "$(q "select state from outbox where id = $ID5")" sent "4xx then accepted"
NOW=$((NOW + 1000)); export ABUSEDESK_NOW=$NOW

# ---------------------------------------------------------------- 6: 5xx is final
incident 6 "'h6.example.net'" "'x'" NULL
report 6 6 none NULL
enqueue 6 6
ID6=$(q "select id from outbox where incident_id = 6")
echo 5xx >"$SINK/fail-mode"
A notify --once >"$T/out6" 2>&1
rm -f "$SINK/fail-mode"
is "$(grep '^notify:' "$T/out6")" "notify: 0 sent, 0 deferred, 1 failed" "554: failed for good at once"
like "$(q "select last_error from outbox where id = $ID6")" "554 5\\.6\\.0" "the server's reason is kept"
like "$(A notify --status)" "failed +1 +[-0-9T:Z ]+ +smtp: 554" "--status table shows it"

# ---------------------------------------------------------------- 7: slower than smtp_timeout
incident 7 "'h7.example.net'" "'x'" NULL
report 7 7 none NULL
enqueue 7 7
ID7=$(q "select id from outbox where incident_id = 7")
MID7=$(q "select message_id from outbox where id = $ID7")
echo "slow 8" >"$SINK/fail-mode"    # the server answers DATA after 8 s; smtp_timeout is 2 s
rm -f "$SINK/slow.log"
A notify --once >/dev/null 2>&1
# a condition, not a clock: when notify returned, the server had not answered
ok "! grep -qx answered '$SINK/slow.log'" "gave up at the timeout, before the server's answer at 8 s"
like "$(q "select state || ' ' || last_error from outbox where id = $ID7")" "^pending smtp: .*(imeout|timed out)" "timeout: deferred"
rm -f "$SINK/fail-mode"
# the slow session ends (answered or cancelled) before the retry
for _ in $(seq 300); do [ -s "$SINK/slow.log" ] && break; sleep 0.1; done
ok "[ -s '$SINK/slow.log' ]" "the slow session ended ($(cat "$SINK/slow.log" 2>/dev/null))"
ABUSEDESK_NOW=$((NOW + 60)) A notify --once >/dev/null 2>&1
is "$(q "select state from outbox where id = $ID7")" sent "sent on retry"
n=0; bad=0
for f in "$SINK"/0*.eml; do
	m=$(field "$(mailinfo "$f")" mid)
	[ "$m" = "$MID7" ] && n=$((n + 1))
done
ok "[ $n -ge 1 ] && [ $n -le 2 ]" "slow case: delivered, a possible duplicate keeps the same Message-ID ($n copies)"
NOW=$((NOW + 1000)); export ABUSEDESK_NOW=$NOW

# ---------------------------------------------------------------- 8: webhook 500, then max attempts
ok http_start "$HTTP5" "$HP5" --secret s3cret --status 500 "webhook sink answering 500"
q "INSERT INTO owners(key, email, webhook_url) VALUES ('hook5', 'ops@owner.test', 'http://127.0.0.1:$HP5/h')"
incident 8 "'h8.example.net'" "'x'" "'hook5'"
report 8 8 none NULL
enqueue 8 8
ID8=$(q "select id from outbox where incident_id = 8 and channel = 'webhook'")
A notify --once >/dev/null 2>&1
is "$(q "select state || ' ' || attempts || ' ' || last_error from outbox where id = $ID8")" \
	"pending 1 webhook: HTTP status 500" "webhook 500: deferred"
ok "grep -qx 'signature-valid: yes' '$HTTP5/0001.hdr'" "retried webhook is signed"
for k in 1 2 3; do
	ABUSEDESK_NOW=$((NOW + 100000 * k)) A notify --once >/dev/null 2>&1
done
is "$(q "select state || ' ' || attempts from outbox where id = $ID8")" "failed 4" "failed after notify_max_attempts"
like "$(q "select last_error from outbox where id = $ID8")" "gave up after 4 attempts" "reason says so"
is "$(q "select state from outbox where incident_id = 8 and channel = 'smtp'")" sent "the mail of the same incident went"
is "$(http_count "$HTTP5")" 4 "four POSTs in all"

done_testing
