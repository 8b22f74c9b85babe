#!/usr/bin/env python3
"""sa_rcvd_cases.py - SpamAssassin's own Received-parser cases (t/rcvd_parser.t of
an apache/spamassassin checkout) that ../shared/corpus/received/rcvd_cases.jsonl
does not hold, written as that file's JSON lines, for
tests/conformance/received.py: mail of SpamAssassin's tests no rule here was
written from.

Usage: sa_rcvd_cases.py RCVD_PARSER_T CORPUS_CASES.jsonl > held.jsonl
The test file is read as data (a Perl hash of single-quoted strings: the
header, then SpamAssassin's relay string, '' for a header to skip).
"""
import json
import re
import sys


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    text = open(sys.argv[1], encoding="latin-1").read()
    start = text.find("my %data = (")
    if start < 0:
        sys.exit("sa_rcvd_cases.py: no '%data' table in " + sys.argv[1])
    body = text[start:]
    body = body[:body.find(");\n")]
    pairs = re.findall(r"'((?:[^'\\]|\\.)*)'\s*=>\s*'((?:[^'\\]|\\.)*)'", body, re.S)
    known = {json.loads(l)["received"] for l in open(sys.argv[2], encoding="utf-8") if l.strip()}
    held = 0
    for n, (hdr, want) in enumerate(pairs, 1):
        hdr, want = hdr.replace("\\'", "'"), want.replace("\\'", "'")
        if hdr in known:
            continue
        held += 1
        print(json.dumps({"n": n, "received": hdr, "expected": want,
                          "expected_no_intl": re.sub(r" intl=\d", "", want),
                          "kind": "skip" if want == "" else "parse"}))
    print("sa_rcvd_cases.py: %d cases, %d not in the corpus" % (len(pairs), held), file=sys.stderr)


if __name__ == "__main__":
    main()
