# helpdesk.sh - bench/run.sh part 3: helpdesk queries and the digest on a
# big database (bench/digest_db.sh: 1,000,000 reports / 100,000 incidents),
# and one more ingest into it against an empty one. Sourced by bench/run.sh.

section "helpdesk database ($DB_REPORTS reports, $DB_INCIDENTS incidents)"
BIG=$W/big
bash "$ROOT/bench/digest_db.sh" "$BIG" "$DB_REPORTS" "$DB_INCIDENTS" >"$W/digest_db.out" 2>&1
FIG=$(grep '^FIGURE' "$W/digest_db.out" | tail -n 1)
# the schema the CLI queries: the columns digest_db.sh filled must be there
for c in incidents.key_host incidents.abused_ip incidents.owner incidents.status reports.incident_id \
	reports.orig_subject reports.reporter; do
	sqlite3 "$BIG/ad.db" "SELECT ${c#*.} FROM ${c%%.*} LIMIT 1" >/dev/null 2>&1 ||
		echo "bench: $c missing from the big database" >&2
done
NI=$(sqlite3 "$BIG/ad.db" "SELECT count(*) FROM incidents" 2>/dev/null)
NR=$(sqlite3 "$BIG/ad.db" "SELECT count(*) FROM reports" 2>/dev/null)
AD="$BIN -q -c $BIG/conf"
MID=$(( DB_INCIDENTS / 2 + 7 ))
query() { # query ID WHAT ARGS...
	local id=$1 what=$2 ms
	shift 2
	ms=$(median5 $AD "$@")
	row "$id" "$what ($NR reports, $NI incidents)" "$ms ms (median of 5)" "< 50 ms" \
		"$(status "$ms" '<=' 50)" "\$AD $*"
}
query q.status "incidents --status open" incidents --status open
query q.owner "incidents --owner" incidents --owner owner5
query q.host "incidents --host" incidents --host "host$MID"
query q.ip "incidents --ip" incidents --ip 192.0.2.5
query q.verdict "incidents --verdict" incidents --verdict open_relay
query q.since "incidents --since 7d" incidents --since 7d
query q.active "incidents --status active --owner" incidents --status active --owner owner7
query q.show "show ID" show "$MID"
query q.search.ip "search IP" search 192.0.2.5
query q.search.inj "search injector IP" search 203.0.7.9
query q.search.mid "search Message-ID (not found)" search "<subject-$MID@nowhere.example>"
query q.search.text "search text" search isp7
query q.stats "stats" stats
query q.stats.30d "stats --since 30d" stats --since 30d
query q.stats.365d "stats --since 365d" stats --since 365d
ms=$(median5 $AD digest)
row digest "digest, last 24 h, text ($NR reports, $NI incidents)" "$ms ms (median of 5; digest_db.sh: $(kv "$FIG" digest_seconds) s)" \
	"< 1 s" "$(status "$ms" '<=' 1000)" "\$AD digest"
ms=$(median5 $AD digest --format html)
row digest.html "digest, last 24 h, HTML" "$ms ms (median of 5)" "< 1 s" "$(status "$ms" '<=' 1000)" \
	"\$AD digest --format html"
ms=$(median5 $AD digest --since 7d)
row digest.week "digest, last 7 days, text" "$ms ms (median of 5)" "< 1 s" "$(status "$ms" '<=' 1000)" \
	"\$AD digest --since 7d"

section "one more ingest: big database vs empty"
cat >>"$BIG/conf" <<CONF
run_user = $RUN_USER
db_busy_timeout = 30s
our_networks = 192.0.2.0/24, 198.51.100.0/24, 2001:db8::/32
our_domains = example.net
CONF
[ -n "$RUN_USER" ] && chown -R "$RUN_USER" "$BIG"
"$BIN" -q -c "$BIG/conf" init >/dev/null 2>&1
[ -n "$RUN_USER" ] && chown -R "$RUN_USER" "$BIG"
mkconf "$W/small"
tail -n 40 "$W/mix.list" | head -n 20 >"$W/bigA.list"
tail -n 20 "$W/mix.list" >"$W/bigB.list"
lat_row ingest.emptydb "ingest one message into an empty database, serial" 1 "$W/bigA.list" "" \
	"$BIN" -q -c "$W/small/conf" ingest
E=$L_P50
lat_row ingest.bigdb "ingest one message into the big database, serial" 1 "$W/bigB.list" "" \
	"$BIN" -q -c "$BIG/conf" ingest
B=$L_P50
GOT=$(sqlite3 "$BIG/ad.db" "SELECT count(*) FROM reports" 2>/dev/null)
row ingest.big.ratio "ingest p50, big database / empty database" "$(calc "$B / $E")x ($B ms vs $E ms; $((GOT - NR)) added)" \
	"<= 2x" "$(status "$(calc "$B / $E")" '<=' 2)" "the two rows above"

section "the web helpdesk and the API on the big database"
WPORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
echo 'bench pw' | "$BIN" -q -c "$BIG/conf" user add bench --role viewer >/dev/null 2>&1
WTOK=$("$BIN" -q -c "$BIG/conf" user token bench 2>/dev/null)
[ -n "$RUN_USER" ] && chown -R "$RUN_USER" "$BIG"
"$BIN" -q -c "$BIG/conf" web --listen "127.0.0.1:$WPORT" 2>"$W/web.log" &
WPID=$!
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$WPORT/login" && break; sleep 0.1; done
curl -s -o /dev/null -c "$W/web.jar" --data-urlencode name=bench --data-urlencode 'password=bench pw' \
	"http://127.0.0.1:$WPORT/login"
webq() { # webq ID WHAT PATH [CURL ARGS...]: GET PATH, median of 5, target 100 ms
	local id=$1 what=$2 path=$3 ms
	shift 3
	ms=$(median5 curl -sf -o /dev/null "$@" "http://127.0.0.1:$WPORT$path")
	row "$id" "$what ($NR reports, $NI incidents)" "$ms ms (median of 5)" "< 100 ms" \
		"$(status "$ms" '<=' 100)" "curl $* http://127.0.0.1:PORT$path"
}
webq web.api.list "GET /api/v1/incidents (active, 50)" /api/v1/incidents -H "Authorization: Bearer $WTOK"
webq web.api.all "GET /api/v1/incidents?status=all&limit=1000" "/api/v1/incidents?status=all&limit=1000" \
	-H "Authorization: Bearer $WTOK"
webq web.api.show "GET /api/v1/incidents/ID" "/api/v1/incidents/$MID" -H "Authorization: Bearer $WTOK"
webq web.page.list "incidents page (active, 50, with the count)" /incidents -b "$W/web.jar"
webq web.page.owner "incidents page, one owner, sorted by reports" "/incidents?owner=owner5&sort=reports" \
	-b "$W/web.jar"
webq web.page.show "incident page" "/incidents/$MID" -b "$W/web.jar"
webq web.page.dash "dashboard, 30 days" /dashboard -b "$W/web.jar"
kill "$WPID" 2>/dev/null
wait "$WPID" 2>/dev/null
