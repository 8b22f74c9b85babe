#!/bin/sh
# heldout.sh - the Received and bounce differentials on mail the rules were
# not written from: the messages of a sisimai set-of-emails checkout
# (https://github.com/sisimai/set-of-emails) that are not in ../shared/corpus.
#   sh tests/differential/heldout.sh /path/to/set-of-emails [MAILDIR...]
# Prints the FIGURE lines of received.py and bounces.sh for that set.
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
src=${1:?usage: heldout.sh SET-OF-EMAILS-CHECKOUT [MAILDIR...]}
[ -d "$src/maildir/bsd" ] || { echo "heldout.sh: $src/maildir/bsd not found" >&2; exit 2; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/held"
for f in "$src"/maildir/bsd/*.eml; do
	b=$(basename "$f")
	[ -e "../shared/corpus/bounces/maildir/bsd/$b" ] || cp "$f" "$tmp/held/$b"
done
echo "held out: $(ls "$tmp/held" | wc -l) messages of $src not in the corpus"
python3 tests/differential/received.py --sample 0 --show "${SHOW:-0}" --min-ipby 0 --min-all 0 \
	./abusedesk tests/differential/deliberate.txt "$tmp/held" | grep -E 'FIGURE|WRONG|value:'
BOUNCES_DIR="$tmp/held" SHOW="${SHOW:-0}" sh tests/differential/bounces.sh | grep -E 'FIGURE|DIFFER'
# more sets, when given: every mail file under each DIR (a SpamAssassin
# checkout's t/data, rspamd's test/functional/messages, ...), Received values only
shift
for d in "$@"; do
	[ -d "$d" ] || { echo "heldout.sh: $d is not a folder" >&2; exit 2; }
	echo "held out: the Received values of $d"
	python3 tests/differential/received.py --sample 0 --show "${SHOW:-0}" --min-ipby 0 --min-all 0 \
		./abusedesk tests/differential/deliberate.txt "$d" | grep -E 'FIGURE|WRONG|value:'
done
