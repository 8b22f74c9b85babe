#!/bin/bash
# test_trace_sendmail.sh - Received headers a real Sendmail wrote, read by
# abusedesk and by SpamAssassin.
#
# Debian's Sendmail 8.17 (tests/lib/sendmail.sh: apt-get download + dpkg-deb
# -x, a sendmail.cf made with m4 from the extracted cf/ files) runs in a
# private mount, network and PID namespace: loopback only, with extra IPv6
# addresses on lo, its own /etc/hosts (the rDNS of each client address, one
# name whose forward lookup points elsewhere: "may be forged"), an RFC 1413
# ident server for some clients, SASL PLAIN from a private sasldb, STARTTLS
# with a self-signed certificate. Sendmail listens on 127.0.0.2 and
# 2001:db8:25::25 (a high port) and relays everything to the loopback SMTP
# sink, which keeps each message with the header Sendmail wrote.
#   1. the lab: 33 sessions (Python smtplib) over IPv4 and IPv6, from
#      addresses with a name or none, with a HELO equal to the name, the
#      address literal, another word (one with an address glued on) or none
#      at all, with an ident, SMTP AUTH, STARTTLS, the null sender, and a
#      local submission; each header's hop must carry the client address,
#      the rDNS, the HELO, the ident, the by host, the queue id and the
#      authentication (the local submission: no hop), and SpamAssassin's
#      reading may differ only where tests/differential/deliberate.txt says
#      why;
#   2. traces through real Sendmail hops on inventory addresses: open relay,
#      compromised account, web script (through web1's submission program
#      and its MTA on 127.0.0.1, as Debian sets Sendmail up), local
#      injection, infected host.
# Needs root (unshare, mount).
set -u
cd "$(dirname "$0")/../.." || exit 2
ROOT=$PWD
. tests/lib/tap.sh
. tests/lib/sendmail.sh
. tests/lib/demo-env.sh
BIN=${ABUSEDESK_BIN:-$ROOT/abusedesk}

if [ "$(id -u)" != 0 ]; then
	skip "test_trace_sendmail: needs root (unshare, mount)"; done_testing; exit
fi
[ -x "$BIN" ] || { fail "abusedesk is built" "$BIN missing"; done_testing; exit; }
if ! sendmail_lab_root; then
	fail "Sendmail unpacked from the Debian archive" "see $SM_CACHE/download.log"; done_testing; exit
fi
pass "Sendmail 8 from the Debian archive runs from $SM_ROOT"

T=$(mktemp -d /tmp/abusedesk-sendmail-XXXXXX)
chmod 755 "$T"
[ -n "${KEEP:-}" ] || trap 'rm -rf "$T"' EXIT
PORT=$(free_port)

# the sessions: n, client address, name (rDNS, "-" for none), HELO, ident
# ("-" for none), auth (0/1), sender ("-" for the null sender)
RANDOM=2525
names=(gw.example.org mail-7.customer.example.com MX.Example.ORG smtp.xn--bcher-kva.example)
# (x[203.0.113.9]: a HELO with an address glued on, which Sendmail writes as given)
words=(client.example.org pc-12.lan WORKSTATION by.example.net "x[203.0.113.9]" "[203.0.113.9]pc")
: >"$T/sessions"
: >"$T/hosts.more"
for i in $(seq 32); do
	if [ $((i % 4)) -eq 0 ]; then
		ip="2001:db8:25::$(printf '%x' $((i + 256)))"
		lit="[IPv6:$ip]"
	elif [ "$i" = 1 ]; then
		ip=127.0.0.1 lit="[127.0.0.1]"
	else
		ip="127.0.0.$((i + 9))" lit="[$ip]"
	fi
	[ "$i" = 8 ] && { ip=::1; lit="[IPv6:::1]"; }
	name=-
	if [ $((i % 3)) -ne 0 ] && [ "$i" != 1 ] && [ "$i" != 8 ]; then
		name=${names[$((RANDOM % 4))]}
		[ $((i % 5)) -eq 2 ] && name="host-$i.example.org"
	fi
	[ "$i" = 1 ] && name=localhost
	case $((i % 5)) in
	0) helo=$lit ;;
	1) helo=$name; [ "$helo" = - ] && helo=${words[$((RANDOM % 6))]} ;;
	*) helo=${words[$((RANDOM % 6))]} ;;
	esac
	[ $((i % 11)) -eq 5 ] && helo=-    # no HELO at all
	ident=-
	[ $((i % 7)) -eq 3 ] && ident="u$i"
	auth=0
	[ $((i % 6)) -eq 1 ] && auth=1
	env="sender$i@example.org"
	[ $((i % 9)) -eq 0 ] && env=-
	tls=0
	[ $((i % 5)) -eq 3 ] && [ "$helo" != - ] && tls=1
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$i" "$ip" "$name" "$helo" "$ident" "$auth" "$env" "$tls" >>"$T/sessions"
done
# the private /etc/hosts: every name the sessions use, and a name whose
# forward lookup gives another address (Sendmail writes "may be forged")
{
	printf '127.0.0.1\tlocalhost\n127.0.0.2\tmx2.example.net\n2001:db8:25::25\tmx2.example.net\n'
	printf '127.0.0.200\tforged.example.org\n'
	awk -F"\t" '$3 != "-" && $2 != "::1" && $2 != "127.0.0.1" { print $2 "\t" $3 }' "$T/sessions"
	printf '127.0.0.99\tforged.example.org\n'
} >"$T/hosts"
printf '99\t127.0.0.99\tforged.example.org\tforged.example.org\t-\t0\tsender99@example.org\t0\n' >>"$T/sessions"
printf 'passwd: files\ngroup: files\nshadow: files\nhosts: files\n' >"$T/nsswitch.conf"
printf 'multi off\n' >"$T/host.conf"   # a name's forward lookup: its first line only
mkdir -p "$T/sasl" "$T/sink"
# Sendmail asks Cyrus SASL for its configuration (Sendmail.conf) in /usr/lib/sasl2
printf 'pwcheck_method: auxprop\nauxprop_plugin: sasldb\nsasldb_path: %s/sasl/sasldb2\nmech_list: PLAIN LOGIN\n' \
	"$T" >"$T/sasl/Sendmail.conf"
for u in bob alice; do
	printf 'pw\n' | env LD_LIBRARY_PATH="$SM_LIBS" "$SM_ROOT/usr/sbin/saslpasswd2" -p -c \
		-f "$T/sasl/sasldb2" -u mx2.example.net "$u" 2>>"$T/sasl.log"
done
# STARTTLS: a self-signed certificate for mx2. Sendmail takes a key only from a
# path with no world-writable directory in it (not /tmp): it lives in the same
# directory, which the lab mounts on /usr/lib/sasl2
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=mx2.example.net -keyout "$T/sasl/key.pem" \
	-out "$T/sasl/cert.pem" >"$T/openssl.log" 2>&1 || { fail "openssl makes mx2's certificate"; done_testing; exit; }
chmod 600 "$T/sasl/key.pem"
chown -R "$SM_RUN_USER" "$T/sasl"
sendmail_lab_conf "$T/mx2" mx2.example.net "$PORT" "define(\`SMART_HOST', \`[127.0.0.1]')dnl
FEATURE(\`promiscuous_relay')dnl
define(\`confAUTH_MECHANISMS', \`PLAIN LOGIN')dnl
TRUST_AUTH_MECH(\`PLAIN LOGIN')dnl
define(\`confAUTH_OPTIONS', \`A')dnl
define(\`confCACERT_PATH', \`/usr/lib/sasl2')dnl
define(\`confCACERT', \`/usr/lib/sasl2/cert.pem')dnl
define(\`confSERVER_CERT', \`/usr/lib/sasl2/cert.pem')dnl
define(\`confSERVER_KEY', \`/usr/lib/sasl2/key.pem')dnl
DAEMON_OPTIONS(\`Port=$PORT, Addr=127.0.0.2, Name=MTA-v4')dnl
DAEMON_OPTIONS(\`Port=$PORT, Addr=2001:db8:25::25, Family=inet6, Name=MTA-v6')dnl" ||
	{ fail "sendmail.cf generated with m4" "$(cat "$T/mx2/m4.err")"; done_testing; exit; }
pass "sendmail.cf generated with m4 from Sendmail's cf/ files"

# an RFC 1413 server: answers for the clients the sessions give an ident
cat >"$T/identd.py" <<'PY'
import socket, sys, threading
users = {}
for l in open(sys.argv[1]):
    f = l.rstrip("\n").split("\t")
    if f[4] != "-":
        users[f[1]] = f[4]
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", 113))
s.listen(16)
def answer(c):
    with c:
        q = c.makefile("rb").readline(200).decode("ascii", "replace").strip()
        me = c.getsockname()[0]
        me = me[7:] if me.startswith("::ffff:") else me
        u = users.get(me)
        if u:
            c.sendall(("%s : USERID : UNIX : %s\r\n" % (q, u)).encode())
        else:
            c.sendall(("%s : ERROR : NO-USER\r\n" % q).encode())
while True:
    c, _ = s.accept()
    threading.Thread(target=answer, args=(c,), daemon=True).start()
PY
# the client: one smtplib session a line of the sessions file
cat >"$T/client.py" <<'PY'
import base64, smtplib, ssl, sys
port = int(sys.argv[2])
out = open(sys.argv[3], "w")
for l in open(sys.argv[1]):
    n, ip, name, helo, ident, auth, env, tls = l.rstrip("\n").split("\t")
    server = "2001:db8:25::25" if ":" in ip else "127.0.0.2"
    try:
        s = smtplib.SMTP(server, port, local_hostname=helo, source_address=(ip, 0), timeout=20)
        if helo == "-":
            s.helo_resp = b""    # MAIL without a greeting
        else:
            s.ehlo(helo)
        if tls == "1":
            s.starttls(context=ssl._create_unverified_context())
            s.ehlo(helo)
        if auth == "1":
            s.docmd("AUTH", "PLAIN " + base64.b64encode(b"\0bob\0pw").decode())
        s.mail("" if env == "-" else env)
        s.rcpt("victim%s@complainant.example" % n)
        code, msg = s.data(("Subject: lab %s\r\n\r\nbody %s\r\n" % (n, n)).encode())
        s.quit()
        out.write("%s\t%d\t%s\n" % (n, code, msg.decode("ascii", "replace").split()[1]))
    except Exception as e:
        out.write("%s\t0\t%s\n" % (n, repr(e).replace("\t", " ")))
    out.flush()
PY

# the lab, in its own mount, network and PID namespace: Sendmail, the sink and
# the ident server are stopped by their PIDs before it returns (and anything
# left would die with the namespace)
cat >"$T/lab.sh" <<'LAB'
set -u
T=$1 PORT=$2 ROOT=$3
. "$ROOT/tests/lib/sendmail.sh"
sendmail_lab_root || exit 1
ip link set lo up || exit 1
ip -6 addr add 2001:db8:25::25/128 dev lo nodad || exit 1
for a in $(awk -F'\t' '$2 ~ /^2001:/ { print $2 }' "$T/sessions"); do
	ip -6 addr add "$a/128" dev lo nodad || exit 1
done
mount --bind "$T/hosts" /etc/hosts || exit 1
mount --bind "$T/nsswitch.conf" /etc/nsswitch.conf || exit 1
mount --bind "$T/host.conf" /etc/host.conf || exit 1
mount --bind "$T/sasl" /usr/lib/sasl2 || exit 1
/usr/bin/python3 "$ROOT/tests/lib/smtpsink.py" --addr 127.0.0.1 --port "$PORT" --dir "$T/sink" >"$T/sink.log" 2>&1 &
spid=$!
/usr/bin/python3 "$T/identd.py" "$T/sessions" >"$T/identd.log" 2>&1 &
ipid=$!
sendmail_lab_start "$T/mx2" || echo "sendmail did not start" >&2
for _ in $(seq 100); do
	(exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
	sleep 0.05
done
/usr/bin/python3 "$T/client.py" "$T/sessions" "$PORT" "$T/replies"
# a local submission: a user (nobody) runs sendmail on mx2
printf 'Subject: lab local\n\nbody\n' | runuser -u "$SM_RUN_USER" -- env -i PATH=/usr/bin:/bin \
	LD_LIBRARY_PATH="$SM_LIBS" "$SM_BIN" -C "$T/mx2/sendmail.cf" -odi -f local@example.org \
	victim-local@complainant.example >"$T/local.log" 2>&1
n=$(($(wc -l <"$T/sessions") + 1))
for _ in $(seq 200); do
	[ "$(ls "$T"/sink/*.eml 2>/dev/null | wc -l)" -ge "$n" ] && break
	sleep 0.05
done
sendmail_lab_stop "$T/mx2"
kill "$spid" "$ipid" 2>/dev/null
wait "$spid" "$ipid" 2>/dev/null
sendmail_lab_alive "$T/mx2" && echo mx2 >"$T/left"
LAB
unshare --mount --net --pid --fork bash "$T/lab.sh" "$T" "$PORT" "$ROOT" 2>"$T/lab.err"
n=$(($(wc -l <"$T/sessions") + 1))
is "$(ls "$T"/sink/*.eml 2>/dev/null | wc -l)" "$n" "Sendmail relayed the $n messages to the sink" ||
	diag "$(cat "$T/lab.err" "$T/replies" 2>/dev/null | tail -8)"
is "$(cat "$T/left" 2>/dev/null)" "" "the lab's Sendmail stopped by its pid"

/usr/bin/python3 - "$T" "$BIN" >"$T/cmp.out" 2>&1 <<'PY'
import email, glob, ipaddress, json, subprocess, sys
t, binary = sys.argv[1], sys.argv[2]
sessions = {l.split("\t")[0]: l.rstrip("\n").split("\t") for l in open(t + "/sessions")}
ids = {}
for l in open(t + "/replies"):
    n, code, qid = l.rstrip("\n").split("\t")
    if code == "250":
        ids[n] = qid
rows = []
for f in sorted(glob.glob(t + "/sink/*.eml")):
    m = email.message_from_binary_file(open(f, "rb"))
    n = m["Subject"].split()[-1]
    v = " ".join(m.get_all("Received")[0].split())
    if n == "local":
        local = v
        continue
    rows.append((int(n), n, v))
rows.sort()
# the local submission is no network hop: abusedesk gives none
lo = subprocess.run([binary, "received", "--json"], input=(local + "\n").encode(),
                    stdout=subprocess.PIPE, check=True).stdout.decode().strip()
print("LOCAL %s -> %s" % (local, lo))
if lo != "null":
    print("WRONG local submission read as a hop")
rows.append((10**6, "local", local))
vals = [v for _, _, v in rows]
open(t + "/values", "w").write("".join(v + "\n" for v in vals))
out = subprocess.run([binary, "received", "--json"], input="".join(v + "\n" for v in vals).encode(),
                     stdout=subprocess.PIPE, check=True).stdout.decode().splitlines()
def canon(s):
    try:
        return str(ipaddress.ip_address(s))
    except (TypeError, ValueError):
        return s
def low(s):
    return s.lower() if s else None
ok = 0
for (_, n, v), o in zip(rows, out):
    if n == "local":
        ok += o == "null"
        continue
    _, ip, name, helo, ident, auth, env, tls = sessions[n]
    if (tls == "1") != ("(version=TLS" in v):
        print("WRONG tls: session %s tls=%s: %s" % (n, tls, v))
        continue
    h = json.loads(o) or {}
    if helo == "-":
        # no HELO: Sendmail 8.17 puts the client's name (or its address literal)
        # in $s, so the header says HELO = that name and a reader takes it so
        helo = name if name != "-" else "[%s]" % ip
    want = {"ip": canon(ip), "rdns": None if name == "-" else low(name), "helo": low(helo),
            "ident": None if ident == "-" else ident, "by": "mx2.example.net",
            "id": ids.get(n), "auth": auth == "1"}
    got = {"ip": canon(h.get("from_ip")), "rdns": low(h.get("from_rdns")), "helo": low(h.get("helo")),
           "ident": h.get("ident"), "by": low(h.get("by")), "id": h.get("id"), "auth": bool(h.get("auth"))}
    bad = [k for k in want if want[k] != got[k]]
    if bad:
        print("WRONG %s: %s\n  want %s\n  got  %s" % (",".join(bad), v, json.dumps(want), json.dumps(got)))
    else:
        ok += 1
print("FIGURE sendmail lab: %d/%d headers Sendmail wrote read right on every field" % (ok, len(rows)))
sys.exit(0 if ok == len(sessions) + 1 == len(rows) else 1)
PY
rc=$?
grep '^FIGURE' "$T/cmp.out"
is "$rc" 0 "every field of the headers Sendmail wrote read right" || diag "$(grep -A2 WRONG "$T/cmp.out" | head -12)"
like "$(cat "$T/values")" "may be forged" "one header says the client's name may be forged"
like "$(cat "$T/values")" "(authenticated bits=0)" "the authenticated sessions are marked"
like "$(cat "$T/values")" "IPv6:2001:db8" "IPv6 clients are written as Sendmail writes them"
like "$(cat "$T/values")" "with ESMTPSA id [^ ]* .version=TLSv1" "STARTTLS sessions carry Sendmail's TLS comment (one with AUTH: ESMTPSA)"
like "$(cat "$T/values")" "from x\\[203.0.113.9\\] \\(" "a HELO with an address glued on is written as given"
if perl -MMail::SpamAssassin::Message::Metadata::Received -e1 2>/dev/null; then
	python3 tests/differential/received.py --values "$T/values" --max-wrong 0 --show 3 "$BIN" \
		tests/differential/deliberate.txt >"$T/sa.out" 2>&1
	rc=$?
	sed -n 's/^FIGURE received-diff/FIGURE sendmail-lab-diff/p' "$T/sa.out"
	is "$rc" 0 "SpamAssassin on the same headers: every difference has a written reason" ||
		diag "$(grep -A3 WRONG "$T/sa.out" | head -12)"
else
	skip "SpamAssassin is not installed (make check installs it)"
fi

# --- 2. traces through real Sendmail hops ---
# In a second namespace, four Sendmail instances on addresses of the demo
# inventory: our smarthost mx2 (192.0.2.25, SMTP AUTH), the web server web1
# (192.0.2.40) and the shell server shell (192.0.2.50), which hand local
# submissions to mx2 and to the complainant's MX, and that MX,
# mx.complainant.example (203.0.113.25), which delivers to the sink. Clients
# outside our network (203.0.113.70, 203.0.113.44) and a customer
# (198.51.100.23) send as abuse is sent; the ARF report over each message the
# complainant received must trace to the right verdict.
A=$T/ad
mkdir -p "$A" "$T/sink2"
demo_conf "$A" ""
demo_load "$BIN" "$A/abusedesk.conf" >/dev/null 2>&1 || { fail "the demo inventory loads"; done_testing; exit; }
{
	printf '127.0.0.1\tlocalhost\n192.0.2.25\tmx2.example.net\n192.0.2.40\tweb1.example.net\n'
	printf '192.0.2.50\tshell.example.net\n203.0.113.25\tmx.complainant.example\n'
	printf '203.0.113.70\tspammer.example\n198.51.100.23\tcust23.dsl.example.net\n'
} >"$T/hosts2"
# lab_conf DIR HOST ADDR SMARTHOST [M4] - one instance: listens on ADDR, sends from ADDR
lab_conf() {
	sendmail_lab_conf "$1" "$2" "$PORT" "define(\`SMART_HOST', \`[$4]')dnl
FEATURE(\`promiscuous_relay')dnl
CLIENT_OPTIONS(\`Family=inet, Addr=$3')dnl
DAEMON_OPTIONS(\`Port=$PORT, Addr=$3, Name=MTA')dnl
${5:-}"
}
lab_conf "$T/t-mx2" mx2.example.net 192.0.2.25 203.0.113.25 "define(\`confAUTH_MECHANISMS', \`PLAIN LOGIN')dnl
TRUST_AUTH_MECH(\`PLAIN LOGIN')dnl" &&
	lab_conf "$T/t-web1" web1.example.net 192.0.2.40 192.0.2.25 "DAEMON_OPTIONS(\`Port=$PORT, Addr=127.0.0.1, Name=MTA-lo')dnl" &&
	sendmail_lab_msp "$T/t-web1" web1.example.net 127.0.0.1 "$PORT" &&
	lab_conf "$T/t-shell" shell.example.net 192.0.2.50 203.0.113.25 &&
	lab_conf "$T/t-cmx" mx.complainant.example 203.0.113.25 127.0.0.5 ||
	{ fail "the trace lab's sendmail.cf files"; done_testing; exit; }
# the messages: KIND CLIENT-ADDR SERVER-ADDR AUTH (local: a submission on that host)
printf 'relay\t203.0.113.70\t192.0.2.25\t0\nauth\t203.0.113.44\t192.0.2.25\t1\nweb\tlocal\tweb1\t0\nshell\tlocal\tshell\t0\ninfected\t198.51.100.23\t203.0.113.25\t0\n' \
	>"$T/chains"
cat >"$T/client2.py" <<'PY'
import base64, smtplib, sys
port = int(sys.argv[2])
for l in open(sys.argv[1]):
    kind, client, server, auth = l.rstrip("\n").split("\t")
    if client == "local":
        continue
    s = smtplib.SMTP(server, port, local_hostname="pc-%s.example" % kind, source_address=(client, 0), timeout=20)
    s.ehlo("pc-%s.example" % kind)
    if auth == "1":
        s.docmd("AUTH", "PLAIN " + base64.b64encode(b"\0bob\0pw").decode())
    s.sendmail("winner@lottery.example.org", ["victim@complainant.example"], open(sys.argv[3] % kind).read())   # str: smtplib writes CRLF
    s.quit()
PY
for k in relay auth web shell infected; do
	printf 'From: "Prize Desk" <winner@lottery.example.org>\nTo: victim@complainant.example\nSubject: You won (%s)\nMessage-ID: <win-%s-%s@lottery.example.org>\n\nClaim your prize.\n' \
		"$k" "$k" "$$" >"$T/spam-$k"
done
cat >"$T/lab2.sh" <<'LAB'
set -u
T=$1 PORT=$2 ROOT=$3
. "$ROOT/tests/lib/sendmail.sh"
sendmail_lab_root || exit 1
ip link set lo up || exit 1
for a in 192.0.2.25 192.0.2.40 192.0.2.50 203.0.113.25 203.0.113.70 203.0.113.44 198.51.100.23; do
	ip addr add "$a/32" dev lo || exit 1
done
mount --bind "$T/hosts2" /etc/hosts || exit 1
mount --bind "$T/nsswitch.conf" /etc/nsswitch.conf || exit 1
mount --bind "$T/host.conf" /etc/host.conf || exit 1
mount --bind "$T/sasl" /usr/lib/sasl2 || exit 1
/usr/bin/python3 "$ROOT/tests/lib/smtpsink.py" --addr 127.0.0.5 --port "$PORT" --dir "$T/sink2" >"$T/sink2.log" 2>&1 &
spid=$!
for d in t-cmx t-mx2 t-web1 t-shell; do
	sendmail_lab_start "$T/$d" || echo "$d did not start" >&2
done
for _ in $(seq 100); do
	(exec 3<>"/dev/tcp/127.0.0.5/$PORT") 2>/dev/null && break
	sleep 0.05
done
/usr/bin/python3 "$T/client2.py" "$T/chains" "$PORT" "$T/spam-%s" >"$T/client2.log" 2>&1
# a script on web1 runs sendmail as Debian sets it up: the submission program
# (submit.cf) hands the message to web1's own MTA on 127.0.0.1; a user on the
# shell server runs the MTA itself
runuser -u "$SM_RUN_USER" -- env -i PATH=/usr/bin:/bin LD_LIBRARY_PATH="$SM_LIBS" "$SM_BIN" \
	-C "$T/t-web1/submit.cf" -f winner@lottery.example.org victim@complainant.example \
	<"$T/spam-web" >>"$T/local2.log" 2>&1
runuser -u "$SM_RUN_USER" -- env -i PATH=/usr/bin:/bin LD_LIBRARY_PATH="$SM_LIBS" "$SM_BIN" \
	-C "$T/t-shell/sendmail.cf" -odi -f winner@lottery.example.org victim@complainant.example \
	<"$T/spam-shell" >>"$T/local2.log" 2>&1
for _ in $(seq 200); do
	[ "$(ls "$T"/sink2/*.eml 2>/dev/null | wc -l)" -ge 5 ] && break
	sleep 0.05
done
for d in t-cmx t-mx2 t-web1 t-shell; do sendmail_lab_stop "$T/$d"; done
kill "$spid" 2>/dev/null
wait "$spid" 2>/dev/null
for d in t-cmx t-mx2 t-web1 t-shell; do sendmail_lab_alive "$T/$d" && echo "$d" >>"$T/left2"; done
LAB
unshare --mount --net --pid --fork bash "$T/lab2.sh" "$T" "$PORT" "$ROOT" 2>"$T/lab2.err"
is "$(ls "$T"/sink2/*.eml 2>/dev/null | wc -l)" 5 "the complainant's MX received the 5 messages" ||
	diag "$(cat "$T/lab2.err" "$T/client2.log" "$T/local2.log" 2>/dev/null | tail -8)"
is "$(cat "$T/left2" 2>/dev/null)" "" "the four Sendmail daemons stopped by their pids"
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
# verdict KIND SOURCE-IP - "verdict abused_host injector_ip" of the trace of the ARF
# report over the message of KIND the complainant received
verdict() {
	local f
	f=$(grep -l "^Subject: You won ($1)" "$T"/sink2/*.eml | head -1)
	[ -n "$f" ] || { echo "no message"; return; }
	arf "$f" "$2" >"$T/arf-$1.eml"
	"$BIN" -c "$A/abusedesk.conf" trace --json "$T/arf-$1.eml" >"$T/arf-$1.json" 2>"$T/arf-$1.err"
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d.get("verdict"), d.get("abused_host"), d.get("injector_ip"))' \
		"$T/arf-$1.json" 2>/dev/null
}
is "$(verdict relay 192.0.2.25)" "open_relay mx2.example.net 203.0.113.70" \
	"an outsider through mx2: open relay, the outsider injected" || diag "$(cat "$T/arf-relay.json")"
is "$(verdict auth 192.0.2.25)" "compromised_account mx2.example.net 203.0.113.44" \
	"a login from outside at mx2: compromised account, the outsider injected" || diag "$(cat "$T/arf-auth.json")"
is "$(verdict web 192.0.2.25)" "web_script web1.example.net 192.0.2.40" \
	"a script's local submission on web1, relayed by mx2: web_script on web1" || diag "$(cat "$T/arf-web.json")"
is "$(verdict shell 192.0.2.50)" "local_injection shell.example.net 192.0.2.50" \
	"a local user on the shell server sending straight out: local_injection" || diag "$(cat "$T/arf-shell.json")"
v=$(verdict infected 198.51.100.23)
is "${v%% *} ${v##* }" "infected_host 198.51.100.23" "a customer sending direct-to-MX: infected_host" ||
	diag "$(cat "$T/arf-infected.json")"
if perl -MMail::SpamAssassin::Message::Metadata::Received -e1 2>/dev/null; then
	python3 tests/differential/received.py --max-wrong 0 --show 3 "$BIN" \
		tests/differential/deliberate.txt "$T/sink2" >"$T/sa2.out" 2>&1
	rc=$?
	sed -n 's/^FIGURE received-diff/FIGURE sendmail-chain-diff/p' "$T/sa2.out"
	is "$rc" 0 "SpamAssassin on the chains' headers: every difference has a written reason" ||
		diag "$(grep -A3 WRONG "$T/sa2.out" | head -12)"
else
	skip "SpamAssassin is not installed (make check installs it)"
fi
done_testing
