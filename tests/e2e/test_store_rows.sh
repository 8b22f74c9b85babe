#!/bin/bash
# test_store_rows.sh - a report's child rows (its Received hops, its
# recipients, its listed items) are written a few rows a statement: a report
# with more of each than one statement takes is stored whole and in order,
# the same as `abusedesk parse --json` reads it, by ingest (one message) and
# by import (a batch). Runs on SQLite, and on PostgreSQL in the suite.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/db.sh
BIN=$(readlink -f "${ABUSEDESK_BIN:-$PWD/abusedesk}")
T=$(mktemp -d /tmp/abusedesk-rows-XXXXXX); chmod 755 "$T"
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
mail_user

# an ARF report whose original went through 9 relays, with 41 recipients
# named, and a DSN with 12 failed recipients
python3 - "$T" <<'PY'
import sys
t = sys.argv[1]
hops = "".join(
    "Received: from h%d.example.org (h%d.example.org [198.18.%d.%d])\n"
    "\tby relay%d.example.net (Postfix) with ESMTP id Q%dABC\n"
    "\tfor <v%d@complainant.example>; Wed, 01 May 2024 10:%02d:00 +0000\n" % (i, i, i, i + 1, i, i, i, 30 + i)
    for i in range(9))
rcpts = "".join("Original-Rcpt-To: <x%d@complainant.example>\n" % i for i in range(41))
open(t + "/arf.eml", "w").write("""From: fbl@complainant.example
To: abuse@example.net
Subject: spam from your network
Date: Wed, 01 May 2024 11:00:00 +0000
Message-ID: <rows-arf@complainant.example>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="b1"

--b1
Content-Type: text/plain

This is an abuse report.

--b1
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: test/1.0
Version: 1
Source-IP: 198.18.0.1
%sReported-Domain: a.example.com
Reported-Uri: http://spam-a.example.com/

--b1
Content-Type: message/rfc822

%sFrom: sender@example.net
To: x0@complainant.example
Subject: You have won
Message-ID: <orig-rows@example.net>
Date: Wed, 01 May 2024 10:30:00 +0000

buy now

--b1--
""" % (rcpts, hops))
groups = "".join("""
Final-Recipient: rfc822; u%d@example.org
Action: failed
Status: 5.1.%d
Diagnostic-Code: smtp; 550 5.1.1 <u%d@example.org>: user unknown
""" % (i, 1 + i % 3, i) for i in range(12))
open(t + "/dsn.eml", "w").write("""From: MAILER-DAEMON@mx.example.org
To: abuse@example.net
Subject: Undelivered Mail Returned to Sender
Date: Wed, 01 May 2024 11:00:00 +0000
Message-ID: <rows-dsn@mx.example.org>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b2"

--b2
Content-Type: text/plain

Your message could not be delivered to 12 recipients.

--b2
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org
%s
--b2
Content-Type: text/rfc822-headers

Received: from h1.example.org (h1.example.org [198.18.1.2])
\tby relay1.example.net (Postfix) with ESMTP id QZZ1
\tfor <u0@example.org>; Wed, 01 May 2024 10:30:00 +0000
From: sender@example.net
To: u0@example.org
Subject: hello
Message-ID: <orig-rows-dsn@example.net>

--b2--
""" % groups)
PY

# desk NAME - a desk of its own
desk() {
	mkdir -p "$T/$1"; chmod 755 "$T/$1"
	cat > "$T/$1/c.conf" <<CONF
database = $(db_target "$T/$1/a.db")
spool_dir = $T/$1/spool
run_user = $RUN_USER
syslog = no
our_networks = 192.0.2.0/24, 198.51.100.0/24, 2001:db8::/32
our_domains = example.net
CONF
	"$BIN" -q -c "$T/$1/c.conf" init >/dev/null || fail "init $1"
	[ -n "$RUN_USER" ] && chown -R "$RUN_USER" "$T/$1"
}

# expect FILE FIELD KIND - what parse reads, one value a line: the hops'
# client address and queue id, the recipients' address and status, or the
# items as kind|value
expect() {
	"$BIN" parse --json "$1" | python3 -c '
import json, sys
d = json.load(sys.stdin)
w = sys.argv[1]
if w == "hops":
    for i, h in enumerate(d["hops"]): print("%d|%s|%s" % (i, h.get("from_ip") or "", h.get("id") or ""))
elif w == "rcpts":
    for i, r in enumerate(d["recipients"]): print("%d|%s|%s" % (i, r.get("address"), r.get("status")))
else:
    for k, f in (("rcpt_to", "original_rcpt_to"), ("domain", "reported_domains"), ("uri", "reported_uris")):
        for v in d[f]: print("%s|%s" % (k, v))' "$2"
}

for how in ingest import; do
	desk "$how"; D=$(db_target "$T/$how/a.db")
	if [ "$how" = ingest ]; then
		for f in arf dsn; do "$BIN" -q -c "$T/$how/c.conf" ingest < "$T/$f.eml"; is "$?" 0 "$how: $f stored"; done
	else
		mkdir -p "$T/bl/cur"; cp "$T/arf.eml" "$T/bl/cur/1:2,S"; cp "$T/dsn.eml" "$T/bl/cur/2:2,S"
		"$BIN" -q -c "$T/$how/c.conf" import maildir "$T/bl" >/dev/null; is "$?" 0 "$how: both stored in one batch"
	fi
	arf=$(db_q "$D" "SELECT id FROM reports WHERE format = 'arf'")
	dsn=$(db_q "$D" "SELECT id FROM reports WHERE format = 'dsn'")
	want=$(expect "$T/arf.eml" hops)
	is "$(echo "$want" | wc -l)" 9 "$how: parse reads 9 hops"
	is "$(db_q "$D" "SELECT idx || '|' || coalesce(from_ip, '') || '|' || coalesce(queue_id, '') FROM report_hops
		WHERE report_id = $arf ORDER BY idx")" "$want" "$how: the 9 hops stored whole, in order"
	want=$(expect "$T/arf.eml" items | LC_ALL=C sort)
	n=$(echo "$want" | wc -l)
	ok test "$n" -gt 40 "$how: parse reads $n items (the recipients, a domain, a URI)"
	is "$(db_q "$D" "SELECT kind || '|' || value FROM report_items WHERE report_id = $arf" | LC_ALL=C sort)" \
		"$want" "$how: the $n items stored whole"
	want=$(expect "$T/dsn.eml" rcpts)
	is "$(echo "$want" | wc -l)" 12 "$how: parse reads 12 recipients"
	is "$(db_q "$D" "SELECT idx || '|' || address || '|' || status FROM report_rcpts WHERE report_id = $dsn
		ORDER BY idx")" "$want" "$how: the 12 recipients stored whole, in order"
done
done_testing
