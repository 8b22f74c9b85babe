#!/bin/bash
# test_checkout0700.sh - `make demo` and the tests that run the pipe user
# work from a checkout the mail user cannot reach (root's clone under /root,
# mode 0700), and the demo fails, saying why, when an ingest defers.
#
# The parts of the tree the demo and one pipe-user test need (samples/,
# tests/) and the built binary are copied into a 0700 directory under
# /root; there the demo's ingest path runs and test_bounds.sh runs (bounded:
# not the whole suite). Then a binary whose ingest always exits 75 stands in
# for the real one: the demo must exit non-zero and name the failure.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/lib/tap.sh"
BIN=$(readlink -f "${ABUSEDESK_BIN:-$ROOT/abusedesk}")

if [ "$(id -u)" -ne 0 ] || [ ! -d /root ]; then
	skip "needs root (the pipe user exists only for root)"; done_testing; exit 0
fi
[ -x "$BIN" ] || { fail "abusedesk binary at $BIN"; done_testing; exit 1; }
id abusedesk >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin abusedesk
W=$(mktemp -d /root/abusedesk-co.XXXXXX)
cleanup() { [ -n "${KEEP:-}" ] || rm -rf "$W" /var/tmp/abusedesk-demo-"$(printf '%s' "$W/co" | sha256sum | cut -c1-12)"; }
trap cleanup EXIT
chmod 700 "$W"
CO=$W/co
mkdir -p "$CO/build/default"
cp -a "$ROOT/samples" "$ROOT/tests" "$CO/"
cp "$BIN" "$CO/build/default/abusedesk"
ln -s build/default/abusedesk "$CO/abusedesk"
ok "! runuser -u abusedesk -- test -x '$CO/abusedesk'" "the mail user cannot reach the checkout's binary"

# the demo's ingest path
out=$(sh "$CO/tests/lib/demo.sh" 2>&1)
is "$?" 0 "the demo exits 0 from a 0700 checkout"
n=$(ls "$CO"/samples/*.eml | wc -l)
like "$out" "ingested $n messages \\(0 deferred\\)" "every sample ingested, none deferred"
ok "! grep -q 'Permission denied' <<<\"\$out\"" "no 'Permission denied'"
db=$(sed -n 's/^demo database: \([^ ]*\) .*/\1/p' <<<"$out")
# a feed's further events are reports of their own in the same spool file: count the files
is "$(sqlite3 "$db" 'SELECT count(DISTINCT spool_path) FROM reports' 2>/dev/null)" "$n" "a report per sample in the demo database"
like "$out" "cannot reach .*runs the copy" "the demo says it runs a copy the mail user can reach"

# one test that runs the pipe user, from the same checkout
res=$(ABUSEDESK_BIN="$CO/abusedesk" ABUSEDESK_ROOT="$CO" bash "$CO/tests/e2e/test_bounds.sh" 2>&1 | tail -1)
like "$res" "^[1-9][0-9]* passed, 0 failed" "test_bounds.sh passes from the 0700 checkout"

# an ingest that defers: the demo fails and says why
rm "$CO/abusedesk"
cat >"$CO/abusedesk" <<SH
#!/bin/sh
for a; do [ "\$a" = ingest ] && { echo "simulated: spool unwritable" >&2; exit 75; }; done
exec "$CO/build/default/abusedesk" "\$@"
SH
chmod 755 "$CO/abusedesk"
out=$(sh "$CO/tests/lib/demo.sh" 2>&1); rc=$?
ok "[ $rc -ne 0 ]" "a deferred ingest makes the demo exit non-zero (exit $rc)"
like "$out" "demo: $n of $n ingests did not succeed" "the demo says how many ingests failed"
like "$out" "exit 75: simulated: spool unwritable" "and why the first one failed"
done_testing
