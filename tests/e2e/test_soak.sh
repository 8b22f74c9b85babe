#!/bin/bash
# test_soak.sh - the no-loss soak (bounded: a few hundred deliveries, about a
# minute on two cores). Parallel ingests (50 at once) of distinct and duplicate
# ARF reports, each tracing to an inventory network with an owner email so
# that it queues a notification, beside a `reprocess --pending` loop and two
# `notify --once` runners in loops against the loopback SMTP sink. Afterwards:
#   - every delivery exited 0, every report's spool file exists;
#   - every distinct message has exactly one row, the duplicates none;
#   - every notification arrived in the sink exactly once (by Message-ID), and
#     every outbox row in state sent is in the sink once.
# Prints a FIGURE line: messages, duplicates, runners, lost, duplicates sent.
# No assertion depends on timing: the loops stop on a file, the checks run
# after a final drain.
set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
. tests/lib/tap.sh
. tests/lib/servers.sh
BIN=$(readlink -f "${ABUSEDESK_BIN:-$ROOT/abusedesk}")

if ! "$SINK_PYTHON" -c 'import aiosmtpd' 2>/dev/null; then
	echo "SKIP test_soak.sh: python3-aiosmtpd is not installed (make check installs it)"
	echo "0 passed, 0 failed"; exit 0
fi
[ -x "$BIN" ] || { echo "Bail out! $BIN missing: run make first"; echo "0 passed, 1 failed"; exit 1; }

T=$(mktemp -d /tmp/abusedesk-soak-XXXXXX); chmod 755 "$T"
SINK=$T/sink
LOOPS=()
cleanup() {
	: > "$T/stop"
	for p in "${LOOPS[@]}"; do wait "$p" 2>/dev/null; done
	sink_stop "$SINK"; [ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mail_user

SP=$(free_port)
cat > "$T/abusedesk.conf" <<CONF
database = $T/db/abusedesk.db
spool_dir = $T/spool
run_user = $RUN_USER
syslog = no
our_networks = 10.0.0.0/8
our_domains = soak.test
organization = Soak Network
team_address = abuse-team@example.net
from_address = abusedesk@example.net
smtp_url = smtp://127.0.0.1:$SP
smtp_tls = none
smtp_timeout = 60s
notify_backoff = 1s
notify_max_attempts = 20
db_busy_timeout = 60s
CONF
A() { "$BIN" -q -c "$T/abusedesk.conf" "$@"; }
q() { sqlite3 -cmd '.timeout 30000' "$T/db/abusedesk.db" "$1"; }
# mids: the Message-ID of each message in the sink (its own header, not the attached complaint's)
mids() {
	local f
	for f in "$SINK"/[0-9]*.eml; do
		[ -e "$f" ] && tr -d '\r' < "$f" | sed -n '/^$/q; s/^Message-ID: *//Ip'
	done
}

A init >/dev/null
printf 'key,name,email,webhook_url,policy,digest\nsoak,Soak hosts,noc@owner.test,,immediate,no\n' > "$T/owners.csv"
printf 'cidr,owner,role,note\n10.0.0.0/8,soak,server,soak hosts\n' > "$T/networks.csv"
A inventory import owners "$T/owners.csv" && A inventory import networks "$T/networks.csv"
ok "[ \"\$(q 'SELECT count(*) FROM owners')\" = 1 ]" "the soak inventory is imported"
ok sink_start "$SINK" "$SP" "smtp sink up"

# arf N: an ARF report of spam sent from 10.x.y.z, one incident per N
arf() {
	local ip="10.$(($1 / 65536 % 256)).$(($1 / 256 % 256)).$(($1 % 256))"
	printf 'From: FBL <fbl@fbl.example.org>\nTo: abuse@soak.test\nSubject: FW: spam %s\n' "$1"
	printf 'Message-ID: <arf-%s@fbl.example.org>\nMIME-Version: 1.0\n' "$1"
	printf 'Content-Type: multipart/report; report-type=feedback-report; boundary="b"\n\n'
	printf -- '--b\nContent-Type: text/plain\n\nspam from %s\n\n' "$ip"
	printf -- '--b\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\nUser-Agent: SoakFBL/1\n'
	printf 'Version: 1\nSource-IP: %s\nArrival-Date: Tue, 05 Mar 2024 13:58:41 +0000\n\n' "$ip"
	printf -- '--b\nContent-Type: message/rfc822\n\n'
	printf 'Received: from h%s.soak.test (h%s.soak.test [%s])\n' "$1" "$1" "$ip"
	printf '\tby mx.fbl.example.org with ESMTP id S%s\n\tfor <v@fbl.example.org>; Tue, 05 Mar 2024 13:58:41 +0000\n' "$1"
	printf 'From: <s@soak.test>\nTo: <v@fbl.example.org>\nSubject: offer %s\nMessage-ID: <spam-%s@soak.test>\n\nbuy %s\n\n--b--\n' "$1" "$1" "$1"
}
NDIST=${SOAK_N:-450}; NDUP=$((NDIST / 3)); NALL=$((NDIST + NDUP)); RUNNERS=2
mkdir -p "$T/msgs"
for i in $(seq 1 "$NDIST"); do arf "$i" > "$T/msgs/$i.eml"; done
for i in $(seq 1 "$NDUP"); do cp "$T/msgs/$((i * 3)).eml" "$T/msgs/d$i.eml"; done

# the loops: reprocess --pending, and two notify runners
(while [ ! -e "$T/stop" ]; do A reprocess --pending >/dev/null 2>&1; done) &
LOOPS+=($!)
for r in $(seq 1 "$RUNNERS"); do
	(while [ ! -e "$T/stop" ]; do A notify --once >>"$T/notify$r.out" 2>&1; done) &
	LOOPS+=($!)
done
ls "$T"/msgs/*.eml | xargs -P50 -n1 sh -c '"$0" -q -c "$1" ingest < "$2"; echo "$?" > "$2.rc"' \
	"$BIN" "$T/abusedesk.conf"
: > "$T/stop"
for p in "${LOOPS[@]}"; do wait "$p"; done
LOOPS=()

is "$(cat "$T"/msgs/*.rc 2>/dev/null | grep -c '^0$')" "$NALL" "every one of $NALL deliveries exits 0"
# drain: what the loops left (queued after a runner's last pass) goes out now
A reprocess --pending >/dev/null 2>&1
for _ in 1 2 3 4 5; do
	[ "$(q "SELECT count(*) FROM outbox WHERE state = 'pending'")" = 0 ] && break
	ABUSEDESK_NOW=$(($(date +%s) + 3600)) A notify --once >>"$T/drain.out" 2>&1
done

# spool and rows
lost=0
while read -r p; do
	[ -e "$T/spool/cur/$p" ] || [ -e "$T/spool/new/$p" ] || lost=$((lost + 1))
done < <(q "SELECT spool_path FROM reports")
is "$lost" 0 "every report's spool file exists"
is "$(q 'SELECT count(*) FROM reports')" "$NDIST" "the $NDIST distinct messages have $NDIST rows"
norow=0
for i in $(seq 1 "$NDIST"); do
	h=$(sha256sum < "$T/msgs/$i.eml" | cut -c1-64)
	[ "$(q "SELECT count(*) FROM reports WHERE sha256 = '$h'")" = 1 ] || norow=$((norow + 1))
done
is "$norow" 0 "every accepted message has exactly one row"
lost=$((lost + norow))

# notifications
is "$(q "SELECT count(*) FROM outbox WHERE kind = 'notify'")" "$NDIST" "one notification queued per incident"
is "$(q "SELECT state, count(*) FROM outbox GROUP BY state" | tr '\n' ' ')" "sent|$NDIST " "every notification sent"
is "$(mids | wc -l)" "$NDIST" "the sink received $NDIST messages"
dupsent=$(mids | sort | uniq -d | wc -l)
is "$dupsent" 0 "no Message-ID arrived twice"
q "SELECT message_id FROM outbox WHERE state = 'sent'" > "$T/sent.ids"
mids | sort > "$T/sink.ids"
notonce=0
while read -r m; do [ "$(grep -cxF "$m" "$T/sink.ids")" = 1 ] || notonce=$((notonce + 1)); done < "$T/sent.ids"
is "$notonce" 0 "every outbox row in state sent is in the sink exactly once"
is "$(q "SELECT count(*) FROM outbox WHERE claim_owner IS NOT NULL")" 0 "no claim left behind"

for r in $(seq 1 "$RUNNERS"); do
	diag "notify runner $r: $(sed -n 's/^notify: \([0-9]*\) sent.*/\1/p' "$T/notify$r.out" | awk '{s += $1} END {print s + 0}') sent"
done
echo "FIGURE soak: messages: $NALL ($NDIST distinct), duplicates: $NDUP, parallel ingests: 50," \
	"runners: $RUNNERS notify + 1 reprocess --pending, notifications: $(mids | wc -l)," \
	"lost: $lost, duplicates sent: $dupsent"
done_testing
