#!/bin/bash
# test_postfix.sh - abusedesk behind a real Postfix on loopback: an alias pipe,
# a .forward pipe and a procmail recipe deliver into 'abusedesk ingest'; an
# unwritable spool makes Postfix defer, and after the repair 'postqueue -f'
# delivers the message exactly once; a quick load run through Postfix.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$ROOT/tests/lib/tap.sh"
. "$ROOT/tests/lib/postfix.sh"
BIN=${ABUSEDESK_BIN:-$ROOT/abusedesk}
BIN=$(readlink -f "$BIN")

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root to run a private Postfix"; echo "0 passed, 0 failed"; exit 0
fi
command -v postfix >/dev/null && command -v swaks >/dev/null && command -v procmail >/dev/null ||
	sh "$ROOT/tests/lib/deps.sh" test </dev/null >/dev/null || { echo "Bail out! deps"; exit 1; }

W=$(mktemp -d /tmp/abusedesk-pf.XXXXXX); chmod 755 "$W"
PF=$W/pf
cleanup() { pf_stop "$PF"; [ -n "${KEEP:-}" ] || rm -rf "$W"; }
trap cleanup EXIT
pf_user abusedesk >/dev/null 2>&1 || true
# a checkout the mail users cannot reach (under /root): Postfix pipes into a copy they can run
. "$ROOT/tests/lib/pipeuser.sh"; BIN=$(pipe_user_bin "$BIN" abusedesk) || { echo "Bail out! no binary the mail user can run"; exit 1; }
cat > "$W/abusedesk.conf" <<CONF
database = $W/db/abusedesk.db
spool_dir = $W/spool
run_user = abusedesk
syslog = no
our_networks = 127.0.0.0/8
our_domains = example.net
CONF
A() { "$BIN" -c "$W/abusedesk.conf" "$@"; }
q() { sqlite3 "$W/db/abusedesk.db" "$1"; }
A init >/dev/null
ok "[ \$(stat -c %U '$W/spool/new') = abusedesk ]" "spool belongs to the pipe user"

PORT=$(free_port)
ok pf_start "$PF" "$PORT" "private Postfix starts on 127.0.0.1:$PORT"
pf_alias "$PF" abuse "$BIN -c $W/abusedesk.conf ingest"

mk() { # FILE ID SUBJECT
	printf 'From: reporter@remote.example.org\nTo: abuse@example.net\nSubject: %s\nMessage-ID: <%s@remote.example.org>\nDate: Mon, 2 Nov 2026 10:00:00 +0000\n\nI received spam from 127.0.0.77.\n' "$3" "$2" > "$1"
}

# 1. alias pipe
mk "$W/m1.eml" alias1 "complaint through the alias"
ok pf_send "$PF" "$PORT" reporter@remote.example.org abuse@example.net "$W/m1.eml" "swaks submits to abuse@"
ok pf_wait_queue_empty "$PF" 30 "Postfix delivers through the pipe"
is "$(q "select count(*) from reports where message_id='alias1@remote.example.org'")" 1 "alias pipe: report recorded"
is "$(q "select status from reports where message_id='alias1@remote.example.org'")" done "alias pipe: report processed"
like "$(cat "$PF/maillog")" "to=<abuse@example.net>.*relay=local.*status=sent" "maillog: delivered via local(8) pipe"

# 2. spool unwritable: Postfix defers; repair + flush: delivered once
chmod 000 "$W/spool/tmp"
mk "$W/m2.eml" defer1 "complaint while the spool is broken"
pf_send "$PF" "$PORT" reporter@remote.example.org abuse@example.net "$W/m2.eml"
ok pf_wait_log "$PF" 'to=<abuse@example.net>.*status=deferred' 30 "exit 75 makes Postfix defer"
is "$(pf_queue_count "$PF")" 1 "the message stays in Postfix's queue"
is "$(q "select count(*) from reports where message_id='defer1@remote.example.org'")" 0 "nothing recorded while broken"
ok "! grep -q 'status=bounced' '$PF/maillog'" "no bounce"
chmod 700 "$W/spool/tmp"
pf_flush "$PF"
ok pf_wait_queue_empty "$PF" 30 "after the repair, postqueue -f delivers it"
is "$(q "select count(*) from reports where message_id='defer1@remote.example.org'")" 1 "recorded exactly once"

# 3. .forward pipe of a local user
pf_user adfwd "$W/home/adfwd" >/dev/null
mkdir -p "$W/home/adfwd"; chown adfwd: "$W/home/adfwd"
chmod 777 "$W/spool" "$W/spool/tmp" "$W/spool/new" "$W/spool/cur" "$W/db"; chmod 666 "$W/db/abusedesk.db"*
printf '"|%s -c %s/abusedesk.conf ingest"\n' "$BIN" "$W" > "$W/home/adfwd/.forward"
chown adfwd: "$W/home/adfwd/.forward"
mk "$W/m3.eml" fwd1 "complaint through .forward"
pf_send "$PF" "$PORT" reporter@remote.example.org adfwd@example.net "$W/m3.eml"
ok pf_wait_queue_empty "$PF" 30 ".forward pipe delivered"
is "$(q "select count(*) from reports where message_id='fwd1@remote.example.org'")" 1 ".forward pipe: report recorded"

# 4. procmail recipe, with its exit code passed back to Postfix
pf_user adproc "$W/home/adproc" >/dev/null
mkdir -p "$W/home/adproc"; chown adproc: "$W/home/adproc"
cat > "$W/home/adproc/procmailrc" <<RC
LOGFILE=$W/home/adproc/procmail.log
:0 w
| $BIN -c $W/abusedesk.conf ingest
# ingest failed (75): hand the failure back so Postfix keeps the message
:0 e
{ EXITCODE=75
  HOST }
RC
printf '"|/usr/bin/procmail -m %s/home/adproc/procmailrc"\n' "$W" > "$W/home/adproc/.forward"
chown adproc: "$W/home/adproc/.forward" "$W/home/adproc/procmailrc"
mk "$W/m4.eml" proc1 "complaint through procmail"
pf_send "$PF" "$PORT" reporter@remote.example.org adproc@example.net "$W/m4.eml"
ok pf_wait_queue_empty "$PF" 30 "procmail recipe delivered"
is "$(q "select count(*) from reports where message_id='proc1@remote.example.org'")" 1 "procmail: report recorded"
chmod 000 "$W/spool/tmp"
mk "$W/m5.eml" proc2 "procmail while broken"
pf_send "$PF" "$PORT" reporter@remote.example.org adproc@example.net "$W/m5.eml"
ok pf_wait_log "$PF" 'to=<adproc@example.net>.*status=deferred' 30 "procmail passes 75 back: Postfix defers"
is "$(q "select count(*) from reports where message_id='proc2@remote.example.org'")" 0 "procmail: nothing recorded while broken"
chmod 777 "$W/spool/tmp"
pf_flush "$PF"
ok pf_wait_queue_empty "$PF" 30 "procmail: delivered after the repair"
is "$(q "select count(*) from reports where message_id='proc2@remote.example.org'")" 1 "procmail: recorded exactly once"

# 5. a quick load run: N complaints from C concurrent SMTP clients
N=${PF_LOAD_N:-200}; C=${PF_LOAD_C:-10}
n0=$(q 'select count(*) from reports')
mkdir -p "$W/load"
for i in $(seq 1 "$N"); do mk "$W/load/$i.eml" "load$i" "load $i"; done
start=$(date +%s.%N)
seq 1 "$N" | xargs -P "$C" -I{} swaks --silent 2 --server 127.0.0.1 --port "$PORT" \
	--from reporter@remote.example.org --to abuse@example.net --data "$W/load/{}.eml" >/dev/null 2>&1
ok pf_wait_queue_empty "$PF" 120 "load: queue drains"
end=$(date +%s.%N)
is "$(q "select count(*) from reports where message_id like 'load%'")" "$N" "load: $N complaints recorded exactly once"
is "$(grep -c 'to=<abuse@example.net>.*status=deferred' "$PF/maillog")" 1 "load: no deferral caused by us (only the deliberate one)"
echo "FIGURE postfix load: $N messages from $C clients in $(echo "$end - $start" | bc) s"

done_testing
