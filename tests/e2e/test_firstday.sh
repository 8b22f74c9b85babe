#!/bin/bash
# test_firstday.sh - what a new postmaster meets first: every empty list says
# "nothing found", a digest for an unknown owner and a mail log with no line
# abusedesk reads are errors, a database the user cannot read is named with
# the user and what denies it, import progress (a summary line in a pipe;
# count/total, percentage and ETA on a terminal), the inventory CSV columns
# (an unknown column and a semicolon-separated file are refused with the
# reason), and the text digest within 80 columns.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
BIN=$(readlink -f "${ABUSEDESK_BIN:-$PWD/abusedesk}")
T=$(mktemp -d /tmp/abusedesk-firstday-XXXXXX); chmod 755 "$T"
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
mkdir -p "$T/db"
cat > "$T/c.conf" <<CONF
database = $T/db/a.db
spool_dir = $T/spool
syslog = no
db_busy_timeout = 2s
run_user = $RUN_USER
our_networks = 192.0.2.0/24, 198.51.100.0/24, 2001:db8::/32
our_domains = example.net
CONF
chmod 644 "$T/c.conf"
A() { "$BIN" -c "$T/c.conf" "$@"; }
ok A -q init "init"

# --- every empty list says so ---
for cmd in "incidents --all" "reports" "search 192.0.2.1" "stats" "notify --status --all"; do
	like "$(A $cmd 2>&1 | head -1)" "^nothing found" "empty $cmd: nothing found"
done
out=$(A inventory export 2>"$T/err"); is "$?" 0 "empty inventory export exits 0"
like "$(cat "$T/err")" "^nothing found" "empty inventory export: nothing found (on stderr)"
is "$(printf '%s\n' "$out" | tr -d '\r' | grep -c '^[a-z]')" 3 "empty inventory export: still the three CSV headers"

# --- digest --owner of no owner ---
A digest --owner nosuch >/dev/null 2>"$T/err"; is "$?" 65 "digest --owner nosuch: exit 65"
like "$(cat "$T/err")" "no owner 'nosuch'.*inventory export owners" "digest --owner nosuch: says how to see the owners"
for k in owners networks hosts; do A -q inventory import $k samples/inventory/$k.csv; done
A digest --owner nosuch --send >/dev/null 2>"$T/err"; is "$?" 65 "digest --owner nosuch --send: exit 65, nothing queued"
like "$(cat "$T/err")" "owners: .*mail-team" "the error lists the owners there are"
is "$(sqlite3 "$T/db/a.db" 'select count(*) from outbox')" 0 "nothing was queued for it"
ok "A digest --owner mail-team >/dev/null" "digest --owner of a known owner works"

# --- maillog import of a file with no line abusedesk reads ---
printf 'hello\nthis is not a mail log\n' > "$T/junk.log"
A maillog import "$T/junk.log" 2>"$T/err"; is "$?" 65 "maillog import of no recognised line: exit 65"
like "$(cat "$T/err")" "warning: .*2 lines, none recognised" "maillog import: warns what it read"
: > "$T/empty.log"
ok A -q maillog import "$T/empty.log" "maillog import of an empty file (a fresh rotation) is fine"

# --- inventory CSV: the columns, an unknown one, semicolons ---
before=$(A inventory export 2>/dev/null)
printf 'key,name,mail\nx,X,x@example.net\n' > "$T/o1.csv"
A inventory import owners "$T/o1.csv" 2>"$T/err"; is "$?" 65 "an unknown column: exit 65"
like "$(cat "$T/err")" "o1.csv:1: unknown column 'mail' in header; the columns of owners are: key, name, email, webhook_url, policy, digest" \
	"an unknown column: lists the valid ones"
printf 'hostname,ips,role\nmx9,192.0.2.9,mta\n' > "$T/h1.csv"
A inventory import hosts "$T/h1.csv" 2>"$T/err"; is "$?" 65 "a header with its first column misspelt is still a header"
like "$(cat "$T/err")" "unknown column 'hostname'.*name, ips, role, owner, note" "...and names the valid ones"
is "$(grep -c 'h1.csv:' "$T/err")" 2 "...with no follow-on row errors"
printf 'key;name;email\nx;X;x@example.net\n' > "$T/o2.csv"
A inventory import owners "$T/o2.csv" 2>"$T/err"; is "$?" 65 "a semicolon-separated file: exit 65"
like "$(cat "$T/err")" "o2.csv:1: fields separated by ';'.*comma" "a semicolon-separated file: says so"
printf 'x;X;x@example.net\n' > "$T/o3.csv"
A inventory import owners "$T/o3.csv" 2>/dev/null; is "$?" 65 "semicolons without a header: refused too"
is "$(A inventory export 2>/dev/null)" "$before" "nothing was imported from the refused files"
printf 'name,ips\nmx9.example.net,192.0.2.9;192.0.2.19\n' > "$T/h2.csv"
ok A -q inventory import hosts "$T/h2.csv" "';' between the addresses of a host is still read"
like "$(A inventory lookup 192.0.2.19)" "mx9.example.net" "...as two addresses"
printf 'alice,Alice,alice@example.net,,digest,yes\n' > "$T/o4.csv"
ok A -q inventory import owners "$T/o4.csv" "a row holding a column name (policy digest) is not a header"
for row in '^key, name, email, webhook_url, policy' '^cidr (no host bits set), owner, role, note' '^name, ips (one or more'; do
	ok "grep -q '$row' man/abusedesk.1" "the man page lists the columns: $row"
done
like "$("$BIN" help inventory)" "hosts +name, ips, role, owner, note" "help inventory lists the columns"

# --- import: one summary line in a pipe; count/total, % and ETA on a terminal ---
mkdir -p "$T/md/cur" "$T/md/new"
i=0; for f in samples/arf-abuse.eml samples/dsn-rfc3464.eml samples/spamcop-text.eml samples/forward-attached.eml samples/jmrp-hotmail.eml; do
	i=$((i + 1)); cp "$f" "$T/md/new/$i.eml"
done
chmod -R a+rX "$T/md"
A import maildir "$T/md" >"$T/out" 2>"$T/err"; is "$?" 0 "import maildir in a pipe exits 0"
is "$(wc -l < "$T/out")" 1 "not a terminal: one line on stdout"
like "$(cat "$T/out")" "^import: 5 messages in [0-9.]+ s \\([0-9]+/s\\): [0-9]+ new, [0-9]+ duplicates, 0 pending, 0 failed$" "...the summary"
is "$(tr -d '\n' < "$T/err")" "" "not a terminal: no progress lines"
if command -v script >/dev/null; then
	script -qc "'$BIN' -c '$T/c.conf' import maildir '$T/md'" /dev/null </dev/null >"$T/tty" 2>&1
	tty=$(tr '\r' '\n' < "$T/tty")
	like "$tty" "import: 5/5 messages +100%  ETA [0-9]+s" "on a terminal: count/total, percentage and ETA"
	like "$tty" "import: 1/5 messages +20%" "on a terminal: the first message is shown at once"
	like "$tty" "import: 5 messages in [0-9.]+ s" "on a terminal: the summary line at the end"
	for f in samples/arf-abuse.eml samples/dsn-rfc3464.eml; do printf 'From x Thu Jan  1 00:00:00 2026\n'; cat "$f"; printf '\n'; done > "$T/b.mbox"
	script -qc "'$BIN' -c '$T/c.conf' import mbox '$T/b.mbox'" /dev/null </dev/null >"$T/tty" 2>&1
	like "$(tr '\r' '\n' < "$T/tty")" "import: 1 message +[0-9]+%  ETA" "an mbox on a terminal: the share of its bytes read"
else
	skip "script (util-linux) missing: no pty for the terminal form"
fi

# --- a database this user cannot reach: what, and by whom ---
# as root: the unprivileged user nobody; as another user: a folder mode 000
if [ "$(id -u)" = 0 ]; then
	# a copy nobody can execute, wherever the checkout is (/root is 0700)
	cp "$BIN" "$T/abusedesk-copy"; chmod 755 "$T/abusedesk-copy"
	as_other() { shift; setpriv --reuid=nobody --regid=nogroup --clear-groups "$T/abusedesk-copy" "$@"; }
	me=nobody
	chown root:root "$T/db"; chmod 0700 "$T/db"
	mode=0700
else
	as_other() { "$@"; }
	me=$(id -un)
	chmod 0000 "$T/db"
	mode=0000
fi
err=$(as_other "$BIN" -c "$T/c.conf" incidents 2>&1); is "$?" 69 "unreachable database folder: exit 69"
like "$err" "cannot open $T/db/a.db: permission denied for user $me \\(uid [0-9]+\\): $T/db is not searchable" \
	"unreachable folder: names the database, the user and the folder"
like "$err" "mode $mode" "unreachable folder: shows its mode"
[[ "$err" != *"abusedesk init"*first* ]] && pass "no advice to run init" || fail "advises init for a permission error"
chmod 0755 "$T/db"
if [ "$(id -u)" = 0 ]; then
	chown abusedesk "$T/db/a.db"; chmod 0600 "$T/db/a.db"
	err=$(as_other "$BIN" -c "$T/c.conf" incidents 2>&1); is "$?" 69 "unreadable database file: exit 69"
	like "$err" "$T/db/a.db is not readable \\(r\\) by that user \\(owner abusedesk, mode 0600\\); run as abusedesk" \
		"unreadable file: names its owner and says to run as that user"
	chmod 0644 "$T/db/a.db"
	like "$(as_other "$BIN" -c "$T/c.conf" incidents --all --format csv 2>&1 | head -1)" "^id," \
		"a readable database is still read by another user"
fi
rm -rf "$T/nodb"; mkdir "$T/nodb"
sed "s|^database = .*|database = $T/nodb/a.db|" "$T/c.conf" > "$T/nodb.conf"
like "$("$BIN" -c "$T/nodb.conf" incidents 2>&1)" "no database here \\(run 'abusedesk init' first\\)" \
	"a missing database still says to run init"

# --- the docs name --all and --wide ---
# has_opt FILE OPT - the option in plain text or in man page escapes (\-\-all)
has_opt() { grep -qF -e "--$2" -e "\\-\\-$2" "$1"; }
for f in README.md man/abusedesk.1 docs/incidents.md; do
	ok "has_opt $f all && has_opt $f wide" "$f mentions --all and --wide"
done

done_testing
