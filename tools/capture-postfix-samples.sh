#!/bin/bash
# tools/capture-postfix-samples.sh - make trace samples whose Received headers
# were written by a real Postfix, not by hand.
#
#   tools/capture-postfix-samples.sh [-l LOGDIR] [OUTDIR]
#
# Starts private Postfix instances on loopback addresses (tests/lib/postfix.sh,
# needs root) and a Dovecot auth service for SASL, sends one message per case
# with swaks (or sendmail), takes the message as the outside MX delivered it,
# wraps it in an ARF report (Source-IP = our relay) and writes
# OUTDIR/trace-postfix-CASE.eml (OUTDIR defaults to samples/). With -l the
# relays' mail logs are copied to LOGDIR (ours.maillog, submit.maillog).
#
# The network (our_networks 127.0.0.0/28, customers 127.0.0.8/29):
#   127.0.0.2   mx2.example.net   open relay: a client access map "0.0.0.0/0 OK"
#                                 before reject_unauth_destination (Postfix
#                                 refuses a bare "permit"); mynetworks itself only
#   127.0.0.3   smtp.example.net  submission relay: SASL (Dovecot) or
#                                 mynetworks = 127.0.0.9/32, else refused
#   127.0.0.9   customer host     HELO DESKTOP-7Q3K9, relays through smtp.example.net
#   127.0.0.66  mx.outside.test   the outside MX (mydestination outside.test)
#   127.0.0.70  outside client    the spammer
# Cases: open-relay (127.0.0.70 -> mx2 -> outside), compromised-account
# (127.0.0.70 logs in as bob@example.net on smtp), infected-host (127.0.0.9 ->
# smtp, no login), local-injection (sendmail on smtp, "from userid 0").
# The submission relay must refuse an outsider without a login, or this fails.
# CAPTURE_KEEP=1 keeps the instances' directory (/tmp/abusedesk-pfcap-*).
# Exit: 0 all captured, 1 a step failed, 77 no root/postfix/swaks/dovecot.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/tests/lib/postfix.sh"

LOGDIR=
if [ "${1:-}" = -l ]; then LOGDIR=$2; shift 2; fi
OUT=${1:-$ROOT/samples}
CASES="open-relay compromised-account infected-host local-injection"

die() { printf 'capture-postfix-samples: %s\n' "$*" >&2; exit "${2:-1}"; }

[ "$(id -u)" = 0 ] || die "needs root (Postfix master)" 77
for c in postfix swaks dovecot python3; do
	command -v "$c" >/dev/null || die "$c is not installed" 77
done
mkdir -p "$OUT" || die "cannot create $OUT"

T=$(mktemp -d /tmp/abusedesk-pfcap-XXXXXX) || die "mktemp failed"
chmod 755 "$T"
DOVE_PID=
# cleanup - stop every process this script started, by its PID
cleanup() {
	pf_stop "$T/ours"; pf_stop "$T/submit"; pf_stop "$T/outside"
	if [ -n "$DOVE_PID" ]; then
		kill "$DOVE_PID" 2>/dev/null
		for _ in $(seq 50); do proc_alive "$DOVE_PID" || break; sleep 0.1; done
		proc_alive "$DOVE_PID" && kill -9 "$DOVE_PID" 2>/dev/null
	fi
	[ -n "${CAPTURE_KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT

P_OURS=$(free_port 127.0.0.2)
P_SUBMIT=$(free_port 127.0.0.3)
P_OUT=$(free_port 127.0.0.66)

# --- the outside MX: each case's recipient pipes into capture.sh CASE ---
mkdir -p "$T/got" && chmod 1777 "$T/got"
printf '#!/bin/sh\ncat >"%s/$1.tmp" && mv "%s/$1.tmp" "%s/$1.eml"\n' "$T/got" "$T/got" "$T/got" >"$T/capture.sh"
chmod 755 "$T/capture.sh"
PF_ADDR=127.0.0.66 PF_DOMAIN=outside.test pf_start "$T/outside" "$P_OUT" \
	"myhostname = mx.outside.test" "smtpd_peername_lookup = no" ||
	die "outside MX did not start"
for c in $CASES; do
	pf_alias "$T/outside" "$c" "$T/capture.sh $c" || die "alias $c"
done

ROUTE="transport_maps = inline:{outside.test=smtp:[127.0.0.66]:$P_OUT}"

# --- our open relay: a client "whitelist" that lets the whole Internet relay ---
mkdir -p "$T/ours/etc"
printf '0.0.0.0/0 OK\n' >"$T/ours/etc/relay_clients.cidr"
PF_ADDR=127.0.0.2 pf_start "$T/ours" "$P_OURS" "myhostname = mx2.example.net" \
	"mynetworks = 127.0.0.2/32" "smtpd_relay_restrictions = check_client_access cidr:$T/ours/etc/relay_clients.cidr, reject_unauth_destination" \
	"smtp_bind_address = 127.0.0.2" "smtpd_peername_lookup = no" "$ROUTE" ||
	die "open relay did not start"

# --- Dovecot auth for our submission relay (socket in its queue dir) ---
D=$T/dovecot
mkdir -p "$D/run" "$D/state" "$T/submit/queue/private"
chown postfix: "$T/submit/queue/private" && chmod 700 "$T/submit/queue/private"
printf 'bob@example.net:{PLAIN}hunter2\n' >"$D/passwd"
cat >"$D/dovecot.conf" <<CONF
base_dir = $D/run
state_dir = $D/state
log_path = $D/log
protocols =
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {
  driver = passwd-file
  args = scheme=PLAIN $D/passwd
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=/nonexistent
}
service auth {
  unix_listener $T/submit/queue/private/auth {
    mode = 0660
    user = postfix
    group = postfix
  }
}
CONF
dovecot -c "$D/dovecot.conf" 2>"$D/start.err" || die "dovecot did not start: $(cat "$D/start.err")"
for _ in $(seq 50); do [ -s "$D/run/master.pid" ] && break; sleep 0.1; done
DOVE_PID=$(cat "$D/run/master.pid" 2>/dev/null)
[ -n "$DOVE_PID" ] || die "dovecot wrote no master.pid"

PF_ADDR=127.0.0.3 pf_start "$T/submit" "$P_SUBMIT" "myhostname = smtp.example.net" \
	"mynetworks = 127.0.0.9/32" "smtpd_sasl_auth_enable = yes" "smtpd_sasl_type = dovecot" \
	"smtpd_sasl_path = private/auth" \
	"smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination" \
	"smtp_bind_address = 127.0.0.3" "smtpd_peername_lookup = no" "$ROUTE" ||
	die "submission relay did not start"

# spam CASE - the message the spammer sends in case CASE
spam() {
	cat <<MSG
From: "Prize Desk" <winner@lottery.test>
To: <$1@outside.test>
Subject: You have won ($1)
Date: $(date -R)
Message-ID: <spam-$1@lottery.test>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

Claim your prize now.
MSG
}

# send CASE LOCAL_IP HELO SERVER PORT [swaks args] - SMTP from LOCAL_IP
send() {
	local c=$1 from=$2 helo=$3 server=$4 port=$5
	shift 5
	spam "$c" >"$T/$c.msg"
	swaks --local-interface "$from" --server "$server" --port "$port" --helo "$helo" \
		--from winner@lottery.test --to "$c@outside.test" --data "$T/$c.msg" \
		--timeout 20 "$@" >"$T/$c.swaks" 2>&1 </dev/null ||
		die "swaks $c failed: $(tail -n 3 "$T/$c.swaks")"
}

send open-relay 127.0.0.70 client.test 127.0.0.2 "$P_OURS"
send compromised-account 127.0.0.70 client.test 127.0.0.3 "$P_SUBMIT" \
	--auth PLAIN --auth-user bob@example.net --auth-password hunter2
send infected-host 127.0.0.9 DESKTOP-7Q3K9 127.0.0.3 "$P_SUBMIT"
spam local-injection >"$T/local-injection.msg"
sendmail -C "$T/submit/etc" -f winner@lottery.test local-injection@outside.test \
	<"$T/local-injection.msg" || die "sendmail failed"

# wrap CASE SOURCE_IP - the delivered message as an ARF report
wrap() {
	python3 - "$T/got/$1.eml" "$1" "$2" <<'PY'
import email.utils, sys
path, case, src = sys.argv[1:4]
msg = open(path, "rb").read().decode("utf-8", "replace")
if msg.startswith("From "):
    msg = msg.split("\n", 1)[1]
now = email.utils.formatdate(usegmt=True)
# the truth each case declares (tests/golden/trace.sh checks the verdicts against it)
truth = {
    "open-relay": "verdict=open_relay abused_ip=127.0.0.2 abused_host=mx2.example.net injector_ip=127.0.0.70",
    "compromised-account": "verdict=compromised_account abused_ip=127.0.0.3 abused_host=smtp.example.net injector_ip=127.0.0.70",
    "infected-host": "verdict=infected_host abused_ip=127.0.0.9 abused_host=cust9.dsl.example.net injector_ip=-",
    "local-injection": "verdict=local_injection abused_ip=127.0.0.3 abused_host=smtp.example.net injector_ip=-",
}[case] + " believed=2"
sys.stdout.write(f"""X-Sample: trace-postfix-{case}: Received headers written by Postfix (tools/capture-postfix-samples.sh); truth: {truth}
From: Complainant FBL <fbl@outside.test>
To: abuse@example.net
Subject: Abuse report: postfix-{case}
Date: {now}
Message-ID: <fbl-postfix-{case}@outside.test>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="arf-b1"

--arf-b1
Content-Type: text/plain; charset=us-ascii

This is an email abuse report for a message received from IP {src} on {now}.

--arf-b1
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: ComplainantFBL/1.0
Version: 1
Source-IP: {src}
Arrival-Date: {now}
Original-Rcpt-To: <{case}@outside.test>
Reported-Domain: lottery.test

--arf-b1
Content-Type: message/rfc822
Content-Disposition: inline

{msg.rstrip(chr(10))}

--arf-b1--
""")
PY
}

for c in $CASES; do
	for _ in $(seq 150); do [ -f "$T/got/$c.eml" ] && break; sleep 0.1; done
	[ -f "$T/got/$c.eml" ] || die "case $c: nothing delivered to the outside MX"
	src=127.0.0.3
	[ "$c" = open-relay ] && src=127.0.0.2
	wrap "$c" "$src" >"$OUT/trace-postfix-$c.eml" || die "wrap $c"
done

# the submission relay refuses an outside client without a login
spam refused >"$T/refused.msg"
if swaks --local-interface 127.0.0.70 --server 127.0.0.3 --port "$P_SUBMIT" --helo client.test \
	--from winner@lottery.test --to refused@outside.test --data "$T/refused.msg" \
	--timeout 20 >"$T/refused.swaks" 2>&1 </dev/null; then
	die "smtp.example.net relayed for an outside client without a login"
fi
grep -q 'Relay access denied' "$T/refused.swaks" || die "no 'Relay access denied' from smtp.example.net"

if [ -n "$LOGDIR" ]; then
	if ! { mkdir -p "$LOGDIR" && cp "$T/ours/maillog" "$LOGDIR/ours.maillog" &&
		cp "$T/submit/maillog" "$LOGDIR/submit.maillog"; }; then
		die "cannot copy logs to $LOGDIR"
	fi
fi
exit 0
