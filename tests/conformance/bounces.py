#!/usr/bin/env python3
"""bounces - score `abusedesk parse --json` output against the sisimai corpus.

Usage: bounces.py CORPUS_DIR JSON_OUTPUT ELAPSED_SECONDS

Reads expected.jsonl (one row per sample and recipient index) and the parse
output (one JSON object a line, keyed by "file"). Figures:
  recognised  every bsd/dos sample with an expected row is format "dsn"
              (arf-* samples: format "arf"; rfc3834-* samples are RFC 3834
              auto-replies, which abusedesk does not call bounces: any format
              but "dsn" is right for them)
  status      expected row (non-empty status) against recipients[index-1]:
              the recipient at the same 1-based position in the bounce's own
              order, which is the order sisimai reports them in. sisimai's
              pseudo codes X.0.9NN (a reason it derived from the text, not a
              D.S.N the bounce carried) agree when the class X agrees; the
              strict figure counts only exact equality.
  not         maildir/not samples are not format "dsn"
  crlf        each maildir/dos copy gives the same format, recipients and
              original Message-ID as its LF original in maildir/bsd
Exit 1 when recognised < 100%, status < 95%, not < 100% or crlf < 100%.
"""
import json
import os
import re
import sys


def load(path):
    out = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            try:
                o = json.loads(line)
            except ValueError:
                continue
            out[os.path.relpath(o.get("file", ""), CORPUS)] = o
    return out


def key(o):
    rc = [(r.get("address"), r.get("action"), r.get("status"), r.get("diagnostic"))
          for r in o.get("recipients") or []]
    return (o.get("format"), rc, (o.get("original") or {}).get("message_id"))


def status_ok(exp, got, strict):
    if got == exp:
        return True
    if strict or not got:
        return False
    return bool(re.match(r"^[245]\.0\.9\d\d$", exp)) and got[0] == exp[0]


CORPUS = sys.argv[1]
res = load(sys.argv[2])
elapsed = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
rows = [json.loads(l) for l in open(os.path.join(CORPUS, "expected.jsonl"))]
samples = sorted({r["sample"] for r in rows})
dos = sorted("maildir/dos/" + f for f in os.listdir(os.path.join(CORPUS, "maildir/dos")))
misses = []

# Deliberate differences, each with its reason: these samples are not
# delivery failures (or are the ARF family member they are), so they are
# counted as correct when we say what they really are.
DIFFERENT = {
    "lhost-fml-03.eml": ("forward", "an fml mailing list 'Loop Alert' (duplicated Message-ID): "
                         "a list notice quoting the original, not a delivery failure"),
}

recog_n = recog_ok = 0
for s in samples + [d for d in dos if d.replace("/dos/", "/bsd/") in samples]:
    base = os.path.basename(s)
    o = res.get(s)
    fmt = o.get("format") if o else None
    recog_n += 1
    if base in DIFFERENT:
        good = fmt == DIFFERENT[base][0]
    elif base.startswith("arf-"):
        # legacy Hotmail/JMRP complaints live among sisimai's arf-* samples
        good = fmt in ("arf", "jmrp")
    elif base.startswith("rfc3834-"):
        good = fmt is not None and fmt != "dsn"
    else:
        good = fmt == "dsn"
    if good:
        recog_ok += 1
    else:
        misses.append("%s: not recognised (format %s)" % (s, fmt))

for base, (fmt, why) in sorted(DIFFERENT.items()):
    print("deliberate difference: %s as %s: %s" % (base, fmt, why))

st_n = st_ok = st_strict = 0
for r in rows:
    if not r["status"]:
        continue
    st_n += 1
    o = res.get(r["sample"]) or {}
    rc = o.get("recipients") or []
    got = rc[r["index"] - 1].get("status") if len(rc) >= r["index"] else None
    if status_ok(r["status"], got, True):
        st_strict += 1
    if status_ok(r["status"], got, False):
        st_ok += 1
    else:
        addr = rc[r["index"] - 1].get("address") if len(rc) >= r["index"] else None
        misses.append("%s#%d: status %s, expected %s (%s) [%s]"
                      % (r["sample"], r["index"], got, r["status"], r["reason"], addr))

not_files = sorted("maildir/not/" + f for f in os.listdir(os.path.join(CORPUS, "maildir/not")))
not_ok = 0
for s in not_files:
    fmt = (res.get(s) or {}).get("format")
    if fmt is not None and fmt != "dsn":
        not_ok += 1
    else:
        misses.append("%s: taken for a bounce (format %s)" % (s, fmt))

crlf_n = crlf_ok = 0
for d in dos:
    b = d.replace("/dos/", "/bsd/")
    if b not in os.listdir(CORPUS) and not os.path.exists(os.path.join(CORPUS, b)):
        continue
    if d not in res or b not in res:
        misses.append("%s: no output" % d)
        crlf_n += 1
        continue
    crlf_n += 1
    if key(res[d]) == key(res[b]):
        crlf_ok += 1
    else:
        misses.append("%s: differs from its LF original" % d)

err_files = os.listdir(os.path.join(CORPUS, "maildir/err"))
err_out = sum(1 for f in err_files if "maildir/err/" + f in res)


def pct(a, n):
    return 100.0 * a / n if n else 100.0


total = len(res)
print("samples: %d with expected rows (%d bsd + %d dos), %d not, %d err"
      % (recog_n, len(samples), recog_n - len(samples), len(not_files), len(err_files)))
print("recognised: %d/%d = %.1f%%" % (recog_ok, recog_n, pct(recog_ok, recog_n)))
print("status agreement: %d/%d = %.1f%% (strict, pseudo codes exact: %d/%d = %.1f%%)"
      % (st_ok, st_n, pct(st_ok, st_n), st_strict, st_n, pct(st_strict, st_n)))
print("not-bounce correct: %d/%d = %.1f%%" % (not_ok, len(not_files), pct(not_ok, len(not_files))))
print("CRLF = LF: %d/%d = %.1f%%" % (crlf_ok, crlf_n, pct(crlf_ok, crlf_n)))
print("err samples parsed without a crash: %d/%d" % (err_out, len(err_files)))
if elapsed > 0:
    print("speed: %d messages in %.2fs = %.0f msg/s" % (total, elapsed, total / elapsed))
print("misses: %d" % len(misses))
for m in misses[:int(os.environ.get("MISSES", "40"))]:
    print("  " + m)
checks = [("recognised 100%", recog_ok == recog_n),
          ("status agreement >= 95%", pct(st_ok, st_n) >= 95.0),
          ("not-bounces 100%", not_ok == len(not_files)),
          ("CRLF = LF 100%", crlf_ok == crlf_n),
          ("err samples all parsed", err_out == len(err_files))]
for name, good in checks:
    print("%s - %s" % ("ok" if good else "not ok", name))
print("FIGURE bounces: recognised %.1f%%, status agreement %.1f%% (strict %.1f%%), CRLF=LF %.1f%%"
      % (pct(recog_ok, recog_n), pct(st_ok, st_n), pct(st_strict, st_n), pct(crlf_ok, crlf_n)))
npass = sum(1 for _, g in checks if g)
print("%d passed, %d failed" % (npass, len(checks) - npass))
sys.exit(0 if npass == len(checks) else 1)
