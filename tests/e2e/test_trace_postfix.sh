#!/bin/bash
# test_trace_postfix.sh - `abusedesk trace` on messages a real Postfix relayed.
#
# tools/capture-postfix-samples.sh builds the network on loopback addresses
# (our_networks 127.0.0.0/28): mx2.example.net 127.0.0.2 an open relay,
# smtp.example.net 127.0.0.3 a submission relay (Dovecot SASL, mynetworks =
# the customer 127.0.0.9), mx.outside.test 127.0.0.66 the outside MX, and
# 127.0.0.70 the outside spammer. Each message the outside MX delivered is
# wrapped as an ARF report and traced here with tests/golden/trace-postfix.conf:
#   open-relay           open_relay, mx2.example.net, injector 127.0.0.70
#   compromised-account  compromised_account, smtp.example.net, from 127.0.0.70;
#                        with the relay's mail log row: auth_user bob@example.net
#   infected-host        infected_host, cust9.dsl.example.net 127.0.0.9
#                        (chain-ends-customer: our MTA relayed for a customer)
#   local-injection      local_injection, smtp.example.net (sendmail, userid 0)
# The committed samples/trace-postfix-*.eml (golden tests) must still give the
# same verdicts as this live run. Needs root, postfix, swaks, dovecot-core.
set -u
cd "$(dirname "$0")/../.." || exit 2
. tests/lib/tap.sh
BIN=${ABUSEDESK_BIN:-$PWD/abusedesk}
CONF=tests/golden/trace-postfix.conf

if [ "$(id -u)" != 0 ] || ! command -v postfix >/dev/null || ! command -v swaks >/dev/null; then
	skip "test_trace_postfix: needs root, postfix and swaks"; done_testing; exit
fi
if ! command -v dovecot >/dev/null; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y dovecot-core >/dev/null 2>&1
fi
command -v dovecot >/dev/null || { skip "test_trace_postfix: dovecot-core not installable"; done_testing; exit; }
[ -x "$BIN" ] || { fail "abusedesk is built" "$BIN missing"; done_testing; exit; }

T=$(mktemp -d /tmp/abusedesk-tracepf-XXXXXX)
trap 'rm -rf "$T"' EXIT

# flatten FILE - FILE.kv: "key<TAB>value" for each scalar field of the JSON verdict in FILE
flatten() {
	python3 -c 'import json,sys
for k, v in json.load(open(sys.argv[1])).items():
    if not isinstance(v, list): print("%s\t%s" % (k, "null" if v is None else v))' "$1" >"$1.kv" 2>/dev/null
}

# field FILE KEY - one field of the flattened verdict in FILE ("null" when null)
field() {
	awk -F '\t' -v k="$2" '$1 == k { print $2 }' "$1.kv"
}

# trace CASE [trace args] - trace the live capture of CASE into $T/CASE.json
trace() {
	local c=$1
	shift
	"$BIN" -c "$CONF" trace --json "$@" "$T/out/trace-postfix-$c.eml" >"$T/$c.json" 2>"$T/$c.err" &&
		flatten "$T/$c.json"
}

# check CASE KEY=VALUE... - the live verdict's fields
check() {
	local c=$1 kv
	shift
	for kv in "$@"; do
		is "$(field "$T/$c.json" "${kv%%=*}")" "${kv#*=}" "$c: ${kv%%=*}"
	done
}

# live Postfix masters and Dovecots (other tests' included): the same after the capture
# procs - Postfix masters and Dovecots that belong to a capture (their working
# folder or configuration under /tmp/abusedesk-pfcap-*): another test's
# servers running at the same time are not the capture's
procs() {
	local p
	for p in $(ps -eo pid=,stat=,comm= | awk '$2 !~ /^Z/ && ($3 == "master" || $3 == "dovecot") { print $1 }'); do
		{ readlink "/proc/$p/cwd"; tr '\0' ' ' <"/proc/$p/cmdline"; } 2>/dev/null |
			grep -q 'abusedesk-pfcap-' && printf '%s\n' "$p"
	done | sort | tr '\n' ' '
}
before=$(procs)
start=$SECONDS
bash tools/capture-postfix-samples.sh -l "$T/logs" "$T/out" >"$T/capture.log" 2>&1
rc=$?
if [ "$rc" = 77 ]; then
	skip "test_trace_postfix: $(tr '\n' ' ' <"$T/capture.log")"; done_testing; exit
fi
is "$rc" 0 "capture ran"
[ "$rc" = 0 ] || diag "$(tail -n 5 "$T/capture.log")"
took=$((SECONDS - start))
ok "[ $took -lt 60 ]" "Postfix network up, four messages relayed and stopped in ${took}s"
# only new ones count: another test's master may stop meanwhile
left=$(for p in $(procs); do case " $before " in *" $p "*) ;; *) printf '%s ' "$p" ;; esac; done)
is "$left" "" "no Postfix master or Dovecot of the capture left running"

for c in open-relay compromised-account infected-host local-injection; do
	ok "grep -q '(Postfix)' '$T/out/trace-postfix-$c.eml'" "$c: delivered with Postfix's Received headers"
	ok trace "$c" "$c: traced"
done
ok "grep -q 'by mx2.example.net (Postfix) with ESMTP id' '$T/out/trace-postfix-open-relay.eml'" \
	"open-relay: mx2 wrote its hop"
check open-relay verdict=open_relay abused_ip=127.0.0.2 abused_host=mx2.example.net \
	injector_ip=127.0.0.70 egress_ip=127.0.0.2 rule=relay-unauth-outside-rcpt confidence=high

ok "grep -q 'with ESMTPA id' '$T/out/trace-postfix-compromised-account.eml'" \
	"compromised-account: smtp.example.net marked the login (ESMTPA)"
check compromised-account verdict=compromised_account abused_ip=127.0.0.3 \
	abused_host=smtp.example.net injector_ip=127.0.0.70 rule=auth-hop-no-user auth_user=null
# the relay's own log names the account: give trace that log line
line=$(grep -E 'sasl_username=' "$T/logs/submit.maillog" | head -n 1)
qid=$(sed -E 's/.*\]: ([0-9A-F]+): client=.*/\1/' <<<"$line")
user=$(sed -E 's/.*sasl_username=([^ ,]+).*/\1/' <<<"$line")
like "$line" "client=unknown\[127\.0\.0\.70\], sasl_method=PLAIN" "submit.maillog: the login from 127.0.0.70"
{ cat tests/golden/inventory-postfix.csv; printf 'maillog,%s,127.0.0.70,%s,smtp.example.net\n' "$qid" "$user"; } >"$T/inv.csv"
ok trace compromised-account --inventory "$T/inv.csv" "compromised-account: traced with the mail log"
check compromised-account auth_user=bob@example.net rule=auth-hop confidence=high

check infected-host verdict=infected_host abused_ip=127.0.0.9 abused_host=cust9.dsl.example.net \
	role=customer egress_ip=127.0.0.3 rule=chain-ends-customer
ok "grep -q 'from userid 0' '$T/out/trace-postfix-local-injection.eml'" "local-injection: pickup's hop"
check local-injection verdict=local_injection abused_ip=127.0.0.3 abused_host=smtp.example.net \
	injector_ip=127.0.0.3 rule=local-submission

# the relay without a login for outsiders refused (the capture checks it, the log shows it)
ok "grep -q 'Relay access denied' '$T/logs/submit.maillog'" "smtp.example.net refused the unauthenticated outsider"

# the committed samples: same verdicts as this live run, golden JSON present
for c in open-relay compromised-account infected-host local-injection; do
	s=samples/trace-postfix-$c.eml
	ok "[ -f '$s' ] && [ -f tests/golden/trace/postfix-$c.json ]" "$c: committed sample and golden JSON"
	trace "$c"
	"$BIN" -c "$CONF" trace --json "$s" >"$T/$c.committed.json" 2>/dev/null
	flatten "$T/$c.committed.json"
	for k in verdict rule abused_host abused_ip injector_ip confidence; do
		is "$(field "$T/$c.committed.json" "$k")" "$(field "$T/$c.json" "$k")" "$c: committed sample agrees on $k"
	done
done

done_testing
