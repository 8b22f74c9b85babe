#!/bin/bash
# digest_db.sh DIR [REPORTS] [INCIDENTS] - build a large database and time the digest.
#
# Creates DIR/conf and DIR/ad.db (schema by `abusedesk init`), fills it with
# recursive CTEs (default 1,000,000 reports and 100,000 incidents spread over
# the year before ABUSEDESK_NOW, a third of the incidents still open), checks
# (tests/unit/test_digest.c checks EXPLAIN QUERY PLAN of every digest
# statement: no table scan), and prints
#   FIGURE digest_seconds=N.NN reports=N incidents=N
# for the text digest of the last 24 hours. ABUSEDESK_BIN picks the binary.
set -eu
DIR=${1:?usage: digest_db.sh DIR [REPORTS] [INCIDENTS]}
NR=${2:-1000000}
NI=${3:-100000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${ABUSEDESK_BIN:-$ROOT/abusedesk}
export ABUSEDESK_NOW=${ABUSEDESK_NOW:-1714608000}
mkdir -p "$DIR"
rm -f "$DIR/ad.db" "$DIR/ad.db-wal" "$DIR/ad.db-shm"
printf 'database = %s/ad.db\nspool_dir = %s/spool\nsyslog = no\n' "$DIR" "$DIR" >"$DIR/conf"
"$BIN" -c "$DIR/conf" -q init >/dev/null
start=$(date +%s)
sqlite3 "$DIR/ad.db" <<SQL
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
BEGIN;
CREATE TEMP TABLE v(i INTEGER PRIMARY KEY, name TEXT);
INSERT INTO v VALUES (0,'open_relay'),(1,'open_proxy'),(2,'compromised_account'),(3,'infected_host'),
 (4,'web_script'),(5,'local_injection'),(6,'not_ours'),(7,'unknown');
INSERT INTO owners(key, email, digest)
 WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 49)
 SELECT 'owner' || i, 'owner' || i || '@example.net', i % 5 = 0 FROM n;
INSERT INTO incidents(id, key_host, verdict, status, abused_host, abused_ip, owner, first_seen,
  last_seen, reports, created_at, updated_at, resolved_at)
 WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $NI)
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
 FROM n;
INSERT INTO incident_events(incident_id, at, actor, old_status, new_status)
 SELECT id, last_seen, 'bench', 'open', status FROM incidents WHERE id % 2 = 0;
INSERT INTO reports(received_at, size, sha256, spool_path, status, format, reporter, verdict,
  abused_host, abused_ip, owner, injector_ip, incident_id, orig_subject)
 WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $NR)
 SELECT $ABUSEDESK_NOW - 365 * 86400 + i * (365 * 86400 / $NR), 2000, printf('%064x', i), 'new/' || i,
  CASE WHEN i % 997 = 0 THEN 'pending' ELSE 'done' END,
  CASE WHEN i % 101 = 0 THEN 'unknown' ELSE 'arf' END,
  'abuse@isp' || (i % 20) || '.example', (SELECT name FROM v WHERE v.i = i % 8),
  'host' || (i % $NI + 1) || '.example.net', '192.0.2.' || (i % 256), 'owner' || (i % 50),
  '203.0.' || (i / 256 % 20) || '.' || (i % 256), i % $NI + 1, 'subject ' || i
 FROM n;
COMMIT;
ANALYZE;
SQL
echo "built $NR reports, $NI incidents in $(( $(date +%s) - start ))s"

"$BIN" -c "$DIR/conf" digest >/dev/null   # warm the page cache
t0=$(date +%s.%N)
"$BIN" -c "$DIR/conf" digest >"$DIR/digest.txt"
t1=$(date +%s.%N)
"$BIN" -c "$DIR/conf" digest --format html >"$DIR/digest.html"
t2=$(date +%s.%N)
"$BIN" -c "$DIR/conf" digest --owner owner5 >/dev/null
t3=$(date +%s.%N)
echo "FIGURE digest_seconds=$(echo "$t1 - $t0" | bc) html_seconds=$(echo "$t2 - $t1" | bc)" \
	"owner_seconds=$(echo "$t3 - $t2" | bc) reports=$NR incidents=$NI"
