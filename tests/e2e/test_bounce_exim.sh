#!/bin/bash
# test_bounce_exim.sh - bounces a real Exim wrote, read by abusedesk and by
# Sisimai (Debian's libsisimai-perl, the peer the bounce corpus comes from).
#
# Debian's Exim 4.96 from a private root (tests/lib/exim.sh) accepts mail
# for local recipients that fail as real mailboxes fail: an unknown user, a
# policy refusal, a mailbox over its quota; Exim writes
# its own delivery-failure report (RFC 3464 with its text part) to the
# sender. Each bounce is read by `abusedesk parse --json` and by
# Sisimai->make; the recipient and the status must agree with what the
# session did and with Sisimai, and the figures print as FIGURE lines.
# (Exim, not a test fixture, wrote every bounce; an unknown user is a
# router's :fail:, a policy refusal a :fail: with its code, the full mailbox
# an appendfile quota.)
# Needs root (runuser, useradd); Exim is fetched from the Debian archive.
set -u
cd "$(dirname "$0")/../.." || exit 2
ROOT=$PWD
. tests/lib/tap.sh
. tests/lib/bounces.sh
. tests/lib/exim.sh
BIN=${ABUSEDESK_BIN:-$ROOT/abusedesk}

if [ "$(id -u)" != 0 ]; then
	skip "test_bounce_exim: needs root (runuser, useradd)"; done_testing; exit
fi
[ -x "$BIN" ] || { fail "abusedesk is built" "$BIN missing"; done_testing; exit; }
exim_lab_root || { fail "Exim unpacked from the Debian archive" "see $EXIM_CACHE/download.log"; done_testing; exit; }

T=$(mktemp -d /tmp/abusedesk-eximbounce-XXXXXX)
chmod 755 "$T"
[ -n "${KEEP:-}" ] || trap 'rm -rf "$T"' EXIT

ROUTERS='unknown:
  driver = redirect
  local_parts = ^nouser.*
  allow_fail
  data = :fail: Unknown user
policy:
  driver = redirect
  local_parts = ^blocked.*
  allow_fail
  data = :fail: 5.7.1 delivery refused by local policy
full:
  driver = accept
  local_parts = ^full.*
  transport = tofull'
TRANSPORTS='tofull:
  driver = appendfile
  file = '"$T"'/lab/out/fullbox
  user = nobody
  quota = 2K'
exim_lab_conf "$T/lab" mx1.example.net "" "$ROUTERS" "$TRANSPORTS"
# the full mailbox holds 3 KB already; with no retry rules Exim treats the
# quota failure as permanent and returns the message
head -c 3072 /dev/zero | tr '\0' 'x' >"$T/lab/out/fullbox"
chown nobody "$T/lab/out/fullbox"

# what each recipient is: local part prefix -> the status of the failure.
# Exim 4.96 writes "Status: 5.0.0" for every permanent local failure; a code
# in the failure text (":fail: 5.7.1 ...") is the more exact one, and both
# abusedesk and Sisimai take it. A quota failure carries no code (Sisimai
# calls its reason mailboxfull, with 5.0.0 too).
declare -A WANT=([nouser]=5.0.0 [blocked]=5.7.1 [full]=5.0.0)
n=0
: >"$T/sent"
for kind in nouser blocked full; do
	for i in 1 2 3 4; do
		n=$((n + 1))
		rcpt="$kind$i@example.net"
		{
			printf 'EHLO client%d.example.org\r\nMAIL FROM:<sender%d@example.org>\r\nRCPT TO:<%s>\r\nDATA\r\n' "$n" "$n" "$rcpt"
			printf 'From: sender%d@example.org\r\nTo: %s\r\nSubject: message %d\r\nMessage-ID: <m%d@example.org>\r\n\r\n' "$n" "$rcpt" "$n" "$n"
			for _ in $(seq 12); do printf 'a line of text that fills the mailbox past its quota\r\n'; done
			printf '.\r\nQUIT\r\n'
		} | exim_lab_smtp "$T/lab" -oMa "198.51.100.$n.4000$n" -oMt "" >/dev/null 2>&1
		printf '%s\t%s\n' "$rcpt" "${WANT[$kind]}" >>"$T/sent"
	done
done
python3 - "$T/lab/out/mbox" "$T/bounces" <<'PY'
import mailbox, os, sys
os.makedirs(sys.argv[2], exist_ok=True)
k = 0
for m in mailbox.mbox(sys.argv[1]):
    if (m.get("From") or "").lower().startswith("mail delivery system"):
        k += 1
        open(os.path.join(sys.argv[2], "%02d.eml" % k), "w").write(m.as_string(unixfrom=False))
PY
is "$(ls "$T/bounces" | wc -l)" "$n" "Exim wrote a bounce for each of the $n failed messages"

bounce_check exim "the session caused" "$T/sent" "$BIN" "$T"/bounces/*.eml
done_testing
