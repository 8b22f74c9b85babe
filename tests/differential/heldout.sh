#!/bin/sh
# heldout.sh - the Received and bounce differentials on mail the rules were
# not written from: the messages of a sisimai set-of-emails checkout
# (https://github.com/sisimai/set-of-emails) that are not in ../shared/corpus.
#   sh tests/differential/heldout.sh /path/to/set-of-emails [MAILDIR|MBOX...]
# Prints the FIGURE lines of received.py and bounces.sh for that set.
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
src=${1:?usage: heldout.sh SET-OF-EMAILS-CHECKOUT [MAILDIR|MBOX...]}
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
# the whole set again with CRLF and with bare-CR line ends: read as the LF copy
python3 tests/differential/lineends.py ./abusedesk "$src/maildir/bsd" "$src/maildir/dos" "$src/maildir/mac"
# decoded Subjects against Python's email package, on the whole set
python3 tests/differential/headers.py ./abusedesk "$tmp/held" "$src/maildir/dos" "$src/maildir/mac" "$src/maildir/err" |
	grep -E 'FIGURE|WRONG|UNDECODABLE'
# more sets, when given: every mail file under each DIR (a SpamAssassin
# checkout's t/data, rspamd's test/functional/messages, ...), or the
# messages of an mbox FILE (split at its "From " lines, N.eml each): their
# Received values, and where the set has .eml files, its bounces as above.
# A SpamAssassin checkout (its top folder) also gives its t/rcvd_parser.t
# cases that the corpus does not hold, judged against SpamAssassin's answers;
# an AbuseIO checkout its notifier samples the corpus does not hold
# (tests/differential/complaints_heldout.py).
shift
n=0
for d in "$@"; do
	if [ -f "$d" ]; then
		n=$((n + 1)); mkdir "$tmp/mbox$n"
		awk -v p="$tmp/mbox$n/" '/^From / { k++ } k { print > (p k ".eml") }' "$d"
		echo "held out: the $(ls "$tmp/mbox$n" | wc -l) messages of the mbox $d"
		d=$tmp/mbox$n
	elif [ -d "$d" ] && [ -f "$d/t/rcvd_parser.t" ]; then
		# a SpamAssassin checkout: its own Received-parser cases the corpus does not hold,
		# judged as the corpus' cases are (tests/conformance/received.py); then its t/data
		echo "held out: SpamAssassin's t/rcvd_parser.t cases not in the corpus"
		python3 tests/differential/sa_rcvd_cases.py "$d/t/rcvd_parser.t" \
			../shared/corpus/received/rcvd_cases.jsonl >"$tmp/sa_cases.jsonl" &&
			python3 tests/conformance/received.py ./abusedesk "$tmp/sa_cases.jsonl" 0 |
			grep -E 'FIGURE|MISS' | sed 's/corpus cases/held-out SpamAssassin cases/'
		d=$d/t/data
		echo "held out: the mail under $d"
	elif [ -d "$d/extra/notifier-samples" ]; then
		# an AbuseIO checkout: its notifier samples the corpus does not hold, read
		# as that provider's corpus samples are; then their Received values
		echo "held out: AbuseIO's notifier samples not in the corpus"
		python3 tests/differential/complaints_heldout.py "$d" ./abusedesk
		d=$d/extra/notifier-samples
		echo "held out: the mail under $d"
	elif [ -d "$d" ]; then
		echo "held out: the mail under $d"
	else
		echo "heldout.sh: $d is no folder or file" >&2; exit 2
	fi
	python3 tests/differential/received.py --sample 0 --show "${SHOW:-0}" --min-ipby 0 --min-all 0 \
		./abusedesk tests/differential/deliberate.txt "$d" | grep -E 'FIGURE|WRONG|value:'
	python3 tests/differential/headers.py ./abusedesk "$d" | grep -E 'FIGURE|WRONG|UNDECODABLE'
	if [ -n "$(find "$d" -maxdepth 1 -name '*.eml' | head -n 1)" ]; then
		BOUNCES_DIR="$d" SHOW="${SHOW:-0}" sh tests/differential/bounces.sh | grep -E 'FIGURE|DIFFER'
	fi
done
