#!/bin/bash
# test_ack.sh - acknowledgements to human reporters, end to end: samples are
# piped to `abusedesk ingest` (as the MTA does) with ack_reporters = yes, then
# `abusedesk notify --once` sends to the aiosmtpd sink on loopback. A
# forwarded complaint from a person gets one reply at the reporter's address
# (Auto-Submitted: auto-replied, In-Reply-To the complaint's Message-ID, the
# report and incident numbers in the body); an ARF robot report, a bounce, an
# auto-reply, a list message, a role address (noreply@) and our own address
# get none; a second complaint from the same reporter (in other letter case)
# within ack_interval gets none, one after ack_interval (ABUSEDESK_NOW moved
# on) gets a reply again.
set -u
cd "$(dirname "$0")/../.." || exit 2
ROOT=$PWD
. tests/lib/tap.sh
. tests/lib/servers.sh
. tests/lib/db.sh
BIN=${ABUSEDESK_BIN:-$ROOT/abusedesk}

if ! "$SINK_PYTHON" -c 'import aiosmtpd' 2>/dev/null; then
	echo "SKIP test_ack.sh: python3-aiosmtpd is not installed (make check installs it)"
	echo "0 passed, 0 failed"; exit 0
fi
[ -x "$BIN" ] || { echo "Bail out! $BIN missing: run make first"; echo "0 passed, 1 failed"; exit 1; }

T=$(mktemp -d /tmp/abusedesk-ack-XXXXXX)
SINK=$T/sink
cleanup() { sink_stop "$SINK"; [ -n "${KEEP:-}" ] || rm -rf "$T"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# hostile mail is never handled as root: as root, everything runs as the mail user
AS=() RUN_USER=
if [ "$(id -u)" = 0 ]; then
	id abusedesk >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin abusedesk
	chown abusedesk "$T"; chmod 755 "$T"
	RUN_USER=abusedesk AS=(runuser -u abusedesk --)
	# a checkout the mail user cannot reach (under /root): run a copy it can
	. "tests/lib/pipeuser.sh"; BIN=$(pipe_user_bin "$BIN" abusedesk) || { echo "Bail out! no binary the mail user can run"; echo "0 passed, 1 failed"; exit 1; }
fi
SP=$(free_port)
NOW=$(date +%s)
export ABUSEDESK_NOW=$NOW
DB=$(db_target "$T/db/abusedesk.db")
# the demo's networks (tests/lib/demo.sh); no inventory: notices go to team_address
cat > "$T/abusedesk.conf" <<CONF
database = $DB
spool_dir = $T/spool
run_user = $RUN_USER
syslog = no
our_networks = 192.0.2.0/24, 198.51.100.0/24, 2001:db8::/32, 10.0.0.0/8, 100.64.0.0/10
our_domains = example.net
team_address = abuse-team@example.net
from_address = abusedesk@example.net
organization = Example Network
smtp_url = smtp://127.0.0.1:$SP
smtp_tls = none
smtp_timeout = 5s
ack_reporters = yes
ack_interval = 1h
CONF
A() { "${AS[@]}" "$BIN" -q -c "$T/abusedesk.conf" "$@"; }
q() { db_q "$DB" "$1"; }
ingest() { A ingest <"$1"; }
# acks_to ADDR: messages in the sink addressed to ADDR
acks_to() { grep -lx "RCPT TO:<$1>" "$SINK"/[0-9]*.env 2>/dev/null | wc -l | tr -d ' '; }
# notify_once: send what is due; the sink then holds everything sent
notify_once() { A notify --once >"$T/notify.out" 2>&1; grep -q ', 0 failed$' "$T/notify.out"; }

ok A init "init"
ok sink_start "$SINK" "$SP" "smtp sink up"

# ------------------------------------------------ a person forwards spam: acknowledged
ingest samples/forward-attached.eml
is "$?" 0 "forwarded complaint ingested"
R1=$(q "select id || ' ' || coalesce(incident_id, 0) from reports where message_id = 'f1@example.org'")
read -r RID1 IID1 <<<"$R1"
ok "[ '${IID1:-0}' -gt 0 ]" "the complaint was filed under an incident (#${IID1:-none})"
is "$(q "select count(*) from outbox where kind = 'ack'")" 1 "one acknowledgement queued"
ok notify_once "notify --once sends without failures"
is "$(acks_to pat@example.org)" 1 "one reply to the reporter"
E=$(grep -lx "RCPT TO:<pat@example.org>" "$SINK"/[0-9]*.env | head -n1)
I=$("$SINK_PYTHON" - "${E%.env}.eml" <<'PY'
import email, email.policy, sys
m = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=email.policy.default)
for h in ("To", "From", "Subject", "Auto-Submitted", "In-Reply-To", "References"):
    print("%s=%s" % (h.lower(), m[h]))
print("body=" + " ".join(m.get_content().split()))
PY
)
field() { sed -n "s/^$1=//p" <<<"$I"; }
is "$(field to)" "pat@example.org" "To: the reporter"
is "$(head -n1 "$E")" "MAIL FROM:<>" "sent with the null envelope sender (RFC 3834), so nothing answers it"
is "$(field auto-submitted)" "auto-replied" "Auto-Submitted: auto-replied"
is "$(field in-reply-to)" "<f1@example.org>" "In-Reply-To: the complaint's Message-ID"
is "$(field references)" "<f1@example.org>" "References: the complaint's Message-ID"
like "$(field subject)" "^Auto: Fwd: spam from your network$" "Subject: Auto: and the complaint's subject"
like "$(field body)" "report #$RID1 and filed it under incident #$IID1\\." "body: report and incident number"
like "$(field body)" "We traced it to a host in our network and are acting on it: incident #$IID1, (open|notified)" \
	"body: the outcome, acted on, with the incident's state when sent"

# ------------------------------------------------ robots, bounces, auto-replies, lists: none
ingest samples/arf-abuse.eml
ingest samples/dsn-rfc3464.eml
ingest samples/autoreply-vacation.eml
cat >"$T/noreply.eml" <<'EML'
From: noreply@example.org
To: abuse@example.com
Subject: spam from 192.0.2.99
Date: Wed, 13 Mar 2024 12:00:00 +0000
Message-ID: <nr1@example.org>
Content-Type: text/plain

The host 192.0.2.99 sent us spam at 11:00 UTC.
EML
ingest "$T/noreply.eml"
cat >"$T/self.eml" <<'EML'
From: Abuse desk <abusedesk@example.net>
To: abuse@example.com
Subject: spam from 192.0.2.98
Date: Wed, 13 Mar 2024 12:00:00 +0000
Message-ID: <self1@example.net>
Content-Type: text/plain

The host 192.0.2.98 sent us spam at 11:00 UTC.
EML
ingest "$T/self.eml"
is "$(q "select group_concat(format, ' ') from (select format from reports where id > $RID1 order by id) as r")" \
	"arf dsn autoreply plain plain" "the samples parsed as ARF, DSN, auto-reply and plain complaints"
is "$(q "select count(*) from outbox where kind = 'ack'")" 1 "no acknowledgement for ARF, DSN, auto-reply, noreply@ or our own address"

cat >"$T/list.eml" <<'EML'
From: Kim <kim@example.org>
To: abuse@example.com
Subject: [users] spam from your server
Date: Wed, 13 Mar 2024 12:00:00 +0000
Message-ID: <l1@lists.example.org>
List-Id: Users <users.lists.example.org>
Content-Type: text/plain

The host 192.0.2.97 keeps sending us spam.
EML
ingest "$T/list.eml"
n=$(q "select count(*) from outbox where kind = 'ack' and recipient = 'kim@example.org'")
is "$n" 0 "no acknowledgement for list mail (List-Id, RFC 2919)"
is "$(q "select parse_json from reports where message_id = 'l1@lists.example.org'" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["auto_submitted"])')" True "List-Id marks the report auto-submitted"

# ------------------------------------------------ same reporter within ack_interval: none
sed 's/^Message-ID: <f1@example.org>/Message-ID: <f1-again@example.org>/; s/^From: Pat Smith <pat@example.org>/From: Pat Smith <Pat@Example.ORG>/' \
	samples/forward-attached.eml >"$T/again.eml"
ABUSEDESK_NOW=$((NOW + 1800)) ingest "$T/again.eml"
is "$(q "select count(*) from reports where message_id = 'f1-again@example.org'")" 1 "second complaint from the reporter stored"
is "$(q "select count(*) from outbox where kind = 'ack' and recipient = 'pat@example.org'")" 1 \
	"none for a second complaint within ack_interval (address compared without case)"

# ------------------------------------------------ after ack_interval: acknowledged again
sed 's/^Message-ID: <f1@example.org>/Message-ID: <f1-later@example.org>/' samples/forward-attached.eml >"$T/later.eml"
export ABUSEDESK_NOW=$((NOW + 3601))
ingest "$T/later.eml"
is "$(q "select count(*) from outbox where kind = 'ack' and recipient = 'pat@example.org'")" 2 "one again after ack_interval"
ok notify_once "notify --once sends without failures"
is "$(acks_to pat@example.org)" 2 "two replies to the reporter in the sink"
E2=$(grep -lx "RCPT TO:<pat@example.org>" "$SINK"/[0-9]*.env | tail -n1)
ok "tr -d '\\r' <'${E2%.env}.eml' | grep -qx 'In-Reply-To: <f1-later@example.org>'" "the new reply refers to the new complaint"
ok "tr -d '\\r' <'${E2%.env}.eml' | tr '\\n' ' ' | grep -q 'It concerns incident #$IID1, which was already open'" \
	"the second reply: a duplicate of the incident already open"

# ------------------------------------------------ nothing else was acknowledged
for a in fbl@fbl.example.net MAILER-DAEMON@mx1.example.org sam@example.net noreply@example.org abusedesk@example.net; do
	is "$(acks_to "$a")" 0 "no mail to $a"
done
is "$(q "select count(*) from outbox where state != 'sent'")" 0 "every queued message was sent"
is "$(grep -c '^RCPT TO:<abuse-team@example.net>$' "$SINK"/[0-9]*.env | awk -F: '{s += $2} END {print s}')" \
	"$(q "select count(*) from outbox where kind = 'notify'")" "the rest went to the team"

done_testing
