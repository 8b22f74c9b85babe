#!/usr/bin/env python3
"""trust.py - judge `abusedesk trace` against SpamAssassin's trust-path cases
(trust_cases.jsonl, Apache-2.0 test data).

SpamAssassin walks the Received chain of mail *it received*: relays are
trusted from the top while their address is in trusted_networks; the first
untrusted relay and everything below it are untrusted. abusedesk walks a
complaint's copy of mail that *left* us: the egress is the topmost hop whose
client is in our_networks, our chain continues down while clients are ours,
and the first client that is not ours is the injector. With our_networks =
trusted_networks and no Source-IP, the two agree on this mapping:

  SA trusted relays empty   -> verdict not_ours
  else                      -> egress_ip = first trusted relay's ip,
                               injector_ip = first untrusted relay's ip (or, with none, the
                               lowest trusted relay: the message started there)

Cases left out on purpose, each counted and named:
  - no trusted_networks (SA infers them) or 127/8 expected trusted: for us
    a loopback client is a local handoff on the same host, never an egress;
  - '!' exclusions in trusted_networks and relays marked msa=1: SpamAssassin
    configuration we do not have (internal_networks only sets SA's intl
    flag, which the trusted/untrusted split does not depend on);
  - non-Received headers (X-Originating-IP): we trace Received only;
  - a header below a trusted relay written under another name than that
    relay's (SpamAssassin trusts by address alone; we believe a header only
    when the host above wrote it, docs/trace.md "Only what our hosts wrote
    is believed", and end our chain there).
"""
import ipaddress
import json
import os
import re
import subprocess
import sys
import tempfile


def sa_relays(s):
    return [dict(re.findall(r"(\w+)=(\S*)", r)) for r in re.findall(r"\[ [^\]]* \]", s or "")]


def expand(tok):
    """SpamAssassin short forms: 1.2/16 -> 1.2.0.0/16, 1/8 -> 1.0.0.0/8"""
    addr, _, plen = tok.partition("/")
    if ":" not in addr and addr.count(".") < 3:
        addr = ".".join((addr.split(".") + ["0", "0", "0"])[:4])
    return addr + ("/" + plen if plen else "")


def why_skip(c):
    cfg = c["config"]
    tn = cfg.get("trusted_networks")
    if not tn:
        return "no trusted_networks (SpamAssassin infers them)"
    if "!" in tn:
        return "'!' exclusion"
    if any(not h.startswith("Received:") for h in c["headers"]):
        return "non-Received header"
    rel = sa_relays(c["expected_trusted"]) + sa_relays(c["expected_untrusted"])
    if any(r.get("msa") == "1" for r in rel):
        return "msa relay"
    if any(r["ip"].startswith("127.") for r in rel):
        return "loopback relay"
    trusted = sa_relays(c["expected_trusted"])
    for above, below in zip(trusted, rel[1:]):
        names = {n.lower().split(".")[0] for n in (above.get("rdns"), above.get("helo")) if n}
        if below.get("by") and below["by"].lower().split(".")[0] not in names:
            return "header written by another host than the trusted client above"
    return None


def canon(ip):
    return str(ipaddress.ip_address(ip)) if ip else None


def message(headers):
    hdr = "".join(h.replace("\r", "").rstrip("\n") + "\n" for h in headers)
    return ("From: fbl@complainant.example\nTo: abuse@example.net\nSubject: report\n"
            "MIME-Version: 1.0\nContent-Type: multipart/report; report-type=feedback-report; "
            "boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\nreport\n\n--b\n"
            "Content-Type: message/feedback-report\n\nFeedback-Type: abuse\nVersion: 1\n\n"
            "--b\nContent-Type: text/rfc822-headers\n\n" + hdr +
            "Subject: x\nMessage-ID: <x@y>\n\n--b--\n")


def run_case(binary, tmp, c):
    conf = os.path.join(tmp, "c%d.conf" % c["n"])
    eml = os.path.join(tmp, "c%d.eml" % c["n"])
    nets = " ".join(expand(t) for t in c["config"]["trusted_networks"].split())
    with open(conf, "w") as f:
        f.write("our_networks = %s\nour_domains = example.net\n" % nets)
    with open(eml, "w") as f:
        f.write(message(c["headers"]))
    res = subprocess.run([binary, "-c", conf, "trace", "--json", eml], capture_output=True)
    return json.loads(res.stdout.decode() or "{}")


def main():
    binary, path = sys.argv[1], sys.argv[2]
    cases = [json.loads(l) for l in open(path, encoding="utf-8") if l.strip()]
    npass = nfail = nskip = 0
    with tempfile.TemporaryDirectory() as tmp:
        for c in cases:
            why = why_skip(c)
            if why:
                nskip += 1
                print("# skip case %d: %s" % (c["n"], why))
                continue
            trusted = sa_relays(c["expected_trusted"])
            untrusted = sa_relays(c["expected_untrusted"])
            v = run_case(binary, tmp, c)
            if not trusted:
                want = {"verdict": "not_ours"}
                got = {"verdict": v.get("verdict")}
            else:
                want = {"egress_ip": canon(trusted[0]["ip"]),
                        "injector_ip": canon(untrusted[0]["ip"]) if untrusted
                        else canon(trusted[-1]["ip"])}
                got = {"egress_ip": v.get("egress_ip"), "injector_ip": v.get("injector_ip")}
            if got == want:
                npass += 1
                print("ok case %d: %s" % (c["n"], c["comment"][:60]))
            else:
                nfail += 1
                print("not ok case %d: %s\n#   want %s\n#   got  %s" % (c["n"], c["comment"][:60], want, got))
    print("FIGURE trust cases compared: %d, left out on purpose: %d" % (npass + nfail, nskip))
    print("%d passed, %d failed" % (npass, nfail))
    sys.exit(1 if nfail or npass == 0 else 0)


if __name__ == "__main__":
    main()
