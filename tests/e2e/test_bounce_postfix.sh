#!/bin/bash
# test_bounce_postfix.sh - bounces a real Postfix wrote, read by abusedesk and
# by Sisimai (Debian's libsisimai-perl).
#
# Two private Postfix instances on loopback (tests/lib/postfix.sh): the
# sender's relay (example.net) hands mail to a receiving MX (example.com)
# that refuses it as real servers do, and the relay writes its own
# delivery-failure report (RFC 3464 with its text part) to the sender:
#   nouser   the MX's local recipient table has no such user  (550 5.1.1)
#   full     the MX's access table answers 552 5.2.2 mailbox full
#   relay    a domain the MX is no destination for            (554 5.7.1)
#   big      larger than the MX's message_size_limit          (552 5.3.4)
#   grey     the MX answers 450 4.7.1 (greylisting); the relay tries once
#   nodns    a domain whose name the relay cannot resolve     (5.4.4 / 4.4.3)
# The truth for each recipient is the dsn= of the relay's own log line.
# Each bounce is read by `abusedesk parse --json` and by Sisimai->make; the
# recipient and the status must agree with the log and with Sisimai, and the
# figures print as FIGURE lines. Needs root (Postfix's master).
set -u
cd "$(dirname "$0")/../.." || exit 2
ROOT=$PWD
. tests/lib/tap.sh
. tests/lib/bounces.sh
. tests/lib/postfix.sh
BIN=${ABUSEDESK_BIN:-$ROOT/abusedesk}

if [ "$(id -u)" != 0 ]; then
	skip "test_bounce_postfix: needs root (Postfix's master)"; done_testing; exit
fi
command -v postfix >/dev/null || { skip "Postfix is not installed"; done_testing; exit; }
[ -x "$BIN" ] || { fail "abusedesk is built" "$BIN missing"; done_testing; exit; }

T=$(mktemp -d /tmp/abusedesk-pfbounce-XXXXXX)
chmod 755 "$T"
cleanup() { pf_stop "$T/relay"; pf_stop "$T/mx"; [ -n "${KEEP:-}" ] || rm -rf "$T"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

PMX=$(free_port); PRELAY=$(free_port)
# the receiving MX: example.com; the relay is not in its mynetworks, so
# relaying through it is refused
printf 'full@example.com\t552 5.2.2 <full@example.com>: Mailbox full\nfull2@example.com\t552 5.2.2 <full2@example.com>: Mailbox full\ngrey@example.com\t450 4.7.1 <grey@example.com>: Greylisted, try again later\ngrey2@example.com\t450 4.7.1 <grey2@example.com>: Greylisted, try again later\n' >"$T/mx-access"
PF_DOMAIN=example.com pf_start "$T/mx" "$PMX" \
	"mynetworks = 192.0.2.1/32" \
	"smtpd_relay_restrictions = reject_unauth_destination" \
	"message_size_limit = 20000" \
	"smtpd_recipient_restrictions = check_recipient_access texthash:$T/mx-access, reject_unauth_destination" \
	"local_recipient_maps = proxy:unix:passwd.byname \$alias_maps" ||
	{ fail "the receiving MX starts" "$(tail -3 "$T/mx/start.log" 2>/dev/null)"; done_testing; exit; }
# the relay: example.net (the sender's mailbox is here), mail for the other
# domains goes to the MX; a name that does not resolve is looked up natively
printf 'example.com\tsmtp:[127.0.0.1]:%s\nexample.org\tsmtp:[127.0.0.1]:%s\n' "$PMX" "$PMX" >"$T/transport"
pf_user bouncesender || { fail "a local user for the bounces"; done_testing; exit; }
PF_DOMAIN=example.net pf_start "$T/relay" "$PRELAY" \
	"transport_maps = texthash:$T/transport" \
	"default_transport = smtp" "relay_transport = smtp" \
	"smtp_host_lookup = native" \
	"maximal_queue_lifetime = 0" "bounce_queue_lifetime = 0" \
	"smtp_connect_timeout = 5s" ||
	{ fail "the relay starts" "$(tail -3 "$T/relay/start.log" 2>/dev/null)"; done_testing; exit; }
pass "two private Postfix instances on 127.0.0.1:$PRELAY (relay) and :$PMX (MX)"

n=0
for rcpt in nouser@example.com nouser2@example.com full@example.com full2@example.com \
	    someone@example.org other@example.org big@example.com big2@example.com \
	    grey@example.com grey2@example.com user@nosuchhost.invalid user2@nosuchhost.invalid; do
	n=$((n + 1))
	{
		printf 'From: bouncesender@example.net\r\nTo: %s\r\nSubject: message %d\r\nMessage-ID: <pfb%d@example.net>\r\n\r\n' "$rcpt" "$n" "$n"
		case "$rcpt" in big*) for _ in $(seq 400); do printf 'a line of text that makes the message larger than the limit\r\n'; done ;; esac
		printf 'text\r\n'
	} >"$T/m$n.eml"
	pf_send "$T/relay" "$PRELAY" bouncesender@example.net "$rcpt" "$T/m$n.eml" ||
		diag "swaks to the relay failed for $rcpt"
done
pf_wait_queue_empty "$T/relay" 90 || diag "relay queue not empty: $(pf_queue "$T/relay" | tail -3)"
# the relay's log: "QID: to=<rcpt>, ... dsn=X.Y.Z, status=bounced" for a
# refusal; a deferral ("status=deferred") that ends in "QID: ...
# status=expired, returned to sender" bounces with the deferral's status
python3 - "$T/relay/maillog" >"$T/sent" <<'PY'
import re, sys
last, expired, out = {}, set(), {}
for l in open(sys.argv[1], errors="replace"):
    m = re.search(r" ([0-9A-F]+): to=<([^>]*)>.* dsn=([0-9.]+), status=(bounced|deferred)", l)
    if m:
        qid, rcpt, dsn, st = m.groups()
        if st == "bounced":
            out[rcpt] = dsn
        else:
            last[qid] = (rcpt, dsn)
        continue
    m = re.search(r" ([0-9A-F]+): from=<[^>]*>, status=expired", l)
    if m:
        expired.add(m.group(1))
for qid in expired:
    if qid in last:
        out[last[qid][0]] = last[qid][1]
for rcpt, dsn in sorted(out.items()):
    print("%s\t%s" % (rcpt, dsn))
PY
is "$(cut -f1 "$T/sent" | sort -u | wc -l)" "$n" "the relay's log says each of the $n messages bounced" ||
	diag "$(grep -E 'status=' "$T/relay/maillog" | tail -5)"

mbox=$T/relay/mail/bouncesender
python3 - "$mbox" "$T/bounces" <<'PY'
import mailbox, os, sys
os.makedirs(sys.argv[2], exist_ok=True)
k = 0
if os.path.exists(sys.argv[1]):
    for m in mailbox.mbox(sys.argv[1]):
        if "mailer-daemon@" in (m.get("From") or "").lower():
            k += 1
            open(os.path.join(sys.argv[2], "%02d.eml" % k), "w").write(m.as_string(unixfrom=False))
PY
is "$(ls "$T/bounces" | wc -l)" "$n" "Postfix wrote a bounce for each of the $n messages"
[ -n "${KEEP:-}" ] && diag "bounces in $T/bounces"

bounce_check postfix "of the relay's log" "$T/sent" "$BIN" "$T"/bounces/*.eml
ok "[ $BOUNCE_TOTAL -eq $n ]" "the log gave a status for each recipient"
done_testing
