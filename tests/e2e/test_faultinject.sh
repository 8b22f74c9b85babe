#!/bin/bash
# test_faultinject.sh - libc failures injected with an LD_PRELOAD shim
# (tests/lib/faultinject.c) into the paths that keep the ingest promise:
# before the rename into new/ a failing write/fsync/rename exits 75 with
# nothing stored; after it, ingest exits 0 whatever fails (allocation, a
# failing database write or commit) and the message stays pending until
# `reprocess --pending` records it exactly once; a crash right after the move
# to cur/ with the commit lost is reconciled; a failing syncfs fails an import.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$ROOT/tests/lib/tap.sh"
BIN=$(readlink -f "${ABUSEDESK_BIN:-$ROOT/abusedesk}")
BUILD=${ABUSEDESK_BUILD:-$ROOT/build/default}
SHIM=$BUILD/tests/faultinject.so
if nm "$BIN" 2>/dev/null | grep -q __asan_init; then
	echo "1..0 # SKIP an LD_PRELOAD shim cannot run in front of the ASan runtime"
	exit 0
fi
if [ ! -f "$SHIM" ]; then
	fail "faultinject shim missing: make $SHIM"
	done_testing; exit 1
fi
W=$(mktemp -d /tmp/abusedesk-fi.XXXXXX); chmod 755 "$W"
mkdir -m 1777 "$W/log"
trap 'rm -rf "$W"' EXIT
mail_user
n=0
fresh() { # a new desk in $D
	n=$((n + 1)); D=$W/d$n; mkdir -p "$D"
	cat > "$D/abusedesk.conf" <<CONF
database = $D/db/abusedesk.db
spool_dir = $D/spool
run_user = $RUN_USER
syslog = no
CONF
	"$BIN" -q -c "$D/abusedesk.conf" init >/dev/null
}
MSG=$W/m.eml
printf 'From: r@example.org\nSubject: fault\nMessage-ID: <fi@example.org>\n\nbody\n' > "$MSG"
SHA=$(sha256sum < "$MSG" | cut -c1-64)
# ingest_fi VAR=VALUE...: one delivery under the shim; prints the exit status
ingest_fi() {
	env LD_PRELOAD="$SHIM" FI_LOG="$W/log/$n" "$@" "$BIN" -q -c "$D/abusedesk.conf" ingest \
		< "$MSG" 2>>"$W/log/$n.err"
	echo $?
}
rows() { sqlite3 "$D/db/abusedesk.db" "SELECT count(*) FROM reports WHERE sha256='$SHA' AND status='done'"; }
files() { ls "$D/spool/new" "$D/spool/cur" "$D/spool/tmp" | grep -c '^[0-9]'; }
hit() { grep -q " $1" "$W/log/$n"; }  # the shim did inject (no vacuous pass)
# recovered: after the fault, reprocess --pending records it once, with its file
recovered() {
	"$BIN" -q -c "$D/abusedesk.conf" reprocess --pending >/dev/null 2>&1
	[ "$(rows)" = 1 ] && [ "$(ls "$D/spool/cur" | wc -l)" = 1 ] && [ -z "$(ls "$D/spool/new")" ] &&
		[ -e "$D/spool/cur/$(sqlite3 "$D/db/abusedesk.db" 'SELECT spool_path FROM reports')" ]
}

# before the commit point: 75 and nothing kept
for f in "write /spool/tmp/" "fsync /spool/tmp/" "rename /spool/new/" "fsync /spool/new"; do
	set -- $f; fresh
	is "$(ingest_fi FI_FAIL="$1" FI_PATH="$2")" 75 "a failing $1 on $2 exits 75"
	ok "hit fail" "the shim failed $1"
	is "$(files)" 0 "nothing left in the spool after a failing $1 on $2"
done

# after the commit point: 0, pending, then recorded once
fresh
is "$(ingest_fi FI_ARM=new FI_FAIL=malloc,calloc,realloc)" 0 "every allocation failing after the rename: exit 0"
ok "hit armed && hit fail" "the shim armed at the rename and failed allocations"
ok "[ -n \"\$(ls '$D/spool/new')\" ]" "the message stays pending in new/"
ok recovered "reprocess --pending records it once"
for skip in 1 20 100 400 1000 3000 8000 20000; do
	fresh
	is "$(ingest_fi FI_ARM=new FI_FAIL=malloc,calloc,realloc FI_SKIP=$skip)" 0 \
		"allocation failing after $skip more calls: exit 0"
	ok recovered "... and nothing lost (reprocess --pending: one row, its file in cur/)"
done
# SQLite's own allocations failing at each point of the store's transaction
# (insert, report, incident, queue, commit): rolled back, pending, then once
bad=0; mid=0
for skip in $(seq 1500 50 3200); do
	fresh
	rc=$(ingest_fi FI_ARM=new FI_FAIL=malloc,calloc,realloc FI_CALLER=libsqlite3 FI_SKIP=$skip)
	grep -q '^abusedesk: error: database .*stays pending' "$W/log/$n.err" && mid=$((mid + 1))
	[ "$rc" = 0 ] && recovered || { bad=$((bad + 1)); diag "skip $skip: rc=$rc"; }
done
is "$bad" 0 "SQLite allocations failing in mid-transaction (35 points): every delivery exits 0, each recorded once"
ok "[ $mid -gt 0 ]" "some of them failed inside the store's transaction and rolled it back ($mid)"
fresh
is "$(ingest_fi FI_ARM=new FI_FAIL=pwrite,write FI_PATH=/db/)" 0 "database writes failing after the rename: exit 0"
ok "hit fail" "the shim failed a database write"
ok "[ \"\$(rows)\" = 0 ] && [ -n \"\$(ls '$D/spool/new')\" ]" "the transaction was rolled back, the message is pending"
ok recovered "reprocess --pending records it once"
fresh
is "$(ingest_fi FI_ARM=new FI_FAIL=fsync,fdatasync FI_PATH=abusedesk.db-wal)" 0 "a failing commit (WAL sync): exit 0"
ok "hit fail" "the shim failed the commit's sync"
ok recovered "reprocess --pending records it once"
fresh
is "$(ingest_fi FI_ARM=new FI_FAIL=rename FI_PATH=/spool/cur/)" 0 "a failing move to cur/: exit 0"
ok "hit fail" "the shim failed the move"
ok recovered "reprocess --pending finishes the move, one row"

# a crash right after the move to cur/ whose commit did not reach the disk
fresh
sqlite3 "$D/db/abusedesk.db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
cp -p "$D/db/abusedesk.db" "$W/before.db"
is "$(ingest_fi FI_CRASH_RENAME=/spool/cur/)" 0 "the processing killed right after the move: the delivery still exits 0"
ok "hit crash" "the shim killed it after the move to cur/"
rm -f "$D/db/abusedesk.db-wal" "$D/db/abusedesk.db-shm"
cp -p "$W/before.db" "$D/db/abusedesk.db"   # what the disk holds when the commit was lost
is "$(rows)" 0 "the row is gone, the file is in cur/"
ok recovered "reprocess --pending reconciles cur/: the row is back, naming the file"
"$BIN" -q -c "$D/abusedesk.conf" reprocess --pending >/dev/null 2>&1
is "$(sqlite3 "$D/db/abusedesk.db" 'SELECT count(*) FROM reports')" 1 "a second reprocess adds nothing"

# spool_sync: an import whose final syncfs fails does not report success
fresh
{ printf 'From r@example.org Mon Jan  1 00:00:00 2026\n'; cat "$MSG"; } > "$W/in.mbox"; chmod 644 "$W/in.mbox"
env LD_PRELOAD="$SHIM" FI_LOG="$W/log/$n" FI_FAIL=syncfs "$BIN" -q -c "$D/abusedesk.conf" import mbox "$W/in.mbox" \
	>/dev/null 2>&1
rc=$?
ok "hit fail" "the shim failed syncfs"
ok "[ $rc -ne 0 ]" "import exits non-zero when the spool cannot be flushed (rc=$rc)"

done_testing
