#!/bin/bash
# test_bounds.sh - the boundaries of issue 15 (items 6-10), end to end:
# - exit codes in front of an MTA: a bad or missing global option, no command,
#   an unknown command, a bad ingest argument all exit 75 and say why on stderr
#   and syslog (syslog calls caught by a tiny LD_PRELOAD shim); other commands
#   keep 64 for usage errors;
# - C1 and bidi controls in a complaint's subjects never reach `reports`,
#   `show`, `parse` or a notification raw; JSON output escapes them;
# - a complaint with a bare CR is attached base64 and decodes to the stored
#   bytes, with no header line (Bcc:) that was not there;
# - a failed commit logs the database's real error, not "not an error".
set -u
cd "$(dirname "$0")/../.." || exit 2
ROOT=$PWD
. tests/lib/tap.sh
. tests/lib/servers.sh
BIN=${ABUSEDESK_BIN:-$ROOT/abusedesk}
BUILD=${ABUSEDESK_BUILD:-$ROOT/build/default}

[ -x "$BIN" ] || { echo "Bail out! $BIN missing: run make first"; echo "0 passed, 1 failed"; exit 1; }

T=$(mktemp -d /tmp/abusedesk-bounds-XXXXXX)
SINK=$T/sink
cleanup() { sink_stop "$SINK"; [ -n "${KEEP:-}" ] || rm -rf "$T"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

AS=() RUN_USER=
if [ "$(id -u)" = 0 ]; then
	id abusedesk >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin abusedesk
	chown abusedesk "$T"; chmod 755 "$T"
	RUN_USER=abusedesk AS=(runuser -u abusedesk --)
	# a checkout the mail user cannot reach (under /root): run a copy it can
	. "tests/lib/pipeuser.sh"; BIN=$(pipe_user_bin "$BIN" abusedesk) || { echo "Bail out! no binary the mail user can run"; echo "0 passed, 1 failed"; exit 1; }
fi
SP=$(free_port)
cat > "$T/abusedesk.conf" <<CONF
database = $T/db/abusedesk.db
spool_dir = $T/spool
run_user = $RUN_USER
syslog = no
our_networks = 192.0.2.0/24, 198.51.100.0/24, 2001:db8::/32, 10.0.0.0/8, 100.64.0.0/10
our_domains = example.net
team_address = abuse-team@example.net
from_address = abusedesk@example.net
organization = Example Network
smtp_url = smtp://127.0.0.1:$SP
smtp_tls = none
smtp_timeout = 5s
ack_reporters = yes
CONF
A() { "${AS[@]}" "$BIN" -q -c "$T/abusedesk.conf" "$@"; }
q() { sqlite3 "$T/db/abusedesk.db" "$1"; }

# ------------------------------------------------ 6. exit codes in front of an MTA
# the shim: openlog/syslog calls are appended to $SYSLOG_FILE
cat > "$T/syslog.c" <<'C'
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
static void put(const char *fmt, va_list ap)
{
	FILE *fp = fopen(getenv("SYSLOG_FILE"), "a");
	if (fp) { vfprintf(fp, fmt, ap); fputc('\n', fp); fclose(fp); }
}
void openlog(const char *ident, int opt, int fac) { (void)ident; (void)opt; (void)fac; }
void vsyslog(int prio, const char *fmt, va_list ap) { (void)prio; put(fmt, ap); }
void __vsyslog_chk(int prio, int flag, const char *fmt, va_list ap) { (void)prio; (void)flag; put(fmt, ap); }
void syslog(int prio, const char *fmt, ...) { va_list ap; (void)prio; va_start(ap, fmt); put(fmt, ap); va_end(ap); }
C
SHIM=
case "$BUILD" in
*asan*) ;;      # a sanitizer runtime must come first in LD_PRELOAD: no shim there
*) cc -shared -fPIC -o "$T/syslog.so" "$T/syslog.c" && SHIM=$T/syslog.so ;;
esac
MSG=samples/forward-attached.eml
# mta CASE WANT ARGS...: exit status WANT, a reason on stderr and (with the shim) in syslog
mta() {
	local what=$1 want=$2 rc
	shift 2
	rm -f "$T/syslog"
	SYSLOG_FILE=$T/syslog LD_PRELOAD=$SHIM "$BIN" "$@" <"$MSG" >/dev/null 2>"$T/err"
	rc=$?
	is "$rc" "$want" "$what: exit $want"
	if [ "$want" = 75 ]; then
		ok "[ -s '$T/err' ]" "$what: says why on stderr ($(head -c 80 "$T/err" | head -n1))"
		if [ -n "$SHIM" ]; then
			ok "[ -s '$T/syslog' ]" "$what: says why in syslog"
		else
			skip "$what: syslog not checked, the ASan runtime must come first in LD_PRELOAD"
		fi
	fi
}
mta "abusedesk -Z ingest" 75 -Z ingest
mta "abusedesk -c (no file)" 75 -c
mta "abusedesk -c FILE (no command)" 75 -c "$T/abusedesk.conf"
mta "abusedesk (nothing)" 75
mta "abusedesk ingset (misspelt)" 75 -c "$T/abusedesk.conf" ingset
mta "abusedesk '' (empty argument)" 75 ''
mta "abusedesk -Z -v ingest" 75 -Z -v ingest
mta "abusedesk -c FILE ingest --bogus" 75 -c "$T/abusedesk.conf" ingest --bogus
mta "abusedesk -c FILE ingest --help" 75 -c "$T/abusedesk.conf" ingest --help
mta "abusedesk -c MISSING ingest" 75 -c "$T/missing.conf" ingest
like "$(cat "$T/err")" "missing.conf" "a missing configuration is named"
# other commands keep 64 for usage errors
mta "abusedesk -Z reports" 64 -Z reports
mta "abusedesk -c FILE reports --bogus" 64 -c "$T/abusedesk.conf" reports --bogus
mta "abusedesk help nosuch" 64 help nosuch

# ------------------------------------------------ 7. C1 and bidi controls
ok A init "init"
ok sink_start "$SINK" "$SP" "smtp sink up"
# the subjects carry NEL (U+0085), CSI (U+009B), RLO (U+202E), LRI (U+2066), LRM (U+200E), ALM (U+061C)
CTL=$(printf 'spam \xc2\x85 x \xc2\x9b31m \xe2\x80\xaeevil \xe2\x81\xa6y \xe2\x80\x8ez \xd8\x9c end')
ENC="=?UTF-8?B?$(printf '%s' "$CTL" | base64 -w0)?="
cat >"$T/ctl.eml" <<EML
From: Kim Reporter <kim@example.org>
To: abuse@example.com
Subject: Fwd: $ENC
Date: Mon, 11 Mar 2024 10:05:00 +0100
Message-ID: <ctl1@example.org>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="fwd-1"

--fwd-1
Content-Type: text/plain; charset=utf-8

Spam again from your server.

--fwd-1
Content-Type: message/rfc822

Received: from smtp.example.com (smtp.example.com [198.51.100.77])
	by mx.example.org (Postfix) with ESMTPS id 5F1A2
	for <kim@example.org>; Mon, 11 Mar 2024 09:40:00 +0100 (CET)
From: promo@example.com
To: kim@example.org
Subject: $ENC
Date: Mon, 11 Mar 2024 08:39:57 +0000
Message-ID: <won-ctl@example.com>

You won a prize.

--fwd-1--
EML
# ctl_free FILE: no C1 (UTF-8 or raw), no bidi control in FILE
ctl_free() { ! LC_ALL=C grep -qP '\xc2[\x80-\x9f]|[\x80-\x9f]|\xe2\x80[\x8e\x8f\xaa-\xae]|\xe2\x81[\xa6-\xa9]|\xd8\x9c' "$1"; }
"$BIN" parse "$T/ctl.eml" >"$T/parse.out" 2>&1
ok ctl_free "$T/parse.out" "parse: no C1 or bidi control in the summary"
"$BIN" parse --json "$T/ctl.eml" >"$T/parse.json" 2>&1
ok ctl_free "$T/parse.json" "parse --json: no C1 or bidi control raw"
"${AS[@]}" "$BIN" -q -c "$T/abusedesk.conf" ingest <"$T/ctl.eml"; is "$?" 0 "complaint with controls ingested"
RID=$(q "select id from reports where message_id = 'ctl1@example.org'")
IID=$(q "select coalesce(incident_id, 0) from reports where id = ${RID:-0}")
ok "[ '${IID:-0}' -gt 0 ]" "filed under incident #${IID:-none}"
# a row written by an older version (or by hand) with the controls raw
q "update reports set orig_subject = 'old $CTL' where id = ${RID:-0}"
A reports >"$T/reports.out" 2>&1
like "$(cat "$T/reports.out")" "old spam" "reports shows the subject"
ok ctl_free "$T/reports.out" "reports: controls shown as '?'"
A reports --format json >"$T/reports.json" 2>&1
ok ctl_free "$T/reports.json" "reports --format json: no control raw"
like "$(cat "$T/reports.json")" 'spam \\u0085 x \\u009b31m \\u202eevil \\u2066y \\u200ez \\u061c end' \
	"reports --format json: the controls escaped as \\uXXXX"
A show "$IID" >"$T/show.out" 2>&1
like "$(cat "$T/show.out")" "old spam" "show shows the subject"
ok ctl_free "$T/show.out" "show: controls shown as '?'"
A search kim@example.org >"$T/search.out" 2>&1
ok ctl_free "$T/search.out" "search: no control raw"
A notify --once >"$T/notify.out" 2>&1
like "$(cat "$T/notify.out")" ", 0 failed$" "notify --once sends without failures"
N=$(sink_count "$SINK")
ok "[ '$N' -ge 2 ]" "the notice and the acknowledgement arrived ($N)"
# every header and text part decoded: no control there
"$SINK_PYTHON" - "$SINK" >"$T/decoded.txt" <<'PY'
import email, email.policy, glob, sys
for f in sorted(glob.glob(sys.argv[1] + "/[0-9]*.eml")):
    m = email.message_from_bytes(open(f, "rb").read(), policy=email.policy.default)
    for k, v in m.items():
        print("%s: %s" % (k, v))
    for part in m.walk():
        if part.get_content_type() == "text/plain":
            print(part.get_content())
PY
like "$(cat "$T/decoded.txt")" "Subject: Auto: Fwd: spam" "the acknowledgement's subject carries the complaint's"
ok ctl_free "$T/decoded.txt" "notifications: no C1 or bidi control in decoded subjects and bodies"

# ------------------------------------------------ 8. a bare CR in a complaint
printf 'From: Lee <lee@example.org>\r\nTo: abuse@example.com\r\nSubject: spam from 198.51.100.77\rBcc: victim@example.org\r\nDate: Mon, 11 Mar 2024 10:05:00 +0100\r\nMessage-ID: <cr1@example.org>\r\n\r\nThe host 198.51.100.77 sent us spam.\rBcc: other@example.org\r\n' >"$T/cr.eml"
"${AS[@]}" "$BIN" -q -c "$T/abusedesk.conf" ingest <"$T/cr.eml"; is "$?" 0 "complaint with a bare CR ingested"
CRID=$(q "select coalesce(incident_id, 0) from reports where message_id = 'cr1@example.org'")
ok "[ '${CRID:-0}' -gt 0 ]" "filed under incident #${CRID:-none}"
SPOOLED=$(q "select spool_path from reports where message_id = 'cr1@example.org'")
[ -f "$SPOOLED" ] || SPOOLED=$(find "$T/spool" -type f -name "$(basename "$SPOOLED")" | head -n1)
ok "[ -f '$SPOOLED' ]" "the complaint is in the spool"
before=$(sink_count "$SINK")
A notify --once >"$T/notify2.out" 2>&1
like "$(cat "$T/notify2.out")" ", 0 failed$" "notify --once sends without failures"
NOTICE=$(grep -l "^X-Abusedesk-Incident: ${CRID:-0}" "$SINK"/[0-9]*.eml 2>/dev/null | tail -n1)
ok "[ -n '$NOTICE' ]" "a notice for incident #${CRID:-none} arrived (sink had $before before)"
if [ -n "$NOTICE" ]; then
	"$SINK_PYTHON" - "$NOTICE" "$SPOOLED" >"$T/attach.out" <<'PY'
import email, email.policy, sys
m = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=email.policy.default)
stored = open(sys.argv[2], "rb").read()
found = 0
for part in m.walk():
    if part.get_content_disposition() == "attachment":
        found = 1
        print("type=" + part.get_content_type())
        if part.get_content_type() == "message/rfc822":
            inner = part.get_payload()[0]
            print("bcc=" + str(inner["Bcc"]))
            print("equal=" + str(inner.as_bytes() == stored))
        else:
            data = part.get_payload(decode=True)
            print("equal=" + str(data == stored))
print("attached=%d" % found)
# header lines of the whole notice: none names a Bcc
print("bcc_lines=%d" % sum(1 for l in open(sys.argv[1], "rb").read().split(b"\r\n") if l.lower().startswith(b"bcc:")))
PY
	like "$(cat "$T/attach.out")" "attached=1" "the notice attaches the complaint"
	like "$(cat "$T/attach.out")" "type=application/octet-stream" "a bare CR: attached base64, not as message/rfc822"
	like "$(cat "$T/attach.out")" "equal=True" "the attachment decodes to the stored complaint byte for byte"
	like "$(cat "$T/attach.out")" "bcc_lines=0" "no Bcc: line appears in the notice"
fi

# ------------------------------------------------ 10. a failed commit names the real error
# a deferred foreign key that cannot hold: COMMIT itself fails
q "create table fk_target(id integer primary key);
   create table fk_src(r integer references fk_target(id) deferrable initially deferred);
   create trigger fk_fail after insert on reports begin insert into fk_src values (-1); end;"
sed 's/<f1@example.org>/<fk1@example.org>/' samples/forward-attached.eml >"$T/fk.eml"
"${AS[@]}" "$BIN" -c "$T/abusedesk.conf" ingest <"$T/fk.eml" 2>"$T/fk.err"; is "$?" 0 "a failed commit still exits 0 (the message is spooled)"
like "$(cat "$T/fk.err")" "FOREIGN KEY constraint failed; message .* stays pending" "the log names the commit's real error"
ok "! grep -q 'not an error' '$T/fk.err'" "and never 'not an error'"
is "$(q "select count(*) from reports where message_id = 'fk1@example.org'")" 0 "nothing of it was stored"
q "drop trigger fk_fail"
# a statement that fails inside the transaction
q "create trigger ins_fail before insert on reports begin select raise(abort, 'reports are closed today'); end;"
sed 's/<f1@example.org>/<fk2@example.org>/' samples/forward-attached.eml >"$T/fk2.eml"
"${AS[@]}" "$BIN" -c "$T/abusedesk.conf" ingest <"$T/fk2.eml" 2>"$T/fk2.err"; is "$?" 0 "a failed insert still exits 0"
like "$(cat "$T/fk2.err")" "reports are closed today; message .* stays pending" "the log names the statement's real error"
q "drop trigger ins_fail"
ok A reprocess --pending "reprocess --pending once the database is whole again"
is "$(q "select count(*) from reports where message_id in ('fk1@example.org', 'fk2@example.org')")" 2 \
	"both pending messages are stored then"

done_testing
