#!/bin/bash
# test_probe.sh - `abusedesk probe` against real servers on loopback only:
# a Postfix open relay and a correctly configured one, an open tinyproxy and
# a restricted one, an SMTP and an HTTP listener as the "outside" host; the
# policy that refuses third parties; the rate limit; the probes table; a
# resolved incident that the probe reopens.
#
# Addresses: 127.0.0.21 open relay, 127.0.0.22 closed relay (both port 25),
# 127.0.0.23 open proxy, 127.0.0.24 restricted proxy, 127.0.0.31 outside
# host (SMTP :25, HTTP :80). Needs root (Postfix, ports 25/80).
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/postfix.sh
. tests/lib/servers.sh
. tests/lib/db.sh
BIN=${ABUSEDESK_BIN:-$PWD/abusedesk}

if [ "$(id -u)" != 0 ] || ! command -v postfix >/dev/null; then
	skip "test_probe: needs root and postfix"; done_testing; exit
fi
if ! command -v tinyproxy >/dev/null; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y tinyproxy >/dev/null 2>&1
	service tinyproxy stop >/dev/null 2>&1 || systemctl stop tinyproxy >/dev/null 2>&1 || true
fi
command -v tinyproxy >/dev/null || { skip "test_probe: tinyproxy not installable"; done_testing; exit; }

T=$(mktemp -d /tmp/abusedesk-probe-XXXXXX)
chmod 755 "$T"
TP_PIDS=()
cleanup() {
	pf_stop "$T/pf-open"; pf_stop "$T/pf-closed"
	for p in "${TP_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	sink_stop "$T/sink"; http_stop "$T/http"
	rm -rf "$T"
}
trap cleanup EXIT

PPORT=$(free_port 127.0.0.23)
DB=$(db_target "$T/abusedesk.db")
cat > "$T/abusedesk.conf" <<CONF
database = $DB
spool_dir = $T/spool
syslog = no
our_networks = 127.0.0.0/24
our_domains = example.net
team_address = abuse-team@example.net
from_address = abuse@example.net
probe_outside_domain = outside.test
probe_outside_host = 127.0.0.31:25
probe_proxy_ports = $PPORT
probe_timeout = 2s
probe_interval = 60s
CONF
A() { "$BIN" -c "$T/abusedesk.conf" "$@"; }
q() { db_q "$DB" "$1"; }
ip4() { db_hex "$DB" "00000000000000000000FFFF$1"; }   # an IPv4 address as the inventory keeps it
A init >/dev/null || { fail "abusedesk init"; done_testing; exit; }
# inventory: four hosts of ours (127.0.0.5 is inside our_networks but unknown)
q "INSERT INTO hosts(id, name, role) VALUES (1, 'mx-open.example.net', 'mta'), (2, 'mx-closed.example.net', 'mta'),
   (3, 'proxy-open.example.net', 'proxy'), (4, 'proxy-closed.example.net', 'proxy');
   INSERT INTO host_ips(ip, host_id, ip_text) VALUES
   ($(ip4 7F000015), 1, '127.0.0.21'), ($(ip4 7F000016), 2, '127.0.0.22'),
   ($(ip4 7F000017), 3, '127.0.0.23'), ($(ip4 7F000018), 4, '127.0.0.24');"

# --- the policy: refused before any connection ---
# (LeakSanitizer cannot run under ptrace: leaks are checked by the other runs)
NOLSAN="ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0"
out=$(env "$NOLSAN" strace -f -qq -e trace=connect -o "$T/strace.log" "$BIN" -c "$T/abusedesk.conf" probe 8.8.8.8 2>&1); rc=$?
is "$rc" 77 "8.8.8.8 refused with EX_NOPERM"
like "$out" "not inside our_networks" "refusal says why"
ok "! grep -q 'inet_addr(\"8.8.8.8\")' '$T/strace.log'" "no connection attempt to 8.8.8.8"
ok "! grep -E 'sin_port=htons\\((25|$PPORT)\\)' '$T/strace.log'" "no probe connection at all when refused"
out=$(A probe 127.0.1.5 2>&1); is "$?" 77 "127.0.1.5 (not ours, not in inventory) refused"
out=$(A probe 127.0.0.5 2>&1); is "$?" 77 "127.0.0.5 (ours, not in inventory) refused"
like "$out" "not in the inventory" "refusal names the inventory"
out=$(A probe localhost 2>&1); is "$?" 77 "a name whose address is not in the inventory is refused"
is "$(q 'SELECT count(*) FROM probes')" 0 "refusals record no probe"

# --- the servers ---
PF_ADDR=127.0.0.21 pf_start "$T/pf-open" 25 "mynetworks = 0.0.0.0/0" \
	"default_transport = discard:probe test" "relay_transport = discard:probe test" ||
	{ fail "open relay postfix started"; done_testing; exit; }
PF_ADDR=127.0.0.22 pf_start "$T/pf-closed" 25 "mynetworks = 127.0.0.99/32" ||
	{ fail "closed relay postfix started"; done_testing; exit; }
SINK_ADDR=127.0.0.31 sink_start "$T/sink" 25 || fail "outside SMTP listener"
SINK_ADDR=127.0.0.31 http_start "$T/http" 80 || fail "outside HTTP listener"
tp_conf() { # NAME ADDR ALLOW
	cat > "$T/$1.conf" <<EOF
Port $PPORT
Listen $2
Timeout 10
MaxClients 10
Allow $3
ConnectPort 25
PidFile "$T/$1.pid"
LogFile "$T/$1.log"
EOF
}
tp_conf tp-open 127.0.0.23 0.0.0.0/0
tp_conf tp-closed 127.0.0.24 127.0.0.99
chmod 777 "$T"
tinyproxy -c "$T/tp-open.conf" && tinyproxy -c "$T/tp-closed.conf"
wait_port 127.0.0.23 "$PPORT" 10 && wait_port 127.0.0.24 "$PPORT" 10 || fail "tinyproxy listening"
for f in tp-open tp-closed; do [ -s "$T/$f.pid" ] && TP_PIDS+=("$(cat "$T/$f.pid")"); done
chmod 755 "$T"

# --- relay ---
out=$(A probe 127.0.0.21 --relay); rc=$?
is "$rc" 2 "open relay: exit 2"
like "$out" "^127\.0\.0\.21 relay: open: open relay: accepted 6 of 6" "open relay: every form accepted"
is "$(q "SELECT kind || ' ' || result FROM probes WHERE target = '127.0.0.21'")" "relay open" "recorded: relay open"
tr=$(q "SELECT transcript FROM probes WHERE target = '127.0.0.21'")
like "$tr" "C: RCPT TO:<abusedesk-probe%outside.test@mx.example.net>" "percent hack tried with the server's name"
like "$tr" "C: RSET" "RSET sent"
ok "! grep -q 'C: DATA' <<<'$tr'" "DATA never sent"
is "$(pf_queue_count "$T/pf-open")" 0 "nothing queued on the open relay"
out=$(A probe 127.0.0.22); rc=$?                 # role mta: relay test only
is "$rc" 0 "correct relay: exit 0"
like "$out" "^127\.0\.0\.22 relay: closed: all 6 relay forms refused \(454 4\.7\.1 .*Relay access denied\)" "correct relay: closed"
is "$(q "SELECT count(*) FROM probes WHERE target = '127.0.0.22' AND kind = 'proxy'")" 0 "role mta: no proxy test"

# --- proxy ---
out=$(A probe 127.0.0.23 --json); rc=$?
is "$rc" 2 "open proxy: exit 2"
is "$(jq -r .result <<<"$out")" open "open proxy: JSON result open"
like "$(jq -r .detail <<<"$out")" "HTTP CONNECT to 127\.0\.0\.31:25 on port $PPORT" "open proxy: CONNECT accepted"
like "$(jq -r .detail <<<"$out")" "HTTP GET http://127\.0\.0\.31/" "open proxy: GET proxied"
like "$(jq -r .transcript <<<"$out")" "S: 220 smtpsink" "the tunnel reached the outside SMTP listener"
out=$(A probe 127.0.0.24 --proxy); rc=$?
is "$rc" 0 "restricted proxy: exit 0"
like "$out" "proxy: closed: port $PPORT: CONNECT 403, GET 403" "restricted proxy: 403 to both"

# --- rate limit ---
out=$(A probe 127.0.0.21 --relay 2>&1); rc=$?
is "$rc" 75 "second probe within probe_interval: exit 75"
like "$out" "probe_interval" "rate limit explained"
is "$(q "SELECT count(*) FROM probes WHERE target = '127.0.0.21'")" 1 "rate-limited probe not run"
LATER=$(( $(date +%s) + 120 ))
ABUSEDESK_NOW=$LATER A probe 127.0.0.21 --relay >/dev/null; is "$?" 2 "after probe_interval: probed again"

# --- a resolved incident that is still open is reopened ---
q "INSERT INTO incidents(id, key_host, verdict, status, abused_ip, abused_host, first_seen, last_seen,
   created_at, updated_at, resolved_at, reports) VALUES
   (10, 'mx-open.example.net', 'open_relay', 'resolved', '127.0.0.21', 'mx-open.example.net', 100, 100, 100, 100, 200, 1),
   (11, 'mx-closed.example.net', 'open_relay', 'resolved', '127.0.0.22', 'mx-closed.example.net', 100, 100, 100, 100, 200, 1),
   (12, '8.8.8.8', 'open_relay', 'open', '8.8.8.8', NULL, 100, 100, 100, 100, NULL, 1);"
LATER=$(( LATER + 120 ))
out=$(ABUSEDESK_NOW=$LATER A probe --incident 10); rc=$?
is "$rc" 2 "incident 10: still open"
like "$out" "reopened" "incident 10: reopened"
is "$(q 'SELECT status FROM incidents WHERE id = 10')" open "incident 10 is open again"
is "$(q "SELECT actor || '|' || old_status || '|' || new_status FROM incident_events WHERE incident_id = 10")" \
	"probe|resolved|open" "reopen recorded with actor probe"
like "$(q 'SELECT note FROM incident_events WHERE incident_id = 10')" "still open: open relay" "event note carries the result"
is "$(q 'SELECT count(*) FROM probes WHERE incident_id = 10')" 1 "probe recorded with the incident"
is "$(q 'SELECT count(*) FROM outbox WHERE incident_id = 10')" 1 "owner notice queued"
out=$(ABUSEDESK_NOW=$LATER A probe --incident 11); rc=$?
is "$rc" 0 "incident 11: closed"
is "$(q 'SELECT status FROM incidents WHERE id = 11')" resolved "incident 11 stays resolved"
out=$(ABUSEDESK_NOW=$LATER A probe --incident 12 2>&1); rc=$?
is "$rc" 77 "incident with a forged outside address: refused"
is "$(q "SELECT result || ' ' || substr(detail, 1, 11) FROM probes WHERE incident_id = 12")" "error not probed:" \
	"refusal recorded with the incident"

# --- abusedesk resolve with probe_on_resolve = yes probes and reopens ---
cp "$T/abusedesk.conf" "$T/resolve.conf"
echo "probe_on_resolve = yes" >> "$T/resolve.conf"
q "UPDATE incidents SET status = 'acknowledged' WHERE id = 10"
LATER=$(( LATER + 3700 ))   # past notify_interval (1h): the owner may hear again
out=$(ABUSEDESK_NOW=$LATER "$BIN" -c "$T/resolve.conf" resolve 10 --note "relay closed, says the owner"); rc=$?
is "$rc" 0 "resolve with probe_on_resolve exits 0"
like "$out" "STILL OPEN" "resolve says the probe finds the relay still open"
is "$(q 'SELECT status FROM incidents WHERE id = 10')" open "the resolved incident is reopened by the probe"
is "$(q "SELECT count(*) FROM incident_events WHERE incident_id = 10 AND new_status = 'resolved'")" 1 "the resolve itself is recorded"
is "$(q 'SELECT count(*) FROM outbox WHERE incident_id = 10')" 2 "owner told again"

# --- probe --due: active relay/proxy incidents not probed since they opened ---
q "INSERT INTO incidents(id, key_host, verdict, status, abused_ip, first_seen, last_seen, created_at, updated_at, reports)
   VALUES (13, 'proxy-open.example.net', 'open_proxy', 'open', '127.0.0.23', 100, 100, 100, 100, 1);"
LATER=$(( LATER + 120 ))
out=$(ABUSEDESK_NOW=$LATER A probe --due); rc=$?
is "$rc" 0 "probe --due runs"
is "$(q "SELECT kind || ' ' || result FROM probes WHERE incident_id = 13")" "proxy open" "due proxy incident probed"
out=$(ABUSEDESK_NOW=$LATER A probe --due)
like "$out" "^0 incident" "nothing due twice"

# every connection the probe makes goes to loopback (and only to the target;
# on PostgreSQL the database's own connection is left out)
DBPORT=none; db_pg && DBPORT=$PG_PORT
LATER=$(( LATER + 120 ))
ABUSEDESK_NOW=$LATER env "$NOLSAN" strace -f -qq -e trace=connect -o "$T/strace2.log" "$BIN" -c "$T/abusedesk.conf" \
	probe 127.0.0.23 --relay --proxy >/dev/null 2>&1
ok "grep -q 'inet_addr(\"127.0.0.23\")' '$T/strace2.log'" "strace sees the probe's connections"
is "$(grep -v "sin_port=htons($DBPORT)" "$T/strace2.log" | grep -o 'inet_addr("[^"]*")' | sort -u | tr '\n' ' ')" 'inet_addr("127.0.0.23") ' \
	"the probe connected to the target only"
done_testing
