#!/bin/bash
# test_forward.sh - not_ours reports: the outside contact (RDAP, a loopback
# registry) and the forward as an ARF report (RFC 5965) through the outbox to
# a loopback SMTP sink, under forward_not_ours = never | ask | auto; the rate
# limit per destination; a forward that comes back to us is not forwarded
# again; show --report names the contact and what was done.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
. tests/lib/tap.sh
. tests/lib/db.sh
. tests/lib/servers.sh
BIN=$(readlink -f "${ABUSEDESK_BIN:-$PWD/abusedesk}")
if ! "$SINK_PYTHON" -c 'import aiosmtpd' 2>/dev/null; then
	echo "SKIP test_forward.sh: python3-aiosmtpd is not installed (make check installs it)"
	echo "0 passed, 0 failed"; exit 0
fi
T=$(mktemp -d /tmp/abusedesk-forward-XXXXXX); chmod 755 "$T"
SINK=$T/sink; RP=
cleanup() { sink_stop "$SINK"; [ -n "$RP" ] && kill "$RP" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
RUN_USER=
if [ "$(id -u)" = 0 ]; then   # import never parses mail as root
	id abusedesk >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin abusedesk
	RUN_USER=abusedesk
fi
R1=$(free_port); SP=$(free_port)
python3 tests/lib/rdapsink.py --port "$R1" --log "$T/hits" --name one &
RP=$!
ok sink_start "$SINK" "$SP" "smtp sink up"
wait_port 127.0.0.1 "$R1" || { echo "Bail out! the RDAP sink did not start"; exit 1; }
cat > "$T/c.conf" <<CONF
database = $(db_target "$T/db/a.db")
spool_dir = $T/spool
syslog = no
run_user = $RUN_USER
our_networks = 192.0.2.0/24, 198.51.100.0/24, 2001:db8::/32
our_domains = example.net
organization = Example Net
from_address = abusedesk@example.net
team_address = abuse-team@example.net
smtp_url = smtp://127.0.0.1:$SP
smtp_tls = none
rdap_url = http://127.0.0.1:$R1/
rdap_timeout = 3s
lookup_not_ours = yes
forward_interval = 1h
CONF
A() { "$BIN" -c "$T/c.conf" "$@"; }
J() { python3 -c "import json,sys; d=json.load(sys.stdin); $1"; }
q() { db_q "$(db_target "$T/db/a.db")" "$1"; }
setconf() { sed -i "/^$1 =/d" "$T/c.conf"; echo "$1 = $2" >> "$T/c.conf"; }
imp() { mkdir -p "$T/in"; rm -f "$T/in"/*; cp "$1" "$T/in/"; chmod -R a+rX "$T/in"; A -q import maildir "$T/in"; }
ok A -q init "init"

# never (the default): the contact is looked up, nothing is forwarded
ok imp samples/trace-not-ours.eml "a not_ours complaint imported"
ida=$(q "select id from reports order by id desc limit 1")
is "$(q "select verdict, injector_ip from reports where id = $ida")" "not_ours|203.0.113.50" "not_ours, injector 203.0.113.50"
A notify --once >/dev/null 2>&1
is "$(q "select contact_email from reports where id = $ida")" abuse@net50.example "notify looked the contact up"
is "$(sink_count "$SINK")" 0 "never: nothing forwarded"
out=$(A show --report "$ida")
like "$out" "contact: +abuse@net50\.example" "show --report: the outside contact"
like "$out" "not forwarded \(forward_not_ours = never" "show --report: what was done (nothing, by policy)"
printf 'forward_not_ours = sometimes\n' > "$T/bad.conf"
like "$("$BIN" -c "$T/bad.conf" config 2>&1)" "expected never, ask or auto" "a bad policy is refused"

# ask: notify marks it for the operator; `abusedesk forward` sends it
setconf forward_not_ours ask
A notify --once >/dev/null 2>&1
is "$(q "select forward_state from reports where id = $ida")" ask "ask: waiting for the operator"
is "$(sink_count "$SINK")" 0 "ask: nothing forwarded by notify"
like "$(A show --report "$ida")" "waiting for the operator: 'abusedesk forward $ida' sends it to abuse@net50\.example" "show --report: waiting"
like "$(A forward "$ida")" "forward to abuse@net50\.example queued" "abusedesk forward queues it"
A notify --once >/dev/null 2>&1
ok sink_wait "$SINK" 1 5 "the forward arrived"
is "$(sed -n 2p "$SINK/0001.env")" "RCPT TO:<abuse@net50.example>" "to the outside network's abuse contact"
is "$(head -n1 "$SINK/0001.env")" "MAIL FROM:<abusedesk@example.net>" "from our address"
arf=$(python3 - "$SINK/0001.eml" "$T/spool" <<'PY'
import email, email.policy, glob, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.compat32)
out = [m.get_content_type(), m.get_param("report-type") or "-"]
parts = m.get_payload()
out.append(",".join(p.get_content_type() for p in parts))
fb = parts[1].get_payload()
fb = fb[0] if isinstance(fb, list) else email.message_from_string(fb)
for k in ("Feedback-Type", "User-Agent", "Version", "Source-IP", "Original-Mail-From", "Arrival-Date", "X-Abusedesk-Forward"):
    out.append("%s=%s" % (k, fb.get(k, "-")))
att = parts[2].get_payload()[0]
out.append("attached=" + str(att.get("Message-ID")))
out.append("marker=" + str(m.get("X-Abusedesk-Forward") == fb.get("X-Abusedesk-Forward")))
out.append("auto=" + str(m.get("Auto-Submitted")))
print("\n".join(out))
PY
)
like "$arf" "^multipart/report" "ARF: multipart/report"
like "$arf" "feedback-report" "ARF: report-type=feedback-report"
like "$arf" "text/plain,message/feedback-report,message/rfc822" "ARF: text, feedback report, the complaint"
like "$arf" "Feedback-Type=abuse" "ARF: Feedback-Type abuse"
like "$arf" "User-Agent=abusedesk/" "ARF: User-Agent abusedesk"
like "$arf" "Version=1" "ARF: Version 1"
like "$arf" "Source-IP=203\.0\.113\.50" "ARF: Source-IP"
like "$arf" "Arrival-Date=[A-Z][a-z]{2}, " "ARF: Arrival-Date"
like "$arf" "X-Abusedesk-Forward=<[^>]+@example\.net>" "ARF: our forward marker in the feedback part"
like "$arf" "marker=True" "ARF: the same marker in the header"
like "$arf" "attached=<fbl-not-ours@complainant\.example>" "ARF: the complaint attached as received"
like "$arf" "auto=auto-generated" "ARF: Auto-Submitted"
like "$(A show --report "$ida")" "forwarded to abuse@net50\.example at [0-9-]+T" "show --report: forwarded, to whom and when"
is "$(A show --report "$ida" --format json | J 'print(d["contact"], d["forward_to"], d["forward_sent"])')" "abuse@net50.example abuse@net50.example sent" "show --report json"
A forward "$ida" >/dev/null 2>"$T/err"; rc=$?
is "$rc" 1 "forwarding again: refused"
like "$(cat "$T/err")" "already forwarded" "forwarding again: says why"

# auto; the same destination again within forward_interval is held back
setconf forward_not_ours auto
sed 's/Message-ID: </Message-ID: <b-/; s/spam-/spam-b-/' samples/trace-not-ours.eml > "$T/b.eml"
ok imp "$T/b.eml" "a second complaint about the same network"
idb=$(q "select id from reports order by id desc limit 1")
A notify --once >/dev/null 2>&1
is "$(q "select forward_state, forward_to from reports where id = $idb")" "rate_limited|abuse@net50.example" "auto: held back by the rate limit"
is "$(sink_count "$SINK")" 1 "auto: nothing more sent to that destination"
like "$(A show --report "$idb")" "held back: a forward to abuse@net50\.example went out within forward_interval" "show --report: held back"
# another network's complaint goes out at once under auto
sed 's/203\.0\.113\.50/203.0.113.51/g; s/Message-ID: </Message-ID: <c-/' samples/trace-not-ours.eml > "$T/c.eml"
ok imp "$T/c.eml" "a complaint about another network"
idc=$(q "select id from reports order by id desc limit 1")
A notify --once >/dev/null 2>&1
ok sink_wait "$SINK" 2 5 "auto: forwarded by notify"
is "$(sed -n 2p "$SINK/0002.env")" "RCPT TO:<abuse@net51.example>" "auto: to that network's contact"
is "$(q "select forward_state from reports where id = $idc")" queued "auto: recorded on the report"

# a person forwards spam from an outside network: the acknowledgement says where it went
setconf ack_reporters yes
sed 's/198\.51\.100\.77/203.0.113.52/; s/f1@example.org/f9@example.org/' samples/forward-attached.eml > "$T/human.eml"
ok imp "$T/human.eml" "a person's forward of outside spam"
idh=$(q "select id from reports order by id desc limit 1")
is "$(q "select verdict, injector_ip from reports where id = $idh")" "not_ours|203.0.113.52" "not ours, from 203.0.113.52"
A notify --once >/dev/null 2>&1
ok sink_wait "$SINK" 4 5 "the forward and the acknowledgement went out"
ack=$(grep -lx "RCPT TO:<pat@example.org>" "$SINK"/[0-9]*.env | head -n1)
body=$(python3 -c 'import email,email.policy,sys; m=email.message_from_binary_file(open(sys.argv[1],"rb"),policy=email.policy.default); print(" ".join(m.get_content().split()))' "${ack%.env}.eml")
like "$body" "did not come from our network but from 203\.0\.113\.52\. We forwarded your report to the abuse contact of that network, abuse@net52\.example\." \
	"the acknowledgement: not ours, forwarded to whom"
is "$(grep -c 'RCPT TO:<abuse@net52.example>' "$SINK"/[0-9]*.env | awk -F: '{s += $2} END {print s}')" 1 "the forward went to abuse@net52.example"
setconf ack_reporters no

# a loop: our forward comes back to abuse@ as a complaint
cp "$SINK/0001.eml" "$T/back.eml"
ok imp "$T/back.eml" "our own forward came back"
idl=$(q "select id from reports order by id desc limit 1")
A forward "$idl" --to abuse@elsewhere.example >/dev/null 2>"$T/err"; rc=$?
is "$rc" 1 "the returned forward: not forwarded"
like "$(cat "$T/err")" "loop" "the returned forward: a loop"
A notify --once >/dev/null 2>&1
is "$(sink_count "$SINK")" 4 "the loop went nowhere"
is "$(q "select forward_state from reports where id = $idl")" loop "the loop is recorded on the report"
like "$(A show --report "$idl")" "our own forward come back \(loop\)" "show --report: the loop"
# and nothing goes to our own domains
A forward "$idb" --to abuse@example.net >/dev/null 2>"$T/err"; rc=$?
is "$rc" 1 "to our own domain: refused"
like "$(cat "$T/err")" "loop" "to our own domain: a loop"
# a report of ours is not forwarded
ok imp samples/trace-open-relay.eml "a complaint about our own host"
ido=$(q "select id from reports order by id desc limit 1")
A forward "$ido" --to abuse@elsewhere.example >/dev/null 2>"$T/err"; rc=$?
is "$rc" 1 "ours: not forwarded"
like "$(cat "$T/err")" "not a not_ours report" "ours: says why"
A forward 99999 >/dev/null 2>&1; is "$?" 65 "no such report: 65"
# with incident_not_ours, the incident page names the outside contact too
setconf incident_not_ours yes
sed 's/203\.0\.113\.50/203.0.113.51/g; s/Message-ID: </Message-ID: <i-/' samples/trace-not-ours.eml > "$T/i.eml"
ok imp "$T/i.eml" "a not_ours complaint filed as an incident"
idi=$(q "select incident_id from reports order by id desc limit 1")
A notify --once >/dev/null 2>&1
like "$(A show "$idi" --wide)" "Not ours: the outside contact.*abuse@net51\.example +rate_limited" "show INCIDENT: the outside contact and what was done"
is "$(A show "$idi" --format json | J 'print(d["outside"][0]["contact"])')" abuse@net51.example "show INCIDENT json: outside[]"
kill "$RP"; wait "$RP" 2>/dev/null; RP=
done_testing
