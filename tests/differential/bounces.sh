#!/bin/sh
# bounces.sh - abusedesk's bounce reader against Sisimai (libsisimai-perl) on
# a population of bounces: every file of BOUNCES_DIR (default the corpus'
# maildir/bsd; point it at any other set, e.g. a checkout of sisimai's
# set-of-emails, to measure on mail the rules were not written from).
# Files whose names start with arf- are feedback reports, not bounces; what
# Sisimai reads as a feedback report or an auto-reply (its reasons feedback
# and vacation) is not a bounce either and is left out of its side.
# Prints: bounces detected (format dsn with a recipient), the recipients
# Sisimai finds that abusedesk finds too, and the status agreement where
# Sisimai gives a real D.S.N code (not its X.0.9NN pseudo-codes).
# PER_MODULE=1 adds a line a Sisimai module (the file name's prefix):
#   MODULE name files detected peer-recipients found real-statuses agree
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
bin=${ABUSEDESK:-./abusedesk}
dir=${BOUNCES_DIR:-../shared/corpus/bounces/maildir/bsd}
if ! perl -MSisimai -e1 2>/dev/null; then
	echo "SKIP: Sisimai is not installed (apt-get install libsisimai-perl)"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
find "$dir" -maxdepth 1 -type f -name '*.eml' ! -name 'arf-*' | sort >"$tmp/files"
[ -s "$tmp/files" ] || { echo "FAIL: no .eml files in $dir"; echo "0 passed, 1 failed"; exit 1; }
xargs "$bin" parse --json <"$tmp/files" >"$tmp/ours.jsonl" 2>/dev/null
xargs perl -MSisimai -MJSON::PP -e 'my $j = JSON::PP->new->canonical;
	for my $f (@ARGV) { my $v = eval { Sisimai->make($f) } || [];
		for my $d (@$v) { if ($d->reason eq "feedback" || $d->reason eq "vacation") {
				print $j->encode({file => $f, notbounce => 1}), "\n"; next }
			print $j->encode({file => $f, rcpt => lc $d->recipient->address,
				status => $d->deliverystatus}), "\n" } }' <"$tmp/files" >"$tmp/peer.jsonl" 2>/dev/null
python3 - "$tmp/ours.jsonl" "$tmp/peer.jsonl" "${SHOW:-0}" tests/differential/bounces-classified.txt <<'PY'
import json, os, sys
# a file Sisimai reads as a complaint or an auto-reply only is not a bounce:
# it counts in the detection figure only when abusedesk calls it one
notb, isb = set(), set()
for l in open(sys.argv[2]):
    d = json.loads(l)
    (notb if d.get("notbounce") else isb).add(d["file"])
notb -= isb
ours, det, n = {}, 0, 0
for l in open(sys.argv[1]):
    d = json.loads(l)
    if d["file"] in notb and not (d.get("format") == "dsn" and d.get("recipients")):
        continue
    n += 1
    rc = d.get("recipients") or []
    if d.get("format") == "dsn" and rc:
        det += 1
    for r in rc:
        ours[(d["file"], r["address"].lower())] = r.get("status")
peer = {}
for l in open(sys.argv[2]):
    d = json.loads(l)
    if not d.get("notbounce"):
        peer[(d["file"], d["rcpt"])] = d["status"]
real = [k for k, s in peer.items() if s and len(s.split(".")[-1]) < 3 and not s.split(".")[-1].startswith("9")]
found = sum(1 for k in peer if k in ours)
agree = sum(1 for k in real if ours.get(k) == peer[k])
show = int(sys.argv[3])
cls = {}
for l in open(sys.argv[4]):
    if l.strip() and not l.startswith("#"):
        f, r, c, why = (l.rstrip("\n").split(" ", 3) + [""])[:4]
        cls[(f, r.lower())] = (c, why)
counts = {"abusedesk-wrong": 0, "peer-wrong": 0, "deliberate": 0, "unclassified": 0}
for k in [k for k in real if ours.get(k) != peer[k]]:
    c, why = cls.get((k[0].split("/")[-1], k[1]), ("unclassified", ""))
    counts[c if c in counts else "unclassified"] += 1
    if show or c == "unclassified":
        print("  DIFFER %s %s: abusedesk %s, Sisimai %s [%s] %s" % (k[0].split("/")[-1], k[1], ours.get(k), peer[k], c, why))
pct = lambda a, b: 100.0 * a / b if b else 0.0
print("FIGURE bounce-diff detected: %d/%d (%.1f%%) files read as a bounce with a recipient" % (det, n, pct(det, n)))
print("FIGURE bounce-diff recipients: %d/%d (%.1f%%) of Sisimai's recipients found" % (found, len(peer), pct(found, len(peer))))
print("FIGURE bounce-diff status: %d/%d (%.1f%%) agree where Sisimai gives a real D.S.N code" % (agree, len(real), pct(agree, len(real))))
if os.environ.get("PER_MODULE"):
    import re
    mod = lambda f: re.sub(r"-[0-9]+\.eml$", "", f.split("/")[-1])
    rows = {}
    for l in open(sys.argv[1]):
        d = json.loads(l)
        r = rows.setdefault(mod(d["file"]), [0, 0, 0, 0, 0, 0])
        r[0] += 1
        if d.get("format") == "dsn" and d.get("recipients"):
            r[1] += 1
    for k in peer:
        r = rows.setdefault(mod(k[0]), [0, 0, 0, 0, 0, 0])
        r[2] += 1
        r[3] += k in ours
    for k in real:
        r = rows[mod(k[0])]
        r[4] += 1
        r[5] += ours.get(k) == peer[k]
    for m in sorted(rows):
        r = rows[m]
        print("MODULE %s %d %d %d %d %d %d" % (m, *r))
print("FIGURE bounce-diff disagreements: abusedesk wrong %d, Sisimai wrong %d, deliberate %d, unclassified %d" % (
    counts["abusedesk-wrong"], counts["peer-wrong"], counts["deliberate"], counts["unclassified"]))
# the same status figure with the statuses Sisimai misreads (each written
# down with its reason in bounces-classified.txt) left out of both sides
pw = counts["peer-wrong"]
print("FIGURE bounce-diff status, Sisimai's misreads set aside: %d/%d (%.1f%%)" % (agree, len(real) - pw, pct(agree, len(real) - pw)))
print("%d passed, 0 failed" % det)
PY
