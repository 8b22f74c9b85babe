# tests/lib/db.sh -- the database of an end-to-end test, on either backend (source from bash).
#
# A test writes `database = $(db_target "$T/db/abusedesk.db")` into its
# configuration and reads the database with db_q; it runs on SQLite as it
# always did, and on PostgreSQL when ABUSEDESK_TEST_DB=pg, which
# tests/e2e/test_pg_suite.sh sets after starting one private cluster
# (tests/lib/pg.sh) and exporting PG_URI, PG_PORT, PG_BIN.
#
#   db_pg                    true when the tests run on PostgreSQL
#   db_target PATH           the 'database' setting of a desk whose SQLite file would be PATH:
#                            PATH itself, or the URI of a database of the cluster named after
#                            PATH (created when missing; the same PATH gives the same database)
#   db_q TARGET SQL          run SQL (sqlite3 or psql), rows '|'-separated, NULL as empty;
#                            a lock is waited for up to 30 s
#   db_blob TARGET EXPR      the SQL expression that makes EXPR (text) a blob on that backend
#   db_hex TARGET HEX        the SQL literal of the bytes HEX (X'..' or decode('..', 'hex'))
#   db_blob_get TARGET COLUMN REST   the raw bytes of COLUMN (a blob) of "SELECT COLUMN REST"
#   db_load TARGET FILE      run the SQL statements of FILE (SQLite's words, a fixture), stop at
#                            the first error; into a PostgreSQL database, which must be empty,
#                            through an SQLite file and `abusedesk db copy`
#   db_version TARGET        the schema version recorded in the database
#   db_wipe TARGET           the database lost: the SQLite file removed, or every table,
#                            view and function of the PostgreSQL database dropped
#   db_lock TARGET           another process takes the write lock and holds it (returns once
#                            it is seen held; 1 when it is not within 30 s)
#   db_unlock                that process lets it go and ends
#   sqlite_only REASON       under PostgreSQL: count a skip with REASON and return 1, so
#                            `sqlite_only "why" && { ...; }` runs a check of the file itself
#                            on SQLite only
#
# On PostgreSQL the rows come from psql -At: the same text as sqlite3's for
# numbers and strings; a test compares no booleans.

_DB_LIBDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ABUSEDESK_BIN=${ABUSEDESK_BIN:-$_DB_LIBDIR/../../abusedesk}
declare -F skip >/dev/null || . "$_DB_LIBDIR/tap.sh"

db_pg() { [ "${ABUSEDESK_TEST_DB:-sqlite}" = pg ]; }

if db_pg && [ -z "${PG_URI:-}" ]; then
	echo "Bail out! ABUSEDESK_TEST_DB=pg needs the cluster of tests/e2e/test_pg_suite.sh (run the test through it)"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi

_db_is_uri() { case "$1" in postgresql://* | postgres://*) return 0 ;; esac; return 1; }

_db_psql() { # _db_psql URI ARGS...
	local uri=$1; shift
	"$PG_BIN/psql" -X -q -At -F '|' -v ON_ERROR_STOP=1 -d "$uri" "$@"
}

db_target() {
	local name
	if ! db_pg; then
		printf '%s\n' "$1"
		return 0
	fi
	name=t_$(printf '%s' "$1" | sha256sum | cut -c1-16)
	"$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U abusedesk "$name" >/dev/null 2>&1
	printf 'postgresql://abusedesk@127.0.0.1:%s/%s\n' "$PG_PORT" "$name"
}

db_q() {
	if _db_is_uri "$1"; then _db_psql "$1" -c "$2"; else sqlite3 -cmd '.timeout 30000' "$1" "$2"; fi
}

db_blob() {
	if _db_is_uri "$1"; then printf "convert_to(%s, 'UTF8')" "$2"; else printf 'CAST(%s AS BLOB)' "$2"; fi
}

db_hex() {
	if _db_is_uri "$1"; then printf "decode('%s', 'hex')" "$2"; else printf "X'%s'" "$2"; fi
}

db_blob_get() {
	local hex
	if _db_is_uri "$1"; then hex="encode($2, 'hex')"; else hex="hex($2)"; fi
	db_q "$1" "SELECT $hex $3" | python3 -c 'import sys, binascii; sys.stdout.buffer.write(binascii.unhexlify(sys.stdin.read().strip()))'
}

db_load() {
	local t=$1 f=$2 d rc
	if ! _db_is_uri "$t"; then
		sqlite3 -bail "$t" <"$f"
		return
	fi
	d=$(mktemp -d /tmp/abusedesk-dbload-XXXXXX)
	printf 'database = %s\nspool_dir = %s\nsyslog = no\n' "$d/load.db" "$d/spool" >"$d/conf"
	"$ABUSEDESK_BIN" -q -c "$d/conf" init && sqlite3 -bail "$d/load.db" <"$f" &&
		"$ABUSEDESK_BIN" -q -c "$d/conf" db copy "$d/load.db" "$t" >/dev/null
	rc=$?
	rm -rf "$d"
	return $rc
}

db_version() {
	if _db_is_uri "$1"; then db_q "$1" "SELECT max(version) FROM schema_version"
	else db_q "$1" "PRAGMA user_version"; fi
}

db_wipe() {
	if _db_is_uri "$1"; then
		_db_psql "$1" -c "DROP SCHEMA public CASCADE; CREATE SCHEMA public" >/dev/null 2>&1
	else
		rm -f "$1" "$1-wal" "$1-shm"
	fi
}

_DB_LOCK_PID=
_DB_LOCK_FIFO=
db_lock() {
	local t=$1 held=no
	_DB_LOCK_FIFO=$(mktemp -u "${T:-/tmp}/abusedesk-dblock-XXXXXX")   # in the test's folder when it has one
	mkfifo "$_DB_LOCK_FIFO" || return 1
	if _db_is_uri "$t"; then
		_db_psql "$t" <"$_DB_LOCK_FIFO" >/dev/null 2>&1 &
	else
		sqlite3 "$t" <"$_DB_LOCK_FIFO" >/dev/null 2>&1 &
	fi
	_DB_LOCK_PID=$!
	exec 9>"$_DB_LOCK_FIFO"
	if _db_is_uri "$t"; then
		printf 'BEGIN;\nLOCK TABLE reports, incidents, outbox IN EXCLUSIVE MODE;\n' >&9
	else
		printf "BEGIN IMMEDIATE;\nINSERT INTO acks VALUES ('lock', 1);\n" >&9
	fi
	for _ in $(seq 300); do
		if _db_is_uri "$t"; then
			[ "$(db_q "$t" "SELECT count(*) FROM pg_locks WHERE relation = 'reports'::regclass
				AND mode = 'ExclusiveLock' AND granted" 2>/dev/null)" = 1 ] && { held=yes; break; }
		else
			sqlite3 "$t" 'BEGIN IMMEDIATE; ROLLBACK;' >/dev/null 2>&1 || { held=yes; break; }
		fi
		sleep 0.1
	done
	[ "$held" = yes ]
}

db_unlock() {
	[ -n "$_DB_LOCK_PID" ] || return 0
	printf 'ROLLBACK;\n' >&9
	exec 9>&-
	wait "$_DB_LOCK_PID"
	_DB_LOCK_PID=
	rm -f "$_DB_LOCK_FIFO"
}

sqlite_only() {
	db_pg || return 0
	skip "SQLite only, not on PostgreSQL: $1"
	return 1
}
