#!/bin/bash
# test_faults.sh - nothing lost, nothing twice: kill -9 of ingest processes at
# random moments, a full disk while writing the spool, an unwritable database.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$ROOT/tests/lib/tap.sh"
BIN=$(readlink -f "${ABUSEDESK_BIN:-$ROOT/abusedesk}")
W=$(mktemp -d /tmp/abusedesk-faults.XXXXXX); chmod 755 "$W"
MNT=
cleanup() { [ -n "$MNT" ] && umount "$MNT" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
mail_user
mkconf() { # DIR SPOOL
	cat > "$1/abusedesk.conf" <<CONF
database = $1/db/abusedesk.db
spool_dir = $2
run_user = $RUN_USER
syslog = no
db_busy_timeout = 30s
CONF
}
mk() { printf 'From: r@example.org\nSubject: fault %s\nMessage-ID: <%s@faults.example.org>\n\n%s\n' "$2" "$2" "$(head -c $((RANDOM % 20000)) /dev/zero | tr '\0' x)" > "$1"; }

# 1. kill -9 at random moments during 1,000 deliveries
N=${FAULT_N:-1000}
mkdir -p "$W/k"; mkconf "$W/k" "$W/k/spool"
"$BIN" -c "$W/k/abusedesk.conf" init >/dev/null
mkdir -p "$W/k/msgs" "$W/k/rc"
for i in $(seq 1 "$N"); do mk "$W/k/msgs/$i.eml" "k$i"; done
deliver() { # i: one "MTA delivery" that may be killed; records the exit status the MTA saw
	i=$1
	"$BIN" -q -c "$W/k/abusedesk.conf" ingest < "$W/k/msgs/$i.eml" 2>/dev/null &
	pid=$!
	if [ $((RANDOM % 3)) = 0 ]; then sleep "0.00$((RANDOM % 10))"; kill -9 "$pid" 2>/dev/null; fi
	wait "$pid"; echo $? > "$W/k/rc/$i"
}
export -f deliver; export BIN W
seq 1 "$N" | xargs -P 8 -I{} bash -c 'deliver {}'
accepted=0; killed=0
for i in $(seq 1 "$N"); do
	rc=$(cat "$W/k/rc/$i")
	if [ "$rc" = 0 ]; then accepted=$((accepted + 1)); else killed=$((killed + 1)); echo "$i" >> "$W/k/retry"; fi
done
diag "kill -9 run: $accepted accepted (exit 0), $killed killed (the MTA keeps those)"
ok "[ $killed -gt 0 ]" "some ingest processes were killed"
ok "[ -z \"\$(grep -lv '^0\$\|^137\$' $W/k/rc/* 2>/dev/null)\" ]" "every exit status was 0 or death by signal"
A() { "$BIN" -q -c "$W/k/abusedesk.conf" "$@"; }
# partial files of killed processes stay in tmp/; reprocess removes the stale ones
printf 'partial' > "$W/k/spool/tmp/1.000000.P1R0"; touch -d '3 hours ago' "$W/k/spool/tmp/1.000000.P1R0"
printf 'fresh' > "$W/k/spool/tmp/2.000000.P2R0"
A reprocess --pending >/dev/null
ok "[ ! -e '$W/k/spool/tmp/1.000000.P1R0' ]" "reprocess removes stale partial files from tmp/"
ok "[ -e '$W/k/spool/tmp/2.000000.P2R0' ]" "reprocess leaves a fresh tmp/ file (it may still be written)"
q() { sqlite3 "$W/k/db/abusedesk.db" "$1"; }
missing=0
for i in $(seq 1 "$N"); do
	[ "$(cat "$W/k/rc/$i")" = 0 ] || continue
	c=$(q "select count(*) from reports where message_id='k$i@faults.example.org'")
	[ "$c" = 1 ] || { missing=$((missing + 1)); diag "accepted message k$i recorded $c times"; }
done
is "$missing" 0 "every message the MTA saw accepted is recorded exactly once"
# the MTA retries the killed deliveries
for i in $(cat "$W/k/retry" 2>/dev/null); do A ingest < "$W/k/msgs/$i.eml"; done
A reprocess --pending >/dev/null
is "$(q "select count(distinct message_id) from reports where message_id like 'k%@faults.example.org'")" "$N" "after the MTA's retries: all $N recorded"
is "$(q "select count(*) from reports where message_id like 'k%@faults.example.org'")" "$N" "and none twice"
is "$(find "$W/k/spool/new" -type f | wc -l)" 0 "nothing left pending"

# 2. the disk full while writing the spool
if [ "$(id -u)" = 0 ] && mkdir -p "$W/full" && mount -t tmpfs -o size=256k tmpfs "$W/full" 2>/dev/null; then
	MNT=$W/full
	mkdir -p "$W/f"; mkconf "$W/f" "$W/full/spool"
	"$BIN" -c "$W/f/abusedesk.conf" init >/dev/null
	head -c 600000 /dev/zero | tr '\0' y > "$W/f/big.eml"
	"$BIN" -q -c "$W/f/abusedesk.conf" ingest < "$W/f/big.eml" 2>"$W/f/err"; is "$?" 75 "disk full: exit 75"
	like "$(cat "$W/f/err")" "No space left on device" "disk full: the error says why"
	is "$(find "$W/full/spool/new" "$W/full/spool/tmp" -type f | wc -l)" 0 "disk full: no partial file in new/ or tmp/"
	umount "$MNT"; mount -t tmpfs -o size=4m tmpfs "$W/full"
	"$BIN" -c "$W/f/abusedesk.conf" init >/dev/null
	"$BIN" -q -c "$W/f/abusedesk.conf" ingest < "$W/f/big.eml"; is "$?" 0 "space back: the retry is accepted"
	is "$(sqlite3 "$W/f/db/abusedesk.db" 'select count(*) from reports')" 1 "space back: recorded once"
else
	ulimit -f 100
	mkdir -p "$W/f"; mkconf "$W/f" "$W/f/spool"
	"$BIN" -c "$W/f/abusedesk.conf" init >/dev/null
	head -c 600000 /dev/zero | tr '\0' y > "$W/f/big.eml"
	( trap '' XFSZ; "$BIN" -q -c "$W/f/abusedesk.conf" ingest < "$W/f/big.eml" 2>/dev/null ); is "$?" 75 "file size limit: exit 75"
	is "$(find "$W/f/spool/new" "$W/f/spool/tmp" -type f | wc -l)" 0 "file size limit: no partial file"
	ulimit -f unlimited 2>/dev/null
fi

# 3. the database file unwritable: the message stays pending, exit 0
mkdir -p "$W/u"; mkconf "$W/u" "$W/u/spool"
"$BIN" -c "$W/u/abusedesk.conf" init >/dev/null
chmod 444 "$W/u/db/abusedesk.db"; chmod 555 "$W/u/db"
printf 'Subject: ro\nMessage-ID: <ro@faults.example.org>\n\nx\n' | "$BIN" -q -c "$W/u/abusedesk.conf" ingest 2>"$W/u/err"
rc=$?
if [ -z "$RUN_USER" ] && [ "$(id -u)" = 0 ]; then
	skip "database unwritable: root without run_user ignores file modes"
else
	is "$rc" 0 "database unwritable: exit 0"
	is "$(find "$W/u/spool/new" -type f | wc -l)" 1 "database unwritable: message pending"
	like "$(cat "$W/u/err")" "pending" "database unwritable: the error says pending"
	chmod 755 "$W/u/db"; chmod 644 "$W/u/db/abusedesk.db"
	"$BIN" -q -c "$W/u/abusedesk.conf" reprocess --pending >/dev/null
	is "$(sqlite3 "$W/u/db/abusedesk.db" "select count(*) from reports where message_id='ro@faults.example.org'")" 1 "after repair: recorded once"
fi

# 4. an inventory lookup the database does not answer: the verdict made without it (the host
# unknown) is not stored; the message stays pending and is traced again once it answers
for d in i i2; do
	mkdir -p "$W/$d"; mkconf "$W/$d" "$W/$d/spool"
	printf 'our_networks = 192.0.2.0/24, 198.51.100.0/24, 2001:db8::/32\nour_domains = example.net\n' >> "$W/$d/abusedesk.conf"
	"$BIN" -q -c "$W/$d/abusedesk.conf" init >/dev/null
	for k in owners networks hosts; do
		"$BIN" -q -c "$W/$d/abusedesk.conf" inventory import "$k" "$ROOT/samples/inventory/$k.csv" >/dev/null
	done
	[ -n "$RUN_USER" ] && chown -R "$RUN_USER" "$W/$d"
done
I() { sqlite3 "$W/i/db/abusedesk.db" "$1"; }
"$BIN" -q -c "$W/i2/abusedesk.conf" ingest < "$ROOT/samples/arf-abuse.eml"
want=$(sqlite3 "$W/i2/db/abusedesk.db" "select verdict || ' ' || coalesce(abused_host, '-') from reports")
ok "[ -n \"$want\" ] && [ \"${want%% *}\" != unknown ]" "with the inventory answered the sample has a verdict ($want)"
# every row of the networks table now fails when read (abs() of the smallest integer)
I "ALTER TABLE networks RENAME TO networks_real; CREATE VIEW networks AS SELECT * FROM networks_real
   WHERE abs(prefix * 0 - 9223372036854775807 - 1) >= 0"
"$BIN" -q -c "$W/i/abusedesk.conf" ingest < "$ROOT/samples/arf-abuse.eml" 2>"$W/i/err"
is "$?" 0 "lookup unanswered: exit 0 (the message is in the spool)"
is "$(I 'select count(*) from reports')" 0 "lookup unanswered: no report stored with a verdict made without it"
is "$(find "$W/i/spool/new" -type f | wc -l)" 1 "lookup unanswered: the message is pending"
like "$(cat "$W/i/err")" "integer overflow.*pending" "lookup unanswered: the error says why and that it is pending"
I "DROP VIEW networks; ALTER TABLE networks_real RENAME TO networks"
"$BIN" -q -c "$W/i/abusedesk.conf" reprocess --pending >/dev/null
is "$(I "select verdict || ' ' || coalesce(abused_host, '-') from reports")" "$want" \
   "answered again: reprocess --pending stores it with the inventory's verdict"

done_testing
