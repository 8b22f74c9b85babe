#!/bin/bash
# test_fetch.sh - `abusedesk fetch` against a real Dovecot (dovecot-imapd) on
# loopback, run from a temporary configuration (passwd-file user, Maildir,
# imaps with a certificate from a CA made here with openssl), stopped by PID:
# 1,000 messages fetched once (1,000 reports, INBOX empty, all in the
# Processed folder; the rate is printed as a FIGURE line); kill -9 at random
# moments then re-runs: every message recorded exactly once, none left; Dovecot
# stopped mid-run (exit 75) and started again; a server that accepts and says
# nothing (the timeout holds, exit 75); a message over max_message_size stored
# truncated and flagged; fetch_after = keep remembers UIDs, and a UIDVALIDITY
# change re-reads the mailbox without a second report; delete empties the
# mailbox; a wrong password and an untrusted certificate exit 69 with a clear
# reason; a message piped by ingest and also fetched is one report.
set -u
cd "$(dirname "$0")/../.." || exit 2
ROOT=$PWD
. tests/lib/tap.sh
BIN=${ABUSEDESK_BIN:-$ROOT/abusedesk}

for c in dovecot openssl sqlite3 python3; do
	if ! command -v "$c" >/dev/null && [ ! -x "/usr/sbin/$c" ]; then
		echo "SKIP test_fetch.sh: $c is not installed (make check installs it)"
		echo "0 passed, 0 failed"; exit 0
	fi
done
DOVECOT=$(command -v dovecot || echo /usr/sbin/dovecot)
if [ ! -x /usr/lib/dovecot/imap ] && [ ! -x /usr/libexec/dovecot/imap ]; then
	echo "SKIP test_fetch.sh: dovecot-imapd is not installed (make check installs it)"
	echo "0 passed, 0 failed"; exit 0
fi
[ -x "$BIN" ] || { echo "Bail out! $BIN missing: run make first"; echo "0 passed, 1 failed"; exit 1; }

T=$(mktemp -d /tmp/abusedesk-fetch-XXXXXX)
chmod 755 "$T"
D=$T/dovecot
DOVE_PID=
STALL_PID=
# session_pids SID - the processes of Dovecot's session (the master is its
# leader): an imap process forked just before a kill is one of them too
session_pids() { ps -eo pid=,sid= | awk -v s="$1" '$2 == s { print $1 }'; }
# session_kill SID - SIGKILL the whole session until nothing of it is left
session_kill() {
	local pids
	for _ in $(seq 100); do
		pids=$(session_pids "$1")
		[ -n "$pids" ] || return 0
		# shellcheck disable=SC2086
		kill -9 $pids 2>/dev/null
		sleep 0.05
	done
}
dove_stop() {
	[ -n "$DOVE_PID" ] || return 0
	kill "$DOVE_PID" 2>/dev/null
	for _ in $(seq 100); do proc_alive "$DOVE_PID" || break; sleep 0.05; done
	kill -9 "$DOVE_PID" 2>/dev/null
	session_kill "$DOVE_PID"
	DOVE_PID=
}
# dove_crash - the server dies under the client: master and its children (ours), kill -9
dove_crash() {
	kill -9 "$DOVE_PID" 2>/dev/null
	session_kill "$DOVE_PID"
	DOVE_PID=
	rm -f "$D/run/master.pid"
}
cleanup() {
	dove_stop
	[ -n "$STALL_PID" ] && kill "$STALL_PID" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- a CA and a server certificate for 127.0.0.1; another CA nobody trusts ---
mkdir -p "$D/run" "$D/state" "$D/mail"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test-ca -keyout "$T/ca.key" \
	-out "$T/ca.pem" >/dev/null 2>&1
openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout "$D/server.key" \
	-out "$T/server.csr" >/dev/null 2>&1
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$T/san.ext"
openssl x509 -req -in "$T/server.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial -days 2 \
	-extfile "$T/san.ext" -out "$D/server.pem" >/dev/null 2>&1
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=other-ca -keyout "$T/other.key" \
	-out "$T/other.pem" >/dev/null 2>&1
[ -s "$D/server.pem" ] || { echo "Bail out! openssl could not make the certificates"; exit 1; }

# --- Dovecot: run as root with the mail owned by nobody, or as the user we are ---
if [ "$(id -u)" -eq 0 ]; then
	MUID=nobody; MGID=$(id -gn nobody 2>/dev/null || echo nogroup)
	USERS=""
else
	MUID=$(id -u); MGID=$(id -g)
	USERS="default_login_user = $(id -un)
default_internal_user = $(id -un)"
fi
printf 'abuse@example.net:{PLAIN}s3cret-imap\n' >"$D/passwd"
PORT=$(free_port)
cat >"$D/dovecot.conf" <<CONF
base_dir = $D/run
state_dir = $D/state
log_path = $D/log
$USERS
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <$D/server.pem
ssl_key = <$D/server.key
auth_mechanisms = plain login
mail_location = maildir:$D/mail/%u
mail_fsync = never
passdb {
  driver = passwd-file
  args = scheme=PLAIN $D/passwd
}
userdb {
  driver = static
  args = uid=$MUID gid=$MGID home=$D/mail/%u
}
service imap-login {
  inet_listener imap {
    port = 0
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $PORT
  }
}
CONF
dove_start() {
	"$DOVECOT" -c "$D/dovecot.conf" 2>"$D/start.err" || { diag "dovecot: $(cat "$D/start.err")"; return 1; }
	for _ in $(seq 100); do [ -s "$D/run/master.pid" ] && break; sleep 0.05; done
	DOVE_PID=$(cat "$D/run/master.pid" 2>/dev/null)
	[ -n "$DOVE_PID" ] && wait_port 127.0.0.1 "$PORT" 10
}
MD=$D/mail/abuse@example.net
mkdir -p "$MD/new" "$MD/cur" "$MD/tmp"
chown -R "$MUID:$MGID" "$D/mail" 2>/dev/null
dove_start || { echo "Bail out! dovecot did not start"; cat "$D/log" 2>/dev/null; exit 1; }

# deliver N NAME - N messages straight into the Maildir (as the MTA's LDA would)
NSEQ=0
deliver() {
	local n=$1 tag=$2 i
	for i in $(seq "$n"); do
		NSEQ=$((NSEQ + 1))
		printf 'From: reporter@example.org\nTo: abuse@example.net\nSubject: spam from 192.0.2.%d (%s %d)\nMessage-ID: <%s-%d@example.org>\nDate: Thu, 01 Jan 2026 00:00:00 +0000\n\nSpam from 192.0.2.%d was received (%s %d).\n' \
			$((i % 250 + 1)) "$tag" "$i" "$tag" "$i" $((i % 250 + 1)) "$tag" "$i" \
			>"$MD/new/$NSEQ.$tag$i.test"
	done
	chown "$MUID:$MGID" "$MD"/new/* 2>/dev/null
}
count() { find "$MD/$1" -type f 2>/dev/null | wc -l; }
inbox() { echo $(($(count new) + $(count cur))); }
processed() { echo $(($(find "$MD/.Processed/new" "$MD/.Processed/cur" -type f 2>/dev/null | wc -l))); }

# --- abusedesk ---
A=$T/ad
mkdir -p "$A"
RUN_USER=
if [ "$(id -u)" -eq 0 ]; then
	id abusedesk >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin abusedesk
	chown abusedesk "$A"
	RUN_USER=abusedesk
fi
printf 's3cret-imap\n' >"$A/imap.secret"
chmod 600 "$A/imap.secret"
writeconf() { # extra lines
	cat >"$A/abusedesk.conf" <<CONF
database = $A/db.sqlite
spool_dir = $A/spool
syslog = no
run_user = $RUN_USER
our_networks = 192.0.2.0/24
fetch_url = imaps://abuse%40example.net@127.0.0.1:$PORT/INBOX
fetch_password_file = $A/imap.secret
fetch_ca_file = $T/ca.pem
fetch_connect_timeout = 5s
fetch_timeout = 5s
fetch_max_messages = 5000
$*
CONF
}
writeconf
export ABUSEDESK_CONFIG=$A/abusedesk.conf
"$BIN" init >/dev/null 2>&1 || { echo "Bail out! init failed"; exit 1; }
q() { sqlite3 "$A/db.sqlite" "$1"; }
nreports() { q "SELECT count(*) FROM reports"; }

# --- 1. 1,000 messages, fetched once ---
deliver 1000 bulk
is "$(inbox)" 1000 "1,000 messages delivered to the Maildir"
t0=$(date +%s.%N)
"$BIN" fetch >"$T/out1" 2>"$T/err1"; rc=$?
t1=$(date +%s.%N)
is "$rc" 0 "fetch exits 0" || { cat "$T/err1"; tail -5 "$D/log"; }
is "$(nreports)" 1000 "1,000 reports recorded"
is "$(inbox)" 0 "the INBOX is empty (fetch_after = move:Processed)"
is "$(processed)" 1000 "the 1,000 messages are in Processed"
secs=$(echo "$t1 - $t0" | bc -l)
printf 'FIGURE fetch: 1000 messages in %.2f s (%.0f msg/s)\n' "$secs" "$(echo "1000 / $secs" | bc -l)"

# --- 2. kill -9 at random moments, then re-runs: every message once, none left ---
deliver 300 kill
for round in 1 2 3 4 5 6; do
	"$BIN" fetch >/dev/null 2>&1 &
	pid=$!
	sleep "0.$((RANDOM % 6 + 1))"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
done
before=$(nreports)
diag "after 6 kills: $before reports, $(inbox) messages left in the INBOX"
"$BIN" fetch >"$T/out2" 2>"$T/err2"; rc=$?
is "$rc" 0 "the re-run after kill -9 exits 0" || cat "$T/err2"
is "$(nreports)" 1300 "every message recorded (1,300 reports)"
is "$(q 'SELECT count(DISTINCT message_id) FROM reports')" 1300 "each message exactly once"
is "$(inbox)" 0 "none left in the INBOX"
is "$(processed)" 1300 "all 1,300 in Processed"
# a copy spooled by a killed run before its commit is a pending duplicate, as for ingest
"$BIN" reprocess --pending >/dev/null 2>&1
is "$(find "$A/spool/new" -type f | wc -l)" 0 "after reprocess --pending nothing is left pending in the spool"
is "$(nreports)" 1300 "and still 1,300 reports"

# --- 3. Dovecot stopped mid-run, started again ---
deliver 300 stop
start=$(nreports)
"$BIN" fetch >"$T/out3" 2>"$T/err3" &
pid=$!
for _ in $(seq 400); do [ "$(nreports)" -gt $((start + 20)) ] && break; sleep 0.05; done
diag "Dovecot's session before the crash: $(session_pids "$DOVE_PID" | wc -l) processes"
dove_crash
wait "$pid"; rc=$?
is "$rc" 75 "fetch exits 75 (EX_TEMPFAIL) when the server goes away" || cat "$T/err3"
dove_start || { echo "Bail out! dovecot did not start again"; exit 1; }
# The first run after the restart may find the server's state changed under
# the crashed session (a UID gone, an index Dovecot cannot take until it is
# resynced, a slow answer): then it exits 75 and says why. It never fails
# silently or with another status; force-resync below lets the next run finish.
"$BIN" fetch >"$T/out3b" 2>"$T/err3b"; rc=$?
[ "$rc" = 0 ] || diag "the run after the restart: exit $rc: $(cat "$T/err3b")"
ok "[ '$rc' = 0 ] || { [ '$rc' = 75 ] && [ -s '$T/err3b' ]; }" \
	"the run after the restart completes, or exits 75 and says why"
# A Dovecot killed in the middle of a MOVE can leave its Maildir index out of
# step with the files (seen: "dovecot-uidlist: UIDs not ordered", and copies it
# has expunged from its index still on disk). The postmaster's remedy is
# force-resync; whatever reappears must then be recognised, not recorded again.
doveadm -c "$D/dovecot.conf" force-resync -u abuse@example.net '*' 2>"$T/resync.err" ||
	diag "force-resync: $(cat "$T/resync.err")"
"$BIN" fetch >"$T/out3c" 2>"$T/err3c"; rc=$?
is "$rc" 0 "a run after force-resync completes" || cat "$T/err3c"
is "$(nreports)" 1600 "every message recorded once (1,600 reports)" ||
	diag "$(grep -v ' Info: ' "$D/log" | tail -5)"
is "$(inbox)" 0 "none left in the INBOX" || diag "$(cat "$T/out3c"; grep -v ' Info: ' "$D/log" | tail -5)"

# --- 4. a server that accepts and says nothing: the timeout holds ---
SPORT=$(free_port)
python3 -c 'import socket,sys,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(5)
c=[]
while True:
    c.append(s.accept()[0])' "$SPORT" &
STALL_PID=$!
wait_port 127.0.0.1 "$SPORT" 10
writeconf "fetch_url = imaps://abuse%40example.net@127.0.0.1:$SPORT/INBOX
fetch_connect_timeout = 1s
fetch_timeout = 1s"
timeout 60 "$BIN" fetch >/dev/null 2>"$T/err4"; rc=$?
is "$rc" 75 "a stalling server: exit 75 after the timeout (not hung)"
like "$(cat "$T/err4")" "did not answer in time" "and says it timed out"
kill "$STALL_PID" 2>/dev/null; STALL_PID=

# --- 5. wrong password, untrusted certificate: exit 69 with the reason ---
writeconf
printf 'wrong\n' >"$A/imap.secret"
"$BIN" fetch >/dev/null 2>"$T/err5"; rc=$?
is "$rc" 69 "a wrong password: exit 69 (EX_UNAVAILABLE)"
like "$(cat "$T/err5")" "login as abuse@example.net refused" "and says the login was refused"
printf 's3cret-imap\n' >"$A/imap.secret"
writeconf "fetch_ca_file = $T/other.pem"
"$BIN" fetch >/dev/null 2>"$T/err6"; rc=$?
is "$rc" 69 "an untrusted certificate: exit 69"
like "$(cat "$T/err6")" "not trusted" "and says the certificate is not trusted"
writeconf "fetch_ca_file ="
"$BIN" fetch >/dev/null 2>"$T/err6b"; rc=$?
is "$rc" 69 "verified against the system CAs by default: our test CA is refused"
grep -q 's3cret' "$T"/err* && fail "the password appears in an error message" || pass "no password in any message"

# --- 6. a message over max_message_size: stored truncated and flagged ---
writeconf "max_message_size = 4K"
NSEQ=$((NSEQ + 1))
{ printf 'From: reporter@example.org\nSubject: big report\nMessage-ID: <big@example.org>\n\n'
  for i in $(seq 400); do printf 'line %d of a long report about 192.0.2.7\n' "$i"; done; } >"$MD/new/$NSEQ.big"
chown "$MUID:$MGID" "$MD/new/$NSEQ.big" 2>/dev/null
"$BIN" fetch >/dev/null 2>"$T/err7"; rc=$?
is "$rc" 0 "an oversized message is fetched"
is "$(nreports)" 1601 "one report for it"
is "$(find "$A/spool/cur" -name '*,T=*' | wc -l)" 1 "stored truncated (,T= in the spool name)"
like "$(q "SELECT warnings FROM reports ORDER BY id DESC LIMIT 1")" "truncated" "the report is flagged truncated"
is "$(inbox)" 0 "and moved off the INBOX"

# --- 7. piped by the MTA and fetched: one report ---
writeconf
msg='From: reporter@example.org
To: abuse@example.net
Subject: piped and fetched
Message-ID: <both@example.org>

Spam from 192.0.2.9.
'
printf '%s' "$msg" | "$BIN" ingest 2>/dev/null
is "$(nreports)" 1602 "the piped copy is recorded"
NSEQ=$((NSEQ + 1)); printf '%s' "$msg" >"$MD/new/$NSEQ.both"; chown "$MUID:$MGID" "$MD/new/$NSEQ.both" 2>/dev/null
"$BIN" fetch >"$T/out8" 2>&1; rc=$?
is "$rc" 0 "the fetched copy: exit 0"
is "$(nreports)" 1602 "piped and fetched: one report"
like "$(cat "$T/out8")" "0 new, 1 duplicates" "the fetched copy counts as a duplicate"
is "$(inbox)" 0 "and it is moved"

# --- 8. keep: UIDs remembered; a UIDVALIDITY change re-reads without a second report ---
writeconf "fetch_after = keep"
deliver 3 keep
"$BIN" fetch >"$T/out9" 2>&1; rc=$?
is "$rc" 0 "keep: exit 0"
is "$(nreports)" 1605 "keep: 3 new reports"
is "$(inbox)" 3 "keep: the messages stay"
"$BIN" fetch >"$T/out9b" 2>&1
like "$(cat "$T/out9b")" "0 new, 0 duplicates" "keep: a re-run does not fetch what is done"
dove_stop
UV=$(sed -n '1s/.* V\([0-9]*\) .*/\1/p' "$MD/dovecot-uidlist")
sed -i "1s/ V$UV / V$((UV + 7)) /" "$MD/dovecot-uidlist"
rm -f "$MD"/dovecot.index*
dove_start || { echo "Bail out! dovecot did not start again"; exit 1; }
"$BIN" fetch >"$T/out10" 2>"$T/err10"; rc=$?
is "$rc" 0 "after a UIDVALIDITY change: exit 0"
like "$(cat "$T/err10")" "UIDVALIDITY changed" "the change is reported"
like "$(cat "$T/out10")" "0 new, 3 duplicates" "the mailbox is read again and deduped by content"
is "$(nreports)" 1605 "no second report"
is "$(q "SELECT uidvalidity FROM fetch_state")" "$((UV + 7))" "the new UIDVALIDITY is stored"

# --- 9. delete ---
writeconf "fetch_after = delete"
deliver 2 del
"$BIN" fetch >/dev/null 2>"$T/err11"; rc=$?
is "$rc" 0 "delete: exit 0" || cat "$T/err11"
is "$(nreports)" 1607 "delete: 2 new reports (the 3 kept ones are duplicates)"
is "$(inbox)" 0 "delete: the mailbox is empty"

# --- 10. configuration errors ---
writeconf "fetch_url = imaps://abuse:pw@127.0.0.1:$PORT/INBOX"
"$BIN" fetch >/dev/null 2>"$T/err12"; rc=$?
is "$rc" 78 "a password in fetch_url is refused (exit 78)"
like "$(cat "$T/err12")" "fetch_password_file" "and points to fetch_password_file"

done_testing
