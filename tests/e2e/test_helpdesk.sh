#!/bin/bash
# test_helpdesk.sh - the helpdesk CLI on a temporary database: inventory
# import (idempotent, errors with line numbers, rollback), lookup, mail log
# and NAT imports, incidents list and filters, show, state changes with
# notes, search (IP, Message-ID, text with LIKE escaping) and stats.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/db.sh
BIN=${ABUSEDESK_BIN:-$PWD/abusedesk}
T=$(mktemp -d /tmp/abusedesk-helpdesk-XXXXXX)
trap 'rm -rf "$T"' EXIT
if [ ! -x "$BIN" ]; then
	echo "1..0 # SKIP $BIN not built (make)"
	exit 0
fi
RUN_USER=
if [ "$(id -u)" = 0 ]; then   # import and reprocess never parse mail as root
	id abusedesk >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin abusedesk
	RUN_USER=abusedesk
	chmod 755 "$T"
fi
cat > "$T/abusedesk.conf" <<CONF
database = $(db_target "$T/abusedesk.db")
spool_dir = $T/spool
syslog = no
db_busy_timeout = 2s
run_user = $RUN_USER
our_networks = 192.0.2.0/24, 198.51.100.0/24, 2001:db8::/32
our_domains = example.net
CONF
A() { "$BIN" -c "$T/abusedesk.conf" "$@"; }
INV=samples/inventory

ok A init "init"
for k in owners networks hosts; do
	ok A -q inventory import $k $INV/$k.csv "inventory import $k"
done
before=$(A inventory export)
for k in owners networks hosts; do A -q inventory import $k $INV/$k.csv; done
is "$(A inventory export)" "$before" "re-import changes nothing"
like "$(A inventory export hosts | head -1)" '^name,ips,role,owner,note' "export hosts has the import header"

# bad rows: reported with line numbers, nothing imported, exit 65
printf 'cidr,owner,role\n203.0.113.0/24,hosting,server\n203.0.113.999/24,hosting,server\n203.0.113.0/25,nobody,server\n' > "$T/bad.csv"
err=$(A inventory import networks "$T/bad.csv" 2>&1); rc=$?
is "$rc" 65 "bad networks file exits 65"
like "$err" "bad.csv:3: bad network" "bad row named with its line"
like "$err" "bad.csv:4: unknown owner" "every bad row reported"
is "$(A inventory export)" "$before" "a bad file imports nothing (the good row 2 rolled back)"

# lookups: host, most specific network, IPv6
out=$(A inventory lookup 192.0.2.25)
like "$out" "host: +mx2.example.net" "lookup names the host"
like "$out" "network: +192.0.2.16/28" "most specific network wins"
like "$(A inventory lookup 198.51.100.200)" "role: +dynamic" "the /25 inside the /24 decides the role"
like "$(A inventory lookup 2001:db8:10::5)" "network: +2001:db8:10::/48" "IPv6 lookup"
A inventory lookup 203.0.113.1 >/dev/null 2>&1; is "$?" 1 "address not in the inventory"

# mail log and NAT imports
like "$(A maillog import samples/maillog/postfix.log 2>&1)" "9 records, 9 new" "maillog import"
like "$(A maillog import samples/maillog/postfix.log 2>&1)" "9 records, 0 new" "maillog re-import adds nothing"
like "$(A maillog import - < samples/maillog/exim.log 2>&1)" "2 new" "exim log from stdin"
printf 'time,inside_ip,inside_port,outside_ip,outside_port\n2024-05-01T10:29:50Z,10.0.5.23,51000,192.0.2.1,40001\nyesterday,10.0.5.24,1,192.0.2.1,2\n' > "$T/nat.csv"
err=$(A natlog import "$T/nat.csv" 2>&1); rc=$?
is "$rc" 65 "natlog bad row exits 65"
like "$err" "nat.csv:3: bad time" "natlog bad row with its line"
sed -i '$d' "$T/nat.csv"
ok A -q natlog import "$T/nat.csv" "natlog import"

# reports through the ingest path
mkdir -p "$T/mail"
for s in trace-open-relay trace-compromised-account trace-web-script trace-not-ours arf-abuse; do
	cp samples/$s.eml "$T/mail/"
done
ok A -q import maildir "$T/mail" "import sample reports"
json=$(A incidents --format json)
like "$json" '"verdict":"open_relay","confidence":"[a-z]+","host":"mx2.example.net"' "open relay incident on mx2"
id=$(A incidents --verdict open_relay --host MX2.example.net --format csv | sed -n '2s/,.*//p')
like "$id" '^[0-9]+$' "filter by verdict and host (case-insensitive)"
like "$(A incidents --ip 192.0.2.25 --format csv)" "open_relay" "filter by ip"
is "$(A incidents --owner nobody --format csv | wc -l)" 1 "filter by unknown owner: header only"
like "$(A incidents --status active)" "^id +status +verdict" "table with aligned header"
A incidents --status bogus >/dev/null 2>&1; is "$?" 64 "bad status is a usage error"

# state changes with actor and note
SUDO_USER=helper ok A ack "$id" --note "calling the owner" "ack"
show=$(A show "$id")
like "$show" "Incident $id +\[acknowledged\] +open_relay" "show header with status"
like "$show" "open -> acknowledged by .*: calling the owner" "timeline has the change, actor and note"
like "$show" "Injectors" "show lists injectors"
like "$show" "Evidence hops" "show lists evidence hops"
ok A resolve "$id" --note "relay closed" "resolve"
like "$(A incidents --status resolved --format csv)" "^id,.*
$id," "resolved filter lists it"
ok A reopen "$id" "reopen"
ok A false-positive "$id" --note "test traffic" "false-positive"
like "$(A show "$id" --format json)" '"status":"false_positive"' "show --format json"
python3 -c 'import json,sys; json.load(sys.stdin)' < <(A show "$id" --format json) && pass "show json parses" || fail "show json parses"
A ack 999999 >/dev/null 2>&1; is "$?" 65 "unknown incident exits 65"
A ack >/dev/null 2>&1; is "$?" 64 "missing id is a usage error"

# search
like "$(A search 192.0.2.25 --format csv)" "incident,$id," "search by IP finds the incident"
like "$(A search '<spam-1@lottery.example.org>' --format csv)" "report," "search by Message-ID finds reports"
like "$(A search complainant --format csv)" "report," "text search over reporters"
is "$(A search 'mx_' --format csv | grep -c '^incident')" 0 "LIKE wildcards are escaped"
is "$(A search '%' --format csv | grep -c '^incident')" 0 "a lone % matches nothing"

# stats
st=$(A stats --format csv)
like "$st" "verdict,open_relay,1" "stats by verdict"
like "$st" "status,false_positive,1" "stats by status"
like "$st" "reporter," "stats by reporter"
# issue 22: widths, options, JSON, active by default
J() { python3 -c "import json,sys; d=json.load(sys.stdin); $1"; }
lst=$(A incidents --all --format json | J 'print(sorted(d[0].keys()))')
one=$(A show "$id" --format json | J 'print(sorted(d["incident"].keys()))')
is "$one" "$lst" "show --format json and incidents --format json: one incident shape"
like "$(A show "$id" --format json | J 'print(d["incident"]["first_seen"])')" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' "show json: ISO 8601 UTC times"
ok "! A show $id --format json | grep -q key_host" "show json: no key_host"
like "$(A show "$id" --format json | J 'print(d["events"][0]["at"])')" 'Z$' "show json: event times ISO"
ok "! A incidents --format csv | grep -q ',$id,\\|^$id,'" "incidents defaults to the active ones (false positive hidden)"
like "$(A incidents --all --format csv)" "^id,.*
.*$id," "--all lists every incident"
err=$(A incidents --verdict bogus 2>&1); is "$?" 64 "bad verdict: 64"
like "$err" "valid: .*open_relay" "bad verdict lists the valid ones"
like "$(A incidents --status bogus 2>&1)" "valid: active.*false_positive" "bad status lists the valid ones"
like "$(A incidents --all --host example.net --format csv)" "mx2.example.net" "--host matches a name suffix"
is "$(A incidents --all --host 2.example.net --format csv | wc -l)" 1 "--host suffix only at a dot"
like "$(A search 192.0.2.0/24 --format csv)" "incident,$id," "search accepts a CIDR"
is "$(A search nosuchthing-xyz)" "nothing found" "empty search: nothing found"
is "$(A incidents --owner nobody)" "nothing found
(only active incidents: open, notified, acknowledged; --all lists every one)" "empty list: nothing found"
like "$(A reports --limit 2)" "showing 2 of [0-9]+" "reports says showing N of M"
A reopen "$id" >/dev/null
ok A ack --note early "$id" "ack with the option before the ID"
like "$(A ack "$id" --note again)" "already acknowledged" "ack twice says so"
is "$(A show "$id" --format json | J 'print(sum(1 for e in d["events"] if e["old_status"] == e["new_status"]))')" 0 "no acknowledged -> acknowledged recorded"
# maxw - the widest line on stdin, in characters
maxw() { python3 -c 'import sys; print(max([len(l.rstrip("\n")) for l in sys.stdin.buffer.read().decode("utf-8", "replace").split("\n")] + [0]))'; }
for cmd in "incidents --all" "reports" "search example" "show $id" "notify --status --all"; do
	w=$(COLUMNS=80 A $cmd | maxw)
	ok "[ $w -le 80 ]" "$cmd fits COLUMNS=80 ($w)"
	[ "$w" -le 80 ] || COLUMNS=80 A $cmd | sed 's/^/# /' | head -5
done
w=$(COLUMNS=80 A incidents --all --wide | maxw)
ok "[ $w -gt 80 ]" "--wide shows every column ($w)"
done_testing
