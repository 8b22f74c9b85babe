#!/bin/bash
# test_import.sh - the bulk import commits in batches and loses nothing, on
# SQLite and on PostgreSQL (a private cluster, tests/lib/pg.sh): an mbox of
# distinct messages is recorded once each, with the same counts on both
# backends; importing it again adds nothing; `import` killed with SIGKILL
# in the middle has recorded only whole batches (every file in cur/ is named
# by a report), and running it again ends with every message recorded
# exactly once, the spool's spare copies cleared by `reprocess --pending`;
# `reprocess --all` re-parses all of them in batches. The progress line is
# drawn on a terminal only, never into a pipe.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/pg.sh
BIN=${ABUSEDESK_BIN:-$PWD/abusedesk}
T=$(mktemp -d /tmp/abusedesk-import-XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	pg_stop "$T/pg"; [ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
chmod 755 "$T"
export ABUSEDESK_NOW=1790000000

mail_user
conf() { # conf NAME DATABASE
	mkdir -p "$T/$1"; chmod 755 "$T/$1"; [ -n "$RUN_USER" ] && chown "$RUN_USER" "$T/$1"
	cat > "$T/$1/abusedesk.conf" <<CONF
database = $2
spool_dir = $T/$1/spool
run_user = $RUN_USER
syslog = no
db_busy_timeout = 10s
our_networks = 192.0.2.0/24, 198.51.100.0/24, 2001:db8::/32
our_domains = example.net
CONF
	"$BIN" -q -c "$T/$1/abusedesk.conf" init >/dev/null 2>&1 || fail "init $1"
	[ -n "$RUN_USER" ] && chown -R "$RUN_USER" "$T/$1"
}
A() { local w=$1; shift; "$BIN" -q -c "$T/$w/abusedesk.conf" "$@"; }

# mbox N FILE - N distinct messages (the samples in turn, each with a header
# of its own and its Message-ID made its own, as the content key reads
# the same Message-ID and content as one complaint), mboxrd-quoted
mbox() {
	awk -v n="$1" '
		FNR == 1 { nf++ }
		{ body[nf] = body[nf] $0 "\n" }
		END {
			for (i = 1; i <= n; i++) {
				printf "From import@example.net Thu Jan  1 00:00:00 2026\nX-Import-Seq: %d\n", i
				m = split(body[(i % nf) + 1], l, "\n")
				hdr = 1
				for (k = 1; k < m; k++) {
					s = l[k]
					if (s == "") hdr = 0
					if (hdr && tolower(s) ~ /^message-id:/) sub(/</, "<" i ".", s)
					if (s ~ /^>*From /) s = ">" s
					print s
				}
				print ""
			}
		}' samples/*.eml >"$2"
}

# q WHO SQL - one value from WHO's database (sqlite3 or psql)
q() {
	case $1 in
	sq*) sqlite3 "$T/$1/abusedesk.db" "$2" ;;
	*) PG_DB_URI=$(sed -n 's/^database = //p' "$T/$1/abusedesk.conf") pg_psql "$2" ;;
	esac
}
# messages: one report a message (a feed's further events are rows "SHA:eN")
MSGS="SELECT count(*) FROM reports WHERE sha256 NOT LIKE '%:%'"
DISTINCT="SELECT count(DISTINCT sha256) FROM reports WHERE sha256 NOT LIKE '%:%'"
files() { find "$T/$1/spool/$2" -type f | wc -l; }

# cur_named WHO - every file in cur/ is named by a report: "ok", else the first that is not
cur_named() {
	local names
	names=$(q "$1" "SELECT spool_path FROM reports" | sort -u)
	for f in $(ls "$T/$1/spool/cur"); do
		grep -qxF "$f" <<<"$names" || { echo "$f"; return; }
	done
	echo ok
}

# kill_mid WHO MBOX - start the import, SIGKILL it once a batch committed; the count then
kill_mid() {
	local who=$1 pid k=0 n=0
	"$BIN" -q -c "$T/$who/abusedesk.conf" import mbox "$2" >"$T/$who.kill.out" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	while [ $k -lt 600 ] && proc_alive "$pid"; do
		n=$(q "$who" "$MSGS" 2>/dev/null)
		[ "${n:-0}" -gt 0 ] && break
		sleep 0.05
		k=$((k + 1))
	done
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	q "$who" "$MSGS"
}

N=5000        # SQLite (more than two batches of IMPORT_BATCH, so that a kill lands in the middle)
NP=1500       # PostgreSQL
mbox "$N" "$T/big.mbox"
mbox "$NP" "$T/pg.mbox"
is "$(grep -c '^From ' "$T/big.mbox")" "$N" "the mbox holds $N messages"

# --- SQLite -------------------------------------------------------------------
conf sq "$T/sq/abusedesk.db"
out=$(A sq import mbox "$T/big.mbox" 2>"$T/sq.err")
like "$out" "^import: $N messages in .*: $N new, 0 duplicates, 0 pending, 0 failed$" "SQLite: $N new"
is "$(q sq "$MSGS") $(q sq "$DISTINCT")" "$N $N" "SQLite: $N reports, each message once"
is "$(files sq cur) $(files sq new)" "$N 0" "SQLite: every spool file in cur/, none pending"
is "$(q sq "SELECT count(*) FROM reports WHERE status <> 'done'")" 0 "SQLite: every report done"
if grep -q $'\r' "$T/sq.err"; then fail "no progress line into a pipe"; else pass "no progress line into a pipe"; fi
SQ_INC=$(q sq "SELECT count(*) FROM incidents")
SQ_ALL=$(q sq "SELECT count(*) FROM reports")
SQ_OUT=$(q sq "SELECT count(*) FROM outbox")
out=$(A sq import --db-wait 30s mbox "$T/big.mbox" 2>&1)
like "$out" ": 0 new, $N duplicates, 0 pending, 0 failed$" "SQLite: importing it again adds nothing (with --db-wait)"
out=$(A sq import --db-wait soon mbox "$T/big.mbox" 2>&1); rc=$?
is "$rc" 64 "import --db-wait with a bad time is a usage error (64)"
like "$out" "--db-wait wants a time such as 60s" "and says what it wants"
out=$(A sq reprocess --pending --db-wait -1 2>&1); rc=$?
is "$rc" 64 "reprocess --db-wait with a bad time is a usage error (64)"
is "$(q sq "SELECT count(*) FROM reports") $(q sq "SELECT count(*) FROM incidents") $(files sq cur) $(files sq new)" \
   "$SQ_ALL $SQ_INC $N 0" "SQLite: the same reports and incidents, the spare spool copies removed"

if command -v script >/dev/null 2>&1; then
	conf sqtty "$T/sqtty/abusedesk.db"
	script -qec "$BIN -q -c $T/sqtty/abusedesk.conf import mbox $T/pg.mbox" /dev/null >"$T/tty.out" 2>&1
	like "$(tr '\r' '\n' <"$T/tty.out")" "import: [0-9]+ messages? +[0-9]+%  ETA [0-9hms]+  \([0-9]+ new, [0-9]+ duplicates, 0 pending\)  [0-9]+/s" \
	     "on a terminal: the progress line (count, percentage, ETA, rate)"
else
	skip "script(1) not installed: no terminal for the progress line"
fi

conf sqk "$T/sqk/abusedesk.db"
got=$(kill_mid sqk "$T/big.mbox")
ok "[ $got -gt 0 ] && [ $got -lt $N ]" "SQLite: SIGKILL in the middle of the import ($got of $N recorded)"
is "$(cur_named sqk)" ok "SQLite: after the kill every file in cur/ is named by a report (whole batches only)"
is "$(q sqk "SELECT count(*) FROM reports WHERE status <> 'done'")" 0 "SQLite: no half-stored report"
out=$(A sqk import mbox "$T/big.mbox" 2>&1)
like "$out" ": $((N - got)) new, $got duplicates, 0 pending, 0 failed$" "SQLite: the re-run records the rest"
is "$(q sqk "$MSGS") $(q sqk "$DISTINCT")" "$N $N" "SQLite: every message once after the re-run"
out=$(A sqk reprocess --pending 2>&1)
like "$out" "still pending, 0 unreadable, 0 busy" "SQLite: reprocess --pending after the kill"
is "$(files sqk new) $(files sqk cur) $(q sqk "$MSGS")" "0 $N $N" "SQLite: the killed run's spare copies cleared, one file a report"
is "$(q sqk "SELECT count(*) FROM incidents") $(q sqk "SELECT count(*) FROM reports")" "$SQ_INC $SQ_ALL" \
   "SQLite: the same incidents and reports as the import that was not killed"

out=$(A sq reprocess --all 2>&1)
like "$out" "^reprocess: $N processed, 0 duplicates, 0 still pending" "SQLite: reprocess --all re-parses every message"
is "$(q sq "SELECT count(*) FROM reports") $(q sq "SELECT count(*) FROM incidents") $(q sq "SELECT count(*) FROM outbox")" \
   "$SQ_ALL $SQ_INC $SQ_OUT" "SQLite: reprocess --all adds no report, incident or notification"

# --- PostgreSQL ---------------------------------------------------------------
pg_start_or_skip "$T/pg"
conf sqp "$T/sqp/abusedesk.db"
A sqp import mbox "$T/pg.mbox" >/dev/null 2>&1
conf pgd "$(pg_uri imp)"
out=$(A pgd import mbox "$T/pg.mbox" 2>"$T/pgd.err")
like "$out" "^import: $NP messages in .*: $NP new, 0 duplicates, 0 pending, 0 failed$" "PostgreSQL: $NP new"
is "$(q pgd "$MSGS") $(q pgd "$DISTINCT")" "$NP $NP" "PostgreSQL: $NP reports, each message once"
for t in reports incidents incident_keys outbox report_hops report_items; do
	is "$(q pgd "SELECT count(*) FROM $t")" "$(q sqp "SELECT count(*) FROM $t")" "PostgreSQL and SQLite: the same count of $t"
done
is "$(q pgd "SELECT sha256 || ' ' || status || ' ' || coalesce(verdict, '-') FROM reports ORDER BY sha256" | md5sum)" \
   "$(q sqp "SELECT sha256 || ' ' || status || ' ' || coalesce(verdict, '-') FROM reports ORDER BY sha256" | md5sum)" \
   "PostgreSQL and SQLite: the same reports with the same verdicts"
out=$(A pgd import mbox "$T/pg.mbox" 2>&1)
like "$out" ": 0 new, $NP duplicates, 0 pending, 0 failed$" "PostgreSQL: importing it again adds nothing"
is "$(q pgd "SELECT count(*) FROM reports") $(files pgd cur) $(files pgd new)" "$(q sqp "SELECT count(*) FROM reports") $NP 0" \
   "PostgreSQL: the same reports, the spare spool copies removed"

conf pgk "$(pg_uri impk)"
got=$(kill_mid pgk "$T/pg.mbox")
ok "[ $got -gt 0 ] && [ $got -lt $NP ]" "PostgreSQL: SIGKILL in the middle of the import ($got of $NP recorded)"
is "$(cur_named pgk)" ok "PostgreSQL: after the kill every file in cur/ is named by a report"
out=$(A pgk import mbox "$T/pg.mbox" 2>&1)
like "$out" ": $((NP - got)) new, $got duplicates, 0 pending, 0 failed$" "PostgreSQL: the re-run records the rest"
is "$(q pgk "$MSGS") $(q pgk "$DISTINCT")" "$NP $NP" "PostgreSQL: every message once after the re-run"
A pgk reprocess --pending >/dev/null 2>&1
is "$(files pgk new) $(files pgk cur)" "0 $NP" "PostgreSQL: the killed run's spare copies cleared"
is "$(q pgk "SELECT count(*) FROM incidents") $(q pgk "SELECT count(*) FROM reports")" \
   "$(q pgd "SELECT count(*) FROM incidents") $(q pgd "SELECT count(*) FROM reports")" \
   "PostgreSQL: the same incidents and reports as the import that was not killed"
out=$(A pgd reprocess --all 2>&1)
like "$out" "^reprocess: $NP processed, 0 duplicates, 0 still pending" "PostgreSQL: reprocess --all re-parses every message"
is "$(q pgd "SELECT count(*) FROM reports") $(q pgd "SELECT count(*) FROM outbox")" \
   "$(q sqp "SELECT count(*) FROM reports") $(q sqp "SELECT count(*) FROM outbox")" "PostgreSQL: reprocess --all adds nothing"

done_testing
