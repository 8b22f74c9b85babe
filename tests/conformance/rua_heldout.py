#!/usr/bin/env python3
"""rua_heldout - DMARC aggregate reports held out of the tree: every file of
PDM/samples/aggregate (the samples of domainaware/parsedmarc: .xml, .xml.gz,
.zip, .eml) summed up independently with xml.etree, gzip and zipfile, and
compared with `abusedesk parse --json` of a message carrying the file as an
attachment (an .eml is parsed as it is). Prints FIGURE lines (files read,
files agreeing on every summary field, per-field counts) and every
disagreement. Exits 1 only when abusedesk failed on a file (no output or a
non-zero exit); disagreements are measured, not failed.

Usage: rua_heldout.py PDM_DIR [PROJECT_ROOT]   (ABUSEDESK=binary to override)"""
import email
import email.policy
import io
import ipaddress
import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zipfile
import zlib
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

MAX_RECORDS = 1000   # rows abusedesk keeps (PARSE_MAX_RUA_RECORDS)
FIELDS = ("org_name", "email", "report_id", "begin", "end", "domain", "p", "sp", "pct",
          "adkim", "aspf", "record_count", "messages", "failing", "records")


def inflate(name, data):
    """the XML bytes of an attachment: gzip, the first zip member, or as it is"""
    if data[:2] == b"\x1f\x8b":   # the first gzip member; bytes after it are not the report's
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data)
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return z.read(z.infolist()[0])
    return data


def attachment(raw):
    """the first zip, gzip or XML attachment of a message"""
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    for part in msg.walk():
        if part.is_multipart():
            continue
        ct = part.get_content_type()
        fn = (part.get_filename() or "").lower()
        if "zip" in ct or "xml" in ct or fn.endswith((".gz", ".xml", ".zip")):
            return part.get_payload(decode=True)
    return None


def text(el, path):
    x = el.find(path) if el is not None else None
    if x is None:
        return None
    v = "".join(x.itertext()).strip()
    return v or None


def low(v):
    return v.lower() if v is not None else None


def integer(v, lo=0, hi=None):
    try:
        n = int(v)
    except (TypeError, ValueError):
        return None
    return n if n >= lo and (hi is None or n <= hi) else None


def epoch(v):
    """a date_range bound: whole seconds (a fraction dropped)"""
    return integer(v.split(".")[0]) if v else None


def canon_ip(v):
    try:
        a = ipaddress.ip_address((v or "").strip())
    except ValueError:
        return None
    if a.version == 6 and a.ipv4_mapped:
        return str(a.ipv4_mapped)
    return str(a)


def summary(xml):
    """the summary fields of an aggregate report, or None when xml.etree cannot read it"""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError:
        xml = xml.decode("utf-8", "replace").encode("utf-8")   # bytes that are not UTF-8 replaced
        try:
            root = ET.fromstring(xml)
        except ET.ParseError:
            # the report is the <feedback> element, also when something unclosed wraps it
            a, b = xml.find(b"<feedback"), xml.rfind(b"</feedback>")
            try:
                root = ET.fromstring(xml[a:b + 11]) if 0 <= a < b else None
            except ET.ParseError:
                root = None
            if root is None:
                return None
    for el in root.iter():
        if isinstance(el.tag, str):
            el.tag = el.tag.split("}")[-1]
    if root.tag != "feedback":
        return None
    meta = root.find("report_metadata")
    pol = root.find("policy_published")
    s = {
        "org_name": text(meta, "org_name"),
        "email": text(meta, "email"),
        "report_id": text(meta, "report_id"),
        "begin": epoch(text(meta, "date_range/begin")),
        "end": epoch(text(meta, "date_range/end")),
        "domain": low(text(pol, "domain")),
        "p": low(text(pol, "p")),
        "sp": low(text(pol, "sp")),
        "pct": integer(text(pol, "pct"), 0, 100),
        "adkim": low(text(pol, "adkim")),
        "aspf": low(text(pol, "aspf")),
    }
    recs = root.findall("record")
    rows = []
    messages = failing = 0
    for r in recs:
        n = integer(text(r, "row/count"), 0, 2**31 - 1) or 0
        dkim = low(text(r, "row/policy_evaluated/dkim"))
        spf = low(text(r, "row/policy_evaluated/spf"))
        messages += n
        if dkim == "fail" and spf == "fail":
            failing += n
        rows.append({"source_ip": canon_ip(text(r, "row/source_ip")), "count": n,
                     "disposition": low(text(r, "row/policy_evaluated/disposition")),
                     "dkim": dkim, "spf": spf,
                     "header_from": low(text(r, "identifiers/header_from"))})
    s.update(record_count=len(recs), messages=messages, failing=failing, records=rows[:MAX_RECORDS])
    return s


def ours(rep):
    """the same summary from abusedesk's rua object"""
    u = rep.get("rua") or {}
    dr = u.get("date_range") or {}
    pp = u.get("policy_published") or {}
    return {
        "org_name": u.get("org_name"), "email": u.get("email"), "report_id": u.get("report_id"),
        "begin": dr.get("begin"), "end": dr.get("end"),
        "domain": pp.get("domain"), "p": pp.get("p"), "sp": pp.get("sp"), "pct": pp.get("pct"),
        "adkim": pp.get("adkim"), "aspf": pp.get("aspf"),
        "record_count": u.get("record_count"), "messages": u.get("messages"),
        "failing": u.get("failing"), "records": u.get("records"),
    }


def wrap(name, data, i):
    """a report message carrying the file as an attachment, typed as found in the wild"""
    m = MIMEMultipart()
    m["From"] = "noreply-dmarc@reporter.example"
    m["To"] = "dmarc@example.com"
    m["Subject"] = "Report Domain: example.com Submitter: reporter.example"
    m["Message-ID"] = "<heldout-%d@reporter.example>" % i
    m.attach(MIMEText("This is an aggregate report.\n"))
    if data[:2] == b"\x1f\x8b":
        a = MIMEApplication(data, "gzip")
    elif data[:4] == b"PK\x03\x04":
        a = MIMEApplication(data, "zip")
    else:
        a = MIMEApplication(data, "xml")
        a.replace_header("Content-Type", "text/xml")
    a.add_header("Content-Disposition", "attachment", filename=name)
    m.attach(a)
    return m.as_bytes()


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    pdm = sys.argv[1]
    root = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else
                           os.path.join(os.path.dirname(__file__), "..", ".."))
    binary = os.environ.get("ABUSEDESK") or os.environ.get("ABUSEDESK_BIN") or os.path.join(root, "abusedesk")
    adir = os.path.join(pdm, "samples", "aggregate")
    if not os.path.isdir(adir):
        print("FAIL: %s not found (git -C parsedmarc archive HEAD samples | tar -x -C %s)" % (adir, pdm))
        return 1
    files = sorted(os.listdir(adir))
    per = {f: 0 for f in FIELDS}
    n_read = n_ref = n_agree = n_fail = 0
    unread, dis = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i, name in enumerate(files):
            with open(os.path.join(adir, name), "rb") as fh:
                data = fh.read()
            if name.endswith(".eml"):
                msg = data
                att = attachment(data)
            else:
                msg = wrap(name, data, i)
                att = data
            path = os.path.join(tmp, "m.eml")
            with open(path, "wb") as fh:
                fh.write(msg)
            p = subprocess.run([binary, "parse", "--json", path], capture_output=True, timeout=120)
            try:
                rep = json.loads(p.stdout.decode("utf-8", "replace").splitlines()[0])
            except (IndexError, ValueError):
                rep = None
            if p.returncode != 0 or rep is None:
                n_fail += 1
                dis.append("%s: abusedesk exit %d, no report" % (name, p.returncode))
                continue
            n_read += 1
            try:
                ref = summary(inflate(name, att)) if att is not None else None
            except (OSError, EOFError, zipfile.BadZipFile, IndexError, zlib.error):
                ref = None
            if ref is None:
                unread.append("%s: xml.etree cannot read it; abusedesk: format %s, rua %s, warnings %s" % (
                    name, rep.get("format"), "present" if rep.get("rua") else "null", rep.get("warnings")))
                continue
            n_ref += 1
            got = ours(rep)
            bad = [f for f in FIELDS if got[f] != ref[f]]
            for f in FIELDS:
                per[f] += f not in bad
            if not bad:
                n_agree += 1
            for f in bad:
                g, w = got[f], ref[f]
                if f == "records":
                    i = next((i for i in range(min(len(g or []), len(w))) if g[i] != w[i]), None)
                    g = "%d rows, row %s %r" % (len(g or []), i, (g or [None])[i] if i is not None else "")
                    w = "%d rows, row %s %r" % (len(w), i, w[i] if i is not None else "")
                dis.append("%s: %s %r, xml.etree %r" % (name, f, g, w))
    print("FIGURE rua-heldout: files %d, read by abusedesk %d, read by xml.etree %d, "
          "agreeing on every summary field %d/%d" % (len(files), n_read, n_ref, n_agree, n_ref))
    for f in FIELDS:
        print("FIGURE rua-heldout: field %-12s %d/%d" % (f, per[f], n_ref))
    for u in unread:
        print("  not compared %s" % u)
    for d in dis:
        print("  disagree %s" % d)
    print("%d passed, %d failed" % (n_read, n_fail))
    return 1 if n_fail else 0


if __name__ == "__main__":
    sys.exit(main())
