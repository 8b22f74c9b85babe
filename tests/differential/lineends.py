#!/usr/bin/env python3
"""lineends.py - the same messages with other line ends read the same.

  python3 tests/differential/lineends.py ABUSEDESK LF_DIR OTHER_DIR...

Sisimai's set-of-emails keeps its messages three times: maildir/bsd (LF),
maildir/dos (CRLF) and maildir/mac (bare CR, as classic Mac OS wrote).
Sisimai itself reads none of the bare-CR ones, so there is no peer answer to
compare with; the answer is abusedesk's own on the LF copy. Every file of
OTHER_DIR with a namesake in LF_DIR is parsed in both, and the JSON of the
two is compared field by field (the file name, size and hashes aside).
Prints a FIGURE line per folder and each difference.
"""
import json
import os
import subprocess
import sys

SKIP = {"file", "size", "sha256", "content_key", "warnings"}


def parse(binary, files):
    out = []
    for i in range(0, len(files), 200):
        r = subprocess.run([binary, "parse", "--json"] + files[i:i + 200],
                           capture_output=True, text=True, errors="replace")
        out += [json.loads(l) for l in r.stdout.splitlines() if l.strip()]
    return out


def main():
    binary, lf = sys.argv[1], sys.argv[2]
    bad = 0
    for other in sys.argv[3:]:
        names = sorted(n for n in os.listdir(other)
                       if n.endswith(".eml") and os.path.isfile(os.path.join(lf, n)))
        a = parse(binary, [os.path.join(lf, n) for n in names])
        b = parse(binary, [os.path.join(other, n) for n in names])
        if len(a) != len(names) or len(b) != len(names):
            print("lineends: %s: %d/%d/%d answers" % (other, len(names), len(a), len(b)))
            bad += 1
            continue
        same = 0
        for n, x, y in zip(names, a, b):
            dx = {k: v for k, v in x.items() if k not in SKIP}
            dy = {k: v for k, v in y.items() if k not in SKIP}
            if dx == dy:
                same += 1
                continue
            keys = sorted(k for k in set(dx) | set(dy) if dx.get(k) != dy.get(k))
            print("  DIFFER %s: %s" % (n, ", ".join(keys)))
        bad += same != len(names)
        print("FIGURE lineends %s: %d/%d messages read as their LF copy" %
              (os.path.basename(other.rstrip("/")), same, len(names)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
