#!/bin/bash
# test_ingest.sh - the ingest contract: exit codes, durability, bad input,
# duplicates, locks, concurrency, recovery from the spool.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/db.sh
BIN=${ABUSEDESK_BIN:-$PWD/abusedesk}
T=$(mktemp -d /tmp/abusedesk-ingest-XXXXXX)
cleanup() { [ -n "$_DB_LOCK_PID" ] && kill "$_DB_LOCK_PID" 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$T"; }
trap cleanup EXIT

USER_ARGS=()
if [ "$(id -u)" = 0 ]; then
	id abusedesk >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin abusedesk
	chown abusedesk "$T"; chmod 755 "$T"
	RUN_USER=abusedesk
	AS=(runuser -u abusedesk --)
	# a checkout the mail user cannot reach (under /root): run a copy it can
	. "tests/lib/pipeuser.sh"; BIN=$(pipe_user_bin "$BIN" abusedesk) || { echo "Bail out! no binary the mail user can run"; echo "0 passed, 1 failed"; exit 1; }
else
	RUN_USER=
	AS=()
fi
DB=$(db_target "$T/db/abusedesk.db")
conf() { # conf EXTRA-LINES
	cat > "$T/abusedesk.conf" <<CONF
database = $DB
spool_dir = $T/spool
run_user = $RUN_USER
syslog = no
db_busy_timeout = 1s
our_networks = 192.0.2.0/24, 198.51.100.0/24, 2001:db8::/32
our_domains = example.net
$1
CONF
}
A() { "$BIN" -c "$T/abusedesk.conf" "$@"; }
ingest() { "$BIN" -q -c "$T/abusedesk.conf" ingest; }   # as root: drops to run_user itself
q() { db_q "$DB" "$1"; }
files() { find "$T/spool/$1" -type f | wc -l; }

conf ""
ok "A init" "init creates database and spool"
ok "A init" "init is idempotent"
is "$(db_version "$DB")" "7" "schema version recorded"
[ -n "$RUN_USER" ] && is "$(stat -c %U "$T/spool/new")" "abusedesk" "init as root hands the spool to run_user"

# a normal message
MSG=$T/m1.eml
printf 'From: reporter@example.org\nTo: abuse@example.net\nSubject: spam from you\nMessage-ID: <m1@example.org>\n\nYou sent me spam.\n' > "$MSG"
ingest < "$MSG"; is "$?" 0 "ingest exits 0"
is "$(q 'select count(*) from reports')" 1 "one report"
is "$(q "select status from reports")" done "report processed"
is "$(files cur)" 1 "spool file moved to cur/"
is "$(files new)$(files tmp)" "00" "nothing left in new/ and tmp/"
f=$(find "$T/spool/cur" -type f | head -1)
ok "cmp '$f' '$MSG'" "bytes stored exactly as received"
[ -n "$RUN_USER" ] && is "$(stat -c %U "$f")" abusedesk "message handled as run_user, not root"

# duplicate delivery
ingest < "$MSG"; is "$?" 0 "duplicate exits 0"
is "$(q 'select count(*) from reports')" 1 "duplicate adds no report"
is "$(files cur)$(files new)" "10" "duplicate leaves no second spool file"

# bad input: each stored, exit 0
: | ingest; is "$?" 0 "empty stdin exits 0"
head -c 65536 /dev/urandom > "$T/bin.eml"; ingest < "$T/bin.eml"; is "$?" 0 "binary garbage exits 0"
printf 'Subject: nul\0inside\n\nbody\0\0\n' > "$T/nul.eml"; ingest < "$T/nul.eml"; is "$?" 0 "NUL bytes exit 0"
printf 'From MAILER-DAEMON Thu Jan  1 00:00:00 2026\r\nSubject: crlf\r\n\r\nx\r\n' > "$T/crlf.eml"; ingest < "$T/crlf.eml"; is "$?" 0 "mbox From line + CRLF exits 0"
printf 'Subject: cr only\rFrom: a@b\r\rbody\r' > "$T/cr.eml"; ingest < "$T/cr.eml"; is "$?" 0 "CR-only line ends exit 0"
is "$(q 'select count(*) from reports')" 6 "each bad input stored as a report"
for x in nul crlf cr; do
	sha=$(sha256sum < "$T/$x.eml" | cut -d' ' -f1)
	is "$(q "select count(*) from reports where sha256='$sha' and size=$(stat -c %s "$T/$x.eml")")" 1 "$x stored byte-exact (sha256 and size)"
done
is "$(q "select count(*) from reports where status='done'")" 6 "all bad inputs processed, none pending"
# bytes that are not UTF-8 where the parser keeps them (an ARF report's
# original headers): recorded with U+FFFD on both backends, not left pending
sed 's/^Subject: \(.*\)/Subject: \1 \xc3\x28\xff/; s/^From: \(.*\)/From: \1 \xfe/' samples/arf-abuse.eml >"$T/utf8.eml"
ingest < "$T/utf8.eml"; is "$?" 0 "invalid UTF-8 in a report's fields exits 0"
is "$(q "select status || ' ' || format from reports order by id desc limit 1")" "done arf" "invalid UTF-8: recorded"
like "$(q "select orig_headers from reports order by id desc limit 1")" $'Subject: Special offer just for you \xef\xbf\xbd\\(\xef\xbf\xbd\n' \
	"invalid UTF-8: each bad byte stored as U+FFFD"
is "$(files new)" 0 "invalid UTF-8: nothing pending"

# a 50 MB message under the default cap
conf "max_message_size = 100M"
python3 -c "
import sys
sys.stdout.write('From: big@example.org\nSubject: big\n\n')
line = 'x' * 76 + '\n'
sys.stdout.write(line * (50 * 1024 * 1024 // 77))" > "$T/big.eml"
ingest < "$T/big.eml"; is "$?" 0 "50 MB message exits 0"
is "$(q "select size from reports order by id desc limit 1")" "$(stat -c %s "$T/big.eml")" "50 MB message stored whole"

# over the hard cap: stored truncated and flagged
conf "max_message_size = 1M"
head -c 3000000 "$T/big.eml" > "$T/over.eml"
ingest < "$T/over.eml"; is "$?" 0 "message over the cap exits 0"
is "$(q "select size from reports order by id desc limit 1")" 1048576 "stored truncated at the cap"
is "$(q "select flags & 1 from reports order by id desc limit 1")" 1 "flagged truncated"
like "$(q "select warnings from reports order by id desc limit 1")" "truncated" "warning says truncated"

# missing or broken configuration: 75 with a clear message
"$BIN" -c "$T/nope.conf" ingest < "$MSG" 2>"$T/err"; is "$?" 75 "missing config file: exit 75"
like "$(cat "$T/err")" "nope.conf: cannot open" "missing config: message names the file"
printf 'database = x\nbogus key\n' > "$T/broken.conf"
"$BIN" -c "$T/broken.conf" ingest < "$MSG" 2>"$T/err"; is "$?" 75 "broken config: exit 75"
like "$(cat "$T/err")" "broken.conf:2:" "broken config: message names file and line"
"$BIN" -c "$T/abusedesk.conf" ingest --bogus < "$MSG" 2>/dev/null; is "$?" 75 "unknown ingest argument defers (75), never bounces"

# spool not writable: 75, nothing half-written
conf ""
chmod 000 "$T/spool/tmp"
if [ -z "$RUN_USER" ] && [ "$(id -u)" = 0 ]; then
	skip "unwritable spool: root without run_user writes anywhere"
else
	printf 'Subject: unwritable\n\nx\n' | ingest 2>"$T/err"; is "$?" 75 "unwritable spool: exit 75"
	like "$(cat "$T/err")" "stays with the MTA" "unwritable spool: message says the MTA keeps it"
	is "$(files new)" 0 "unwritable spool: nothing in new/"
fi
chmod 700 "$T/spool/tmp"

# database locked past the deadline: exit 0, pending; reprocess finishes it
n0=$(q 'select count(*) from reports')
# the holder keeps the lock until we release it; db_lock returns once the
# lock is seen taken (conditions, not sleeps against the 1 s busy timeout)
ok db_lock "$DB" "database locked by another process"
printf 'Subject: while locked\nMessage-ID: <locked@example.org>\n\nx\n' | ingest 2>/dev/null; is "$?" 0 "database locked: still exit 0"
is "$(files new)" 1 "database locked: message pending in new/"
db_unlock
is "$(q 'select count(*) from reports')" "$n0" "nothing recorded while locked"
"${AS[@]}" "$BIN" -q -c "$T/abusedesk.conf" reprocess --pending >/dev/null; is "$?" 0 "reprocess --pending exits 0"
is "$(q 'select count(*) from reports')" "$((n0 + 1))" "reprocess --pending recorded it once"
is "$(files new)" 0 "pending file moved on"

# 20 concurrent ingest processes, 1000 messages
n0=$(q 'select count(*) from reports')
mkdir -p "$T/load"
for i in $(seq 1 1000); do
	printf 'From: r%d@example.org\nSubject: load %d\nMessage-ID: <load%d@example.org>\n\nbody %d\n' $i $i $i $i > "$T/load/$i.eml"
done
conf "db_busy_timeout = 30s"
seq 1 1000 | xargs -P 20 -I{} sh -c '"$0" -q -c "$1" ingest < "$2/load/{}.eml" || echo "exit $?" >> "$2/load.err"' "$BIN" "$T/abusedesk.conf" "$T"
is "$(cat "$T/load.err" 2>/dev/null | wc -l)" 0 "20 concurrent ingests: no error exit"
is "$(q 'select count(*) from reports')" "$((n0 + 1000))" "20 concurrent ingests: exactly 1000 reports"
is "$(q "select count(*) from reports where status != 'done'")" 0 "20 concurrent ingests: none pending"

# the same complaint through another MX host of ours: its own Received line,
# queue id and date, local delivery's Delivered-To/X-Original-To/Return-Path,
# a milter's header at the end of the block, and CRLF line ends
mx() { # mx HOST ID FILE: FILE as HOST's local delivery hands it to the pipe
	printf 'Return-Path: <reporter@example.org>\nX-Original-To: abuse@example.net\nDelivered-To: abuse@example.net\n'
	printf 'Received: from mail.example.org (mail.example.org [203.0.113.7])\n\tby %s.example.net (Postfix) with ESMTPS id %s\n\tfor <abuse@example.net>; Sat, 5 Dec 2026 10:0%s:00 +0000 (UTC)\n' "$1" "$2" "${#2}"
	awk -v h="$1" '!d && $0 == "" { print "X-Spam-Status: No, score=0.1 (on " h ")"; d = 1 } { print }' "$3"
}
MX=$T/mx.eml
printf 'From: reporter@example.org\nTo: abuse@example.net\nSubject: spam again\nDate: Sat, 5 Dec 2026 09:59:00 +0000\nMessage-ID: <mx1@example.org>\n\nYou sent me spam\nfrom 192.0.2.77.\n' > "$MX"
mx mx1 4ABC1 "$MX" > "$T/mx1.eml"
mx mx2 9Z8Y7X6 "$MX" | sed 's/$/\r/' > "$T/mx2.eml"
like "$(sed -n 12p "$T/mx1.eml")" "^X-Spam-Status: .*mx1" "the milter's field is in the header"
ingest < "$T/mx1.eml"; is "$?" 0 "a complaint through MX 1 exits 0"
nf=$(( $(files cur) + $(files new) ))
ingest < "$T/mx2.eml"; is "$?" 0 "the same complaint through MX 2 exits 0"
is "$(q "select count(*) from reports where message_id = 'mx1@example.org'")" 1 \
	"one report for the complaint delivered through two MX hosts"
is "$(q "select count(*) from reports where content_key is not null and message_id = 'mx1@example.org'")" 1 \
	"the report has a content key"
is "$(( $(files cur) + $(files new) ))" "$nf" "the second delivery leaves no second spool file"
# the same text with another body, or another Message-ID, is another complaint
sed 's/192.0.2.77/192.0.2.78/' "$T/mx1.eml" | ingest; is "$?" 0 "another body exits 0"
sed 's/<mx1@/<mx2@/' "$T/mx1.eml" | ingest; is "$?" 0 "another Message-ID exits 0"
is "$(q "select count(*) from reports where message_id in ('mx1@example.org', 'mx2@example.org')")" 3 \
	"another body or another Message-ID is another report"
# a row recorded before there were content keys gets its key from reprocess --all
q "update reports set content_key = null where message_id = 'mx1@example.org' and subject = 'spam again'
	and sha256 = '$(sha256sum < "$T/mx1.eml" | cut -c1-64)'" >/dev/null
is "$(q "select count(*) from reports where content_key is null and message_id = 'mx1@example.org'")" 1 \
	"a row without a content key, as recorded before schema version 7"
"${AS[@]}" "$BIN" -q -c "$T/abusedesk.conf" reprocess --all >/dev/null 2>&1
is "$(q "select count(*) from reports where content_key is null and message_id = 'mx1@example.org'")" 0 \
	"reprocess --all gives a row without a content key its key"
mx mx3 5QRS "$MX" | ingest; is "$?" 0 "the complaint through MX 3 exits 0"
is "$(q "select count(*) from reports where message_id = 'mx1@example.org'")" 2 \
	"and it is still one report (the other body is the other)"
# without a Message-ID only the bytes dedupe: two sends of one text are two complaints
grep -v '^Message-ID' "$T/mx1.eml" > "$T/nomid1.eml"; grep -v '^Message-ID' "$T/mx2.eml" > "$T/nomid2.eml"
ingest < "$T/nomid1.eml" && ingest < "$T/nomid2.eml" && ingest < "$T/nomid1.eml"
is "$(q "select count(*) from reports where subject = 'spam again' and message_id is null")" 2 \
	"without a Message-ID: the same bytes once, other bytes another report"

# database deleted: ingest keeps the message; init + reprocess --all rebuilds everything
total=$(q 'select count(*) from reports')
db_wipe "$DB"
printf 'Subject: after loss\nMessage-ID: <afterloss@example.org>\n\nx\n' | ingest 2>"$T/err"; is "$?" 0 "database missing: ingest still exits 0"
like "$(cat "$T/err")" "abusedesk init" "database missing: says to run init"
A init >/dev/null
"${AS[@]}" "$BIN" -q -c "$T/abusedesk.conf" reprocess --all >/dev/null; is "$?" 0 "reprocess --all exits 0"
is "$(q 'select count(*) from reports')" "$((total + 1))" "reprocess --all recovered every report from the spool"

# corrupted database: clear error, ingest still safe
sqlite_only "a corrupted file (PostgreSQL keeps its own files)" && {
cp "$T/db/abusedesk.db" "$T/db/good.db"
head -c 4096 /dev/urandom | dd of="$T/db/abusedesk.db" bs=1 seek=0 conv=notrunc 2>/dev/null
printf 'Subject: corrupt\n\nx\n' | ingest 2>"$T/err"; is "$?" 0 "database corrupted: ingest still exits 0"
A reports >/dev/null 2>"$T/err"; rc=$?
ok "[ $rc -ne 0 ]" "database corrupted: reports fails"
like "$(cat "$T/err")" "abusedesk.db" "database corrupted: error names the file"
}

done_testing
