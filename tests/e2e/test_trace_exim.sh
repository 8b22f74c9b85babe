#!/bin/bash
# test_trace_exim.sh - Received headers a real Exim wrote, read by abusedesk.
#
# Exim 4 from Debian runs from a private root (tests/lib/exim.sh: apt-get
# download + dpkg-deb -x, its own configuration, as nobody) and writes its
# Received header for SMTP sessions whose client it is told (-oMa address
# and port, -oMs verified name, -oMt ident, the HELO the dialogue sends,
# SMTP AUTH through a plaintext authenticator, the null sender, IPv6,
# port logging on and off).
#   1. the lab: 64 sessions; each header's hop must match what the session
#      was (client address and port, rDNS, HELO, ident, by, envelope sender,
#      queue id, authentication), and SpamAssassin's reading of the same
#      headers differs only where tests/differential/deliberate.txt says why;
#   2. a trace through two real Exim hops: a customer behind our NAT gateway
#      sends through our smarthost mx2.example.net to the complainant's MX;
#      the ARF report over that message traces, with the NAT record of the
#      port Exim wrote, to the inside host (infected_host 10.20.3.4); an
#      outsider relaying through mx2 is an open relay with the outsider as
#      the injector; a login from outside at mx2 is a compromised account; a
#      script's local submission on web1 relayed by mx2 is web_script; a local
#      user's mail sent straight out from the shell server is local_injection;
#      a customer address talking to the complainant's MX is infected_host.
# Needs root (runuser, useradd); Exim is fetched from the Debian archive.
set -u
cd "$(dirname "$0")/../.." || exit 2
ROOT=$PWD
. tests/lib/tap.sh
. tests/lib/exim.sh
. tests/lib/demo-env.sh
BIN=${ABUSEDESK_BIN:-$ROOT/abusedesk}

if [ "$(id -u)" != 0 ]; then
	skip "test_trace_exim: needs root (runuser, useradd)"; done_testing; exit
fi
[ -x "$BIN" ] || { fail "abusedesk is built" "$BIN missing"; done_testing; exit; }
if ! exim_lab_root; then
	fail "Exim unpacked from the Debian archive" "see $EXIM_CACHE/download.log"
	done_testing; exit
fi
pass "Exim 4 from the Debian archive runs from $EXIM_ROOT"

T=$(mktemp -d /tmp/abusedesk-exim-XXXXXX)
chmod 755 "$T"
[ -n "${KEEP:-}" ] || trap 'rm -rf "$T"' EXIT

# --- 1. the lab: 64 sessions with known clients ---
AUTHCONF='begin authenticators
plain:
  driver = plaintext
  public_name = PLAIN
  server_prompts = :
  server_condition = true
  server_set_id = $auth2'
# the authenticators section must follow the main section: exim_lab_conf puts
# EXTRA before "begin routers", so it goes last in EXTRA
exim_lab_conf "$T/lab" mx1.example.net "$AUTHCONF"
exim_lab_conf "$T/labp" mx1.example.net "log_selector = +incoming_port
$AUTHCONF"
RANDOM=4242
: >"$T/truth.tsv"
names=(gw.example.org mail-7.customer.example.com MX.Example.ORG smtp.xn--bcher-kva.example)
helos=(client.example.org pc-12.lan "[192.0.2.77]" WORKSTATION)
for i in $(seq 64); do
	lab=$T/lab port=
	if [ $((i % 2)) -eq 0 ]; then lab=$T/labp; fi
	if [ $((i % 5)) -eq 0 ]; then
		ip="2001:db8:$((RANDOM % 9000 + 1000))::$((RANDOM % 9 + 1))"
	else
		ip="198.51.100.$((RANDOM % 250 + 1))"
	fi
	cport=$((RANDOM % 50000 + 1024))
	[ "$lab" = "$T/labp" ] && port=$cport
	rdns=; opts=(-oMa "$ip.$cport" -oMt "")
	if [ $((i % 3)) -ne 0 ]; then rdns=${names[$((RANDOM % 4))]}; opts+=(-oMs "$rdns"); fi
	ident=
	if [ $((i % 7)) -eq 0 ]; then ident=u$i; opts[3]=$ident; fi
	case $((i % 4)) in
	0) helo="[$ip]"; case $ip in *:*) helo=${rdns:-client.example.org} ;; esac ;;  # the address literal
	1) helo=${helos[$((RANDOM % 4))]} ;;
	2) helo=$rdns ;;                     # the same as the name: Exim leaves helo= out
	3) helo=${helos[$((RANDOM % 4))]} ;;
	esac
	env="sender$i@example.org"
	[ $((i % 6)) -eq 0 ] && env=
	auth=0
	[ $((i % 8)) -eq 1 ] && auth=1
	{
		printf 'EHLO %s\r\n' "${helo:-client.example.org}"   # Exim 4.96 wants one
		[ $auth = 1 ] && printf 'AUTH PLAIN %s\r\n' "$(printf '\0bob%d\0pw' "$i" | base64)"
		printf 'MAIL FROM:<%s>\r\nRCPT TO:<abuse@example.net>\r\nDATA\r\nSubject: lab %d\r\n\r\nbody %d\r\n.\r\nQUIT\r\n' \
			"$env" "$i" "$i"
	} >"$T/dialogue"
	# what the hop must say: a HELO equal to the verified name or to the address is left
	# out by Exim and then equals the name (or is unknown)
	[ -n "$helo" ] || helo=client.example.org
	whelo=$helo
	# a HELO of the address literal is left out too: then the header cannot tell it from
	# the name, and the name is what a reader takes (SpamAssassin does the same)
	[ "$helo" = "[$ip]" ] && whelo=$rdns
	[ -n "$rdns" ] && [ "${helo,,}" = "${rdns,,}" ] && whelo=$rdns
	exim_lab_smtp "$lab" "${opts[@]}" <"$T/dialogue" >"$T/answer" 2>&1
	id=$(sed -n 's/^250 OK id=\([^ \r]*\).*/\1/p' "$T/answer" | tr -d '\r')
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(basename "$lab")" "$ip" "$port" "$rdns" "$whelo" \
		"$ident" "$env" "$id" "$auth" "$i" >>"$T/truth.tsv"
done
python3 - "$T" "$BIN" >"$T/lab.out" 2>&1 <<'PY'
import ipaddress, json, mailbox, subprocess, sys
t, binary = sys.argv[1], sys.argv[2]
values = {}
for lab in ("lab", "labp"):
    for m in mailbox.mbox("%s/%s/out/mbox" % (t, lab)):
        v = " ".join(m.get_all("Received")[0].split())
        values[m["Subject"].split()[-1]] = v
rows = [l.rstrip("\n").split("\t") for l in open(t + "/truth.tsv")]
vals = [values.get(r[9], "") for r in rows]
open(t + "/values", "w").write("".join(v + "\n" for v in vals))
out = subprocess.run([binary, "received", "--json"], input="".join(v + "\n" for v in vals).encode(),
                     stdout=subprocess.PIPE, check=True).stdout.decode().splitlines()
def canon(s):
    try:
        return str(ipaddress.ip_address(s))
    except (TypeError, ValueError):
        return s
ok = 0
for r, v, o in zip(rows, vals, out):
    lab, ip, port, rdns, helo, ident, env, qid, auth, i = r
    h = json.loads(o) or {}
    want = {"ip": canon(ip), "port": int(port) if port else None, "rdns": (rdns or None),
            "helo": (helo or None), "ident": ident or None, "by": "mx1.example.net",
            "envfrom": env or None, "id": qid, "auth": auth == "1"}   # Exim writes no <> sender
    got = {"ip": canon(h.get("from_ip")), "port": h.get("port"), "rdns": h.get("from_rdns"),
           "helo": h.get("helo"), "ident": h.get("ident"), "by": h.get("by"),
           "envfrom": h.get("envfrom"), "id": h.get("id"), "auth": bool(h.get("auth"))}
    for k in ("rdns", "helo", "by"):
        for d in (want, got):
            d[k] = d[k].lower() if d[k] else None
    bad = [k for k in want if want[k] != got[k]]
    if bad:
        print("WRONG %s: %s\n  want %s\n  got  %s" % (",".join(bad), v, json.dumps(want), json.dumps(got)))
    else:
        ok += 1
print("FIGURE exim lab: %d/%d headers Exim wrote read right on every field" % (ok, len(rows)))
sys.exit(0 if ok == len(rows) and len(rows) == 64 else 1)
PY
rc=$?
grep '^FIGURE' "$T/lab.out"
is "$rc" 0 "the lab: every field of 64 Exim headers read right" || diag "$(grep -A2 WRONG "$T/lab.out" | head -12)"
if perl -MMail::SpamAssassin::Message::Metadata::Received -e1 2>/dev/null; then
	python3 tests/differential/received.py --values "$T/values" --max-wrong 0 --show 3 "$BIN" \
		tests/differential/deliberate.txt >"$T/sa.out" 2>&1
	rc=$?
	sed -n 's/^FIGURE received-diff/FIGURE exim-lab-diff/p' "$T/sa.out"
	is "$rc" 0 "SpamAssassin on the same headers: every difference has a written reason" ||
		diag "$(grep -A3 WRONG "$T/sa.out" | head -12)"
else
	skip "SpamAssassin is not installed (make check installs it)"
fi

# --- 2. a trace through two real Exim hops ---
A=$T/ad
mkdir -p "$A"
demo_conf "$A" ""
demo_load "$BIN" "$A/abusedesk.conf" >/dev/null 2>&1 || { fail "the demo inventory loads"; done_testing; exit; }
exim_lab_conf "$T/mx2" mx2.example.net "log_selector = +incoming_port"
exim_lab_conf "$T/cmx" mx.complainant.example
# hop NAME LAB CLIENT-ADDR.PORT CLIENT-NAME HELO BODY-FILE - run one Exim hop; the
# message it delivered (without mbox's From_ line) on stdout
hop() {
	local lab=$1 addr=$2 name=$3 helo=$4 body=$5 before
	before=$(grep -c '^From ' "$lab/out/mbox" 2>/dev/null)
	{
		printf 'EHLO %s\r\nMAIL FROM:<winner@lottery.example.org>\r\nRCPT TO:<victim@complainant.example>\r\nDATA\r\n' "$helo"
		sed 's/^\./../; s/$/\r/' "$body"
		printf '.\r\nQUIT\r\n'
	} | exim_lab_smtp "$lab" -oMa "$addr" ${name:+-oMs "$name"} -oMt "" >/dev/null 2>&1
	python3 - "$lab/out/mbox" "${before:-0}" <<'PY'
import mailbox, sys
msgs = list(mailbox.mbox(sys.argv[1]))
sys.stdout.write(msgs[int(sys.argv[2])].as_string(unixfrom=False))
PY
}
# arf ORIGINAL SOURCE-IP - an ARF report over ORIGINAL
arf() {
	printf 'From: FBL <fbl@complainant.example>\nTo: abuse@example.net\nSubject: Abuse report\n'
	printf 'Message-ID: <%s@complainant.example>\nMIME-Version: 1.0\n' "$(basename "$1")"
	printf 'Content-Type: multipart/report; report-type=feedback-report; boundary="b1"\n\n'
	printf -- '--b1\nContent-Type: text/plain\n\nAbuse report.\n\n--b1\nContent-Type: message/feedback-report\n\n'
	printf 'Feedback-Type: abuse\nUser-Agent: FBL/1.0\nVersion: 1\nSource-IP: %s\n\n' "$2"
	printf -- '--b1\nContent-Type: message/rfc822\n\n'
	cat "$1"
	printf '\n--b1--\n'
}
printf 'From: "Prize Desk" <winner@lottery.example.org>\nTo: victim@complainant.example\nSubject: You won\nMessage-ID: <win-%s@lottery.example.org>\n\nClaim your prize.\n' "$$" >"$T/spam"

# the customer 10.20.3.4:51000 leaves the NAT gateway nat1 (192.0.2.1) as port 40123
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
printf 'time,inside_ip,inside_port,outside_ip,outside_port\n%s,10.20.3.4,51000,192.0.2.1,40123\n%s,10.20.3.9,51001,192.0.2.1,40124\n' \
	"$now" "$now" >"$T/nat.csv"
"$BIN" -c "$A/abusedesk.conf" natlog import "$T/nat.csv" >/dev/null 2>&1
is "$?" 0 "the NAT records of this hour are imported"
hop "$T/mx2" 192.0.2.1.40123 nat1.example.net pc-3-4.lan "$T/spam" >"$T/m1"
like "$(cat "$T/m1")" "192.0.2.1\\]:40123 helo=pc-3-4.lan" "our smarthost wrote the gateway's port"
hop "$T/cmx" 192.0.2.25.51999 mx2.example.net mx2.example.net "$T/m1" >"$T/m2"
arf "$T/m2" 192.0.2.25 >"$T/nat.eml"
"$BIN" -c "$A/abusedesk.conf" trace --json "$T/nat.eml" >"$T/nat.json" 2>"$T/nat.err"
v=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d.get("verdict"), d.get("abused_ip"), d.get("nat_inside"))' "$T/nat.json" 2>/dev/null)
is "$v" "infected_host 10.20.3.4 10.20.3.4:51000" \
	"behind NAT: the port Exim wrote and the NAT record name the inside host" || diag "$(cat "$T/nat.json" "$T/nat.err")"

# an outsider relays through mx2
hop "$T/mx2" 203.0.113.70.33333 "" spammer.example "$T/spam" >"$T/r1"
hop "$T/cmx" 192.0.2.25.52000 mx2.example.net mx2.example.net "$T/r1" >"$T/r2"
arf "$T/r2" 192.0.2.25 >"$T/relay.eml"
"$BIN" -c "$A/abusedesk.conf" trace --json "$T/relay.eml" >"$T/relay.json" 2>"$T/relay.err"
v=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d.get("verdict"), d.get("abused_host"), d.get("injector_ip"))' "$T/relay.json" 2>/dev/null)
is "$v" "open_relay mx2.example.net 203.0.113.70" "an outsider through mx2: open relay, the outsider injected" ||
	diag "$(cat "$T/relay.json" "$T/relay.err")"

# an outsider logs in at mx2 with a stolen password and sends
exim_lab_conf "$T/mx2a" mx2.example.net "log_selector = +incoming_port
$AUTHCONF"
auth_hop() { # LAB ADDR.PORT BODY - a session that authenticates as bob first
	local lab=$1 before
	before=$(grep -c '^From ' "$lab/out/mbox" 2>/dev/null)
	{
		printf 'EHLO laptop\r\nAUTH PLAIN %s\r\n' "$(printf '\0bob@example.net\0pw' | base64)"
		printf 'MAIL FROM:<winner@lottery.example.org>\r\nRCPT TO:<victim@complainant.example>\r\nDATA\r\n'
		sed 's/^\./../; s/$/\r/' "$3"
		printf '.\r\nQUIT\r\n'
	} | exim_lab_smtp "$lab" -oMa "$2" -oMt "" >/dev/null 2>&1
	python3 -c 'import mailbox,sys; print(list(mailbox.mbox(sys.argv[1]))[int(sys.argv[2])].as_string(unixfrom=False), end="")' \
		"$lab/out/mbox" "${before:-0}"
}
# local_hop LAB BODY - a local submission on that host (a user or a script runs sendmail)
local_hop() {
	local lab=$1 before
	before=$(grep -c '^From ' "$lab/out/mbox" 2>/dev/null)
	runuser -u "$EXIM_RUN_USER" -- env LD_LIBRARY_PATH="$EXIM_LIBS" "$EXIM_BIN" -C "$lab/exim.conf" \
		-odi -f winner@lottery.example.org victim@complainant.example <"$2" >/dev/null 2>&1
	python3 -c 'import mailbox,sys; print(list(mailbox.mbox(sys.argv[1]))[int(sys.argv[2])].as_string(unixfrom=False), end="")' \
		"$lab/out/mbox" "${before:-0}"
}
# verdict FILE - "verdict abused_host injector_ip" of the trace of FILE
verdict() {
	"$BIN" -c "$A/abusedesk.conf" trace --json "$1" >"$1.json" 2>"$1.err"
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d.get("verdict"), d.get("abused_host"), d.get("injector_ip"))' \
		"$1.json" 2>/dev/null
}
auth_hop "$T/mx2a" 203.0.113.44.45000 "$T/spam" >"$T/a1"
like "$(cat "$T/a1")" "with esmtpa" "mx2 wrote the authenticated submission (esmtpa)"
hop "$T/cmx" 192.0.2.25.52001 mx2.example.net mx2.example.net "$T/a1" >"$T/a2"
arf "$T/a2" 192.0.2.25 >"$T/auth.eml"
is "$(verdict "$T/auth.eml")" "compromised_account mx2.example.net 203.0.113.44" \
	"a login from outside: compromised account on mx2, the outsider injected" || diag "$(cat "$T/auth.eml.json")"

# a script on web1 submits locally; web1 hands the mail to the mx2 smarthost
exim_lab_conf "$T/web1" web1.example.net
local_hop "$T/web1" "$T/spam" >"$T/w1"
like "$(cat "$T/w1")" "by web1.example.net with local" "web1 wrote a local submission"
hop "$T/mx2" 192.0.2.40.33001 web1.example.net web1.example.net "$T/w1" >"$T/w2"
hop "$T/cmx" 192.0.2.25.52002 mx2.example.net mx2.example.net "$T/w2" >"$T/w3"
arf "$T/w3" 192.0.2.25 >"$T/web.eml"
is "$(verdict "$T/web.eml")" "web_script web1.example.net 192.0.2.40" \
	"a script on the web server: web_script on web1" || diag "$(cat "$T/web.eml.json")"

# a user on the shell server submits locally and the server sends straight out
exim_lab_conf "$T/shell" shell.example.net
local_hop "$T/shell" "$T/spam" >"$T/s1"
hop "$T/cmx" 192.0.2.50.52003 shell.example.net shell.example.net "$T/s1" >"$T/s2"
arf "$T/s2" 192.0.2.50 >"$T/shell.eml"
is "$(verdict "$T/shell.eml")" "local_injection shell.example.net 192.0.2.50" \
	"a local user on the shell server: local_injection" || diag "$(cat "$T/shell.eml.json")"

# a customer's machine talks SMTP straight to the complainant's MX
hop "$T/cmx" 198.51.100.23.52004 "" infected-pc "$T/spam" >"$T/i1"
arf "$T/i1" 198.51.100.23 >"$T/infected.eml"
v=$(verdict "$T/infected.eml")
is "${v%% *} ${v##* }" "infected_host 198.51.100.23" "a customer sending direct-to-MX: infected_host" ||
	diag "$(cat "$T/infected.eml.json")"

done_testing
