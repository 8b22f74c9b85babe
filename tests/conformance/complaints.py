#!/usr/bin/env python3
"""complaints - conformance of `abusedesk parse --json` against the shared
complaint corpus (INDEX.tsv formats, EXPECTED.jsonl feedback_type and
source_ip) and the ARF samples of the bounce corpus. Prints figures and every
miss with its reason; exits 1 when a figure is below its threshold."""
import json
import os
import subprocess
import sys

FORMAT_MIN = float(os.environ.get("FORMAT_MIN", "100"))   # % ARF-family recognised
FIELD_MIN = float(os.environ.get("FIELD_MIN", "95"))      # % field agreement
ARF_FAMILY = ("arf", "jmrp", "xarf", "spamcop")


def run(binary, root, files):
    """parse files (relative to root) in batches; {file: report}"""
    out = {}
    for i in range(0, len(files), 50):
        batch = files[i:i + 50]
        p = subprocess.run([binary, "parse", "--json"] + batch, cwd=root,
                           capture_output=True, timeout=120)
        for line in p.stdout.decode("utf-8", "replace").splitlines():
            o = json.loads(line)
            out[o["file"]] = o
    return out


def norm_ft(v):
    return None if v is None else str(v).lower().replace("-", "").replace("_", "")


def check_field(rep, field, want):
    """(ok, reason) for one EXPECTED.jsonl statement"""
    if field == "feedback_type":
        got = rep.get("feedback_type")
        return norm_ft(got) == norm_ft(want), "feedback_type %r, expected %r" % (got, want)
    got = rep.get("source_ip")
    if want is None:
        return got is None, "source_ip %r, expected none" % got
    if "x" in str(want).lower():
        red = any("redacted" in w for w in rep.get("warnings", []))
        return got is None and red, "source_ip %r, expected redacted %r noted" % (got, want)
    return got == want, "source_ip %r, expected %r" % (got, want)


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
    binary = os.environ.get("ABUSEDESK") or os.environ.get("ABUSEDESK_BIN") or os.path.join(root, "abusedesk")
    corpus = os.path.join(root, "..", "shared", "corpus")
    cdir = os.path.join(corpus, "complaints")
    if not os.path.isdir(cdir):
        print("FAIL: %s not found (shared corpus absent)" % cdir)
        print("0 passed, 1 failed")
        return 1
    if not os.access(binary, os.X_OK):
        print("FAIL: %s not built" % binary)
        print("0 passed, 1 failed")
        return 1
    index = []
    with open(os.path.join(cdir, "INDEX.tsv")) as f:
        next(f)
        for line in f:
            cols = line.rstrip("\n").split("\t")
            index.append((cols[0], cols[4]))
    reps = run(binary, cdir, [f for f, _ in index])
    misses, counts = [], {}
    fam_ok = fam_n = 0
    for f, fmt in index:
        got = reps.get(f, {}).get("format", "(no output)")
        c = counts.setdefault(fmt, {"n": 0, "same": 0, "got": {}})
        c["n"] += 1
        c["same"] += got == fmt
        c["got"][got] = c["got"].get(got, 0) + 1
        if fmt in ARF_FAMILY:
            fam_n += 1
            if got == fmt:
                fam_ok += 1
            else:
                misses.append("format  %s: %s, expected %s" % (f, got, fmt))
    print("complaint corpus: %d files" % len(index))
    for fmt in sorted(counts):
        c = counts[fmt]
        print("  %-8s %3d  as-indexed %3d  got %s" % (fmt, c["n"], c["same"],
              ", ".join("%s=%d" % kv for kv in sorted(c["got"].items()))))
    fld = {"strong": [0, 0], "weak": [0, 0]}
    with open(os.path.join(cdir, "EXPECTED.jsonl")) as f:
        for line in f:
            e = json.loads(line)
            if e["field"] not in ("feedback_type", "source_ip") or e["file"] not in reps:
                continue
            kind = "weak" if e["file"].startswith("Mail-Abuse/log-") else "strong"
            ok, why = check_field(reps[e["file"]], e["field"], e["expected"])
            fld[kind][1] += 1
            fld[kind][0] += ok
            if not ok:
                misses.append("field%s %s: %s" % ("(weak)" if kind == "weak" else "", e["file"], why))
    bdir = os.path.join(corpus, "bounces")
    b_ok = b_n = 0
    if os.path.isdir(bdir):
        want = {}
        with open(os.path.join(bdir, "expected.jsonl")) as f:
            for line in f:
                e = json.loads(line)
                s = e["sample"]
                if s.startswith("maildir/bsd/arf-") and e.get("feedbacktype"):
                    want.setdefault(s, e["feedbacktype"])
        breps = run(binary, bdir, sorted(want))
        for s, ft in sorted(want.items()):
            b_n += 1
            r = breps.get(s, {})
            # a legacy JMRP complaint among them is jmrp, as INDEX.tsv classes its twins
            if r.get("format") in ("arf", "jmrp") and norm_ft(r.get("feedback_type")) == norm_ft(ft):
                b_ok += 1
            else:
                misses.append("bounce  %s: format %s feedback_type %r, expected arf %r" % (
                    s, r.get("format"), r.get("feedback_type"), ft))

    def pct(a, b):
        return 100.0 * a / b if b else 100.0
    print("FIGURE complaints: ARF family recognised: %d/%d (%.1f%%)" % (fam_ok, fam_n, pct(fam_ok, fam_n)))
    s_ok, s_n = fld["strong"]
    print("FIGURE complaints: feedback_type/source_ip agreement: %d/%d (%.1f%%); weak (Mail-Abuse log-*): %d/%d" % (
        s_ok, s_n, pct(s_ok, s_n), fld["weak"][0], fld["weak"][1]))
    print("FIGURE complaints: bounce corpus ARF samples as arf with feedback type: %d/%d (%.1f%%)" % (b_ok, b_n, pct(b_ok, b_n)))
    for m in misses:
        print("  miss " + m)
    fail = pct(fam_ok, fam_n) < FORMAT_MIN or pct(s_ok, s_n) < FIELD_MIN or pct(b_ok, b_n) < FORMAT_MIN
    print("%d passed, %d failed" % (fam_ok + s_ok + b_ok, (fam_n - fam_ok) + (s_n - s_ok) + (b_n - b_ok)))
    return 1 if fail else 0


if __name__ == "__main__":
    sys.exit(main())
