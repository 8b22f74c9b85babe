#!/usr/bin/env python3
"""headers.py - decoded header values against Python's email package.

  python3 tests/differential/headers.py ABUSEDESK PATH...

Every mail file under PATH is read by `abusedesk parse --json` and by
Python's email package (policy.default: RFC 2047 words, folding, charsets).
Compared: the message's Subject, and the reported original's Subject where
the message holds exactly one message/rfc822 or text/rfc822-headers part
(with more, which one is "the original" is a choice, not decoding). Values
are compared with blanks runs made one and the ends trimmed.

A difference is classed, by the first rule that fits:
  deliberate  the header is there twice: abusedesk takes the last one, as
              GMime's g_mime_message_get_subject does (tests/conformance/
              mimecmp.c holds the two to the same), Python the first;
  peer-wrong  Python left an encoded word undecoded that abusedesk decoded
              (e.g. ISO-2022-JP split between two words), or put U+FFFD for
              bytes of an undeclared 8-bit charset that abusedesk read;
  undecodable both put replacement characters: the bytes are not text in the
              charset the header names (Shift_JIS labelled ISO-2022-JP);
  deliberate  abusedesk removes control and bidirectional-override
              characters (NUL, U+200E/F, U+202A-E, U+2066-9) from what it
              shows; the values agree once they are removed from Python's;
  wrong       anything else.
Prints FIGURE lines and each difference; exits 1 when one is "wrong".
"""
import email
import email.policy
import json
import os
import re
import subprocess
import sys

CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def norm(s):
    return re.sub(r"\s+", " ", s or "").strip()


def mail_files(paths):
    out = []
    for top in paths:
        for root, _, names in os.walk(top):
            for n in names:
                if n.endswith((".eml", ".msg", ".txt", ".mail")) or "." not in n:
                    out.append(os.path.join(root, n))
    return sorted(out)


def ours(binary, files):
    got = {}
    for i in range(0, len(files), 200):
        r = subprocess.run([binary, "parse", "--json"] + files[i:i + 200],
                           capture_output=True, text=True, errors="replace")
        for line in r.stdout.splitlines():
            try:
                d = json.loads(line)
            except ValueError:
                continue
            got[d.get("file")] = d
    return got


def peer(path):
    """(subject, original subject or None, the last Subject when there are more)"""
    with open(path, "rb") as f:
        m = email.message_from_bytes(f.read(), policy=email.policy.default)
    subj = m["subject"]
    origs = []
    for part in m.walk():
        ct = part.get_content_type()
        if ct == "message/rfc822":
            inner = part.get_payload(0) if isinstance(part.get_payload(), list) else None
            if inner is not None:
                origs.append(inner)
        elif ct == "text/rfc822-headers":
            origs.append(email.message_from_bytes(part.get_payload(decode=True) or b"",
                                                  policy=email.policy.default))
    osubj = origs[0]["subject"] if len(origs) == 1 else None
    every = m.get_all("subject") or []
    return (None if subj is None else str(subj),
            None if osubj is None else str(osubj), norm(str(every[-1])) if len(every) > 1 else None)


def classify(mine, theirs, last=None):
    if mine == theirs:
        return "agree"
    if last is not None and mine == last:
        return "deliberate"
    if "=?" in theirs and "=?" not in mine:
        return "peer-wrong"
    if "\ufffd" in theirs and "\ufffd" not in mine and mine.count("?") <= theirs.count("?"):
        return "peer-wrong"
    if "\ufffd" in theirs and ("\ufffd" in mine or mine.count("?") > 2):
        return "undecodable"
    if norm(CONTROL.sub("", theirs)) == mine:
        return "deliberate"
    return "wrong"


def main():
    binary, paths = sys.argv[1], sys.argv[2:]
    files = mail_files(paths)
    got = ours(binary, files)
    counts = {"subject": {}, "original subject": {}}
    for f in files:
        d = got.get(f)
        if d is None:
            continue
        try:
            subj, osubj, last = peer(f)
        except Exception:       # what Python cannot read is not compared
            continue
        pairs = [("subject", d.get("subject"), subj, last)]
        if osubj is not None and d.get("original"):
            pairs.append(("original subject", d["original"].get("subject"), osubj, None))
        for field, mine, theirs, lastv in pairs:
            if theirs is None:
                continue
            c = classify(norm(mine), norm(theirs), lastv)
            counts[field][c] = counts[field].get(c, 0) + 1
            if c != "agree":
                print("  %s %s %s:\n    abusedesk %r\n    Python    %r" %
                      (c.upper(), field, f, norm(mine)[:120], norm(theirs)[:120]))
    wrong = 0
    for field, c in counts.items():
        n = sum(c.values())
        wrong += c.get("wrong", 0)
        print("FIGURE headers %s: %d/%d agree with Python's email package; peer-wrong %d, "
              "deliberate %d, undecodable %d, abusedesk wrong %d" %
              (field, c.get("agree", 0), n, c.get("peer-wrong", 0), c.get("deliberate", 0),
               c.get("undecodable", 0), c.get("wrong", 0)))
    print("%d passed, %d failed" % (1 if not wrong else 0, 1 if wrong else 0))
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
