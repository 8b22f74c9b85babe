#!/usr/bin/env python3
"""received.py - differential test of abusedesk's Received parser against
SpamAssassin's parse_received_line (tests/differential/sa_received.pl).

Usage: received.py [--sample N] [--show N] [--values FILE] [--min-ipby P]
                   [--min-all P] [--max-wrong N] BINARY DELIBERATE PATH...

Every Received header of every file under PATH (mail files, the originals
embedded in bounces and complaints included: any line that starts a
"Received:" header, with its continuation lines), or every line of --values
FILE (one unfolded value a line, as gen_received.py writes them), is given to
both parsers. Values are deduplicated; --sample N keeps N of them, chosen by
a hash so the choice is the same on every run.

Fields compared: ip rdns helo by ident envfrom id auth (auth: present or not).
Before comparing, abusedesk's values are written the way SpamAssassin writes
its own (docs/formats.md "Comparing"): addresses in canonical form on both
sides, [] () <> # | and blanks in names as '!', "unknown" rDNS as empty.

Each disagreement is classed by the first rule of DELIBERATE whose field
and shape pattern match (tab-separated: class, field, shape, regex, reason),
as "deliberate" or "peer-wrong"; one that no rule covers is "abusedesk-wrong".
Prints FIGURE lines and, with --show, examples of each unexplained shape.
Exit 1 when a --min/--max bound is missed.
"""
import hashlib
import ipaddress
import json
import os
import re
import subprocess
import sys

FIELDS = ["ip", "rdns", "helo", "by", "ident", "envfrom", "id", "auth"]
OURS = {"ip": "from_ip", "rdns": "from_rdns", "helo": "helo", "by": "by",
        "ident": "ident", "envfrom": "envfrom", "id": "id", "auth": "auth"}
STRIP = re.compile(r"[ \t\n\r\f\v\x00#\[\]()<>|]")  # ASCII blanks, as Perl reads bytes
HDR = re.compile(rb"^received:[ \t]?", re.I)
MAX_FILE = 8 << 20


def values_in(data):
    """the unfolded Received values of one file, in order"""
    lines = re.split(rb"\r\n|\r|\n", data)
    out, cur = [], None
    for ln in lines:
        if cur is not None and ln[:1] in (b" ", b"\t"):
            cur.append(ln.strip())
            continue
        if cur is not None:
            out.append(b" ".join(x for x in cur if x))
            cur = None
        m = HDR.match(ln)
        if m:
            cur = [ln[m.end():].strip()]
    if cur is not None:
        out.append(b" ".join(x for x in cur if x))
    return [v.decode("latin-1") for v in out if v]


def collect(paths):
    """value -> count over every file under paths"""
    seen = {}
    for p in paths:
        files = []
        if os.path.isdir(p):
            for d, _, fs in os.walk(p):
                files.extend(os.path.join(d, f) for f in fs)
        elif os.path.isfile(p):
            files.append(p)
        for f in sorted(files):
            try:
                with open(f, "rb") as fh:
                    data = fh.read(MAX_FILE)
            except OSError:
                continue
            for v in values_in(data):
                # ASCII blanks only: the value is bytes read as Latin-1, and
                # str's \s would take a UTF-8 byte 0x85 or 0xA0 for a blank
                v = re.sub(r"[ \t\r\n\f\v]+", " ", v).strip(" \t\r\n\f\v")
                if v:
                    seen[v] = seen.get(v, 0) + 1
                continue
    return seen


def canon_ip(s):
    s = (s or "").strip("[]")
    s = re.sub(r"(?i)^ipv6:", "", s)
    s = re.sub(r"%.*$", "", s)
    try:
        a = ipaddress.ip_address(s)
    except ValueError:
        return s
    if a.version == 6 and a.ipv4_mapped:
        a = a.ipv4_mapped
    return str(a)


def norm_ours(hop, f):
    v = hop.get(OURS[f])
    if f == "auth":
        return bool(v)
    if f == "ip":
        return canon_ip(v)
    v = v or ""
    if f == "envfrom":
        v = v.strip().lstrip("<").rstrip(">")
    if f == "rdns":
        v = v.rstrip(".")
        if v.lower() == "unknown" or v.startswith("["):
            v = ""
    if f == "id":
        return v            # SpamAssassin writes ids as they stand ("...@[10.0.0.1]")
    return STRIP.sub("!", v)


def norm_peer(rel, f):
    v = rel.get(f)
    if f == "auth":
        return bool(v)
    if f == "ip":
        return canon_ip(v)
    return v or ""


def load_rules(path):
    rules = []
    with open(path, encoding="utf-8") as fh:
        for ln in fh:
            if not ln.strip() or ln.startswith("#"):
                continue
            parts = ln.rstrip("\n").split("\t")
            if len(parts) != 5:
                sys.exit("%s: need 5 tab-separated columns: %r" % (path, ln))
            cls, field, shape, rx, why = parts
            if cls not in ("deliberate", "peer-wrong"):
                sys.exit("%s: class must be deliberate or peer-wrong: %r" % (path, ln))
            rules.append((cls, field, shape, re.compile(rx), why))
    return rules


def classify(rules, field, value):
    for cls, f, shape, rx, why in rules:
        if (f == "*" or f == field) and rx.search(value):
            return cls, shape
    return "abusedesk-wrong", None


def run(cmd, values):
    text = "".join(v.replace("\n", " ").replace("\r", " ") + "\n" for v in values)
    res = subprocess.run(cmd, input=text.encode("latin-1", "replace"),
                         stdout=subprocess.PIPE, check=False)
    out = res.stdout.decode("latin-1").splitlines()
    if res.returncode != 0 or len(out) != len(values):
        sys.exit("FAIL: %s exited %d with %d lines for %d values"
                 % (cmd[0], res.returncode, len(out), len(values)))
    return [json.loads(o) for o in out]


def compare(hop, rel):
    """the fields that differ (list), '*relay' when only one side has a relay"""
    peer_relay = rel.get("r") == "relay" and bool(rel.get("ip"))
    if hop is None and not peer_relay:
        return []
    if hop is None:
        return ["relay-missed"]
    if not peer_relay:
        return ["relay-extra"]
    return [f for f in FIELDS if norm_ours(hop, f) != norm_peer(rel, f)]


def main():
    args = sys.argv[1:]
    opt = {"--sample": 0, "--show": 0, "--values": None, "--min-ipby": None,
           "--min-all": None, "--max-wrong": None}
    while args and args[0] in opt:
        opt[args[0]] = args[1]
        args = args[2:]
    if len(args) < 2:
        sys.exit(__doc__)
    binary, rules_path, paths = args[0], args[1], args[2:]
    here = os.path.dirname(os.path.abspath(__file__))
    rules = load_rules(rules_path)
    if opt["--values"]:
        with open(opt["--values"], encoding="latin-1") as fh:
            seen = {}
            for ln in fh:
                v = re.sub(r"[ \t\r\n\f\v]+", " ", ln).strip(" \t\r\n\f\v")
                if v:
                    seen[v] = seen.get(v, 0) + 1
    else:
        seen = collect(paths)
    values = sorted(seen)
    n = int(opt["--sample"])
    if n and n < len(values):
        values = sorted(values, key=lambda v: hashlib.sha1(v.encode("latin-1", "replace")).digest())[:n]
    if not values:
        print("FAIL: no Received headers found")
        print("0 passed, 1 failed")
        return 1
    ours = run([binary, "received", "--json"], values)
    peer = run(["perl", os.path.join(here, "sa_received.pl")], values)

    agree_ipby = agree_all = both = 0
    by_class = {"deliberate": 0, "peer-wrong": 0, "abusedesk-wrong": 0}
    by_field = {}
    shapes = {}
    wrong = []
    for v, hop, rel in zip(values, ours, peer):
        diff = compare(hop, rel)
        if hop is not None and rel.get("r") == "relay" and rel.get("ip"):
            both += 1
        if not any(d in ("relay-missed", "relay-extra", "ip", "by") for d in diff):
            agree_ipby += 1
        if not diff:
            agree_all += 1
            continue
        worst = None
        for d in diff:
            cls, shape = classify(rules, d, v)
            by_field[(d, cls)] = by_field.get((d, cls), 0) + 1
            if cls == "deliberate":
                shapes[shape] = shapes.get(shape, 0) + 1
            rank = {"abusedesk-wrong": 2, "peer-wrong": 1, "deliberate": 0}[cls]
            if worst is None or rank > worst[0]:
                worst = (rank, cls)
        by_class[worst[1]] += 1
        if worst[1] == "abusedesk-wrong":
            wrong.append((v, hop, rel, diff))

    total = len(values)
    explained = agree_all + by_class["deliberate"] + by_class["peer-wrong"]
    pct = lambda k: 100.0 * k / total
    print("received differential: %d distinct Received values (%d occurrences), "
          "%d with a relay on both sides" % (total, sum(seen[v] for v in values), both))
    for (d, cls), k in sorted(by_field.items()):
        print("  field %-13s %-16s %d" % (d, cls, k))
    for s, k in sorted(shapes.items(), key=lambda x: -x[1]):
        print("  deliberate shape %-40s %d" % (s, k))
    show = int(opt["--show"])
    for v, hop, rel, diff in wrong[:show]:
        print("  WRONG %s\n    value: %s\n    ours:  %s\n    peer:  %s"
              % (",".join(diff), v, json.dumps(hop), json.dumps(rel)))
    print("FIGURE received-diff headers: %d distinct values compared" % total)
    print("FIGURE received-diff ip+by: %d/%d (%.2f%%) agree with SpamAssassin on client IP and by"
          % (agree_ipby, total, pct(agree_ipby)))
    print("FIGURE received-diff all-fields: %d/%d (%.2f%%) agree on every field"
          % (agree_all, total, pct(agree_all)))
    # the peer's own misreads (each with its reason in deliberate.txt) left
    # out of both sides: how often the two agree where SpamAssassin reads right
    pw = by_class["peer-wrong"]
    print("FIGURE received-diff all-fields, SpamAssassin's misreads set aside: %d/%d (%.2f%%)"
          % (agree_all, total - pw, 100.0 * agree_all / (total - pw) if total > pw else 0.0))
    print("FIGURE received-diff classes: agree %d, deliberate %d, peer-wrong %d, abusedesk-wrong %d"
          % (agree_all, by_class["deliberate"], by_class["peer-wrong"], by_class["abusedesk-wrong"]))
    print("FIGURE received-diff explained: %d/%d (%.2f%%) agree or differ for a written reason"
          % (explained, total, pct(explained)))
    fails = []
    if opt["--min-ipby"] is not None and pct(agree_ipby) < float(opt["--min-ipby"]):
        fails.append("ip+by %.2f%% < %s%%" % (pct(agree_ipby), opt["--min-ipby"]))
    if opt["--min-all"] is not None and pct(explained) < float(opt["--min-all"]):
        fails.append("explained %.2f%% < %s%%" % (pct(explained), opt["--min-all"]))
    if opt["--max-wrong"] is not None and by_class["abusedesk-wrong"] > int(opt["--max-wrong"]):
        fails.append("abusedesk-wrong %d > %s" % (by_class["abusedesk-wrong"], opt["--max-wrong"]))
    for f in fails:
        print("FAIL: " + f)
    print("%d passed, %d failed" % (explained, 0 if not fails else total - explained))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
