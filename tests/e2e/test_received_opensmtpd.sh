#!/bin/bash
# test_received_opensmtpd.sh - Received headers a real OpenSMTPD wrote, read
# by abusedesk and by SpamAssassin.
#
# Debian's OpenSMTPD 6.8 (apt-get download + dpkg-deb -x into a cache; it
# conflicts with the installed Postfix through mail-transport-agent) runs in
# a private mount namespace (tmpfs over /var/spool and /var/lib/opensmtpd, the
# paths it was built with), listens on 127.0.0.2 and relays everything to the
# loopback SMTP sink, which keeps each message with the header OpenSMTPD
# wrote. 16 sessions from 127.0.0.1 and 127.0.0.9-23 with different HELO
# names (words, an address literal, a name equal to the client's) are sent
# with swaks; each header's hop must carry the client address, the HELO, the
# rDNS OpenSMTPD found (none: "<unknown>"), the by host and the queue id, and
# SpamAssassin's reading may differ only where tests/differential/deliberate.txt
# says why. Needs root (unshare, useradd).
set -u
cd "$(dirname "$0")/../.." || exit 2
ROOT=$PWD
. tests/lib/tap.sh
BIN=${ABUSEDESK_BIN:-$ROOT/abusedesk}
CACHE=${OPENSMTPD_CACHE:-/var/cache/abusedesk-test/opensmtpd}

if [ "$(id -u)" != 0 ]; then
	skip "test_received_opensmtpd: needs root (unshare, useradd)"; done_testing; exit
fi
[ -x "$BIN" ] || { fail "abusedesk is built" "$BIN missing"; done_testing; exit; }
SMTPD=$CACHE/root/usr/sbin/smtpd
if [ ! -x "$SMTPD" ]; then
	mkdir -p "$CACHE/debs" && chmod 755 "$CACHE" "$CACHE/debs"
	{ (cd "$CACHE/debs" && apt-get download opensmtpd) ||
	  { apt-get update -q && (cd "$CACHE/debs" && apt-get download opensmtpd); }; } >"$CACHE/download.log" 2>&1
	for f in "$CACHE"/debs/opensmtpd_*.deb; do dpkg-deb -x "$f" "$CACHE/root"; done
fi
if [ ! -x "$SMTPD" ] || ! "$SMTPD" -h 2>&1 | grep -q 'OpenSMTPD'; then
	fail "OpenSMTPD unpacked from the Debian archive" "see $CACHE/download.log"; done_testing; exit
fi
pass "OpenSMTPD from the Debian archive runs from $CACHE/root"
for u in opensmtpd opensmtpq; do
	id "$u" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$u"
done

T=$(mktemp -d /tmp/abusedesk-osmtpd-XXXXXX)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$T"' EXIT
SINK=$(free_port)
PORT=$(free_port)

# the lab, in its own mount namespace: OpenSMTPD and the sink are stopped by
# their PIDs before it returns, and the namespace takes the mounts with it
cat >"$T/lab.sh" <<'LAB'
set -u
T=$1 SINK=$2 PORT=$3 SMTPD=$4 ROOT=$5
mount -t tmpfs tmpfs /var/spool || exit 1
mkdir -p /var/lib/opensmtpd && mount -t tmpfs tmpfs /var/lib/opensmtpd && mkdir -p /var/lib/opensmtpd/empty || exit 1
/usr/bin/python3 "$ROOT/tests/lib/smtpsink.py" --addr 127.0.0.1 --port "$SINK" --dir "$T/sink" >"$T/sink.log" 2>&1 &
spid=$!
cat >"$T/smtpd.conf" <<CONF
listen on 127.0.0.2 port $PORT hostname mx2.example.net
action "out" relay host smtp://127.0.0.1:$SINK
match from any for any action "out"
CONF
"$SMTPD" -d -f "$T/smtpd.conf" >"$T/smtpd.log" 2>&1 &
opid=$!
for _ in $(seq 100); do
	(exec 3<>"/dev/tcp/127.0.0.2/$PORT") 2>/dev/null && (exec 3<>"/dev/tcp/127.0.0.1/$SINK") 2>/dev/null && break
	sleep 0.1
done
n=0
while IFS='	' read -r src helo; do
	n=$((n + 1))
	swaks --server 127.0.0.2 --port "$PORT" --local-interface "$src" --helo "$helo" \
		--from "sender$n@example.org" --to "victim$n@complainant.example" \
		--header "Subject: lab $n" --body "body $n" >"$T/swaks.$n.log" 2>&1 || echo "swaks $n failed" >&2
done <"$T/sessions"
for _ in $(seq 100); do
	[ "$(ls "$T"/sink/*.eml 2>/dev/null | wc -l)" -ge "$n" ] && break
	sleep 0.1
done
kill "$opid" "$spid" 2>/dev/null
wait "$opid" "$spid" 2>/dev/null
LAB
mkdir -p "$T/sink"
: >"$T/sessions"
helos=(client.example.org pc-12.lan WORKSTATION by.example.net mx.from.example)
for i in $(seq 16); do
	if [ "$i" = 1 ]; then src=127.0.0.1; else src=127.0.0.$((i + 7)); fi
	case $((i % 4)) in
	0) helo="[$src]" ;;
	*) helo=${helos[$((i % 5))]} ;;
	esac
	printf '%s\t%s\n' "$src" "$helo" >>"$T/sessions"
done
unshare --mount bash "$T/lab.sh" "$T" "$SINK" "$PORT" "$SMTPD" "$ROOT" 2>"$T/lab.err"
is "$(ls "$T"/sink/*.eml 2>/dev/null | wc -l)" 16 "OpenSMTPD relayed the 16 messages to the sink" ||
	diag "$(tail -5 "$T/smtpd.log" "$T/lab.err" 2>/dev/null)"
ok "! pgrep -f '$T/smtpd.conf' >/dev/null" "no OpenSMTPD of the lab left running"

python3 - "$T" "$BIN" >"$T/cmp.out" 2>&1 <<'PY'
import email, glob, ipaddress, json, subprocess, sys
t, binary = sys.argv[1], sys.argv[2]
sessions = [l.rstrip("\n").split("\t") for l in open(t + "/sessions")]
rows = []
for f in sorted(glob.glob(t + "/sink/*.eml")):
    m = email.message_from_binary_file(open(f, "rb"))
    n = int(m["Subject"].split()[-1])
    rows.append((n, " ".join(m.get_all("Received")[0].split())))
rows.sort()
vals = [v for _, v in rows]
open(t + "/values", "w").write("".join(v + "\n" for v in vals))
out = subprocess.run([binary, "received", "--json"], input="".join(v + "\n" for v in vals).encode(),
                     stdout=subprocess.PIPE, check=True).stdout.decode().splitlines()
ok = 0
for (n, v), o in zip(rows, out):
    src, helo = sessions[n - 1]
    h = json.loads(o) or {}
    # OpenSMTPD writes "<unknown>" when the address has no name; 127.0.0.1 is localhost
    rdns = v.split("(", 1)[1].split(" [", 1)[0]
    want = {"ip": src, "helo": helo.lower(), "by": "mx2.example.net",
            "rdns": None if rdns == "<unknown>" else rdns.lower(),
            "id": v.split(" id ", 1)[1].split()[0], "auth": False}
    got = {"ip": h.get("from_ip"), "helo": (h.get("helo") or "").lower() or None, "by": h.get("by"),
           "rdns": (h.get("from_rdns") or "").lower() or None, "id": h.get("id"),
           "auth": bool(h.get("auth"))}
    if got["rdns"] in ("<unknown>", "unknown"):
        got["rdns"] = None
    bad = [k for k in want if want[k] != got[k]]
    if bad:
        print("WRONG %s: %s\n  want %s\n  got  %s" % (",".join(bad), v, json.dumps(want), json.dumps(got)))
    else:
        ok += 1
print("FIGURE opensmtpd lab: %d/%d headers OpenSMTPD wrote read right on every field" % (ok, len(sessions)))
sys.exit(0 if ok == len(sessions) == len(rows) else 1)
PY
rc=$?
grep '^FIGURE' "$T/cmp.out"
is "$rc" 0 "every field of the headers OpenSMTPD wrote read right" || diag "$(grep -A2 WRONG "$T/cmp.out" | head -9)"
if perl -MMail::SpamAssassin::Message::Metadata::Received -e1 2>/dev/null; then
	python3 tests/differential/received.py --values "$T/values" --max-wrong 0 --show 3 "$BIN" \
		tests/differential/deliberate.txt >"$T/sa.out" 2>&1
	rc=$?
	sed -n 's/^FIGURE received-diff/FIGURE opensmtpd-lab-diff/p' "$T/sa.out"
	is "$rc" 0 "SpamAssassin on the same headers: every difference has a written reason" ||
		diag "$(grep -A3 WRONG "$T/sa.out" | head -12)"
else
	skip "SpamAssassin is not installed (make check installs it)"
fi
done_testing
