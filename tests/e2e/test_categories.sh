#!/bin/bash
# test_categories.sh - reports that are not about spam, end to end: each
# sample goes through the import path into the database (the demo's
# inventory, NAT records), and its category, verdict, incident and the
# owner's notice (as queued in the outbox) must fit: an X-ARF login attack
# from our proxy is an open proxy with advice to close it, a phishing URL on
# our web server a web compromise with advice to take the content down, a
# scan from a server a compromised server, a fail2ban mail about a customer an
# infected host, a copyright notice the policy's notice to the customer, an
# attack through the NAT gateway (port and time) the inside host, and a
# plain-text report with stray addresses names only the source in its log
# lines. The digest counts reports by category.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
BIN=$(readlink -f "${ABUSEDESK_BIN:-$PWD/abusedesk}")
T=$(mktemp -d /tmp/abusedesk-cat-XXXXXX)
trap 'rm -rf "$T"' EXIT
if [ ! -x "$BIN" ]; then
	echo "1..0 # SKIP $BIN not built (make)"
	exit 0
fi
RUN_USER=
if [ "$(id -u)" = 0 ]; then   # import never parses mail as root
	id abusedesk >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin abusedesk
	RUN_USER=abusedesk
	chmod 755 "$T"
fi
. tests/lib/demo-env.sh
demo_conf "$T" "$RUN_USER"
A() { "$BIN" -c "$T/abusedesk.conf" "$@"; }
q() { sqlite3 "$T/db/abusedesk.db" "$1"; }
demo_load "$BIN" "$T/abusedesk.conf" >"$T/load.log" 2>&1 && pass "demo inventory and NAT log loaded" ||
	fail "demo inventory and NAT log loaded" "$(cat "$T/load.log")"

mkdir -p "$T/mail"
S="trace-attack-proxy trace-phish-web trace-attack-server trace-attack-customer trace-attack-nat
   xarf-json-copyright xarf-json-malware xarf-ddos plain-stray-ips plain-fail2ban trace-open-proxy
   acns-dmca trace-copyright-nat feed-sinkhole"
for s in $S; do cp "samples/$s.eml" "$T/mail/"; done
A -q import maildir "$T/mail" >"$T/import.log" 2>&1; is "$?" 0 "import the samples"

# report SUBJECT-LIKE -> "category|verdict|abused_host|abused_ip|incident"
row() {
	q "SELECT json_extract(parse_json, '\$.abuse_category') || '|' || verdict || '|' ||
	   coalesce(abused_host, '-') || '|' || coalesce(abused_ip, '-') || '|' || coalesce(incident_id, 0)
	   FROM reports WHERE subject LIKE '$1' ORDER BY id LIMIT 1"
}
# the newest notice of an incident (owner mail): its headers and decoded text
notice() {
	q "SELECT body FROM outbox WHERE incident_id = $1 AND kind = 'notify' AND channel = 'smtp'
	   ORDER BY id DESC LIMIT 1" | python3 -c '
import email, email.policy, sys
m = email.message_from_bytes(sys.stdin.buffer.read(), policy=email.policy.default)
print("Subject: " + str(m["Subject"]))
print(" ".join(m.get_body(preferencelist=("plain",)).get_content().split()))'
}
# unlike TEXT RE NAME - TEXT does not match RE
unlike() { if printf '%s' "$1" | grep -Eq -- "$2"; then fail "$3" "matched /$2/"; else pass "$3"; fi; }
# nonempty VALUE NAME
incid() { echo "${1##*|}"; }

r=$(row '%ssh login attack from 192.0.2.80%')
like "$r" '^login-attack\|open_proxy\|proxy1\.example\.net\|192\.0\.2\.80\|[1-9]' "X-ARF login attack from our proxy: open proxy"
n=$(notice "$(incid "$r")")
like "$n" 'Category: +login-attack' "proxy notice: shows the category"
like "$n" 'Close the proxy to' "proxy notice: close the proxy to outside clients"
like "$n" 'Subject: \[abuse #[0-9]+\] open proxy on proxy1\.example\.net \(login attacks' "proxy notice: subject names the category"
unlike "$n" 'People who received mail' "proxy notice: does not speak of mail"
like "$n" 'X-ARF Source named 192\.0\.2\.80 port 22' "proxy notice: evidence names the field"

r=$(row '%Phishing site on web1%')
like "$r" '^phishing\|web_compromise\|web1\.example\.net\|192\.0\.2\.40\|[1-9]' "phishing URL on our web server: web compromise"
n=$(notice "$(incid "$r")")
like "$n" 'Take the content down and find the entry point' "phishing notice: take the content down"
like "$n" 'Category: +(phishing|malware)' "phishing notice: shows the category"
like "$n" 'reported URL http://[^ ]+: its (host name, an inventory host|address) names 192\.0\.2\.40' "phishing/malware notice: the URL named the host"

r=$(row 'Malware distribution URL%')
like "$r" '^malware\|web_compromise\|web1\.example\.net\|192\.0\.2\.40\|' "malware URL by address: web compromise on the same host"
is "$(incid "$r")" "$(incid "$(row '%Phishing site on web1%')")" "phishing and malware on web1: one incident (host and verdict)"

r=$(row 'Port scan from your network')
like "$r" '^scan\|compromised_server\|shell\.example\.net\|192\.0\.2\.50\|[1-9]' "X-ARF v4 port scan from our server: compromised server"
n=$(notice "$(incid "$r")")
like "$n" 'Rotate credentials and look for a' "server notice: rotate credentials, look for a web shell"
r=$(row '%DDoS from 192.0.2.50%')
like "$r" '^ddos\|compromised_server\|shell\.example\.net' "X-ARF DDoS from our server: compromised server"

r=$(row '%postfix-sasl: banned 198.51.100.23%')
like "$r" '^login-attack\|infected_host\|[^|]*\|198\.51\.100\.23\|[1-9]' "fail2ban mail about a customer: infected host"
like "$(q "SELECT parse_json FROM reports WHERE subject LIKE '%postfix-sasl: banned%'")" \
	'"source_field":"fail2ban ban line \(jail postfix-sasl\)","source_confidence":"high"' "fail2ban: the ban line named the source, sure"

r=$(row 'Copyright infringement notice')
like "$r" '^copyright\|infected_host\|[^|]*\|198\.51\.100\.30\|' "copyright notice for a customer address"
like "$(q "SELECT rule FROM reports WHERE subject = 'Copyright infringement notice'")" '^copyright-customer$' "copyright: its own rule"
n=$(q "SELECT body FROM outbox WHERE incident_id = $(incid "$r") AND kind = 'notify' ORDER BY id DESC LIMIT 1")
if [ -n "$n" ]; then
	like "$n" "copyright policy's notice" "copyright notice: the policy's notice to the customer"
else
	like "$(q "SELECT policy FROM owners WHERE key = 'access'")" digest "copyright notice: the access owner takes digests (no immediate notice)"
fi

# ACNS notices: the XML in the text, or attached; through the NAT gateway by port and time
like "$(q "SELECT format || ' ' || source_ip || ' ' || source_port || ' ' || json_extract(parse_json, '\$.content_title')
	FROM reports WHERE subject LIKE '%Case ID 7731002'")" '^acns 198\.51\.100\.30 51413 Example Film & Sequel \(2024\)$' \
	"ACNS in the text: source, port and title"
r=$(row '%Case 4410-99')
like "$r" '^copyright\|infected_host\|[^|]*\|10\.20\.3\.4\|' "ACNS attachment for the NAT gateway: the inside customer"
like "$(q "SELECT trace_json FROM reports WHERE subject LIKE '%Case 4410-99'")" 'the notice names the work \\"Example Album\\", protocol bittorrent' \
	"ACNS: the work and protocol in the evidence"

r=$(row '%login attack from 192.0.2.1')
like "$r" '^login-attack\|infected_host\|[^|]*\|10\.20\.3\.4\|' "attack through the NAT gateway: port and time name the inside host"
like "$(q "SELECT nat_inside FROM reports WHERE subject LIKE '%login attack from 192.0.2.1'")" '^10\.20\.3\.4:51000$' "NAT: inside address and port recorded"

# a plain-text report whose quoted headers, prose and signature name other addresses
like "$(q "SELECT format || ' ' || source_ip FROM reports WHERE subject LIKE 'Brute force against our mail server%'")" \
	'^plain 192\.0\.2\.50$' "plain text with stray addresses: only the log lines' source"
r=$(row 'Brute force against our mail server%')
like "$r" '^login-attack\|compromised_server\|shell\.example\.net' "plain-text brute force from our server: compromised server"

r=$(row '%sshd: banned 203.0.113.5%')
like "$r" '^login-attack\|not_ours\|-\|-\|0$' "fail2ban about a foreign address: not ours, no incident"

# the spam sample keeps its mail verdict and mail advice, category spam
r=$(row 'Abuse report: open-proxy')
like "$r" '^spam\|open_proxy\|proxy1\.example\.net' "spam through our proxy: still open proxy, category spam"
like "$(A incidents --format json)" '"verdict":"open_proxy",[^}]*"categories":"login-attack,spam"' \
	"the proxy incident holds both categories"
like "$(A reports --format csv | head -1)" ',category' "reports: a category column"
like "$(A show "$(incid "$(row '%ssh login attack from 192.0.2.80%')")")" 'Category: +login-attack,spam' "show: the categories"

# a feed: one report per (address, type), a row of its own for each, in its incident
like "$(q "SELECT group_concat(source_ip || '=' || verdict, ' ') FROM (SELECT source_ip, verdict FROM reports
	WHERE subject LIKE '[feed] Botnet drone%' ORDER BY id)")" \
	'^192\.0\.2\.1=infected_host 198\.51\.100\.23=infected_host 192\.0\.2\.50=compromised_server 203\.0\.113\.9=not_ours$' \
	"feed: one report per event, each traced (NAT, customer, server, not ours)"
is "$(q "SELECT count(*) FROM reports WHERE subject LIKE '[feed] Botnet drone%' AND json_extract(parse_json, '\$.abuse_category') = 'malware'")" 4 \
	"feed: every event report has the feed's category"
like "$(q "SELECT json_extract(parse_json, '\$.warnings') FROM reports WHERE subject LIKE '[feed] Botnet drone%' ORDER BY id LIMIT 1")" \
	'1 rows not read' "feed: the bad row is counted"

# a feed of 1,000 rows (600 addresses) stays within the cap and in time
mkdir -p "$T/big"
{
	printf 'From: feeds@sinkhole.example.org\nTo: abuse@example.net\nSubject: big scan feed\n'
	printf 'Message-ID: <big@sinkhole.example.org>\nMIME-Version: 1.0\n'
	printf 'Content-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain\n\nscanning hosts\n'
	printf -- '--b\nContent-Type: text/csv; name="scan.csv"\n\ntimestamp,ip,port,tag\n'
	for i in $(seq 0 999); do
		a=$((i % 600))
		printf '2024-05-01T10:%02d:00Z,100.64.%d.%d,%d,scan-ssh\n' $((i % 60)) $((a / 200)) $((a % 200 + 1)) $((20000 + i))
	done
	printf -- '--b--\n'
} > "$T/big/big.eml"
start=$(date +%s%N)
A -q import maildir "$T/big" >/dev/null 2>&1; is "$?" 0 "1,000-row feed imported"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
n=$(q "SELECT count(*) FROM reports WHERE subject = 'big scan feed'")
is "$n" 500 "1,000-row feed: reports capped at 500 events a message"
like "$(q "SELECT json_extract(parse_json, '\$.warnings') FROM reports WHERE subject = 'big scan feed' ORDER BY id LIMIT 1")" \
	'more than 500 events; 100 left out' "1,000-row feed: the events left out are counted"
is "$(q "SELECT count(DISTINCT verdict) || ' ' || min(verdict) FROM reports WHERE subject = 'big scan feed'")" "1 infected_host" \
	"1,000-row feed: every event traced (dynamic pool: infected host)"
[ "$ms" -lt 30000 ] && pass "1,000-row feed within 30 s ($ms ms)" || fail "1,000-row feed within 30 s" "$ms ms"
diag "FIGURE feed: 1,000 rows, 500 reports in $ms ms"

# a Shadowserver-style feed: the CSV zipped (NAME.csv.zip), 60 columns, no type
# column: one report per event, each traced, typed by the file name's report
mkdir -p "$T/ss"
python3 - "$T/ss/ss.eml" <<'PY'
import base64, io, sys, zipfile
cols = ["timestamp", "ip", "protocol", "port", "hostname", "asn", "geo"] + ["c%d" % i for i in range(53)]
rows = [",".join(cols)]
for ip in ("192.0.2.50", "203.0.113.9"):
    rows.append(",".join(["2024-05-01 10:00:00", ip, "udp", "123", "", "64500", "ZZ"] + ["x"] * 53))
z = io.BytesIO()
with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as a:
    a.writestr("2024-05-01-scan_ntp-example-asn.csv", "\n".join(rows) + "\n")
name = "2024-05-01-scan_ntp-example-asn.csv.zip"
b64 = base64.encodebytes(z.getvalue()).decode()
open(sys.argv[1], "w").write(
    "From: autoreports@shadowserver.example\nTo: abuse@example.net\nSubject: Shadowserver scan_ntp report\n"
    "Message-ID: <ss1@shadowserver.example>\nMIME-Version: 1.0\n"
    'Content-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain\n\nhosts in your network\n'
    '--b\nContent-Type: application/octet-stream; name="%s"\nContent-Transfer-Encoding: base64\n'
    'Content-Disposition: attachment; filename=%s\n\n%s--b--\n' % (name, name, b64))
PY
A -q import maildir "$T/ss" >/dev/null 2>&1; is "$?" 0 "zipped feed imported"
is "$(q "SELECT group_concat(source_ip || '=' || verdict, ' ') FROM (SELECT source_ip, verdict FROM reports
	WHERE subject = 'Shadowserver scan_ntp report' ORDER BY id)")" '192.0.2.50=unknown 203.0.113.9=not_ours' \
	"zipped feed: one report per event, each traced (an open service found on our server: category other, check it)"
is "$(q "SELECT json_extract(parse_json, '\$.events[0].type') FROM reports WHERE subject = 'Shadowserver scan_ntp report' ORDER BY id LIMIT 1")" \
	scan_ntp "zipped feed: events typed by the file name's report"

# an Amazon SES complaint: its mail.sourceIp, our server that handed the message to SES
mkdir -p "$T/ses"
printf '%s\n' 'From: no-reply@sns.amazonaws.com' 'To: abuse@example.net' 'Subject: AWS Notification Message' \
	'Message-ID: <ses1@sns.example>' 'x-amz-sns-message-id: a9824ea2' '' \
	'{"notificationType":"Complaint","complaint":{"complainedRecipients":[{"emailAddress":"u1@isp.example"}],"timestamp":"2024-05-01T10:00:00.000Z","complaintFeedbackType":"abuse","userAgent":"ISP FBL"},"mail":{"source":"news@example.net","sourceIp":"192.0.2.50","messageId":"0101-x"}}' \
	> "$T/ses/ses.eml"
A -q import maildir "$T/ses" >/dev/null 2>&1; is "$?" 0 "SES complaint imported"
like "$(q "SELECT format || '|' || source_ip || '|' || abused_host FROM reports WHERE subject = 'AWS Notification Message'")" \
	'^ses\|192\.0\.2\.50\|shell\.example\.net$' "SES complaint: format ses, its source our server"
like "$(q "SELECT trace_json FROM reports WHERE subject = 'AWS Notification Message'")" \
	'SES mail.sourceIp 192.0.2.50 is ours: the host that handed the message to Amazon SES' "SES complaint: the evidence names SES's field"

# a phishing complaint written by a person, in HTML only, naming our site by a defanged URL
mkdir -p "$T/phish"
printf '%s\n' 'From: cert@bank.example' 'To: abuse@example.net' 'Subject: Fraudulent page, please remove' \
	'Message-ID: <phish-html-1@bank.example>' 'MIME-Version: 1.0' 'Content-Type: multipart/mixed; boundary="P"' '' \
	'--P' 'Content-Type: text/html; charset=utf-8' '' \
	'<p>Hello,</p><p>a phishing page imitating our bank is at <b>hxxp://web1[.]example[.]net/secure/bank/</b>.</p>' \
	'<p>Please take it down.<br>-- <br><a href="https://cert.bank.example/">CERT</a></p>' '--P--' > "$T/phish/p.eml"
A -q import maildir "$T/phish" >/dev/null 2>&1; is "$?" 0 "HTML-only phishing complaint imported"
r=$(row 'Fraudulent page, please remove')
like "$r" '^fraud\|web_compromise\|web1\.example\.net\|192\.0\.2\.40\|[1-9]' "its defanged URL names our web server: web compromise"
like "$(q "SELECT trace_json FROM reports WHERE subject = 'Fraudulent page, please remove'")" \
	'reported URL http://web1\.example\.net/secure/bank/' "... the URL read back from its defanged form is the evidence"

# the digest counts reports by category
d=$(A digest --since 3650d 2>&1)
like "$d" 'By category' "digest: a by-category table"
like "$d" 'login-attack +[0-9]' "digest: login attacks counted"
like "$d" 'phishing +1' "digest: one phishing report"

# trace and parse give a category and a verdict for every sample
bad=
for f in samples/*.eml; do
	p=$(A parse --json "$f" | python3 -c 'import json,sys; print(json.load(sys.stdin)["abuse_category"] or "")')
	v=$(A trace --json "$f" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["category"] or "", d["verdict"] or "")')
	case "$p $v" in " "*|*" "|*"  "*) bad="$bad $f" ;; esac
done
is "$bad" "" "parse and trace give category and verdict for every sample"

done_testing
