#!/bin/bash
# shellcheck disable=SC1091
# tests/e2e/test_infra.sh -- self-test of the test infrastructure in tests/lib/:
# private Postfix instances (alias pipe as the pipe user, exit-75 deferral and
# flush, .forward pipe, procmail from .forward and as mailbox_command, two
# instances side by side), the SMTP sink (receive, 5xx, 4xx via control file)
# and the HTTP sink (HMAC signature valid/invalid, --status).  Needs root.
# Everything binds loopback only; all processes are stopped by PID on exit.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
LIB="$HERE/../lib"
. "$LIB/tap.sh"
. "$LIB/postfix.sh"
. "$LIB/servers.sh"

if [ "$(id -u)" -ne 0 ]; then
    echo "1..0 # SKIP test_infra.sh needs root (private Postfix instances)"
    exit 0
fi
if ! command -v postfix >/dev/null || ! command -v swaks >/dev/null ||
   ! command -v procmail >/dev/null || ! "$SINK_PYTHON" -c 'import aiosmtpd' 2>/dev/null; then
    "$LIB/deps.sh" test </dev/null || { echo "Bail out! missing dependencies"; exit 1; }
fi

WORK=$(mktemp -d /tmp/abusedesk-infra.XXXXXX)
chmod 755 "$WORK"
PF_A="$WORK/pfa" PF_B="$WORK/pfb"
SINK="$WORK/sink" SINK5="$WORK/sink5" HTTP="$WORK/http" HTTP5="$WORK/http5"
cleanup() {
    pf_stop "$PF_A"; pf_stop "$PF_B"
    sink_stop "$SINK"; sink_stop "$SINK5"
    http_stop "$HTTP"; http_stop "$HTTP5"
    if [ -n "${KEEP:-}" ]; then echo "# kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

msg() {   # FILE SUBJECT
    printf 'From: reporter@remote.test\nTo: abuse@example.net\nSubject: %s\nMessage-ID: <%s@remote.test>\n\nspam report body\n' \
        "$2" "$RANDOM$RANDOM" >"$1"
}

# ---------------------------------------------------------------- Postfix A
OUT="$WORK/out"; mkdir -p "$OUT"; chown abusedesk: "$OUT" 2>/dev/null || { pf_user abusedesk && chown abusedesk: "$OUT"; }
PA=$(free_port)
ok pf_start "$PF_A" "$PA" "postfix A starts on 127.0.0.1:$PA"
ok "proc_alive \$(cat '$PF_A/master.pid')" "master PID recorded and alive"
pf_alias "$PF_A" abuse "/bin/sh -c 'id -un > $OUT/user; [ -f $OUT/fail ] && exit 75; cat > $OUT/msg.\$\$.eml'"
nmail() { find "$OUT" -name 'msg.*.eml' | wc -l | tr -d ' '; }

msg "$WORK/m1.eml" "first report"
ok pf_send "$PF_A" "$PA" reporter@remote.test abuse@example.net "$WORK/m1.eml" "swaks submits to postfix A"
ok pf_wait_queue_empty "$PF_A" 20 "queue drains"
is "$(nmail)" 1 "alias pipe delivered one message"
is "$(cat "$OUT/user" 2>/dev/null)" abusedesk "alias pipe ran as abusedesk (owner of aliases.db)"
ok "grep -q '^Subject: first report' $OUT/msg.*.eml" "delivered message has the subject"

touch "$OUT/fail"
msg "$WORK/m2.eml" "second report"
pf_send "$PF_A" "$PA" reporter@remote.test abuse@example.net "$WORK/m2.eml"
ok pf_wait_log "$PF_A" 'to=<abuse@example.net>.*status=deferred' 20 "exit 75 -> status=deferred in maillog"
is "$(pf_queue_count "$PF_A")" 1 "deferred message stays in the queue"
like "$(pf_queue "$PF_A")" 'temporary failure' "postqueue -p shows the temporary failure"
is "$(nmail)" 1 "nothing new delivered while failing"
rm -f "$OUT/fail"
pf_flush "$PF_A"
ok pf_wait_queue_empty "$PF_A" 20 "queue drains after fix + flush"
is "$(nmail)" 2 "deferred message delivered after flush"

# .forward pipe and procmail from .forward
pf_user adfwd "$WORK/home/adfwd"
pf_user adproc "$WORK/home/adproc"
mkdir -p "$WORK/fwd" "$WORK/proc"; chown adfwd: "$WORK/fwd"; chown adproc: "$WORK/proc"
printf '"|/bin/sh -c '\''id -un > %s/user; cat > %s/fwd.eml'\''"\n' "$WORK/fwd" "$WORK/fwd" >"$WORK/home/adfwd/.forward"
printf 'MAILDIR=%s\nDEFAULT=%s/default.mbox\nLOGFILE=%s/procmail.log\n:0\n* ^Subject:.*procmail\n%s/hit.mbox\n' \
    "$WORK/proc" "$WORK/proc" "$WORK/proc" "$WORK/proc" >"$WORK/home/adproc/procmailrc"
printf '"|/usr/bin/procmail -m %s/procmailrc"\n' "$WORK/home/adproc" >"$WORK/home/adproc/.forward"
chown adfwd: "$WORK/home/adfwd/.forward"; chown adproc: "$WORK/home/adproc/.forward" "$WORK/home/adproc/procmailrc"
msg "$WORK/m3.eml" "via procmail and forward"
ok pf_send "$PF_A" "$PA" reporter@remote.test adfwd@example.net,adproc@example.net "$WORK/m3.eml" "send to .forward users"
ok pf_wait_queue_empty "$PF_A" 20 "queue drains (.forward)"
is "$(cat "$WORK/fwd/user" 2>/dev/null)" adfwd ".forward pipe ran as the .forward owner"
ok "[ -s '$WORK/fwd/fwd.eml' ]" ".forward pipe got the message"
ok "grep -q '^Subject: via procmail' '$WORK/proc/hit.mbox'" "procmail -m RCFILE from .forward filed the message"

# ---------------------------------------------------------------- Postfix B (coexisting)
pf_user admbox "$WORK/home/admbox"
mkdir -p "$WORK/mbox"; chown admbox: "$WORK/mbox"
printf 'MAILDIR=%s\nDEFAULT=%s/inbox.mbox\n' "$WORK/mbox" "$WORK/mbox" >"$WORK/home/admbox/procmailrc"
chown admbox: "$WORK/home/admbox/procmailrc"
PB=$(free_port)
ok "PF_ADDR=127.0.0.2 pf_start '$PF_B' '$PB' 'mailbox_command = /usr/bin/procmail -m $WORK/home/admbox/procmailrc'" \
    "postfix B starts on 127.0.0.2:$PB alongside A"
msg "$WORK/m4.eml" "mailbox command"
ok pf_send "$PF_B" "$PB" reporter@remote.test admbox@example.net "$WORK/m4.eml" "send to postfix B"
ok pf_wait_queue_empty "$PF_B" 20 "queue B drains"
# the queue is empty once local(8) handed the message to procmail; procmail may still be writing
for _ in $(seq 100); do grep -qs '^Subject: mailbox command' "$WORK/mbox/inbox.mbox" && break; sleep 0.1; done
ok "grep -q '^Subject: mailbox command' '$WORK/mbox/inbox.mbox'" "procmail as mailbox_command delivered"
msg "$WORK/m5.eml" "outside"
pf_send "$PF_B" "$PB" reporter@remote.test someone@outside.test "$WORK/m5.eml"
ok pf_wait_log "$PF_B" 'reject: RCPT.*<someone@outside.test>.*outside delivery disabled' 10 \
    "outside recipients are refused (default_transport = error:)"
ok pf_wait_queue_empty "$PF_B" 20 "queue B drains after bounce"
PIDB=$(cat "$PF_B/master.pid" 2>/dev/null)
pf_stop "$PF_B"
ok "[ -n '$PIDB' ] && ! proc_alive '$PIDB'" "pf_stop stopped postfix B"
ok "wait_port 127.0.0.1 '$PA' 2" "postfix A still up after B stopped"

# ---------------------------------------------------------------- SMTP sink
SP=$(free_port)
ok sink_start "$SINK" "$SP" "smtpsink starts"
swaks --server 127.0.0.1 --port "$SP" --from bot@example.net --to a@owner.test,b@owner.test \
    --data "$WORK/m1.eml" >"$WORK/swaks-sink.log" 2>&1 </dev/null
ok sink_wait "$SINK" 1 5 "smtpsink stored a message"
ok "grep -q '^Subject: first report' '$SINK/0001.eml'" "0001.eml has the message"
is "$(grep -c '^RCPT TO:' "$SINK/0001.env" 2>/dev/null)" 2 "0001.env lists both recipients"
like "$(head -n1 "$SINK/0001.env" 2>/dev/null)" '^MAIL FROM:<bot@example.net>$' "0001.env has MAIL FROM"
echo 4xx >"$SINK/fail-mode"
swaks --server 127.0.0.1 --port "$SP" --from bot@example.net --to a@owner.test --data "$WORK/m1.eml" \
    >"$WORK/swaks-4xx.log" 2>&1 </dev/null
like "$(cat "$WORK/swaks-4xx.log")" '<\*\* 451' "fail-mode file switches to 451"
rm -f "$SINK/fail-mode"
is "$(sink_count "$SINK")" 1 "rejected message not stored"

SP5=$(free_port)
ok sink_start "$SINK5" "$SP5" 5xx "smtpsink starts in 5xx mode"
swaks --server 127.0.0.1 --port "$SP5" --from bot@example.net --to a@owner.test --data "$WORK/m1.eml" \
    >"$WORK/swaks-5xx.log" 2>&1 </dev/null
rc=$?
ok "[ $rc -ne 0 ]" "swaks fails against 5xx sink"
like "$(cat "$WORK/swaks-5xx.log")" '<\*\* 554' "5xx sink answers 554 to DATA"
is "$(sink_count "$SINK5")" 0 "5xx sink stored nothing"
is "$(wc -l <"$SINK5/attempts.log" | tr -d ' ')" 1 "5xx sink logged the attempt"

# ---------------------------------------------------------------- HTTP sink
post() {  # PORT BODY SIG -> prints HTTP status
    "$SINK_PYTHON" - "$@" <<'PY'
import sys, urllib.request, urllib.error
port, body, sig = sys.argv[1], sys.argv[2].encode(), sys.argv[3]
req = urllib.request.Request("http://127.0.0.1:%s/hook" % port, data=body, method="POST",
                             headers={"Content-Type": "application/json", "X-Abusedesk-Signature": sig})
try:
    print(urllib.request.urlopen(req, timeout=10).status)
except urllib.error.HTTPError as e:
    print(e.code)
PY
}
hmac_hex() { "$SINK_PYTHON" -c 'import hmac,hashlib,sys; print(hmac.new(sys.argv[1].encode(), sys.argv[2].encode(), hashlib.sha256).hexdigest())' "$1" "$2"; }
HP=$(free_port)
ok http_start "$HTTP" "$HP" --secret s3cret "httpsink starts"
BODY='{"incident":1,"verdict":"open-relay"}'
is "$(post "$HP" "$BODY" "sha256=$(hmac_hex s3cret "$BODY")")" 200 "signed POST answered 200"
is "$(post "$HP" "$BODY" "sha256=$(hmac_hex wrong "$BODY")")" 200 "badly signed POST answered 200"
ok http_wait "$HTTP" 2 5 "httpsink recorded two requests"
is "$(cat "$HTTP/0001.json")" "$BODY" "0001.json holds the raw body"
ok "grep -qx 'signature-valid: yes' '$HTTP/0001.hdr'" "valid signature recognised"
ok "grep -qx 'signature-valid: no' '$HTTP/0002.hdr'" "invalid signature recognised"
ok "grep -q '^path: /hook' '$HTTP/0001.hdr'" "hdr records the path"
HP5=$(free_port)
ok http_start "$HTTP5" "$HP5" --secret s3cret --status 500 "httpsink starts with --status 500"
is "$(post "$HP5" "$BODY" "sha256=$(hmac_hex s3cret "$BODY")")" 500 "--status 500 answered 500"

http_stop "$HTTP"; sink_stop "$SINK"
ok "! wait_port 127.0.0.1 '$HP' 0.3" "http_stop closed the port"
ok "! wait_port 127.0.0.1 '$SP' 0.3" "sink_stop closed the port"

done_testing
