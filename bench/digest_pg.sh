#!/bin/bash
# digest_pg.sh DIR URI [REPORTS] [INCIDENTS] - the database of digest_db.sh on PostgreSQL.
#
# Creates DIR/conf naming URI (an empty PostgreSQL database), lets `abusedesk
# init` create the schema, and fills it with the same rows digest_db.sh puts
# into SQLite (default 1,000,000 reports and 100,000 incidents over the year
# before ABUSEDESK_NOW), generated on the server (generate_series: no row
# crosses the connection), the counters' triggers firing as for ingest; then
# (every report's verdict is open_relay, as digest_db.sh's subquery, where i
# names v.i, gives SQLite: both backends hold the same rows)
# ANALYZE (the counter tables compacted, see below), and prints
#   FIGURE build_seconds=N digest_seconds=N.NN reports=N incidents=N
# PSQL names psql (default: psql on PATH). ABUSEDESK_BIN picks the binary.
set -eu
DIR=${1:?usage: digest_pg.sh DIR URI [REPORTS] [INCIDENTS]}
URI=${2:?usage: digest_pg.sh DIR URI [REPORTS] [INCIDENTS]}
NR=${3:-1000000}
NI=${4:-100000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${ABUSEDESK_BIN:-$ROOT/abusedesk}
PSQL=${PSQL:-psql}
export ABUSEDESK_NOW=${ABUSEDESK_NOW:-1714608000}
mkdir -p "$DIR"
printf 'database = %s\nspool_dir = %s/spool\nsyslog = no\n' "$URI" "$DIR" >"$DIR/conf"
"$BIN" -c "$DIR/conf" -q init >/dev/null
start=$(date +%s)
"$PSQL" -X -q -v ON_ERROR_STOP=1 -d "$URI" <<SQL
SET synchronous_commit = off;
BEGIN;
CREATE TEMP TABLE v(i INTEGER PRIMARY KEY, name TEXT);
INSERT INTO v VALUES (0,'open_relay'),(1,'open_proxy'),(2,'compromised_account'),(3,'infected_host'),
 (4,'web_script'),(5,'local_injection'),(6,'not_ours'),(7,'unknown');
INSERT INTO owners(key, email, digest)
 SELECT 'owner' || i, 'owner' || i || '@example.net', CASE WHEN i % 5 = 0 THEN 1 ELSE 0 END
 FROM generate_series(0, 49) AS n(i);
INSERT INTO incidents(id, key_host, verdict, status, abused_host, abused_ip, owner, first_seen,
  last_seen, reports, created_at, updated_at, resolved_at)
 SELECT i, 'host' || i, (SELECT name FROM v WHERE v.i = n.i % 8),
  CASE i % 3 WHEN 0 THEN 'resolved' ELSE CASE i % 5 WHEN 0 THEN 'notified' WHEN 1 THEN 'acknowledged'
   ELSE 'open' END END,
  'host' || i || '.example.net', '192.0.' || (i / 256 % 256) || '.' || (i % 256), 'owner' || (i % 50),
  $ABUSEDESK_NOW - 365 * 86400 + i * (365 * 86400 / $NI),
  $ABUSEDESK_NOW - 365 * 86400 + i * (365 * 86400 / $NI) + 3600 * (i % 200),
  $NR / $NI,
  $ABUSEDESK_NOW - 365 * 86400 + i * (365 * 86400 / $NI),
  $ABUSEDESK_NOW - 365 * 86400 + i * (365 * 86400 / $NI) + 3600 * (i % 200),
  CASE i % 3 WHEN 0 THEN $ABUSEDESK_NOW - 365 * 86400 + i * (365 * 86400 / $NI) + 86400 * (i % 20) END
 FROM generate_series(1, $NI) AS n(i);
SELECT setval(pg_get_serial_sequence('incidents', 'id'), $NI);
INSERT INTO incident_events(incident_id, at, actor, old_status, new_status)
 SELECT id, last_seen, 'bench', 'open', status FROM incidents WHERE id % 2 = 0;
INSERT INTO reports(received_at, size, sha256, spool_path, status, format, reporter, verdict,
  abused_host, abused_ip, owner, injector_ip, incident_id, orig_subject)
 SELECT $ABUSEDESK_NOW - 365 * 86400 + i * (365 * 86400 / $NR), 2000, lpad(to_hex(i), 64, '0'), 'new/' || i,
  CASE WHEN i % 997 = 0 THEN 'pending' ELSE 'done' END,
  CASE WHEN i % 101 = 0 THEN 'unknown' ELSE 'arf' END,
  'abuse@isp' || (i % 20) || '.example', 'open_relay',
  'host' || (i % $NI + 1) || '.example.net', '192.0.2.' || (i % 256), 'owner' || (i % 50),
  '203.0.' || (i / 256 % 20) || '.' || (i % 256), i % $NI + 1, 'subject ' || i
 FROM generate_series(1, $NR) AS n(i);
COMMIT;
ANALYZE;
SQL
# The counters' triggers updated the rows of report_days and incident_days a
# million times in that one transaction: a million dead row versions, which
# live ingest (a transaction a report, or a batch of import) never piles up,
# as PostgreSQL prunes them between transactions and autovacuum reclaims the
# rest. Compact them as a live desk has them (8,334 pages of report_days for
# its 7,180 rows otherwise, and every stats query reads them all).
"$PSQL" -X -q -v ON_ERROR_STOP=1 -d "$URI" -c "VACUUM FULL ANALYZE report_days" -c "VACUUM FULL ANALYZE incident_days"
build=$(( $(date +%s) - start ))
echo "built $NR reports, $NI incidents on PostgreSQL in ${build}s"

"$BIN" -c "$DIR/conf" digest >/dev/null   # warm the caches
t0=$(date +%s.%N)
"$BIN" -c "$DIR/conf" digest >"$DIR/digest.txt"
t1=$(date +%s.%N)
echo "FIGURE build_seconds=$build digest_seconds=$(echo "$t1 - $t0" | bc) reports=$NR incidents=$NI"
