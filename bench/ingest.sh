# ingest.sh - bench/run.sh part 2: the pipe path (fork/exec, spool with
# fsync, parse, trace, SQLite commit) against the bare catspool floor with
# 1, 2, 4 and 8 concurrent sources, 50 concurrent deliveries with an exact
# count, and bulk mbox import.
# Sourced by bench/run.sh (bash).

# mkconf DIR - a configuration and an initialised database under DIR
mkconf() {
	local d=$1
	mkdir -p "$d"
	cat >"$d/conf" <<CONF
database = $d/db/ad.db
spool_dir = $d/spool
run_user = $RUN_USER
syslog = no
db_busy_timeout = 30s
our_networks = 192.0.2.0/24, 198.51.100.0/24, 2001:db8::/32
our_domains = example.net
CONF
	[ -n "$RUN_USER" ] && chown "$RUN_USER" "$d"
	"$BIN" -q -c "$d/conf" init >/dev/null 2>&1 || echo "bench: init $d failed" >&2
	for k in owners networks hosts; do
		[ -f "$ROOT/samples/inventory/$k.csv" ] &&
			"$BIN" -q -c "$d/conf" inventory import "$k" "$ROOT/samples/inventory/$k.csv" >/dev/null 2>&1
	done
	[ -n "$RUN_USER" ] && chown -R "$RUN_USER" "$d"
}

# lat_row ID NAME P LIST FLOOR_P50 CMD... - run lat, add a row, set L_P50
lat_row() {
	local id=$1 name=$2 par=$3 list=$4 floor=$5 l tgt st
	shift 5
	l=$("$TOOLS/lat" -P "$par" -- "$@" <"$list" 2>"$W/$id.err" | tail -n 1)
	echo "$l" >"$W/$id.lat"
	L_P50=$(kv "$l" p50_ms)
	L_LINE=$l
	tgt=- st=-
	if [ -n "$floor" ]; then
		tgt="p50 <= 3x floor ($(calc "3 * $floor") ms)"
		st=$(status "$L_P50" '<=' "$(calc "3 * $floor")")
	fi
	[ "$(kv "$l" failed)" = 0 ] || st="BROKEN: $(kv "$l" failed) runs failed ($(head -c 200 "$W/$id.err" | tr '\n' ' '))"
	row "$id" "$name" "p50 $(kv "$l" p50_ms) ms, p99 $(kv "$l" p99_ms) ms, $(kv "$l" per_s) msg/s, $(kv "$l" runs) runs, $(kv "$l" failed) failed${floor:+; $(calc "$L_P50 / $floor")x floor}" \
		"$tgt" "$st" "lat -P $par -- $(echo "$* " | sed "s|$BIN|abusedesk|; s|$TOOLS/||; s|$W|W|g")< list"
}

if [ "${BENCH_ONLY:-}" != import ]; then
section "ingest"
# distinct messages for each run: the mix, from different offsets
sed -n "1,${N_LAT1}p" "$W/mix.list" >"$W/l1.list"
sed -n "$((N_LAT1 + 1)),$((N_LAT1 + N_LAT8))p" "$W/mix.list" >"$W/l8.list"
mkdir -p "$W/floor/tmp" "$W/floor/new"
lat_row ingest.floor "floor: catspool (tmp, fsync, rename, fsync dir), serial" 1 "$W/l1.list" "" \
	"$TOOLS/catspool" "$W/floor"
FLOOR=$L_P50
mkdir -p "$W/floor8/tmp" "$W/floor8/new"
lat_row ingest.floor8 "floor: catspool, 8 concurrent" 8 "$W/l8.list" "" "$TOOLS/catspool" "$W/floor8"
FLOOR8=$L_P50
mkconf "$W/ing1"
lat_row ingest.serial "ingest one message, serial" 1 "$W/l1.list" "$FLOOR" \
	"$BIN" -q -c "$W/ing1/conf" ingest
INGEST_EMPTY=$L_P50
lat_row ingest.p8 "ingest, 8 concurrent processes" 8 "$W/l8.list" "$FLOOR8" \
	"$BIN" -q -c "$W/ing1/conf" ingest
# 2 and 4 concurrent sources (the throughput curve: 1, 2, 4, 8), each against its own floor
sed -n "$((N_LAT1 + N_LAT8 + 1)),$((N_LAT1 + N_LAT8 + N_LAT24))p" "$W/mix.list" >"$W/l2.list"
sed -n "$((N_LAT1 + N_LAT8 + N_LAT24 + 1)),$((N_LAT1 + N_LAT8 + 2 * N_LAT24))p" "$W/mix.list" >"$W/l4.list"
for P in 2 4; do
	mkdir -p "$W/floor$P/tmp" "$W/floor$P/new"
	lat_row ingest.floor$P "floor: catspool, $P concurrent" $P "$W/l$P.list" "" "$TOOLS/catspool" "$W/floor$P"
	eval "FLOOR$P=\$L_P50"
	lat_row ingest.p$P "ingest, $P concurrent processes" $P "$W/l$P.list" "$L_P50" \
		"$BIN" -q -c "$W/ing1/conf" ingest
done
"$TOOLS/lat" -P 1 -- "$BIN" -q -c "$W/ing1/conf" --version </dev/null >/dev/null 2>&1
sed -n 1,50p "$W/l1.list" >"$W/l50v.list"
l=$("$TOOLS/lat" -P 1 -- "$BIN" --version <"$W/l50v.list" 2>/dev/null | tail -n 1)
row ingest.startup "process start-up alone: abusedesk --version, serial" \
	"p50 $(kv "$l" p50_ms) ms, p99 $(kv "$l" p99_ms) ms ($(ldd "$BIN" 2>/dev/null | wc -l) shared objects)" \
	"-" "-" "lat -P 1 -- abusedesk --version < list"

# 50 concurrent deliveries, every one recorded exactly once
sed -n "1,${N_C50}p" "$W/mix.list" >"$W/c50.list"
mkconf "$W/c50"
lat_row ingest.c50 "ingest, 50 concurrent processes delivering $N_C50 messages" 50 "$W/c50.list" "" \
	"$BIN" -q -c "$W/c50/conf" ingest
WANT=$(xargs -r sha256sum <"$W/c50.list" | awk '{ print $1 }' | sort -u | wc -l)
GOT=$(sqlite3 "$W/c50/db/ad.db" "SELECT count(*) FROM reports" 2>/dev/null)
DIST=$(sqlite3 "$W/c50/db/ad.db" "SELECT count(DISTINCT sha256) FROM reports" 2>/dev/null)
DONE=$(sqlite3 "$W/c50/db/ad.db" "SELECT count(*) FROM reports WHERE status = 'done'" 2>/dev/null)
SPOOL=$(find "$W/c50/spool" -type f | wc -l)
[ "$GOT" = "$WANT" ] && [ "$DIST" = "$WANT" ] && C50=met || C50="MISSED"
row ingest.c50.count "ingest, 50 concurrent: recorded exactly once" \
	"$GOT reports ($DIST distinct, $DONE done) for $WANT distinct messages; $SPOOL spool files" \
	"$WANT, each once" "$C50" "sqlite3 W/c50/db/ad.db 'SELECT count(*), count(DISTINCT sha256) FROM reports'"

fi

section "import"
"$TOOLS/gen" --seed 2 --count "$N_MBOX" --mbox "$W/import.mbox" || exit 2
mkconf "$W/imp"
# import_row ID NAME CONF GOT_CMD - time `import mbox` of W/import.mbox into CONF and add the row
import_row() {
	local id=$1 name=$2 conf=$3 got_cmd=$4 wall cpu rate got
	tm "$W/$id.tm" "$BIN" -q -c "$conf" import mbox "$W/import.mbox" >"$W/$id.out" 2>&1
	wall=$(field "$W/$id.tm" 1)
	cpu=$(calc "$(field "$W/$id.tm" 2) + $(field "$W/$id.tm" 3)")
	rate=$(calc "$N_MBOX / ($wall > 0 ? $wall : 0.001)")
	got=$(eval "$got_cmd" 2>/dev/null)
	row "$id" "$name: bulk import of a $N_MBOX-message mbox ($(calc "$(stat -c %s "$W/import.mbox") / 1048576") MB)" \
		"$(num "$rate") msg/s ($wall s wall; $(num "$(calc "$N_MBOX / ($cpu > 0 ? $cpu : 0.001)")") msg/s per core of the import process); $([ "$got" = "$N_MBOX" ] && echo "all recorded" || echo "$got of $N_MBOX recorded")" \
		">= 5,000 msg/s" "$([ "$got" = "$N_MBOX" ] && status "$rate" '>=' 5000 || echo "BROKEN: $got of $N_MBOX recorded")" \
		"abusedesk -q -c W/${conf#"$W"/} import mbox W/import.mbox"
}
# reprocess_row ID NAME CONF - time `reprocess --all` of the reports the import recorded in CONF
reprocess_row() {
	local id=$1 name=$2 conf=$3 wall cpu rate n
	tm "$W/$id.tm" "$BIN" -c "$conf" reprocess --all >"$W/$id.out" 2>&1
	wall=$(field "$W/$id.tm" 1)
	cpu=$(calc "$(field "$W/$id.tm" 2) + $(field "$W/$id.tm" 3)")
	n=$(sed -n 's/^reprocess: \([0-9]*\) processed.*/\1/p' "$W/$id.out" | tail -n 1)
	rate=$(calc "${n:-0} / ($wall > 0 ? $wall : 0.001)")
	row "$id" "$name: reprocess --all of the $N_MBOX imported reports (parse, trace and store each again)" \
		"$(num "$rate") msg/s ($wall s wall; $(num "$(calc "${n:-0} / ($cpu > 0 ? $cpu : 0.001)")") msg/s per core of the process); ${n:-0} processed" \
		">= 5,000 msg/s" "$([ "${n:-0}" = "$N_MBOX" ] && status "$rate" '>=' 5000 || echo "BROKEN: ${n:-0} of $N_MBOX processed")" \
		"abusedesk -c W/${conf#"$W"/} reprocess --all"
}
import_row import.mbox "SQLite" "$W/imp/conf" "sqlite3 '$W/imp/db/ad.db' 'SELECT count(*) FROM reports'"
reprocess_row reprocess.all "SQLite" "$W/imp/conf"
