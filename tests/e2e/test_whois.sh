#!/bin/bash
# test_whois.sh - abusedesk whois and the not_ours contact lookup in notify,
# against two loopback RDAP registries (tests/lib/rdapsink.py) answering with
# RFC 9083 bodies shaped as the RIRs send them: a nested abuse entity, vCard
# arrays, 404, 429 with Retry-After, a redirect to the other registry, a
# redirect loop, a slow answer, a body that is not JSON; the bootstrap file
# picks the registry, rdap_url overrides it; answers are cached.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/db.sh
BIN=$(readlink -f "${ABUSEDESK_BIN:-$PWD/abusedesk}")
T=$(mktemp -d /tmp/abusedesk-whois-XXXXXX); chmod 755 "$T"
P1=; P2=
cleanup() {
	for p in $P1 $P2; do kill "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
if [ ! -x "$BIN" ]; then
	echo "1..0 # SKIP $BIN not built (make)"
	exit 0
fi
RUN_USER=
if [ "$(id -u)" = 0 ]; then   # import never parses mail as root
	id abusedesk >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin abusedesk
	RUN_USER=abusedesk
fi
R1=$(free_port); R2=$(free_port)
python3 tests/lib/rdapsink.py --port "$R1" --log "$T/hits" --name one --other "http://127.0.0.1:$R2/" &
P1=$!
python3 tests/lib/rdapsink.py --port "$R2" --log "$T/hits" --name two &
P2=$!
wait_port 127.0.0.1 "$R1" && wait_port 127.0.0.1 "$R2" || { echo "1..0 # SKIP the RDAP sinks did not start"; exit 0; }
cat > "$T/bootstrap.json" <<JSON
{"version": "1.0", "services": [
 [["203.0.113.0/24"], ["http://127.0.0.1:$R1/"]],
 [["0.0.0.0/0"], ["http://127.0.0.1:9/never/"]]
]}
JSON
cat > "$T/c.conf" <<CONF
database = $(db_target "$T/db/a.db")
spool_dir = $T/spool
syslog = no
run_user = $RUN_USER
our_networks = 192.0.2.0/24, 198.51.100.0/24, 2001:db8::/32
our_domains = example.net
rdap_bootstrap_file = $T/bootstrap.json
rdap_timeout = 2s
rdap_error_ttl = 1h
smtp_url = smtp://127.0.0.1:9
CONF
A() { "$BIN" -c "$T/c.conf" "$@"; }
q() { db_q "$(db_target "$T/db/a.db")" "$1"; }
J() { python3 -c "import json,sys; d=json.load(sys.stdin); $1"; }
hits() { grep -c " /ip/$1\$" "$T/hits" 2>/dev/null; }
ok A -q init "init"

# a nested abuse entity (registrant -> entities -> roles abuse), vCard arrays
out=$(A whois 203.0.113.50); rc=$?
is "$rc" 0 "nested abuse entity: exit 0"
like "$out" "contact: +abuse@net50\.example" "nested abuse entity: its email, not the registrant's or the NOC's"
like "$out" "network: +NET-203-0-113-0-1 \(NET50\) 203\.0\.113\.0 - 203\.0\.113\.255" "the network named"
like "$out" "registry: +http://127\.0\.0\.1:$R1/ip/203\.0\.113\.50" "the bootstrap file picked registry one"
j=$(A whois 203.0.113.50 --json)
is "$(echo "$j" | J 'print(d["contact"], d["cached"], d["status"])')" "abuse@net50.example True found" "second ask: from the cache"
is "$(hits 203.0.113.50)" 1 "the cache spared the registry a second query"
A whois 203.0.113.50 --refresh >/dev/null
is "$(hits 203.0.113.50)" 2 "--refresh asks again"
ABUSEDESK_NOW=1900000000 A whois 203.0.113.50 --refresh >/dev/null
is "$(q "select count(*) || ' ' || max(fetched_at) || ' ' || max(email) from rdap_cache where ip = '203.0.113.50'")" \
	"1 1900000000 abuse@net50.example" "--refresh replaces the cached answer"
is "$(A whois 203.0.113.51 --json | J 'print(d["contact"])')" abuse@net51.example "abuse role among others, mailto: stripped"

# answers without a contact: "unknown contact", never a guess
out=$(A whois 203.0.113.60); rc=$?
is "$rc" 1 "no abuse role: exit 1"
like "$out" "contact: +unknown contact" "no abuse role: unknown contact (not the NOC's email)"
like "$(A whois 203.0.113.61)" "contact: +unknown contact" "a hostile email (CR LF inside) is not taken"
out=$(A whois 203.0.113.20); rc=$?
is "$rc" 1 "404: exit 1"
like "$out" "no record of 203\.0\.113\.20 \(404\)" "404: the registry has no record"
like "$(A whois 203.0.113.80 2>/dev/null)" "unreadable answer: not JSON" "a body that is not JSON: unknown contact"

# 429 with Retry-After: an error kept for 120 s, the registry not asked again meanwhile
now=$(date +%s)
j=$(A whois 203.0.113.30 --json 2>/dev/null); rc=$?
is "$rc" 75 "429: exit 75"
is "$(echo "$j" | J 'print(d["status"], d["contact"])')" "error None" "429: unknown contact"
like "$(echo "$j" | J 'print(d["detail"])')" "HTTP 429" "429: says so"
exp=$(echo "$j" | J 'import calendar,time; print(calendar.timegm(time.strptime(d["expires_at"], "%Y-%m-%dT%H:%M:%SZ")))')
ok "[ $((exp - now)) -ge 115 ] && [ $((exp - now)) -le 125 ]" "429: kept for its Retry-After (120 s), not rdap_error_ttl ($((exp - now)) s)"
A whois 203.0.113.30 >/dev/null 2>&1
is "$(hits 203.0.113.30)" 1 "429: not asked again before Retry-After"

# a redirect to the other registry; a redirect loop is capped
j=$(A whois 203.0.113.40 --json)
is "$(echo "$j" | J 'print(d["contact"])')" abuse@two.example "redirect: the contact registry two names"
like "$(echo "$j" | J 'print(d["registry"])')" "^http://127\.0\.0\.1:$R2/ip/203\.0\.113\.40$" "the redirect was followed to registry two"
is "$(grep -c '^two /ip/203.0.113.40$' "$T/hits")" 1 "registry two was asked"
A whois 203.0.113.41 >/dev/null 2>&1; rc=$?
is "$rc" 75 "a redirect loop: exit 75"
is "$(hits 203.0.113.41)" 4 "a redirect loop: stopped after 3 redirects"

# a slow registry: the timeout, then unknown contact
s=$(date +%s)
A whois 203.0.113.70 >/dev/null 2>&1; rc=$?
e=$(date +%s)
is "$rc" 75 "slow answer: exit 75"
ok "[ $((e - s)) -le 4 ]" "slow answer: given up after rdap_timeout ($((e - s)) s)"

# offline: the bootstrap's registry refuses connections
A whois 198.18.0.7 >/dev/null 2>&1; rc=$?
is "$rc" 75 "refused connection: exit 75"
like "$(A whois 198.18.0.7 --json | J 'print(d["status"], d["cached"])')" "error True" "refused: kept as an error"

# private addresses and ours: no registry is asked
n=$(wc -l < "$T/hits")
out=$(A whois 10.1.2.3); rc=$?
is "$rc" 1 "a private address: exit 1"
like "$out" "no registry is asked" "a private address: not looked up"
like "$(A whois 192.0.2.25)" "ours" "our own address: not looked up"
is "$(wc -l < "$T/hits")" "$n" "no query for either"

# rdap_url overrides the bootstrap file
echo "rdap_url = http://127.0.0.1:$R2/" >> "$T/c.conf"
A whois 203.0.113.51 --refresh >/dev/null
is "$(grep -c '^two /ip/203.0.113.51$' "$T/hits")" 1 "rdap_url: registry two asked"
sed -i '/^rdap_url/d' "$T/c.conf"

# not_ours reports: ingest never looks up; notify does, bounded, and records it on the report
mkdir -p "$T/mail"
cp samples/trace-not-ours.eml "$T/mail/a.eml"
sed 's/203\.0\.113\.50/203.0.113.30/g; s/Message-ID: </Message-ID: <b-/' samples/trace-not-ours.eml > "$T/mail/b.eml"
chmod -R a+rX "$T/mail"
before=$(wc -l < "$T/hits")
ok A -q import maildir "$T/mail" "two not_ours complaints imported"
is "$(wc -l < "$T/hits")" "$before" "ingest asked no registry"
is "$(q "select count(*) from reports where verdict = 'not_ours'")" 2 "both are not_ours"
A notify --once >/dev/null 2>&1
is "$(q "select count(*) from reports where contact_at is not null")" 0 "lookup_not_ours = no: notify looks nothing up"
echo "lookup_not_ours = yes" >> "$T/c.conf"
out=$(A notify --once 2>&1)
like "$out" "whois: 1 not_ours reports given their abuse contact" "notify looks the contact up"
is "$(q "select injector_ip, contact_email from reports where contact_at is not null")" "203.0.113.50|abuse@net50.example" "recorded on the report"
is "$(q "select count(*) from reports where contact_at is null")" 1 "the address in its Retry-After waits"
A notify --once >/dev/null 2>&1
is "$(hits 203.0.113.30)" 1 "no new query inside Retry-After"
# an unreachable registry: two failed lookups in a row end the run's lookups
rm -f "$T/mail"/*
for n in 1 2 3; do
	sed "s/203\.0\.113\.50/198.18.1.$n/g; s/Message-ID: </Message-ID: <u$n-/" samples/trace-not-ours.eml > "$T/mail/u$n.eml"
done
chmod -R a+rX "$T/mail"
ok A -q import maildir "$T/mail" "three complaints about networks whose registry is unreachable"
out=$(A notify --once 2>&1)
like "$out" "two lookups in a row failed" "notify says it stops looking up"
is "$(q "select count(*) from rdap_cache where ip like '198.18.1.%'")" 2 "two lookups, not three"
is "$(q "select count(*) from reports where injector_ip like '198.18.1.%' and contact_at is null")" 3 "none of the three has a contact yet"
echo "rdap_max_lookups = 0" >> "$T/c.conf"
q "update reports set contact_at = null, contact_email = null" >/dev/null
A notify --once >/dev/null 2>&1
is "$(q "select count(*) from reports where contact_at is not null")" 0 "rdap_max_lookups = 0: none"

kill "$P1" "$P2"; wait "$P1" "$P2" 2>/dev/null; P1=; P2=
done_testing
