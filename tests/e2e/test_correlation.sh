#!/bin/bash
# test_correlation.sh - mail logs and NAT records imported into the database
# change a verdict's evidence: the same complaint traced before and after.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/db.sh
BIN=$(readlink -f "${ABUSEDESK_BIN:-$PWD/abusedesk}")
T=$(mktemp -d /tmp/abusedesk-corr-XXXXXX); chmod 755 "$T"
trap 'rm -rf "$T"' EXIT
cat > "$T/c.conf" <<CONF
database = $(db_target "$T/db/a.db")
spool_dir = $T/spool
syslog = no
our_networks = 192.0.2.0/24, 198.51.100.0/24, 2001:db8::/32
our_domains = example.net
CONF
A() { "$BIN" -c "$T/c.conf" "$@"; }
j() { python3 -c 'import json,sys; d=json.loads(sys.stdin.readline()); print(d.get(sys.argv[1]))' "$1"; }
A init >/dev/null
for k in owners networks hosts; do A -q inventory import "$k" "samples/inventory/$k.csv" >/dev/null; done

# 1. a mail log names the SASL account behind a plain ESMTP hop
M=samples/trace-maillog-account.eml
before=$(A trace --json "$M")
is "$(echo "$before" | j auth_user)" None "before the mail log: no account named"
like "$(echo "$before" | j verdict)" "open_relay|unknown" "before the mail log: looks like an unauthenticated relay"
cat > "$T/mail.log" <<'LOG'
May  1 10:30:00 smtp postfix/smtpd[4242]: 4MLog1: client=pc77[203.0.113.77], sasl_method=LOGIN, sasl_username=bob@example.net
May  1 10:30:00 smtp postfix/cleanup[4243]: 4MLog1: message-id=<maillog-account@example.net>
May  1 10:30:01 smtp postfix/qmgr[1001]: 4MLog1: from=<bob@example.net>, size=1234, nrcpt=1 (queue active)
May  1 10:30:05 smtp postfix/smtp[4244]: 4MLog1: to=<victim@complainant.example>, relay=mx.complainant.example[198.18.0.5]:25, delay=5, status=sent (250 ok)
LOG
ABUSEDESK_NOW=1714600000 A maillog import "$T/mail.log" >/dev/null; is "$?" 0 "mail log imported"
after=$(A trace --json "$M")
is "$(echo "$after" | j verdict)" compromised_account "after the mail log: compromised account"
is "$(echo "$after" | j auth_user)" bob@example.net "after the mail log: the account is named"
like "$(echo "$after" | j evidence)" "4MLog1" "the log record is in the evidence"

# 1b. the batch paths (import, reprocess --all) ask the store once a batch
# whether it has a mail log: a desk without one gets no lookups, and a log
# imported between two batches is read by the second
mail_user
mkdir -p "$T/b"; chmod 755 "$T/b"
cat > "$T/b.conf" <<CONF
database = $(db_target "$T/b/b.db")
spool_dir = $T/b/spool
run_user = $RUN_USER
syslog = no
our_networks = 192.0.2.0/24, 198.51.100.0/24, 2001:db8::/32
our_domains = example.net
CONF
B() { "$BIN" -c "$T/b.conf" "$@"; }
B init >/dev/null
for k in owners networks hosts; do B -q inventory import "$k" "samples/inventory/$k.csv" >/dev/null; done
[ -n "$RUN_USER" ] && chown -R "$RUN_USER" "$T/b"
mkdir -p "$T/backlog/cur" "$T/backlog/new" "$T/backlog/tmp"
cp "$M" "$T/backlog/cur/1:2,S"; cp samples/trace-nat.eml "$T/backlog/cur/2:2,S"
B -q import maildir "$T/backlog"; is "$?" 0 "batch import of two complaints, no mail log yet"
rv() { B reports --format json | python3 -c 'import json,sys
for r in json.load(sys.stdin):
    if r.get("source_ip") == "192.0.2.26": print(r.get("verdict"))'; }
like "$(rv)" "open_relay|unknown" "batch import without a mail log: no account named"
ABUSEDESK_NOW=1714600000 B maillog import "$T/mail.log" >/dev/null; is "$?" 0 "mail log imported after the batch"
B -q reprocess --all >/dev/null; is "$?" 0 "reprocess --all (a batch) after the mail log"
is "$(rv)" compromised_account "the next batch reads the mail log: compromised account"

# 2. a NAT record names the inside host behind the gateway
N=samples/trace-nat.eml
before=$(A trace --json "$N")
is "$(echo "$before" | j nat_inside)" None "before the NAT log: no inside host"
like "$(echo "$before" | j explanation)" "NAT log" "before the NAT log: says the NAT log is needed"
printf 'time,inside_ip,inside_port,outside_ip,outside_port\n2024-05-01T10:29:50Z,198.51.100.77,51000,192.0.2.1,40123\n' > "$T/nat.csv"
A natlog import "$T/nat.csv" >/dev/null; is "$?" 0 "NAT records imported"
after=$(A trace --json "$N")
like "$(echo "$after" | j nat_inside)" "^198\.51\.100\.77" "after the NAT log: the inside host is named"
is "$(echo "$after" | j verdict)" infected_host "after the NAT log: the inside customer is the infected host"
done_testing
