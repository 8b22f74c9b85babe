#!/usr/bin/env python3
"""complaints_heldout.py - the complaint formats on AbuseIO notifier samples that
../shared/corpus does not hold: mail no rule here was written from.

Usage: complaints_heldout.py ABUSEIO_CHECKOUT [BINARY]
For each extra/notifier-samples/PROVIDER/*.eml of the checkout that is not in
the corpus, the format the corpus' INDEX.tsv gives that provider's other
samples is expected (a provider whose samples have more than one format is
left out and counted): an ARF-family format (arf, xarf) exactly, "other" as
any other reading. An ARF report must also name its source address.
"""
import json
import os
import subprocess
import sys

ARF_FAMILY = ("arf", "xarf")


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    src = os.path.join(sys.argv[1], "extra", "notifier-samples")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    binary = sys.argv[2] if len(sys.argv) > 2 else os.path.join(root, "abusedesk")
    cdir = os.path.join(root, "..", "shared", "corpus", "complaints")
    fmts = {}
    with open(os.path.join(cdir, "INDEX.tsv")) as f:
        next(f)
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if cols[0].startswith("AbuseIO/"):
                fmts.setdefault(cols[0].split("/")[1], set()).add(cols[4])
    n = ok = mixed = fam_n = fam_ok = 0
    for prov in sorted(os.listdir(src)):
        d = os.path.join(src, prov)
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            if not name.endswith(".eml") or os.path.exists(os.path.join(cdir, "AbuseIO", prov, name)):
                continue
            if len(fmts.get(prov, ())) != 1:
                mixed += 1
                continue
            want = next(iter(fmts[prov]))
            res = subprocess.run([binary, "parse", "--json", os.path.join(d, name)], stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, check=False)
            try:
                rep = json.loads(res.stdout or b"null") or {}
            except ValueError:
                rep = {}
            got = rep.get("format") or "(none)"
            right = got == want if want in ARF_FAMILY else got not in ARF_FAMILY and got != "(none)"
            if want == "arf":
                right = right and bool(rep.get("source_ip"))
            n += 1
            ok += right
            if want in ARF_FAMILY:
                fam_n += 1
                fam_ok += right
            if not right:
                print("  MISS %s/%s: %s, expected %s (source %s)" % (prov, name, got, want, rep.get("source_ip")))
    print("FIGURE complaints-heldout formats: %d/%d as the provider's corpus samples (%d of providers with"
          " mixed formats left out)" % (ok, n, mixed))
    print("FIGURE complaints-heldout ARF family: %d/%d" % (fam_ok, fam_n))
    return 0 if ok == n else 1


if __name__ == "__main__":
    sys.exit(main())
