#!/bin/bash
# test_bounce_sendmail.sh - bounces a real Sendmail wrote, read by abusedesk
# and by Sisimai (Debian's libsisimai-perl, the peer the bounce corpus comes
# from).
#
# Two Debian Sendmail 8.17 instances from a private root
# (tests/lib/sendmail.sh) run in a private mount, network and PID namespace
# on loopback: mx2.example.net (127.0.0.2) relays the client's mail by its
# mailertable; mx1.example.net (127.0.0.3) is the final server for
# example.net, refuses relaying, takes no message over 4000 bytes and
# answers two kinds of mailbox from its access map. Each message fails as
# mail fails on the way out, and mx2 writes the bounce (RFC 3464 with
# Sendmail's transcript) to the sender, at the loopback SMTP sink: an unknown
# user (mx1's 550 5.1.1 at RCPT), a relay refusal (mx1's 550 5.7.1), a
# message too big (mx1's 552 5.2.3 at MAIL ... SIZE=), a host that does not
# resolve (the lab's hosts file knows no such name), a full mailbox (552
# 5.2.2), a server that is down (connection refused: the message waits in the
# queue; a queue run after Timeout.queuewarn sends the "delayed" warning
# (4.4.1), one after Timeout.queuereturn returns the message (4.4.7)), and
# greylisting (451 4.7.1: the same warning and return). Each bounce is read by `abusedesk
# parse --json` and by Sisimai->make; the recipient and the status must
# agree with what the session did and with Sisimai, and the figures print as
# FIGURE lines. Needs root (unshare, mount).
set -u
cd "$(dirname "$0")/../.." || exit 2
ROOT=$PWD
. tests/lib/tap.sh
. tests/lib/bounces.sh
. tests/lib/sendmail.sh
BIN=${ABUSEDESK_BIN:-$ROOT/abusedesk}

if [ "$(id -u)" != 0 ]; then
	skip "test_bounce_sendmail: needs root (unshare, mount)"; done_testing; exit
fi
[ -x "$BIN" ] || { fail "abusedesk is built" "$BIN missing"; done_testing; exit; }
sendmail_lab_root || { fail "Sendmail unpacked from the Debian archive" "see $SM_CACHE/download.log"; done_testing; exit; }

T=$(mktemp -d /tmp/abusedesk-smbounce-XXXXXX)
chmod 755 "$T"
[ -n "${KEEP:-}" ] || trap 'rm -rf "$T"' EXIT
PORT=$(free_port)

printf '127.0.0.1\tlocalhost\n127.0.0.2\tmx2.example.net\n127.0.0.3\tmx1.example.net\n127.0.0.4\tmx.down.example\n127.0.0.9\tclient.example.org\n' >"$T/hosts"
printf 'passwd: files\ngroup: files\nshadow: files\nhosts: files\n' >"$T/nsswitch.conf"
mkdir -p "$T/sink"
# mx2 routes by domain; nohost.example is in no table and no hosts file
printf 'example.net\tesmtp:[127.0.0.3]\nelsewhere.example\tesmtp:[127.0.0.3]\ndown.example\tesmtp:[127.0.0.4]\nexample.org\tesmtp:[127.0.0.1]\n' \
	>"$T/mailertable.txt"
sendmail_lab_conf "$T/mx2" mx2.example.net "$PORT" "FEATURE(\`promiscuous_relay')dnl
FEATURE(\`mailertable', \`hash $T/mailertable')dnl
CLIENT_OPTIONS(\`Family=inet, Addr=127.0.0.2')dnl
define(\`confTO_QUEUEWARN', \`2s')dnl
define(\`confTO_QUEUERETURN', \`8s')dnl
define(\`confTO_IDENT', \`0s')dnl
DAEMON_OPTIONS(\`Port=$PORT, Addr=127.0.0.2, Name=MTA')dnl" ||
	{ fail "sendmail.cf of mx2 generated with m4" "$(cat "$T/mx2/m4.err")"; done_testing; exit; }
env LD_LIBRARY_PATH="$SM_LIBS" "$SM_ROOT/usr/libexec/sendmail/makemap" -s -C "$T/mx2/sendmail.cf" hash "$T/mailertable" <"$T/mailertable.txt" 2>"$T/makemap.log" ||
	{ fail "makemap writes the mailertable"; done_testing; exit; }
sendmail_lab_conf "$T/mx1" mx1.example.net "$PORT" "LOCAL_DOMAIN(\`example.net')dnl
define(\`confMAX_MESSAGE_SIZE', \`4000')dnl
FEATURE(\`access_db', \`hash $T/access')dnl
FEATURE(\`blocklist_recipients')dnl
define(\`confTO_IDENT', \`0s')dnl
DAEMON_OPTIONS(\`Port=$PORT, Addr=127.0.0.3, Name=MTA')dnl" ||
	{ fail "sendmail.cf of mx1 generated with m4" "$(cat "$T/mx1/m4.err")"; done_testing; exit; }
# mx1's access map answers for two mailboxes as a full mailbox and a greylisting
# server answer (Sendmail's ERROR:D.S.N:code text)
for i in 1 2 3; do
	printf 'To:full%d@example.net	ERROR:5.2.2:552 Mailbox full
' "$i"
	printf 'To:grey%d@example.net	ERROR:4.7.1:451 Greylisted, try again later
' "$i"
done >"$T/access.txt"
env LD_LIBRARY_PATH="$SM_LIBS" "$SM_ROOT/usr/libexec/sendmail/makemap" -s -C "$T/mx1/sendmail.cf" hash "$T/access" \
	<"$T/access.txt" 2>>"$T/makemap.log" || { fail "makemap writes the access map"; done_testing; exit; }

# what each recipient is -> the status of the failure that the session causes
#   nouser  mx1 answers RCPT "550 5.1.1 User unknown"
#   relay   mx1 answers RCPT "550 5.7.1 Relaying denied"
#   big     mx1 answers MAIL ... SIZE= "552 5.2.3 Message size exceeds ..."
#   nohost  the host is unknown: Sendmail's 5.1.2
#   full    mx1 answers RCPT "552 5.2.2 Mailbox full"
#   grey    mx1 answers RCPT "451 4.7.1 Greylisted": a "delayed" warning, then the
#           message returned (Status 4.4.7 over the remote's 451 4.7.1: 4.7.1 both times)
#   down    connection refused, then Timeout.queuewarn: a "delayed" warning (4.4.1),
#           then Timeout.queuereturn: the message returned (4.4.7, delivery time expired)
: >"$T/sent"
n=0
for kind in nouser relay big nohost full down grey; do
	for i in 1 2 3; do
		n=$((n + 1))
		case $kind in
		nouser) rcpt="nouser$i@example.net" ;;
		relay) rcpt="someone$i@elsewhere.example" ;;
		big) rcpt="postmaster$i@example.net" ;;
		nohost) rcpt="user$i@nohost.example" ;;
		down) rcpt="user$i@down.example" ;;
		full) rcpt="full$i@example.net" ;;
		grey) rcpt="grey$i@example.net" ;;
		esac
		printf '%s\t%s\t%s\n' "$n" "$kind" "$rcpt" >>"$T/sent"
	done
done
cat >"$T/client.py" <<'PY'
import smtplib, sys
port = int(sys.argv[2])
for l in open(sys.argv[1]):
    n, kind, rcpt = l.rstrip("\n").split("\t")
    body = "".join("a line of text that makes this message larger than mx1 takes\r\n"
                   for _ in range(100 if kind == "big" else 3))
    msg = ("From: sender%s@example.org\r\nTo: %s\r\nSubject: message %s\r\nMessage-ID: <m%s@example.org>\r\n\r\n%s"
           % (n, rcpt, n, n, body))
    s = smtplib.SMTP("127.0.0.2", port, local_hostname="client.example.org",
                     source_address=("127.0.0.9", 0), timeout=20)
    s.sendmail("sender%s@example.org" % n, [rcpt], msg.encode())
    s.quit()
PY
cat >"$T/lab.sh" <<'LAB'
set -u
T=$1 PORT=$2 ROOT=$3
. "$ROOT/tests/lib/sendmail.sh"
sendmail_lab_root || exit 1
ip link set lo up || exit 1
mount --bind "$T/hosts" /etc/hosts || exit 1
mount --bind "$T/nsswitch.conf" /etc/nsswitch.conf || exit 1
/usr/bin/python3 "$ROOT/tests/lib/smtpsink.py" --addr 127.0.0.1 --port "$PORT" --dir "$T/sink" >"$T/sink.log" 2>&1 &
spid=$!
sendmail_lab_start "$T/mx1" || echo "mx1 did not start" >&2
sendmail_lab_start "$T/mx2" || echo "mx2 did not start" >&2
for _ in $(seq 100); do
	(exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
	sleep 0.05
done
/usr/bin/python3 "$T/client.py" "$T/sent" "$PORT" >"$T/client.log" 2>&1 || echo "the client failed" >&2
start=$(date +%s)   # every message is at least as old as this
# the permanent failures: one bounce each
want=$(grep -Evc '	(down|grey)	' "$T/sent")
for _ in $(seq 200); do
	[ "$(ls "$T"/sink/*.eml 2>/dev/null | wc -l)" -ge "$want" ] && break
	sleep 0.05
done
# the deferred ones: a queue run past Timeout.queuewarn warns, one past
# Timeout.queuereturn returns the message
ndown=$(grep -Ec '	(down|grey)	' "$T/sent")
while [ $(($(date +%s) - start)) -lt 3 ]; do sleep 0.2; done   # > Timeout.queuewarn (2s)
sendmail_lab_run "$T/mx2" -q >"$T/q1.log" 2>&1
want=$((want + ndown))
for _ in $(seq 100); do
	[ "$(ls "$T"/sink/*.eml 2>/dev/null | wc -l)" -ge "$want" ] && break
	sleep 0.05
done
while [ $(($(date +%s) - start)) -lt 9 ]; do sleep 0.2; done   # > Timeout.queuereturn (8s)
sendmail_lab_run "$T/mx2" -q >"$T/q2.log" 2>&1
want=$((want + ndown))
for _ in $(seq 100); do
	[ "$(ls "$T"/sink/*.eml 2>/dev/null | wc -l)" -ge "$want" ] && break
	sleep 0.05
done
sendmail_lab_stop "$T/mx2"
sendmail_lab_stop "$T/mx1"
kill "$spid" 2>/dev/null
wait "$spid" 2>/dev/null
for d in mx1 mx2; do sendmail_lab_alive "$T/$d" && echo "$d" >>"$T/left"; done
LAB
unshare --mount --net --pid --fork bash "$T/lab.sh" "$T" "$PORT" "$ROOT" 2>"$T/lab.err"
nsent=$(wc -l <"$T/sent")
ndown=$(grep -Ec '	(down|grey)	' "$T/sent")
is "$(ls "$T"/sink/*.eml 2>/dev/null | wc -l)" "$((nsent + ndown))" \
	"Sendmail wrote a bounce for each failed message and a warning for each delayed one" ||
	diag "$(cat "$T/lab.err" "$T/client.log" 2>/dev/null | tail -8)"
is "$(cat "$T/left" 2>/dev/null)" "" "both Sendmail daemons stopped by their pids"

"$BIN" parse --json "$T"/sink/*.eml >"$T/ours.jsonl" 2>"$T/ours.err"
is "$?" 0 "abusedesk parse reads them" || diag "$(head -3 "$T/ours.err")"
have_peer=0
sisimai_read "$T/peer.jsonl" "$T"/sink/*.eml && have_peer=1
/usr/bin/python3 - "$T" "$have_peer" <<'PY' >"$T/cmp.out"
import email, glob, json, sys
t, have_peer = sys.argv[1], sys.argv[2] == "1"
# what each bounce must say: the recipient of the failed message, and the status
# the failure had; a warning is "delayed", the returned message "failed"
WANT = {"nouser": "5.1.1", "relay": "5.7.1", "big": "5.2.3", "nohost": "5.1.2", "full": "5.2.2",
        "down": "4.4.1", "grey": "4.7.1"}
sent = {}
for l in open(t + "/sent"):
    n, kind, rcpt = l.rstrip("\n").split("\t")
    sent[rcpt.lower()] = kind
expect = {}   # file -> (rcpt, status, action)
for f in sorted(glob.glob(t + "/sink/*.eml")):
    m = email.message_from_binary_file(open(f, "rb"))
    subj = (m["Subject"] or "").lower()
    rcpt = None
    for part in m.walk():
        if part.get_content_type() == "message/rfc822" or part.get_content_type() == "text/rfc822-headers":
            pl = part.get_payload()
            inner = pl[0] if isinstance(pl, list) else email.message_from_string(pl)
            rcpt = (inner["To"] or "").strip().lower()
    if rcpt not in sent:
        print("UNKNOWN %s: %s" % (f, subj))
        continue
    action = "delayed" if "warning" in subj else "failed"
    status = WANT[sent[rcpt]]
    if sent[rcpt] == "down" and action == "failed":
        status = "4.4.7"   # returned after Timeout.queuereturn: delivery time expired
    # a greylisted message returned: Sendmail's Status is 4.4.7 too, but the
    # Diagnostic-Code carries the remote server's "451 4.7.1", the more exact
    # code, which abusedesk and Sisimai both take (docs/formats.md)
    expect[f] = (rcpt, status, action)
ours = {}
for l in open(t + "/ours.jsonl"):
    d = json.loads(l)
    ours[d["file"]] = (d.get("format"), [(r["address"].lower(), r.get("status"), r.get("action"))
                                          for r in d.get("recipients") or []])
peer = {}
if have_peer:
    for l in open(t + "/peer.jsonl"):
        d = json.loads(l)
        peer.setdefault(d["file"], []).append((d["rcpt"].lower(), d["status"], d["reason"], d["action"]))
right = agree = npeer = 0
for f, (rcpt, status, action) in sorted(expect.items()):
    fmt, rs = ours.get(f, (None, []))
    got = [r for r in rs if r[0] == rcpt]
    if fmt == "dsn" and len(rs) == 1 and got and got[0][1] == status and got[0][2] == action:
        right += 1
    else:
        print("WRONG ours %s (%s %s): want dsn %s %s, got %s %s" % (f, rcpt, action, status, action, fmt, rs))
    if have_peer:
        p = [x for x in peer.get(f, []) if x[0] == rcpt]
        if p:
            npeer += 1
        if p and got and p[0][1] == got[0][1]:
            agree += 1
        else:
            print("DIFFER %s (%s %s): abusedesk %s, Sisimai %s" % (f, rcpt, action, got, peer.get(f)))
print("FIGURE sendmail bounces: %d/%d read as bounces with the recipient, status and action the failure had"
      % (right, len(expect)))
if have_peer:
    print("FIGURE sendmail bounces vs Sisimai: %d/%d agree on recipient and status (Sisimai read %d)"
          % (agree, len(expect), npeer))
print("RIGHT %d %d AGREE %d" % (right, len(expect), agree))
PY
grep '^FIGURE' "$T/cmp.out"
read -r _ right total _ agree < <(grep '^RIGHT' "$T/cmp.out")
# the bounces are Sendmail's own: each failure in its words
phrases=0
for p in '550 5.1.1 <nouser1@example.net>... User unknown' '550 5.7.1 <someone1@elsewhere.example>... Relaying denied' \
	'552 5.2.3 Message size exceeds fixed maximum message size (4000)' 'Host unknown (Name server: nohost.example: host not found)' \
	'Deferred: Connection refused by [127.0.0.4]' 'Warning: could not send message for past 2 seconds' \
	'552 5.2.2 Mailbox full' '451 4.7.1 Greylisted'; do
	grep -qF "$p" "$T"/sink/*.eml && phrases=$((phrases + 1))
done
is "$phrases" 8 "the transcripts carry each failure as Sendmail and mx1 said it"
is "$total" "$((nsent + ndown))" "every message in the sink is a bounce of one of the failed messages" ||
	diag "$(grep UNKNOWN "$T/cmp.out" | head -5)"
is "$right" "$total" "every bounce: a DSN with the recipient, the status and the action (failed, delayed)" ||
	diag "$(grep WRONG "$T/cmp.out" | head -5)"
if [ "$have_peer" = 1 ]; then
	is "$agree" "$total" "Sisimai reads the same recipients and statuses" || diag "$(grep DIFFER "$T/cmp.out" | head -5)"
else
	skip "Sisimai (libsisimai-perl) is not installed"
fi
# the Received headers in the bounces: the bounce's own (a local "from localhost
# (localhost)" line, no network hop) and the one over the returned original
if perl -MMail::SpamAssassin::Message::Metadata::Received -e1 2>/dev/null; then
	python3 tests/differential/received.py --max-wrong 0 --show 3 "$BIN" \
		tests/differential/deliberate.txt "$T/sink" >"$T/sa.out" 2>&1
	rc=$?
	sed -n 's/^FIGURE received-diff/FIGURE sendmail-bounce-received-diff/p' "$T/sa.out"
	is "$rc" 0 "SpamAssassin on their Received headers: every difference has a written reason" ||
		diag "$(grep -A3 WRONG "$T/sa.out" | head -12)"
else
	skip "SpamAssassin is not installed (make check installs it)"
fi
done_testing
