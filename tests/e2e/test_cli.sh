#!/bin/bash
# test_cli.sh - the command itself: help, version, usage errors, config,
# import of mbox and maildir backlogs through the ingest path, reports output.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/db.sh
BIN=$(readlink -f "${ABUSEDESK_BIN:-$PWD/abusedesk}")
T=$(mktemp -d /tmp/abusedesk-cli-XXXXXX); chmod 755 "$T"
trap 'rm -rf "$T"' EXIT
RUN_USER=
if [ "$(id -u)" = 0 ]; then   # import and reprocess never parse mail as root
	id abusedesk >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin abusedesk
	RUN_USER=abusedesk
	chmod 755 "$T"
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
q() { db_q "$(db_target "$T/db/a.db")" "$1"; }

out=$("$BIN" --help); is "$?" 0 "--help exits 0"
ok "[ $(echo "$out" | wc -l) -le 40 ]" "--help fits a screen (<= 40 lines)"
is "$(echo "$out" | awk 'length($0) > 80' | wc -l)" 0 "--help fits an 80-column terminal"
like "$out" "ingest +read one message" "--help lists ingest"
like "$("$BIN" --version)" "^abusedesk [0-9]+\.[0-9]+\.[0-9]+$" "--version"
like "$("$BIN" help ingest)" "EX_TEMPFAIL" "help ingest states the exit contract"
like "$("$BIN" incidents --help)" "usage: abusedesk incidents" "CMD --help shows the command's help"
"$BIN" frobnicate 2>"$T/err"; is "$?" 75 "unknown command: 75 (it may be a misspelt ingest in an alias)"
like "$(cat "$T/err")" "abusedesk --help" "unknown command: says where to look"
"$BIN" reports --limit zero 2>/dev/null; is "$?" 64 "bad option value: 64"
"$BIN" -x 2>/dev/null; is "$?" 75 "unknown global option before any command: 75"
"$BIN" -x reports 2>/dev/null; is "$?" 64 "unknown global option before reports: 64"
like "$(A config)" "our_domains = example.net" "config prints effective values"
like "$(A config)" "notify_interval = 3600" "config shows defaults"
printf 'smtp_password = s3cret\n' >> "$T/c.conf"
ok "! A config | grep -q s3cret" "config never prints the SMTP password"
ABUSEDESK_CONFIG="$T/c.conf" "$BIN" config >/dev/null; is "$?" 0 "ABUSEDESK_CONFIG is honoured"
ABUSEDESK_CONFIG="$T/none.conf" "$BIN" config 2>/dev/null; is "$?" 78 "ABUSEDESK_CONFIG naming a missing file: 78"

A init >/dev/null
# an mbox backlog, imported twice: nothing twice
{
	for f in samples/arf-abuse.eml samples/dsn-rfc3464.eml samples/spamcop-text.eml samples/forward-attached.eml; do
		printf 'From MAILER-DAEMON Thu Jan  1 00:00:00 2026\n'; cat "$f"; printf '\n'
	done
} > "$T/backlog.mbox"
out=$(A import mbox "$T/backlog.mbox"); is "$?" 0 "import mbox exits 0"
like "$out" "4 new, 0 duplicates" "import mbox: 4 new"
is "$(q 'select count(*) from reports')" 4 "import mbox: 4 reports"
is "$(q "select group_concat(format, ',') from (select format from reports order by format) as r")" "arf,dsn,forward,spamcop" "import mbox: each message parsed as its format"
out=$(A import mbox "$T/backlog.mbox"); like "$out" "0 new, 4 duplicates" "re-import adds nothing"
is "$(q 'select count(*) from reports')" 4 "still 4 reports"
# a maildir
mkdir -p "$T/md/cur" "$T/md/new" "$T/md/tmp"
cp samples/arf-legacy-fbl.eml "$T/md/cur/1.host:2,S"; cp samples/jmrp-hotmail.eml "$T/md/new/2.host"
out=$(A import maildir "$T/md"); like "$out" "2 new" "import maildir: 2 new"
A import maildir "$T/nope" 2>/dev/null; ok "[ $? -ne 0 ]" "import of a missing folder fails"
A import bogus "$T/md" 2>/dev/null; is "$?" 64 "import with a bad kind: 64"

# as root with no user to become, import refuses rather than parse mail as root
if [ "$(id -u)" = 0 ]; then
	sed 's/^run_user = .*/run_user =/; s|^spool_dir = .*|spool_dir = '"$T"'/rootspool|' "$T/c.conf" > "$T/root.conf"
	mkdir -p "$T/rootspool/tmp" "$T/rootspool/new" "$T/rootspool/cur"
	"$BIN" -c "$T/root.conf" import mbox "$T/backlog.mbox" 2>"$T/err"; is "$?" 77 "import as root without run_user: refused (77)"
	like "$(cat "$T/err")" "refusing to handle mail as root" "import as root: says why"
fi

# reports output formats
is "$(A reports --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" 6 "reports --format json: valid JSON, 6 rows"
is "$(A reports --format csv | head -1 | tr -d "\r")" "id,received,status,format,feedback_type,reporter,source_ip,verdict,abused_host,incident,subject,category" "reports --format csv header"
is "$(A reports --format csv | tail -n +2 | wc -l)" 6 "reports --format csv rows"
is "$(A reports --status pending --format csv | tail -n +2 | wc -l)" 0 "reports --status pending: none"
# make install: binary, man pages, example configuration under DESTDIR
BUILDNAME=$(basename "${ABUSEDESK_BUILD:-build/default}")
if make -s install BUILD="$BUILDNAME" DESTDIR="$T/inst" PREFIX=/usr >/dev/null 2>&1; then
	for f in usr/bin/abusedesk usr/share/man/man1/abusedesk.1 usr/share/man/man5/abusedesk.conf.5 \
		etc/abusedesk/abusedesk.conf.example usr/share/abusedesk/rdap-bootstrap.json; do
		ok "[ -f '$T/inst/$f' ]" "make install puts $f"
	done
	like "$("$T/inst/usr/bin/abusedesk" --version)" "^abusedesk " "the installed binary runs"
	"$T/inst/usr/bin/abusedesk" -c "$T/inst/etc/abusedesk/abusedesk.conf.example" config >/dev/null
	is "$?" 0 "the example configuration loads without an error"
else
	fail "make install"
fi
done_testing
