#!/bin/bash
# test_evidence.sh - cross-reporter dedupe: the same spam reported by two
# different reporters is one piece of evidence (one message) counted twice
# (two reports, two reporters). Reports of one message are grouped by the
# original's Message-ID, else by the hash of its body (orig_key in
# app/process.c); different messages stay apart. Checked in the database
# (reports.orig_key, incidents.messages/reports/reporters, incident_keys) and
# in `show`.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/db.sh
BIN=$(readlink -f "${ABUSEDESK_BIN:-$PWD/abusedesk}")
T=$(mktemp -d /tmp/abusedesk-evidence-XXXXXX); chmod 755 "$T"
trap 'rm -rf "$T"' EXIT
mail_user

# arf REPORTER-DOMAIN SOURCE-IP [ORIGINAL'S MESSAGE-ID HEADER] [BODY]: an ARF report of spam from
# SOURCE-IP; the attached original was received by $ORIG_BY (default: the reporter's MX)
arf() {
	local by=${ORIG_BY:-$1}
	printf 'From: FBL <fbl@%s>\nTo: abuse@example.net\nSubject: FW: spam\n' "$1"
	printf 'Message-ID: <arf-%s-%s@%s>\nMIME-Version: 1.0\n' "$RANDOM" "$RANDOM" "$1"
	printf 'Content-Type: multipart/report; report-type=feedback-report; boundary="b"\n\n'
	printf -- '--b\nContent-Type: text/plain\n\nspam\n\n'
	printf -- '--b\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\nUser-Agent: X/1\nVersion: 1\n'
	printf 'Source-IP: %s\nReporting-MTA: dns; mx.%s\nArrival-Date: Tue, 05 Mar 2024 13:58:41 +0000\n\n' "$2" "$1"
	printf -- '--b\nContent-Type: message/rfc822\n\n'
	printf 'Received: from h.example.net (h.example.net [%s])\n\tby mx.%s with ESMTP id Q%s\n' "$2" "$by" \
		"${ORIG_QID:-$RANDOM}"
	printf '\tfor <victim@%s>; Tue, 05 Mar 2024 13:58:41 +0000\n' "$by"
	printf 'From: <s@example.net>\nTo: <victim@%s>\nSubject: offer\n%s\n%s\n\n--b--\n' "$by" "$3" "$4"
}
setup() { # NAME
	D=$T/$1; mkdir -p "$D"
	cat > "$D/c.conf" <<CONF
database = $(db_target "$D/db/a.db")
spool_dir = $D/spool
run_user = $RUN_USER
syslog = no
our_networks = 10.0.0.0/8
our_domains = example.net
CONF
	"$BIN" -q -c "$D/c.conf" init >/dev/null
}
A() { "$BIN" -q -c "$D/c.conf" "$@"; }
q() { db_q "$(db_target "$D/db/a.db")" "$1"; }

# 1. the same spam (same Message-ID) from two reporters
setup mid
arf fbl-a.example.org 10.1.1.1 'Message-ID: <same-spam@example.net>' 'buy now' | A ingest
arf fbl-b.example.org 10.1.1.1 'Message-ID: <same-spam@example.net>' 'buy now' | A ingest
is "$(q 'SELECT count(*) FROM reports')" 2 "two reports stored"
is "$(q 'SELECT DISTINCT orig_key FROM reports')" "mid:same-spam@example.net" \
	"both carry the original's Message-ID as their evidence key"
is "$(q 'SELECT count(*), min(reports), min(messages), min(reporters) FROM incidents')" "1|2|1|2" \
	"one incident: 2 reports of 1 message from 2 reporters"
is "$(q "SELECT count FROM incident_keys WHERE kind = 'message'")" 2 "the one message is counted twice"
like "$(A show 1)" "2 reports of 1 messages from 2 reporters" "show says so"

# 2. no Message-ID: the same attached original (body_sha256 hashes its body) from two
#    reporters, say two feedback loops of one mailbox provider
setup body
export ORIG_BY=mail.provider.example ORIG_QID=42
arf fbl-a.example.org 10.1.1.2 '' 'cheap pills at http://pills.example.com/' | A ingest
arf fbl-b.example.org 10.1.1.2 '' 'cheap pills at http://pills.example.com/' | A ingest
unset ORIG_BY ORIG_QID
like "$(q 'SELECT DISTINCT orig_key FROM reports')" "^sha:[0-9a-f]{64}$" "both keyed by the original's hash"
is "$(q 'SELECT count(DISTINCT orig_key) FROM reports')" 1 "one key"
is "$(q 'SELECT reports, messages, reporters FROM incidents')" "2|1|2" "2 reports of 1 message from 2 reporters"

# 2b. no Message-ID, the same spam received by two reporters' own MXes: the headers
#     differ (each wrote its Received line, with its own queue id), the body does not
setup mxes
arf fbl-a.example.org 10.1.1.4 '' 'cheap pills at http://pills.example.com/' | A ingest
arf fbl-b.example.org 10.1.1.4 '' 'cheap pills at http://pills.example.com/' | A ingest
is "$(q 'SELECT count(DISTINCT orig_key) FROM reports')" 1 "copies with different Received headers share one key"
is "$(q 'SELECT reports, messages, reporters FROM incidents')" "2|1|2" "2 reports of 1 message from 2 reporters"

# 3. different spam from the same host stays two messages
setup diff
arf fbl-a.example.org 10.1.1.3 'Message-ID: <spam-1@example.net>' 'one' | A ingest
arf fbl-b.example.org 10.1.1.3 'Message-ID: <spam-2@example.net>' 'two' | A ingest
arf fbl-b.example.org 10.1.1.3 '' 'three' | A ingest
is "$(q 'SELECT reports, messages, reporters FROM incidents')" "3|3|2" "3 different messages stay 3 messages"
done_testing
