# pg.sh - bench/run.sh part 4: the same figures on PostgreSQL. A private
# cluster (tests/lib/pg.sh, fsync on, on this machine: the server competes
# with abusedesk for the same cores), then: the bulk import of the same mbox,
# ingest with 1, 2, 4 and 8 concurrent sources against the catspool floors of
# ingest.sh, and the helpdesk queries and the digest on the database of
# digest_db.sh generated on the server (bench/digest_pg.sh). Where
# PostgreSQL cannot be started the rows say so. Sourced by bench/run.sh.

PG_ROWS="import.mbox.pg reprocess.all.pg pg.floor ingest.pg1 ingest.pg2 ingest.pg4 ingest.pg8 q.pg.status q.pg.owner q.pg.host q.pg.ip
q.pg.verdict q.pg.since q.pg.active q.pg.show q.pg.search.ip q.pg.search.inj q.pg.search.mid q.pg.search.text
q.pg.stats q.pg.stats.30d q.pg.stats.365d digest.pg digest.pg.html digest.pg.week"

section "PostgreSQL"
. "$ROOT/tests/lib/pg.sh"
bench_pg_stop() { [ -n "${PG_DIR:-}" ] && pg_stop "$PG_DIR"; }
if ! PG_FSYNC=on pg_start "$W/pgc" >"$W/pg.start" 2>&1; then
	why=$(head -c 120 "$W/pg.start" | tr '\n' ' ')
	for r in $PG_ROWS; do skip_row "$r" "PostgreSQL $r" "PostgreSQL cannot be started here (${why:-?})" "-"; done
else
	PG_VER=$("$PG_BIN/postgres" --version 2>/dev/null | awk '{ print $3 }')
	# mkconf_pg NAME DBNAME - a configuration naming a database of the cluster, initialised
	mkconf_pg() {
		local d=$W/$1
		mkdir -p "$d"
		cat >"$d/conf" <<CONF
database = $(pg_uri "$2")
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
	pgq() { PG_DB_URI=$(pg_uri "$1") pg_psql "$2"; }

	mkconf_pg pgimp imp
	import_row import.mbox.pg "PostgreSQL $PG_VER" "$W/pgimp/conf" "pgq imp 'SELECT count(*) FROM reports'"
	reprocess_row reprocess.all.pg "PostgreSQL $PG_VER" "$W/pgimp/conf"
	# the server's own cost of those rows, however a client sent them (COPY: no statement a row)
	if PSQL="$PG_BIN/psql" ABUSEDESK_BIN="$BIN" bash "$ROOT/bench/pg_floor.sh" "$(pg_uri imp)" "$(pg_uri floor)" \
		"$W/pgfloor" >"$W/pg_floor.out" 2>&1; then
		FL=$(grep '^FIGURE' "$W/pg_floor.out" | tail -n 1)
		row pg.floor "PostgreSQL $PG_VER: the server's own cost of the import's rows, written back with COPY into an empty desk in transactions of 2,000 rows, as the import batches (every index and trigger)" \
			"$(kv "$FL" us_per_message) us a message (the report row $(kv "$FL" reports_us) us); at most $(num "$(kv "$FL" ceiling)") msg/s on one core with a client that cost nothing" \
			"<= 200 us (5,000 msg/s)" "$(status "$(kv "$FL" us_per_message)" '<=' 200)" \
			"bench/pg_floor.sh URI-of-imp URI-of-empty DIR"
	else
		skip_row pg.floor "PostgreSQL: the server's own cost of the import's rows" "$(head -c 120 "$W/pg_floor.out" | tr '\n' ' ')" \
			"bench/pg_floor.sh"
	fi
	if [ "${BENCH_ONLY:-}" = import ]; then bench_pg_stop; PG_DIR=; else

	mkconf_pg pging ing
	for P in 1 2 4 8; do
		eval "fl=\$FLOOR$([ $P = 1 ] || echo $P)"
		lat_row ingest.pg$P "PostgreSQL: ingest, $P concurrent process$([ $P = 1 ] || echo es)" $P "$W/l$P.list" "$fl" \
			"$BIN" -q -c "$W/pging/conf" ingest
	done

	section "PostgreSQL helpdesk database ($DB_REPORTS reports, $DB_INCIDENTS incidents)"
	PSQL="$PG_BIN/psql" bash "$ROOT/bench/digest_pg.sh" "$W/pgbig" "$(pg_uri big)" "$DB_REPORTS" "$DB_INCIDENTS" \
		>"$W/digest_pg.out" 2>&1
	PFIG=$(grep '^FIGURE' "$W/digest_pg.out" | tail -n 1)
	PNR=$(pgq big "SELECT count(*) FROM reports" 2>/dev/null)
	PNI=$(pgq big "SELECT count(*) FROM incidents" 2>/dev/null)
	PAD="$BIN -q -c $W/pgbig/conf"
	pquery() { # pquery ID WHAT ARGS...
		local id=$1 what=$2 ms
		shift 2
		ms=$(median5 $PAD "$@")
		row "$id" "PostgreSQL: $what ($PNR reports, $PNI incidents)" "$ms ms (median of 5)" "< 50 ms" \
			"$(status "$ms" '<=' 50)" "\$AD $*"
	}
	pquery q.pg.status "incidents --status open" incidents --status open
	pquery q.pg.owner "incidents --owner" incidents --owner owner5
	pquery q.pg.host "incidents --host" incidents --host "host$MID"
	pquery q.pg.ip "incidents --ip" incidents --ip 192.0.2.5
	pquery q.pg.verdict "incidents --verdict" incidents --verdict open_relay
	pquery q.pg.since "incidents --since 7d" incidents --since 7d
	pquery q.pg.active "incidents --status active --owner" incidents --status active --owner owner7
	pquery q.pg.show "show ID" show "$MID"
	pquery q.pg.search.ip "search IP" search 192.0.2.5
	pquery q.pg.search.inj "search injector IP" search 203.0.7.9
	pquery q.pg.search.mid "search Message-ID (not found)" search "<subject-$MID@nowhere.example>"
	pquery q.pg.search.text "search text" search isp7
	pquery q.pg.stats "stats" stats
	pquery q.pg.stats.30d "stats --since 30d" stats --since 30d
	pquery q.pg.stats.365d "stats --since 365d" stats --since 365d
	ms=$(median5 $PAD digest)
	row digest.pg "PostgreSQL: digest, last 24 h, text ($PNR reports, $PNI incidents)" \
		"$ms ms (median of 5; built in $(kv "$PFIG" build_seconds) s)" "< 1 s" "$(status "$ms" '<=' 1000)" "\$AD digest"
	ms=$(median5 $PAD digest --format html)
	row digest.pg.html "PostgreSQL: digest, last 24 h, HTML" "$ms ms (median of 5)" "< 1 s" "$(status "$ms" '<=' 1000)" \
		"\$AD digest --format html"
	ms=$(median5 $PAD digest --since 7d)
	row digest.pg.week "PostgreSQL: digest, last 7 days, text" "$ms ms (median of 5)" "< 1 s" \
		"$(status "$ms" '<=' 1000)" "\$AD digest --since 7d"
	bench_pg_stop
	PG_DIR=
	fi
fi
