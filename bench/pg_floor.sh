#!/bin/bash
# pg_floor.sh SRC_URI DST_URI DIR - the PostgreSQL server's own cost of the
# rows an import writes, however the client sends them.
#
# SRC_URI is a desk an `abusedesk import` filled; DST_URI an empty database
# (abusedesk init creates the schema: every index and trigger of a real desk).
# The import's rows are copied out of SRC with COPY and written into DST with
# COPY, one table at a time, in the order the foreign keys want, in
# transactions of the import's batch (FLOOR_BATCH rows, default 2,000; one
# COPY of 100,000 reports takes three times as long a row: the day counters'
# trigger updates its row again and again in one transaction): the fastest
# way PostgreSQL takes rows, with no statement a row. Each table's time is
# divided by the number of reports, and the sum is the floor a message costs
# the server; 1,000,000 / floor is the most messages a second the server could
# take on one core even if the client cost nothing. Prints
#   FLOOR table us_per_message
#   FIGURE pg_floor reports=N us_per_message=N.N reports_us=N.N ceiling=N
# (the ceiling in messages a second). PSQL names psql; ABUSEDESK_BIN the binary.
set -eu
SRC=${1:?usage: pg_floor.sh SRC_URI DST_URI DIR}
DST=${2:?usage: pg_floor.sh SRC_URI DST_URI DIR}
DIR=${3:?usage: pg_floor.sh SRC_URI DST_URI DIR}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${ABUSEDESK_BIN:-$ROOT/abusedesk}
PSQL=${PSQL:-psql}
TABLES="incidents reports report_hops report_items report_rcpts incident_keys incident_events outbox"
mkdir -p "$DIR"
printf 'database = %s\nspool_dir = %s/spool\nsyslog = no\n' "$DST" "$DIR" >"$DIR/conf"
"$BIN" -c "$DIR/conf" -q init >/dev/null
n=$("$PSQL" -X -q -At -d "$SRC" -c "SELECT count(*) FROM reports")
[ "${n:-0}" -gt 0 ] || { echo "pg_floor.sh: $SRC holds no reports" >&2; exit 1; }
for t in $TABLES; do
	"$PSQL" -X -q -v ON_ERROR_STOP=1 -d "$SRC" -c "\\copy $t TO '$DIR/$t.copy'"
done
split_rows() { # TABLE - the table's rows in files of FLOOR_BATCH lines (a row is a line in COPY's text)
	mkdir -p "$DIR/$1.d"
	split -l "${FLOOR_BATCH:-2000}" -d -a 6 "$DIR/$1.copy" "$DIR/$1.d/part."
}
for t in $TABLES; do split_rows "$t"; done
# one session, each COPY its own transaction (a commit and its WAL flush, as a batch has);
# psql's \timing is the round trip of the COPY, the server's work and the commit
{
	echo '\timing on'
	for t in $TABLES; do
		echo "\\echo TABLE $t"
		for f in "$DIR/$t.d"/part.*; do [ -f "$f" ] && echo "\\copy $t FROM '$f'"; done
	done
} | "$PSQL" -X -q -v ON_ERROR_STOP=1 -d "$DST" >"$DIR/timing.out"
awk -v n="$n" '
	/^TABLE / { t = $2; order[++k] = t; next }
	/^Time: / { ms[t] += $2 }
	END {
		for (i = 1; i <= k; i++) {
			us = ms[order[i]] * 1000 / n; tot += us
			if (order[i] == "reports") rep = us
			printf "FLOOR %-16s %8.1f\n", order[i], us
		}
		if (tot <= 0) exit 1
		printf "FIGURE pg_floor reports=%d batch=%d us_per_message=%.1f reports_us=%.1f ceiling=%d\n",
			n, batch, tot, rep, 1000000 / tot }' batch="${FLOOR_BATCH:-2000}" "$DIR/timing.out"
