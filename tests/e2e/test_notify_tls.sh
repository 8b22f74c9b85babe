#!/bin/bash
# test_notify_tls.sh - the notification SMTP path against real TLS and AUTH
# servers on loopback (aiosmtpd with a self-signed certificate made here):
# smtp_tls=required over STARTTLS delivers and the session was encrypted;
# required against a server without STARTTLS sends nothing (no MAIL command
# in clear) and says why; try delivers in clear to a server without
# STARTTLS; none never starts TLS; smtps:// (implicit TLS) delivers; the
# certificate is verified (untrusted self-signed or wrong name: nothing sent,
# also with try, which never falls back to clear) unless smtp_ca_file trusts
# it; AUTH with smtp_user/smtp_password delivers as that user, a wrong
# password is refused, kept for retry and shown by `abusedesk notify --status`;
# an unknown smtp_tls word sends nothing. Rows are put into the outbox with
# sqlite3, so only the transport is under test.
set -u
cd "$(dirname "$0")/../.." || exit 2
ROOT=$PWD
. tests/lib/tap.sh
. tests/lib/servers.sh
BIN=${ABUSEDESK_BIN:-$ROOT/abusedesk}

if ! "$SINK_PYTHON" -c 'import aiosmtpd' 2>/dev/null; then
	echo "SKIP test_notify_tls.sh: python3-aiosmtpd is not installed (make check installs it)"
	echo "0 passed, 0 failed"; exit 0
fi
if ! command -v openssl >/dev/null; then
	echo "SKIP test_notify_tls.sh: openssl is not installed"
	echo "0 passed, 0 failed"; exit 0
fi
[ -x "$BIN" ] || { echo "Bail out! $BIN missing: run make first"; echo "0 passed, 1 failed"; exit 1; }

T=$(mktemp -d /tmp/abusedesk-tls-XXXXXX)
SINKS="plain starttls reqtls smtps other"
cleanup() { for s in $SINKS; do sink_stop "$T/$s"; done; [ -n "${KEEP:-}" ] || rm -rf "$T"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
ABUSEDESK_NOW=$(date +%s); export ABUSEDESK_NOW

# a self-signed certificate for localhost / 127.0.0.1, and one for another name
mkcert() { # NAME SAN
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-keyout "$T/$1.key" -out "$T/$1.pem" -subj "/CN=${3:-localhost}" -addext "subjectAltName=$2" \
		>"$T/$1.openssl.log" 2>&1
}
ok mkcert cert "DNS:localhost,IP:127.0.0.1" "self-signed certificate for localhost and 127.0.0.1"
ok mkcert other "DNS:other.test" other.test "self-signed certificate for another name"

P_PLAIN=$(free_port) P_STLS=$(free_port) P_REQ=$(free_port) P_SMTPS=$(free_port) P_OTHER=$(free_port)
ok sink_start "$T/plain" "$P_PLAIN" "sink without TLS"
ok sink_start "$T/starttls" "$P_STLS" --starttls "$T/cert.pem" "$T/cert.key" "sink offering STARTTLS"
ok sink_start "$T/reqtls" "$P_REQ" --starttls "$T/cert.pem" "$T/cert.key" --require-tls \
	--auth joe:s3cret --auth-require "sink requiring STARTTLS and AUTH"
ok sink_start "$T/smtps" "$P_SMTPS" --smtps "$T/cert.pem" "$T/cert.key" --auth joe:s3cret "implicit-TLS sink"
ok sink_start "$T/other" "$P_OTHER" --starttls "$T/other.pem" "$T/other.key" "STARTTLS sink with another name"

# case NAME URL TLS [CONFIG LINES...]: a database with one pending message
# <NAME@tls.test> to rcpt-NAME@owner.test, then one `abusedesk notify --once`
# (its output in $T/NAME.out, exit status in $T/NAME.rc)
case_run() {
	local name="$1" url="$2" tls="$3" line; shift 3
	{
		printf 'database = %s\nspool_dir = %s\nsyslog = no\n' "$T/$name.db" "$T/spool-$name"
		printf 'from_address = abusedesk@example.net\nsmtp_url = %s\nsmtp_tls = %s\n' "$url" "$tls"
		printf 'smtp_timeout = 5s\nnotify_backoff = 60s\nnotify_max_attempts = 5\n'
		for line in "$@"; do printf '%s\n' "$line"; done
	} >"$T/$name.conf"
	"$BIN" -q -c "$T/$name.conf" init >/dev/null 2>&1 || return 1
	printf 'From: abusedesk@example.net\r\nTo: rcpt-%s@owner.test\r\nSubject: tls case %s\r\nMessage-ID: <%s@tls.test>\r\n\r\nbody of %s\r\n' \
		"$name" "$name" "$name" "$name" >"$T/$name.eml"
	sqlite3 "$T/$name.db" "INSERT INTO outbox(kind, channel, recipient, subject, message_id, body,
		next_attempt_at, created_at) VALUES ('notify', 'smtp', 'rcpt-$name@owner.test', 'tls case $name',
		'<$name@tls.test>', readfile('$T/$name.eml'), $ABUSEDESK_NOW, $ABUSEDESK_NOW)" || return 1
	"$BIN" -q -c "$T/$name.conf" notify --once >"$T/$name.out" 2>&1
	echo $? >"$T/$name.rc"
	return 0
}
row() { sqlite3 "$T/$1.db" "select state || ' ' || attempts || ' ' || coalesce(last_error, '') from outbox"; }
# got SINKDIR NAME: the .env of the message of case NAME in that sink, or nothing
got() { grep -l "^RCPT TO:<rcpt-$2@owner.test>" "$1"/[0-9]*.env 2>/dev/null | head -n1; }
mails() { if [ -f "$1/mail.log" ]; then grep -c "^abusedesk@example.net " "$1/mail.log"; else echo 0; fi; }

CA="smtp_ca_file = $T/cert.pem"

# ------------------------------------------------ STARTTLS required, trusted: delivered encrypted
ok case_run req_ok "smtp://127.0.0.1:$P_STLS" required "$CA" "required: notify ran"
is "$(row req_ok)" "sent 1 " "required + STARTTLS + trusted certificate: sent"
E=$(got "$T/starttls" req_ok)
ok "[ -n '$E' ]" "message arrived at the STARTTLS sink"
ok "grep -qx 'tls: yes' '$E'" "the sink recorded the session as TLS"
ok "cmp -s '${E%.env}.eml' '$T/req_ok.eml'" "the bytes arrived unchanged"
is "$(grep -c 'tls=no' "$T/starttls/mail.log")" 0 "no MAIL command in clear"

# ------------------------------------------------ STARTTLS required, not trusted: nothing sent
ok case_run req_untrusted "smtp://127.0.0.1:$P_STLS" required "required, untrusted: notify ran"
like "$(row req_untrusted)" "^pending 1 smtp: .*(certificate|SSL)" "self-signed without smtp_ca_file: deferred, certificate error"
is "$(got "$T/starttls" req_untrusted)" "" "nothing arrived"
is "$(cat "$T/req_untrusted.rc")" 75 "notify exits EX_TEMPFAIL"
ok case_run try_untrusted "smtp://127.0.0.1:$P_STLS" try "try, untrusted: notify ran"
like "$(row try_untrusted)" "^pending 1 smtp: .*(certificate|SSL)" "try does not fall back to clear after a failed verification"
is "$(mails "$T/starttls")" 1 "the STARTTLS sink saw one MAIL command in all"

# ------------------------------------------------ name verification
ok case_run wrong_name "smtp://127.0.0.1:$P_OTHER" required "smtp_ca_file = $T/other.pem" "wrong name: notify ran"
like "$(row wrong_name)" "^pending 1 smtp: .*(127\\.0\\.0\\.1|name|match)" "trusted certificate for another name: deferred"
is "$(sink_count "$T/other")$(mails "$T/other")" 00 "nothing sent to the wrongly named server"

# ------------------------------------------------ required vs. a server without STARTTLS
ok case_run req_plain "smtp://127.0.0.1:$P_PLAIN" required "$CA" "required vs plain: notify ran"
like "$(row req_plain)" "^pending 1 smtp: .*TLS" "required, no STARTTLS offered: deferred, error names TLS"
is "$(sink_count "$T/plain")$(mails "$T/plain")" 00 "nothing sent in clear (no MAIL command)"
like "$("$BIN" -q -c "$T/req_plain.conf" notify --status)" "pending +1 .*STARTTLS" "--status shows the TLS error"

# ------------------------------------------------ try / none
ok case_run try_plain "smtp://127.0.0.1:$P_PLAIN" try "$CA" "try vs plain: notify ran"
is "$(row try_plain)" "sent 1 " "try without STARTTLS offered: sent"
E=$(got "$T/plain" try_plain)
ok "[ -n '$E' ] && grep -qx 'tls: no' '$E'" "delivered in clear"
ok case_run none_stls "smtp://127.0.0.1:$P_STLS" none "none vs STARTTLS sink: notify ran"
is "$(row none_stls)" "sent 1 " "none: sent without verification trouble"
E=$(got "$T/starttls" none_stls)
ok "[ -n '$E' ] && grep -qx 'tls: no' '$E'" "none never starts TLS"
ok case_run try_stls "smtp://127.0.0.1:$P_STLS" try "$CA" "try vs STARTTLS sink: notify ran"
E=$(got "$T/starttls" try_stls)
ok "[ -n '$E' ] && grep -qx 'tls: yes' '$E'" "try uses STARTTLS when offered"

# ------------------------------------------------ implicit TLS
ok case_run smtps_ok "smtps://127.0.0.1:$P_SMTPS" none "$CA" "smtps: notify ran"
is "$(row smtps_ok)" "sent 1 " "smtps:// to an implicit-TLS server: sent"
E=$(got "$T/smtps" smtps_ok)
ok "[ -n '$E' ] && grep -qx 'tls: yes' '$E'" "the implicit-TLS session was encrypted"
ok case_run smtps_untrusted "smtps://127.0.0.1:$P_SMTPS" none "smtps, untrusted: notify ran"
like "$(row smtps_untrusted)" "^pending 1 smtp: .*(certificate|SSL)" "smtps verifies the certificate even with smtp_tls=none"

# ------------------------------------------------ AUTH
ok case_run auth_ok "smtp://127.0.0.1:$P_REQ" required "$CA" "smtp_user = joe" "smtp_password = s3cret" "auth: notify ran"
is "$(row auth_ok)" "sent 1 " "AUTH over STARTTLS: sent"
E=$(got "$T/reqtls" auth_ok)
ok "[ -n '$E' ] && grep -qx 'auth: joe' '$E' && grep -qx 'tls: yes' '$E'" "the sink recorded user joe, over TLS"
like "$(head -n1 "$T/reqtls/auth.log")" "^ok joe (PLAIN|LOGIN) tls=yes$" "authenticated with PLAIN or LOGIN after STARTTLS"
ok case_run auth_bad "smtp://127.0.0.1:$P_REQ" required "$CA" "smtp_user = joe" "smtp_password = wrong" "wrong password: notify ran"
like "$(row auth_bad)" "^pending 1 smtp: .*535" "wrong password: not sent, kept for retry with the server's 535"
is "$(got "$T/reqtls" auth_bad)" "" "nothing arrived"
like "$(sed -n 2p "$T/reqtls/auth.log")" "^fail joe " "the server saw the failed login"
S=$("$BIN" -q -c "$T/auth_bad.conf" notify --status --format json)
like "$S" '"last_error":"smtp: [^"]*535' "--status shows the login error"
ok case_run auth_none "smtp://127.0.0.1:$P_REQ" required "$CA" "no credentials: notify ran"
like "$(row auth_none)" "^pending 1 smtp: 530 " "server requires AUTH, none configured: deferred with its 530 (not the 221 to QUIT)"
ok case_run smtps_auth "smtps://127.0.0.1:$P_SMTPS" try "$CA" "smtp_user = joe" "smtp_password = s3cret" "smtps auth: notify ran"
E=$(got "$T/smtps" smtps_auth)
ok "[ -n '$E' ] && grep -qx 'auth: joe' '$E'" "AUTH over implicit TLS"

# ------------------------------------------------ configuration mistakes
ok case_run typo "smtp://127.0.0.1:$P_PLAIN" requried "typo: notify ran"
like "$(row typo)" "^pending 1 smtp: smtp_tls is \"requried\"" "an unknown smtp_tls sends nothing and says why"
is "$(got "$T/plain" typo)" "" "nothing arrived"
ok case_run nocafile "smtp://127.0.0.1:$P_STLS" required "smtp_ca_file = $T/missing.pem" "missing CA file: notify ran"
like "$(row nocafile)" "^pending 1 smtp: " "a missing smtp_ca_file: deferred, not sent unverified"
is "$(got "$T/starttls" nocafile)" "" "nothing arrived"

done_testing
