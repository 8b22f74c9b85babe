#!/usr/bin/env python3
"""sa_table - record SpamAssassin's client address and by host for the
Received values of ../shared/corpus on which abusedesk agrees with it, as
the C table fuzz/sa_table.h that fuzz_received_sa reads.

    python3 tests/differential/sa_table.py [N] > fuzz/sa_table.h

N (default 400) values, chosen by a hash of the value so that the table is
the same on every run. Only ASCII values without NUL are kept (the table is
C source). Needs SpamAssassin (tests/differential/sa_received.pl) and a
built ./abusedesk."""
import hashlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import received  # noqa: E402


def c_str(s):
    out = []
    for ch in s:
        if ch in '\\"':
            out.append("\\" + ch)
        elif 32 <= ord(ch) < 127:
            out.append(ch)
        else:
            out.append("\\%03o" % ord(ch))
    return '"' + "".join(out) + '"'


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.abspath(os.path.join(here, "..", ".."))
    seen = received.collect([os.path.join(root, "..", "shared", "corpus")])
    values = [v for v in sorted(seen) if all(32 <= ord(c) < 127 for c in v)]
    ours = received.run([os.path.join(root, "abusedesk"), "received", "--json"], values)
    peer = received.run(["perl", os.path.join(here, "sa_received.pl")], values)
    keep = []
    for v, hop, rel in zip(values, ours, peer):
        if rel.get("r") != "relay" or not rel.get("ip") or not rel.get("by") or not hop:
            continue
        if received.compare(hop, rel):
            continue        # every field agrees, SpamAssassin's answer is abusedesk's
        keep.append((v, received.canon_ip(rel["ip"]), rel["by"].lower()))
    agree = len(keep)
    keep.sort(key=lambda t: hashlib.sha1(t[0].encode("latin-1")).digest())
    keep = sorted(keep[:n])
    print("/* fuzz/sa_table.h - written by tests/differential/sa_table.py from the")
    print(" * Received values of ../shared/corpus on which abusedesk and SpamAssassin")
    print(" * agree on every field: the value, SpamAssassin's client address")
    print(" * (canonical) and by host (lower case): %d of the %d such values. */" % (len(keep), agree))
    print("static const struct sa_row { const char *v, *ip, *by; } sa_table[] = {")
    for v, ip, by in keep:
        print("\t{ %s,\n\t  %s, %s }," % (c_str(v), c_str(ip), c_str(by)))
    print("};")


if __name__ == "__main__":
    main()
