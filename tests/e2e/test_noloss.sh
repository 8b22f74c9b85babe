#!/bin/bash
# test_noloss.sh - nothing acknowledged is lost or kept twice when processes
# overlap: a reprocess that meets a file an ingest is still finishing leaves it
# alone (held open deterministically with the fault-injection shim, and in a
# bounded soak of parallel ingests beside a `reprocess --pending` loop), and
# oversized messages are deduplicated on what was received, not on the bytes
# kept.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$ROOT/tests/lib/tap.sh"
BIN=$(readlink -f "${ABUSEDESK_BIN:-$ROOT/abusedesk}")
BUILD=${ABUSEDESK_BUILD:-$ROOT/build/default}
SHIM=$BUILD/tests/faultinject.so
W=$(mktemp -d /tmp/abusedesk-noloss.XXXXXX); chmod 755 "$W"
mkdir -m 1777 "$W/log"   # the shim's log, written by ingest after it dropped privileges
STOPPED=
cleanup() { [ -n "$STOPPED" ] && kill -CONT "$STOPPED" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
mail_user
mkconf() { # DIR [EXTRA LINE]
	mkdir -p "$1"
	cat > "$1/abusedesk.conf" <<CONF
database = $1/db/abusedesk.db
spool_dir = $1/spool
run_user = $RUN_USER
syslog = no
db_busy_timeout = 60s
${2:-}
CONF
	"$BIN" -q -c "$1/abusedesk.conf" init >/dev/null
}
mk() { printf 'From: r@example.org\nSubject: noloss %s\nMessage-ID: <%s@noloss.example.org>\n\nbody %s\n' "$2" "$2" "$2" > "$1"; }
# missing_files DIR: the reports whose spool file is in neither new/ nor cur/
missing_files() {
	local n=0 p
	while read -r p; do
		[ -e "$1/spool/cur/$p" ] || [ -e "$1/spool/new/$p" ] || n=$((n + 1))
	done < <(sqlite3 "$1/db/abusedesk.db" "SELECT spool_path FROM reports")
	echo "$n"
}
# wait_for FILE REGEX: until a line of FILE matches (bounded: about 30 s)
wait_for() {
	for _ in $(seq 1 600); do grep -qE "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
	return 1
}

# 1. an ingest held between its commit and the move to cur/ while a reprocess runs
D=$W/held; mkconf "$D"; mk "$W/held.eml" held1
if nm "$BIN" 2>/dev/null | grep -q __asan_init; then
	skip "part 1: an LD_PRELOAD shim cannot run in front of the ASan runtime"
elif [ -f "$SHIM" ]; then
	LD_PRELOAD=$SHIM FI_STOP_RENAME=/spool/cur/ FI_LOG=$W/log/held \
		"$BIN" -q -c "$D/abusedesk.conf" ingest < "$W/held.eml" 2>"$W/held.err" &
	ipid=$!
	if wait_for "$W/log/held" ' stop '; then
		STOPPED=$(awk '/ stop /{print $1; exit}' "$W/log/held")
		ok "[ \"\$(sqlite3 '$D/db/abusedesk.db' 'SELECT count(*) FROM reports')\" = 1 ]" \
			"the held ingest committed its row"
		"$BIN" -q -c "$D/abusedesk.conf" reprocess --pending >"$W/held.rp" 2>&1
		ok "[ -n \"\$(ls '$D/spool/new')\" ]" "reprocess leaves the file an ingest is still finishing"
		kill -CONT "$STOPPED"; STOPPED=
	else
		fail "the shim held the ingest before the move to cur/" "$(cat "$W/log/held" "$W/held.err" 2>/dev/null)"
		for c in $(pgrep -P "$ipid"); do kill -CONT "$c"; done
	fi
	wait "$ipid"; is "$?" 0 "the held ingest exits 0"
	is "$(missing_files "$D")" 0 "the report's spool file exists"
	ok "[ -n \"\$(ls '$D/spool/cur')\" ] && [ -z \"\$(ls '$D/spool/new')\" ]" "the file reached cur/"
else
	fail "faultinject shim missing: make $SHIM"
fi

# 2. a duplicate is removed only when its row names another file that exists
D=$W/dup; mkconf "$D"; mk "$W/dup.eml" dup1
"$BIN" -q -c "$D/abusedesk.conf" ingest < "$W/dup.eml"
first=$(ls "$D/spool/cur")
rm -f "$D/spool/cur/$first"   # the stored copy is lost (say, a bad restore)
"$BIN" -q -c "$D/abusedesk.conf" ingest --spool-only < "$W/dup.eml"
"$BIN" -q -c "$D/abusedesk.conf" reprocess --pending >/dev/null 2>&1
is "$(missing_files "$D")" 0 "a redelivery whose row's file is gone is kept, and the row names it"
is "$(sqlite3 "$D/db/abusedesk.db" 'SELECT count(*) FROM reports')" 1 "still one row"
"$BIN" -q -c "$D/abusedesk.conf" ingest < "$W/dup.eml"
is "$(ls "$D/spool/cur" | wc -l)" 1 "a redelivery whose row's file exists is removed"

# 3. the soak: parallel ingests (distinct and duplicate) beside a reprocess --pending loop
D=$W/soak; mkconf "$D"; mkdir -p "$W/msgs"
NDIST=${NOLOSS_N:-200}; NDUP=$((NDIST / 2))
for i in $(seq 1 "$NDIST"); do mk "$W/msgs/$i.eml" "s$i"; done
for i in $(seq 1 "$NDUP"); do cp "$W/msgs/$((i * 2)).eml" "$W/msgs/d$i.eml"; done
(while [ ! -e "$W/stop" ]; do "$BIN" -q -c "$D/abusedesk.conf" reprocess --pending >/dev/null 2>&1; done) &
ls "$W"/msgs/*.eml | xargs -P50 -n1 sh -c '"$0" -q -c "$1" ingest < "$2"; echo "$?" > "$2.rc"' \
	"$BIN" "$D/abusedesk.conf"
: > "$W/stop"; wait
is "$(cat "$W"/msgs/*.rc 2>/dev/null | grep -c '^0$')" "$((NDIST + NDUP))" \
	"every one of $((NDIST + NDUP)) deliveries exits 0"
"$BIN" -q -c "$D/abusedesk.conf" reprocess --pending >/dev/null 2>&1
is "$(missing_files "$D")" 0 "every report's spool file exists after the soak"
is "$(sqlite3 "$D/db/abusedesk.db" 'SELECT count(*) FROM reports')" "$NDIST" \
	"every distinct message has one row ($NDIST)"
lost=0
for i in $(seq 1 "$NDIST"); do
	h=$(sha256sum < "$W/msgs/$i.eml" | cut -c1-64)
	[ "$(sqlite3 "$D/db/abusedesk.db" "SELECT count(*) FROM reports WHERE sha256='$h'")" = 1 ] || lost=$((lost + 1))
done
is "$lost" 0 "no accepted message without exactly one row"
is "$(ls "$D/spool/cur" "$D/spool/new" | grep -c '^[0-9]')" "$NDIST" "one spool file per distinct message"
diag "soak: $((NDIST + NDUP)) deliveries, $NDUP duplicates, 50 parallel, lost: $lost"

# 4. oversized messages: deduplicated on the whole stream, flagged truncated
D=$W/big; mkconf "$D" "max_message_size = 65536"
big() { { printf 'From: r@example.org\nSubject: big\n\n'; head -c $(($1 - 32)) /dev/zero | tr '\0' y; } | head -c "$1"; }
for n in 65536 65537 1048576 65537; do big "$n" | "$BIN" -q -c "$D/abusedesk.conf" ingest; done
q() { sqlite3 "$D/db/abusedesk.db" "$1"; }
is "$(q 'SELECT count(*) FROM reports')" 3 "max_message_size, +1 and 1 MiB are three reports (the second +1 is a duplicate)"
is "$(q 'SELECT flags & 1 FROM reports ORDER BY size')" "$(printf '0\n1\n1')" \
	"the two cut messages are flagged truncated, the exact one is not"
is "$(q 'SELECT size FROM reports')" "$(printf '65536\n65536\n65536')" "each keeps max_message_size bytes"
like "$(q 'SELECT warnings FROM reports WHERE flags & 1 ORDER BY id')" \
	'65537 bytes received, 65536 kept.*1048576 bytes received, 65536 kept' "the warning says what was received"
"$BIN" -q -c "$D/abusedesk.conf" reprocess --all >/dev/null 2>&1
is "$(q 'SELECT count(*) FROM reports')" 3 "reprocess --all keeps them apart"
is "$(missing_files "$D")" 0 "their spool files exist"

# 5. the cur/ reconcile is bounded: --pending looks only at files moved into cur/ since its last
#    pass (less a margin), each by name; --all still checks every file
D=$W/rec; mkconf "$D"
q() { sqlite3 -cmd '.timeout 30000' "$D/db/abusedesk.db" "$1"; }
mk "$W/rec1.eml" rec1; mk "$W/rec2.eml" rec2
"$BIN" -q -c "$D/abusedesk.conf" ingest < "$W/rec1.eml"
"$BIN" -q -c "$D/abusedesk.conf" reprocess --pending >/dev/null 2>&1
ok "[ \"\$(sqlite3 '$D/db/abusedesk.db' \"SELECT value FROM meta WHERE key = 'reconciled_at'\")\" -gt 0 ]" \
	"reprocess --pending remembers when its reconcile started"
q "DELETE FROM reports"   # the commit was lost, the move was not
"$BIN" -q -c "$D/abusedesk.conf" reprocess --pending >"$W/rec.out" 2>&1
is "$(q 'SELECT count(*) FROM reports')" 1 "a recent cur/ file without a row is recorded by --pending"
"$BIN" -q -c "$D/abusedesk.conf" ingest < "$W/rec2.eml"
q "DELETE FROM reports WHERE subject LIKE '%rec2%'"
# the last pass is taken to be two days from now: the file moved into cur/ today is old to it
q "UPDATE meta SET value = $(($(date +%s) + 172800)) WHERE key = 'reconciled_at'"
"$BIN" -q -c "$D/abusedesk.conf" reprocess --pending >/dev/null 2>&1
is "$(q 'SELECT count(*) FROM reports')" 1 "--pending leaves a cur/ file older than its last pass alone"
"$BIN" -q -c "$D/abusedesk.conf" reprocess --all >/dev/null 2>&1
is "$(q "SELECT count(*) FROM reports WHERE subject LIKE '%rec2%'")" 1 "--all finds the old cur/ file without a row"
is "$(missing_files "$D")" 0 "their spool files exist"
like "$(q "EXPLAIN QUERY PLAN SELECT 1 FROM reports WHERE spool_path = 'x'")" "reports_spool_path" \
	"the look-up by spool name uses an index"

done_testing
