#!/bin/bash
# test_outbox.sh - every outbox row goes out once, whoever runs the outbox:
#   1. 200 queued notifications, three `notify` runners and a `digest --send`
#      at once against the loopback SMTP sink: every Message-ID arrives exactly
#      once, the digest once; two `digest --send` for one period queue one row,
#      and so do runs with a relative period (--since 24h) within one day.
#   2. a runner killed (kill -9) while the sink is slow to accept DATA: while
#      its lease (notify_lease) runs, nobody else takes the row; after it, one
#      runner of two sends it, once.
#   3. a notice is built from the incident as it is when sent (status, report
#      count, confidence as `show` gives them); resolving or marking an
#      incident false_positive before the send cancels its notice (shown by
#      `notify --status`); `show` says "Notified" only once the server took it.
#   4. after a failed send `notify` says what waits and when it is tried next;
#      `notify --now` retries at once.
#   5. a database of an old schema version (1 on SQLite, 3 on PostgreSQL, the
#      first it had there) migrates (`init`) and its queued rows still go out.
# Time is pinned with ABUSEDESK_NOW where a lease or a backoff matters, so no
# assertion depends on how fast the machine is.
set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
. tests/lib/tap.sh
. tests/lib/servers.sh
. tests/lib/db.sh
BIN=${ABUSEDESK_BIN:-$ROOT/abusedesk}
BUILD=${ABUSEDESK_BUILD:-$ROOT/build/default}

if ! "$SINK_PYTHON" -c 'import aiosmtpd' 2>/dev/null; then
	echo "SKIP test_outbox.sh: python3-aiosmtpd is not installed (make check installs it)"
	echo "0 passed, 0 failed"; exit 0
fi
for f in "$BIN" "$BUILD/libabusedesk.a"; do
	[ -e "$f" ] || { echo "Bail out! $f missing: run make first"; echo "0 passed, 1 failed"; exit 1; }
done

T=$(mktemp -d /tmp/abusedesk-outbox-XXXXXX)
SINK=$T/sink
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	sink_stop "$SINK"; [ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

SP=$(free_port)
NOW=$(date +%s)
DB=$(db_target "$T/abusedesk.db")
conf() {   # FILE EXTRA-LINES
	cat > "$1" <<CONF
database = $DB
spool_dir = $T/spool
syslog = no
organization = Example Network
team_address = abuse-team@example.net
from_address = abusedesk@example.net
smtp_url = smtp://127.0.0.1:$SP
smtp_tls = none
smtp_timeout = 60s
notify_backoff = 60s
notify_max_attempts = 4
notify_interval = 1h
db_busy_timeout = 60s
$2
CONF
}
conf "$T/abusedesk.conf" ""
conf "$T/lease.conf" "notify_lease = 5s"
A() { "$BIN" -q -c "$T/abusedesk.conf" "$@"; }
q() { db_q "$DB" "$1"; }
CRLF=$'\r\n'   # line ends go into the SQL literals as they are
# mids: the Message-IDs in the sink, one a line
mids() { cat "$SINK"/[0-9]*.eml 2>/dev/null | tr -d '\r' | sed -n 's/^Message-ID: *//Ip'; }
mid_count() { mids | grep -cxF "$1"; }
# queue N..M: plain notifications (stored bodies) with Message-ID <nN@test>
queue() {
	q "WITH RECURSIVE s(i) AS (SELECT $1 UNION ALL SELECT i + 1 FROM s WHERE i < $2)
	   INSERT INTO outbox(kind, channel, recipient, subject, message_id, body, state, next_attempt_at, created_at)
	   SELECT 'notify', 'smtp', 'noc@owner.test', 'n' || i, '<n' || i || '@test>',
	    $(db_blob "$DB" "'From: <abusedesk@example.net>$CRLF' || 'To: <noc@owner.test>$CRLF' ||
	     'Subject: n' || i || '$CRLF' || 'Message-ID: <n' || i || '@test>$CRLF' ||
	     '$CRLF' || 'notice ' || i || '$CRLF'"), 'pending', $NOW, $NOW FROM s"
}

ok A init "init"
ok sink_start "$SINK" "$SP" "smtp sink up"

# ------------------------------------------------- 1: overlapping runners
queue 1 200
is "$(q "select count(*) from outbox where state = 'pending'")" 200 "200 notifications queued"
for i in 1 2 3; do
	( A notify --once >"$T/run$i.out" 2>&1; echo $? >"$T/run$i.rc" ) &
	PIDS+=($!)
done
( A digest --send >"$T/dg.out" 2>&1; echo $? >"$T/dg.rc" ) &
PIDS+=($!)
for p in "${PIDS[@]}"; do wait "$p"; done
PIDS=()
for i in 1 2 3; do is "$(cat "$T/run$i.rc")" 0 "runner $i finished (exit 0)"; done
is "$(cat "$T/dg.rc")" 0 "digest --send finished (exit 0)"
is "$(mids | grep -c '^<n[0-9]*@test>$')" 200 "the sink got 200 notifications"
is "$(mids | grep '^<n[0-9]*@test>$' | sort -u | wc -l)" 200 "200 distinct Message-IDs: every notification exactly once"
DUPS=$(mids | sort | uniq -d | head -n 3 | tr '\n' ' ')
is "$DUPS" "" "no Message-ID twice"
is "$(q "select count(*) from outbox where kind = 'digest'")" 1 "one digest queued"
DMID=$(q "select message_id from outbox where kind = 'digest'")
is "$(mid_count "$DMID")" 1 "the digest arrived once"
is "$(q "select state, count(*) from outbox group by state" | tr '\n' ' ')" "sent|201 " "every row sent"
is "$(q "select count(*) from outbox where claim_owner is not null")" 0 "no claim left behind"
S=0; for i in 1 2 3; do S=$((S + $(sed -n 's/^notify: \([0-9]*\) sent.*/\1/p' "$T/run$i.out"))); done
DS=$(sed -n 's/.*outbox: \([0-9]*\) sent.*/\1/p' "$T/dg.out")
is "$((S + DS))" 201 "the runners' sent counts add up to 201"

# two digest --send for the same period: one digest
FROM=$(date -u -d "@$((NOW - 86400))" +%Y-%m-%dT%H:%M:%SZ)
TO=$(date -u -d "@$NOW" +%Y-%m-%dT%H:%M:%SZ)
q "delete from outbox"
( A digest --send --from "$FROM" --to "$TO" >"$T/d1.out" 2>&1 ) &
PIDS+=($!)
( A digest --send --from "$FROM" --to "$TO" >"$T/d2.out" 2>&1 ) &
PIDS+=($!)
for p in "${PIDS[@]}"; do wait "$p"; done
PIDS=()
is "$(q "select count(*) from outbox where kind = 'digest'")" 1 "two digest --send for one period queue one digest"

is "$(cat "$T/d1.out" "$T/d2.out" | grep -c '^digest: 1 queued')" 1 "one of them says it queued it"
A digest --send --from "$FROM" --to "$TO" >/dev/null 2>&1
is "$(q "select count(*) from outbox where kind = 'digest'")" 1 "a later run for that period queues nothing either"
DMID=$(q "select message_id from outbox where kind = 'digest'")
is "$(mid_count "$DMID")" 1 "that digest arrived once"

# a relative period (--since, or the default 24h) ends "now": its key is the day (the --since
# length) it ends in, so overlapping timer runs within one day queue one digest
DAY0=$((NOW - NOW % 86400 + 36000))   # 10:00 UTC today
q "delete from outbox"
ABUSEDESK_NOW=$DAY0 A digest --send --since 24h >/dev/null 2>&1
ABUSEDESK_NOW=$((DAY0 + 3600)) A digest --send --since 24h >/dev/null 2>&1
ABUSEDESK_NOW=$((DAY0 + 7200)) A digest --send >/dev/null 2>&1
is "$(q "select count(*) from outbox where kind = 'digest'")" 1 \
	"three --since 24h / default runs within one day queue one digest"
ABUSEDESK_NOW=$((DAY0 + 86400)) A digest --send --since 24h >/dev/null 2>&1
is "$(q "select count(*) from outbox where kind = 'digest'")" 2 "the next day's run queues the next digest"
ABUSEDESK_NOW=$((DAY0 + 86400)) A digest --send --since 7d >/dev/null 2>&1
ABUSEDESK_NOW=$((DAY0 + 2 * 86400)) A digest --send --since 7d >/dev/null 2>&1
W0=$(((DAY0 + 86400) / 604800)) W1=$(((DAY0 + 2 * 86400) / 604800))
is "$(q "select count(*) from outbox where kind = 'digest'")" $((W0 == W1 ? 3 : 4)) \
	"--since 7d runs within one 7-day period queue one digest"

# ------------------------------------------------- 2: a runner killed mid-send
q "delete from outbox"
queue 300 300
echo "slow 120" >"$SINK/fail-mode"
: >"$SINK/attempts.log"
ABUSEDESK_NOW=$NOW "$BIN" -q -c "$T/lease.conf" notify --once >"$T/k.out" 2>&1 &
KPID=$!
PIDS+=("$KPID")
for _ in $(seq 300); do [ -s "$SINK/attempts.log" ] && break; sleep 0.1; done
ok "[ -s '$SINK/attempts.log' ]" "the runner is in DATA at the slow sink"
is "$(q "select CASE WHEN claim_owner IS NOT NULL THEN 1 ELSE 0 END, claim_until - $NOW from outbox where message_id = '<n300@test>'")" "1|5" \
	"the row is claimed for notify_lease (5 s)"
kill -9 "$KPID"; wait "$KPID" 2>/dev/null; PIDS=()
echo none >"$SINK/fail-mode"
is "$(q "select state from outbox where message_id = '<n300@test>'")" pending "killed mid-send: still pending, not sent"
ABUSEDESK_NOW=$((NOW + 4)) "$BIN" -q -c "$T/lease.conf" notify --once >"$T/k2.out" 2>&1
is "$(grep '^notify: [0-9]* sent' "$T/k2.out")" "notify: 0 sent, 0 deferred, 0 failed" "within the lease no other runner takes it"
for i in 1 2; do
	( ABUSEDESK_NOW=$((NOW + 6)) "$BIN" -q -c "$T/lease.conf" notify --once >"$T/k3$i.out" 2>&1 ) &
	PIDS+=($!)
done
for p in "${PIDS[@]}"; do wait "$p"; done
PIDS=()
is "$(cat "$T/k31.out" "$T/k32.out" | grep -c '^notify: 1 sent')" 1 "after the lease one of two runners sends it"
is "$(q "select state || ' ' || attempts from outbox where message_id = '<n300@test>'")" "sent 1" "marked sent once"
is "$(mid_count '<n300@test>')" 1 "the sink has it exactly once (the killed send was not accepted)"

# ------------------------------------------------- 3: rendered at send time, cancelled when resolved
. "$ROOT/tests/lib/drivers.sh"
build_driver enqueue.c "$T/enqueue" ||
	{ echo "Bail out! cannot build the enqueue driver"; echo "0 passed, 1 failed"; exit 1; }
enqueue() { "$T/enqueue" "$T/abusedesk.conf" "$1" "$2"; }
incident() {   # ID HOST
	q "INSERT INTO incidents(id, key_host, verdict, status, abused_host, abused_ip, confidence,
	   explanation, first_seen, last_seen, reports, messages, reporters, created_at, updated_at)
	   VALUES ($1, 'k$1', 'open_relay', 'open', '$2', '192.0.2.25', 'low', 'relayed', $NOW, $NOW, 1, 1, 1, $NOW, $NOW)"
	q "INSERT INTO reports(id, received_at, size, sha256, spool_path, status, incident_id, explanation)
	   VALUES ($1, $NOW, 1, 'sha$1', 'none', 'done', $1, 'x')"
}
msg_of() { grep -lF "$1" "$SINK"/[0-9]*.eml 2>/dev/null | head -n 1; }
q "delete from outbox"
incident 11 h11.example.net
incident 12 h12.example.net
incident 13 h13.example.net
for i in 11 12 13; do ok enqueue $i $i "notice for incident $i queued"; done
MID11=$(q "select message_id from outbox where incident_id = 11")
like "$(q "select subject from outbox where incident_id = 11")" "\\(1 report\\)" "queued with 1 report"
# the incident moves on before the send: two more reports, another confidence, acknowledged
q "UPDATE incidents SET reports = 3, messages = 3, reporters = 2, confidence = 'high' WHERE id = 11"
ok A ack 11 "incident 11 acknowledged"
ok A resolve 12 "incident 12 resolved before the send"
is "$(q "select state from outbox where incident_id = 12")" cancelled "resolving cancels its pending notice"
q "UPDATE incidents SET status = 'false_positive' WHERE id = 13"
ok "! A show 11 | grep -q '^Notified:'" "show: no Notified line while the notice only waits"
A notify --once >"$T/s.out" 2>&1
like "$(grep '^notify:' "$T/s.out")" "notify: 1 sent, 0 deferred, 0 failed, 1 cancelled" "one sent, one cancelled at send time"
F=$(msg_of "$MID11")
ok "[ -n '$F' ]" "incident 11's notice arrived"
BODY=$("$SINK_PYTHON" -c 'import email,email.policy,sys; m=email.message_from_bytes(open(sys.argv[1],"rb").read(),policy=email.policy.default); print("Subject:", m["Subject"]); print(m.get_body(("plain",)).get_content())' "$F")
like "$BODY" "Subject: \\[abuse #11\\] open relay on h11.example.net \\(3 reports\\)" "subject: the count at send time"
like "$BODY" "Reports: +3 \\(3 distinct messages, 2 reporters\\)" "body: the counts at send time"
like "$BODY" "confidence high" "body: the confidence at send time"
like "$BODY" "Status: +acknowledged" "body: the status at send time"
SHOW=$(A show 11)
like "$SHOW" "confidence high" "show gives the same confidence"
like "$SHOW" "3 reports" "show gives the same count"
like "$SHOW" "Notified:" "show: Notified once the server accepted it"
is "$(q "select count(*) from outbox where state = 'sent' and incident_id = 11 and message_id = '$MID11'")" 1 \
	"the row is sent, same Message-ID"
like "$(db_blob_get "$DB" body "from outbox where incident_id = 11 and message_id = '$MID11'")" "3 reports" \
	"the row keeps what was sent"
ok "[ -z \"\$(msg_of 'h12.example.net')\$(msg_of 'h13.example.net')\" ]" "nothing went out for the resolved or false-positive incident"
ST=$(A notify --status)
like "$ST" "cancelled.*incident resolved before sending" "notify --status shows the cancelled notice and why"
like "$ST" "cancelled.*incident marked false_positive before sending" "and the one cancelled at send time"
like "$ST" "2 cancelled" "the summary counts cancelled rows"
ok "! A show 12 | grep -q '^Notified:'" "show: no Notified line for a cancelled notice"

# ------------------------------------------------- 4: what waits after a failure, --now
q "delete from outbox"
queue 400 400
echo 4xx >"$SINK/fail-mode"
ABUSEDESK_NOW=$NOW A notify --once >"$T/w1.out" 2>&1
like "$(cat "$T/w1.out")" "notify: 0 sent, 1 deferred, 0 failed" "a 4xx: deferred"
ABUSEDESK_NOW=$((NOW + 10)) A notify --once >"$T/w2.out" 2>&1
WHEN=$(date -u -d "@$((NOW + 60))" +%Y-%m-%dT%H:%M:%SZ)
like "$(cat "$T/w2.out")" "1 waiting to be retried, the next at $WHEN \\(in 50s\\)" "the next run says what waits and when"
like "$(cat "$T/w2.out")" "notify --now" "and how to retry now"
echo none >"$SINK/fail-mode"
ABUSEDESK_NOW=$((NOW + 10)) A notify --once >/dev/null 2>&1
is "$(mid_count '<n400@test>')" 0 "not retried before it is due"
ABUSEDESK_NOW=$((NOW + 10)) A notify --once --now >"$T/w3.out" 2>&1
like "$(cat "$T/w3.out")" "notify: 1 sent" "notify --now retries at once"
is "$(mid_count '<n400@test>')" 1 "and it arrived once"
ok "! grep -q waiting '$T/w3.out'" "nothing waits any more"

# ------------------------------------------------- 5: a version 1 database migrates
q "delete from outbox"
queue 500 500
if db_pg; then   # PostgreSQL's first schema is version 3: take away what 4 to 7 added
	OLD=3
	q "DROP TABLE fetch_state, fetch_uids, rdap_cache, sessions, api_tokens, users;
	   DROP INDEX reports_not_ours, outbox_forward_at, outbox_forward_report;
	   ALTER TABLE maillog DROP COLUMN client_port; ALTER TABLE report_hops DROP COLUMN port;
	   ALTER TABLE reports DROP COLUMN contact_email, DROP COLUMN contact_at, DROP COLUMN forward_state,
	    DROP COLUMN forward_to, DROP COLUMN forward_at;
	   ALTER TABLE incidents DROP COLUMN assignee; DROP INDEX reports_content_key;
	   ALTER TABLE reports DROP COLUMN content_key; UPDATE schema_version SET version = 3" >/dev/null
else
	OLD=1
	q "DROP INDEX outbox_dedupe; DROP INDEX outbox_forward_at; DROP INDEX outbox_forward_report; DROP INDEX reports_not_ours; ALTER TABLE outbox DROP COLUMN claim_owner; ALTER TABLE outbox DROP COLUMN claim_until;
	   ALTER TABLE outbox DROP COLUMN reason; ALTER TABLE outbox DROP COLUMN report_id;
	   ALTER TABLE outbox DROP COLUMN dedupe_key; ALTER TABLE maillog DROP COLUMN client_port;
	   ALTER TABLE report_hops DROP COLUMN port; DROP TABLE rdap_cache; ALTER TABLE reports DROP COLUMN contact_email;
	   ALTER TABLE reports DROP COLUMN contact_at; ALTER TABLE reports DROP COLUMN forward_state;
	   ALTER TABLE reports DROP COLUMN forward_to; ALTER TABLE reports DROP COLUMN forward_at;
	   ALTER TABLE incidents DROP COLUMN assignee; DROP TABLE sessions; DROP TABLE api_tokens; DROP TABLE users;
	   DROP INDEX reports_content_key; ALTER TABLE reports DROP COLUMN content_key;
	   PRAGMA user_version = 1"
fi
ok "! A notify --once 2>/dev/null" "a version $OLD database: notify asks for init"
like "$(A init 2>&1)" "schema version $OLD -> 7" "init migrates it"
is "$(db_version "$DB")" 7 "schema version 7"
A notify --once >/dev/null 2>&1
is "$(mid_count '<n500@test>')" 1 "a row queued before the migration goes out once"

done_testing
