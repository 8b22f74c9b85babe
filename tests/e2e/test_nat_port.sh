#!/bin/bash
# test_nat_port.sh - a customer behind our NAT gateway sends through our Exim
# smarthost: the client port our MTA recorded for the entry hop (in its
# Received header, or in its imported mainlog when the header has none) and
# the NAT records name the inside host; show prints the hop's port.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/db.sh
BIN=$(readlink -f "${ABUSEDESK_BIN:-$PWD/abusedesk}")
T=$(mktemp -d /tmp/abusedesk-natport-XXXXXX); chmod 755 "$T"
trap 'rm -rf "$T"' EXIT
if [ ! -x "$BIN" ]; then
	echo "1..0 # SKIP $BIN not built (make)"
	exit 0
fi
RUN_USER=
if [ "$(id -u)" = 0 ]; then   # import never parses mail as root
	id abusedesk >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin abusedesk
	RUN_USER=abusedesk
fi
cat > "$T/c.conf" <<CONF
database = $(db_target "$T/db/a.db")
spool_dir = $T/spool
syslog = no
run_user = $RUN_USER
our_networks = 192.0.2.0/24, 198.51.100.0/24, 2001:db8::/32
our_domains = example.net
CONF
A() { "$BIN" -c "$T/c.conf" "$@"; }
j() { python3 -c 'import json,sys; d=json.loads(sys.stdin.readline()); print(d.get(sys.argv[1]))' "$1"; }
J() { python3 -c "import json,sys; d=json.load(sys.stdin); $1"; }
ok A -q init "init"
for k in owners networks hosts; do A -q inventory import "$k" "samples/inventory/$k.csv" >/dev/null; done
# the gateway's translations: two inside hosts, two outside ports
printf 'time,inside_ip,inside_port,outside_ip,outside_port\n2024-05-01T10:29:50Z,10.20.3.4,51000,192.0.2.1,40123\n2024-05-01T10:29:51Z,10.20.3.5,51001,192.0.2.1,40200\n' > "$T/nat.csv"
ok A -q natlog import "$T/nat.csv" "NAT records imported"

# 1. Exim wrote the port into its Received header: [192.0.2.1]:40123
H=samples/trace-nat-smarthost.eml
t=$(A trace --json "$H")
is "$(echo "$t" | j verdict)" infected_host "Received port: infected_host"
is "$(echo "$t" | j nat_inside)" 10.20.3.4:51000 "Received port: the inside host behind 192.0.2.1:40123"
is "$(echo "$t" | j injector_ip)" 10.20.3.4 "Received port: the inside host injected it"

# 2. the same chain with no port in the header; the mainlog has it
sed -e 's/(\[192\.0\.2\.1\]:40123 helo=pc-3-4.lan)/([192.0.2.1] helo=pc-3-4.lan)/' \
    -e 's/1rNat1-000Q1a-2B/1rNat2-000Q1b-3C/; s/spam-2@/spam-3@/; s/fbl-nat-smarthost@/fbl-nat-smarthost-2@/' \
    "$H" > "$T/noport.eml"
ok "! grep -q ':40123' '$T/noport.eml'" "the second complaint's header carries no port"
t=$(A trace --json "$T/noport.eml")
is "$(echo "$t" | j rule)" nat-no-port "no port anywhere: nat-no-port"
is "$(echo "$t" | j nat_inside)" None "no port anywhere: no inside host"
cat > "$T/mainlog" <<'LOG'
2024-05-01 10:29:58 1rNat2-000Q1b-3C <= winner@lottery.example.org H=nat1.example.net (pc-3-4.lan) [192.0.2.1]:40200 I=[192.0.2.25]:25 P=esmtp S=812 id=spam-3@lottery.example.org
2024-05-01 10:30:05 1rNat2-000Q1b-3C => victim@complainant.example R=dnslookup T=remote_smtp H=mx.complainant.example [198.18.0.5]:25 C="250 ok"
2024-05-01 10:30:05 1rNat2-000Q1b-3C Completed
LOG
like "$(A maillog import "$T/mainlog" 2>&1)" "2 records, 2 new" "Exim mainlog imported"
t=$(A trace --json "$T/noport.eml")
is "$(echo "$t" | j verdict)" infected_host "mainlog port: infected_host"
is "$(echo "$t" | j nat_inside)" 10.20.3.5:51001 "mainlog port: the inside host behind 192.0.2.1:40200"
like "$(echo "$t" | j evidence)" "maillog: client port 40200 of 192.0.2.1" "mainlog port: in the evidence"
# the Received header's port wins over the log's for the same hop
t=$(A trace --json "$H")
is "$(echo "$t" | j nat_inside)" 10.20.3.4:51000 "Received port still decides the first chain"

# 3. a Postfix log with smtpd_client_port_logging = yes names the port too
sed -e 's/with esmtp (Exim 4.96)/with ESMTP (Postfix)/; s/1rNat2-000Q1b-3C/4PfNat1QQ/; s/spam-3@/spam-4@/; s/fbl-nat-smarthost-2@/fbl-nat-smarthost-3@/' \
    "$T/noport.eml" > "$T/noport-pf.eml"
printf 'May  1 10:29:58 mx2 postfix/smtpd[77]: 4PfNat1QQ: client=nat1.example.net[192.0.2.1]:40123\n' > "$T/mail.log"
like "$(ABUSEDESK_NOW=1714600000 A maillog import "$T/mail.log" 2>&1)" "1 records, 1 new" "Postfix log imported"
is "$(A trace --json "$T/noport-pf.eml" | j nat_inside)" 10.20.3.4:51000 "Postfix client=[ip]:port: the inside host"

# 4. through ingest: show names the inside host and prints the hop's port
mkdir -p "$T/mail"
cp "$H" "$T/mail/a.eml"; cp "$T/noport.eml" "$T/mail/b.eml"
chmod -R a+rX "$T/mail"
ok A -q import maildir "$T/mail" "both complaints imported"
ida=$(A incidents --ip 10.20.3.4 --format csv | sed -n '2s/,.*//p')
idb=$(A incidents --ip 10.20.3.5 --format csv | sed -n '2s/,.*//p')
like "$ida" '^[0-9]+$' "an incident for the inside host of the Received port"
like "$idb" '^[0-9]+$' "an incident for the inside host of the mainlog port"
ok "[ '$ida' != '$idb' ]" "two inside hosts, two incidents"
is "$(A show "$ida" --format json | J 'print([h["port"] for h in d["hops"]])')" "[None, 40123]" "show json: the entry hop's port"
is "$(A show "$idb" --format json | J 'print([h["port"] for h in d["hops"]])')" "[None, None]" "show json: no port in the header, none stored"
like "$(A show "$ida" --wide)" "192\.0\.2\.1 +40123" "show text: the hop's port"
like "$(A show "$idb" --format json | J 'print(d["incident"]["explanation"])')" "10\.20\.3\.5" "show json: the explanation names the inside host"
done_testing
