#!/usr/bin/env python3
"""gen_received.py - generated Received headers with known answers.

Usage: gen_received.py [--n N] [--seed S] [--values FILE] [--show K]
                       [--min P] BINARY

Writes N values for each MTA shape below, the way the MTA's own source or
documentation says it writes them (not copied from samples): varied host
names (case, digits, hyphens, IDN A-labels, a trailing dot where the MTA
writes one), addresses (IPv4, IPv6 and its compressions, IPv4-mapped IPv6,
with and without brackets and ports where the MTA writes them), identities,
TLS and authentication comments, queue ids, recipients, dates, and folding
whitespace (the harness reads unfolded values, so folding becomes runs of
blanks and tabs).

Each value carries its answer: the client address, its port, the rDNS name,
the HELO, the ident, the by host, the envelope sender, the queue id and
whether the client authenticated. BINARY is `abusedesk`; its `received --json`
hop for each value is compared field by field with the answer. When
SpamAssassin is installed, its parse_received_line is scored against the
same answers (client IP and by), so the figures say how each parser does on
shapes neither was written from.

--values FILE also writes the values, one a line, for received.py --values
(the differential against SpamAssassin). Exit 1 when abusedesk's share of
values right on every field is under --min (default 100).
"""
import ipaddress
import json
import os
import random
import subprocess
import sys

FIELDS = ["ip", "port", "rdns", "helo", "ident", "by", "envfrom", "id", "auth"]
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
DAYS = "Mon Tue Wed Thu Fri Sat Sun".split()
TLDS = ["com", "net", "org", "example", "de", "co.uk", "com.br", "jp", "xn--p1ai", "info"]
WORDS = ["mail", "smtp", "mx", "relay", "out", "mta", "gw", "edge", "srv", "host", "a", "b2",
         "outbound", "post", "xn--bcher-kva", "mail-01", "ns-7", "web", "app", "node"]


class G:
    """the random choices of one run (seeded: the same values every run)"""

    def __init__(self, seed):
        self.r = random.Random(seed)

    def pick(self, xs):
        return self.r.choice(xs)

    def chance(self, p):
        return self.r.random() < p

    def name(self, parts=None):
        n = parts or self.r.randint(2, 4)
        labels = [self.pick(WORDS) + (str(self.r.randint(1, 99)) if self.chance(0.4) else "")
                  for _ in range(n - 1)]
        s = ".".join(labels + [self.pick(TLDS)])
        if self.chance(0.15):
            s = s.upper() if self.chance(0.3) else s.capitalize()
        return s

    def v4(self):
        nets = ["192.0.2.", "198.51.100.", "203.0.113.", "10.%d.%d." % (self.r.randint(0, 255), self.r.randint(0, 255)),
                "100.64.%d." % self.r.randint(0, 63),
                "%d.%d.%d." % (self.r.randint(11, 223), self.r.randint(0, 255), self.r.randint(0, 255))]
        return self.pick(nets) + str(self.r.randint(1, 254))

    def v6(self):
        a = ipaddress.IPv6Address(0x20010db8 << 96 | self.r.getrandbits(64) << (self.r.choice([0, 16, 32])))
        s = str(a)  # compressed
        if self.chance(0.3):
            s = a.exploded if self.chance(0.3) else ":".join(x.lstrip("0") or "0" for x in a.exploded.split(":"))
        if self.chance(0.2):
            s = s.upper()
        return s, str(a)

    def spoof_helo(self):
        """a HELO argument with an address literal glued to a word: Sendmail and
        Postfix write it as given; the address in it is not the client's"""
        return self.pick(["%s[%s]" % (self.name(), self.v4()), "[%s]%s" % (self.v4(), self.name(1)),
                          # a bare address posing as Exim's address and items
                          "%s(helo=%s)" % (self.v4(), self.name()), "%s(port=%d)" % (self.v4(), self.r.randint(1, 65535))])

    def ip(self, v6=0.25):
        """(as written, canonical)"""
        if self.chance(v6):
            return self.v6()
        a = self.v4()
        return a, a

    def qid_postfix(self):
        if self.chance(0.5):
            return "".join(self.pick("0123456789ABCDEF") for _ in range(self.r.randint(8, 12)))
        return "4" + "".join(self.pick("BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789")
                             for _ in range(self.r.randint(10, 14)))

    def qid_exim(self):
        al = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
        w = lambda k: "".join(self.pick(al) for _ in range(k))
        if self.chance(0.5):
            return "%s-%s-%s" % (w(6), w(6), w(2))
        return "%s-%s-%s" % (w(6), w(11), w(4))

    def qid_sendmail(self):
        al = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
        return "".join(self.pick(al) for _ in range(14))

    def hexid(self, k):
        return "".join(self.pick("0123456789abcdef") for _ in range(k))

    def addr(self):
        lp = self.pick(["user", "a.b", "bounce+x=y", "info", "j_doe", "SRS0=ab=cd", "x"])
        return "%s%s@%s" % (lp, self.r.randint(1, 999) if self.chance(0.5) else "", self.name(2))

    def date(self):
        zone = self.pick(["+0000", "-0700", "+0100", "+0900", "-0000", "+0530"])
        s = "%s, %d %s %d %02d:%02d:%02d %s" % (self.pick(DAYS), self.r.randint(1, 28), self.pick(MONTHS),
                                               self.r.randint(2005, 2026), self.r.randint(0, 23),
                                               self.r.randint(0, 59), self.r.randint(0, 59), zone)
        if self.chance(0.3):
            s += " " + self.pick(["(UTC)", "(CET)", "(PDT)", "(JST)", "(GMT)"])
        return s

    def fold(self):
        return self.pick([" ", "\t", "  ", " \t", "\t "]) if self.chance(0.5) else " "

    def tls_postfix(self):
        return self.pick([
            "(using TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits))",
            "(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 "
            "server-signature RSA-PSS (2048 bits) server-digest SHA256)",
            "(using TLSv1 with cipher DHE-RSA-AES256-SHA (256/256 bits))",
        ]) + self.pick(["", " (No client certificate requested)", " (Client did not present a certificate)",
                        " (Client CN \"%s\", Issuer \"R3\" (verified OK))" % self.name()])


def ans(**kw):
    a = {f: None for f in FIELDS}
    a["auth"] = False
    a.update(kw)
    return a


# --- the shapes: each returns (value, answer) ---

def postfix(g):
    """Postfix smtpd: from HELO (RDNS [ADDR]) [TLS] [(Authenticated sender: u)] by HOST (Postfix)
    with PROTO id QID [for <rcpt>]; DATE. No HELO: the rDNS name (or "unknown") comes first."""
    w, ip = g.ip()
    rdns = g.name() if g.chance(0.75) else None
    helo = g.pick([g.name(), "[%s]" % w if ":" not in w else "[IPv6:%s]" % w, g.name(1), rdns or g.name()]) \
        if g.chance(0.9) else None
    lit = "IPv6:" + w if ":" in w else w
    if helo and g.chance(0.05):
        helo = g.spoof_helo()
    first = helo or rdns or "unknown"
    auth = g.chance(0.25)
    tls = g.chance(0.5)
    proto = "ESMTP" + ("S" if tls else "") + ("A" if auth else "")
    if g.chance(0.1):
        proto = g.pick(["SMTP", "UTF8SMTPS", "LMTP"]) if not auth else proto
    by = g.name()
    q = g.qid_postfix()
    v = "from %s (%s [%s])" % (first, rdns or "unknown", lit)
    if tls:
        v += g.fold() + g.tls_postfix()
    user = None
    if auth and g.chance(0.7):
        user = g.pick(["alice", g.addr()])
        v += g.fold() + "(Authenticated sender: %s)" % user
    v += g.fold() + "by %s (Postfix) with %s id %s" % (by, proto, q)
    if g.chance(0.7):
        v += g.fold() + "for <%s>" % g.addr()
    v += "; " + g.date()
    # with no HELO Postfix writes the client's name in its place: the header reads the same
    return v, ans(ip=ip, rdns=rdns, helo=first, by=by, id=q, auth=auth)


def sendmail(g):
    """Sendmail's HReceived: $?sfrom $s $.$?_($?s$|from $.$_) $.$?{auth_type}(authenticated
    bits=N) $.by $j ($v/$Z)$?r with $r$. id $i$?{tls_version} (version=.. cipher=.. bits=..
    verify=..)$.$?u for $u; $|; $.$b   ($_ is [ident@]rdns [addr] [(may be forged)])"""
    w, ip = g.ip(0.15)
    lit = "IPv6:" + w if ":" in w else w
    rdns = g.name() if g.chance(0.7) else None
    ident = g.pick(["root", "nobody", "u%d" % g.r.randint(1, 99)]) if g.chance(0.15) else None
    helo = g.pick([g.name(), rdns or g.name(), "[%s]" % lit]) if g.chance(0.85) else None
    if helo and g.chance(0.05):
        helo = g.spoof_helo()
    forged = rdns is not None and g.chance(0.15)
    mac = "%s%s[%s]%s" % (ident + "@" if ident else "", rdns + " " if rdns else "", lit,
                          " (may be forged)" if forged else "")
    v = ("from %s (%s)" % (helo, mac)) if helo else "(from %s)" % mac
    auth = g.chance(0.2)
    if auth:
        v += g.fold() + "(authenticated bits=%d)" % g.pick([0, 128, 256])
    by = g.name()
    ver = g.pick(["8.15.2/8.15.2", "8.17.1.9/8.17.1.9", "8.14.4/8.14.4/Submit", "8.18.1/8.18.1/Debian-2"])
    proto = g.pick(["ESMTP", "SMTP", "ESMTPS", "ESMTPSA" if auth else "ESMTPS"])
    q = g.qid_sendmail()
    v += g.fold() + "by %s (%s) with %s id %s" % (by, ver, proto, q)
    if g.chance(0.5):
        v += g.fold() + "(version=TLSv1.3 cipher=TLS_AES_256_GCM_SHA384 bits=256 verify=NOT)"
    if g.chance(0.6):
        v += g.fold() + "for <%s>" % g.addr()
    v += "; " + g.date()
    return v, ans(ip=ip, rdns=rdns, helo=helo, ident=ident, by=by, id=q, auth=auth)


def exim(g):
    """Exim's default received_header_text with $sender_rcvhost: "rdns ([addr]:port helo=h
    ident=i)" when the name is verified, "[addr] (port=N helo=h ident=i)" when not; helo= is
    left out when it equals the name or address; then by HOST with PROTO [(TLS1.x) tls CIPHER]
    (Exim V) [(envelope-from <a>)] id ID [for rcpt]; DATE"""
    w, ip = g.ip(0.2)
    rdns = g.name() if g.chance(0.7) else None
    port = g.r.randint(1024, 65535) if g.chance(0.6) else None
    helo = g.pick([g.name(), "[%s]" % w, g.name(1)]) if g.chance(0.85) else None
    ident = g.pick(["root", "u7"]) if g.chance(0.1) else None
    extra = ("helo=%s" % helo if helo else "") + (" ident=%s" % ident if ident else "")
    extra = extra.strip()
    if rdns:
        host = "%s ([%s]%s%s)" % (rdns, w, ":%d" % port if port else "", " " + extra if extra else "")
    else:
        inner = " ".join(x for x in ["port=%d" % port if port else "", extra] if x)
        host = "[%s]" % w + (" (%s)" % inner if inner else "")
    auth = g.chance(0.25)
    tls = g.chance(0.5)
    proto = "esmtp" + ("s" if tls else "") + ("a" if auth else "")
    by = g.name()
    q = g.qid_exim()
    v = "from " + host + g.fold() + "by %s with %s" % (by, proto)
    if tls:
        v += g.pick([" (TLS1.3) tls TLS_AES_256_GCM_SHA384", " (TLS1.2) tls TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
                     " (TLS1.2:ECDHE_RSA_AES_256_GCM_SHA384:256)"])
    v += g.fold() + "(Exim %s)" % g.pick(["4.96", "4.97.1", "4.94.2", "4.92", "4.98"])
    env = None
    if g.chance(0.8):
        env = g.addr()
        v += g.fold() + "(envelope-from <%s>)" % env
    v += g.fold() + "id " + q
    if g.chance(0.6):
        v += g.fold() + "for " + g.addr()
    v += "; " + g.date()
    # Exim leaves helo= out when it equals the verified name: the name is the HELO then
    return v, ans(ip=ip, port=port, rdns=rdns, helo=helo or rdns, ident=ident, by=by, envfrom=env, id=q,
                  auth=auth)


def qmail(g):
    """qmail-smtpd's received(): from REMOTEHOST (HELO h) (ident@ADDR) by LOCAL with SMTP; DATE.
    The HELO comment is left out when it equals the host; "unknown" without rDNS. SMTP AUTH
    patches write ESMTPA."""
    ip = g.v4()
    rdns = g.name() if g.chance(0.6) else None
    helo = g.pick([g.name(), "[%s]" % ip, g.name(1)]) if g.chance(0.8) else None
    ident = g.pick(["nobody", "u3"]) if g.chance(0.1) else None
    auth = g.chance(0.15)
    by = g.pick([g.name(), g.pick(["mail", "mx1", "localhost.localdomain"]) if g.chance(0.2) else g.name()])
    v = "from %s" % (rdns or "unknown")
    if helo:
        v += " (HELO %s)" % helo
    v += " (%s%s)" % (ident + "@" if ident else "", ip)
    v += g.fold() + "by %s with %s; %s" % (by, "ESMTPA" if auth else g.pick(["SMTP", "ESMTP"]), g.date())
    # qmail leaves "(HELO h)" out when h equals the host it names first
    return v, ans(ip=ip, rdns=rdns, helo=helo or rdns or "unknown", ident=ident, by=by, auth=auth)


def yahoo(g):
    """Yahoo's qmail-derived front ends: inbound "from IP (EHLO h) (IP) by mtaN.mail.X.yahoo.com
    with SMTP"; SMTP AUTH "from h (user@IP with login) by smtpN.mail.X.yahoo.com with SMTP"
    (the HELO comment left out when it equals the host, as qmail does), also with the rDNS
    and "(HELO h)"; webmail "from [IP] by webN.mail.X.yahoo.com via HTTP". The user before the
    address with a SASL mechanism is the account that logged in, not an RFC 1413 ident."""
    w, ip = g.ip(0.2)
    site = g.pick(["ne1", "bf1", "sc5", "mud", "re1", "gq1", "ir2"])
    kind = g.pick(["in", "auth", "auth_helo", "http"])
    if kind == "in":
        helo = g.pick([g.name(), "[%s]" % ip if ":" not in w else g.name(), ""])
        by = "mta%d.mail.%s.yahoo.com" % (g.r.randint(1, 999), site)
        v = "from %s (EHLO %s) (%s)%sby %s with %s; %s" % (w, helo, w, g.fold(), by, g.pick(["SMTP", "SMTPS"]), g.date())
        return v, ans(ip=ip, rdns=w, helo=helo or None, by=by)
    if kind == "http":
        by = "web%d.mail.%s.yahoo.com" % (g.r.randint(1, 99999), site)
        return "from [%s] by %s via HTTP; %s" % (w, by, g.date()), ans(ip=ip, by=by, auth=True)
    user = g.pick(["lucille", "j.doe", "info", "baldusi", "x_y"]) + str(g.r.randint(1, 99))
    mech = g.pick(["login", "plain", "LOGIN", "PLAIN"])
    by = "smtp%d.mail.%s.yahoo.com" % (g.r.randint(1, 999), site)
    lit = w   # Yahoo writes the address bare in its AUTH comment
    if kind == "auth":
        host = g.pick([g.name(), g.name(1)])
        v = "from %s (%s@%s with %s) by %s with SMTP; %s" % (host, user, lit, mech, by, g.date())
        return v, ans(ip=ip, rdns=host, helo=host, by=by, auth=True)
    rdns, helo = g.name(), g.pick([g.name(), g.name(1).upper()])
    v = "from %s (HELO %s) (%s@%s with %s)%sby %s with SMTP; %s" % (rdns, helo, user, lit, mech, g.fold(), by, g.date())
    return v, ans(ip=ip, rdns=rdns, helo=helo, by=by, auth=True)


def opensmtpd(g):
    """OpenSMTPD smtp_session: from HELO (RDNS [ADDR]) by HOST (OpenSMTPD) with PROTO id HEX
    [(TLSv1.3:CIPHER:256:NO)] [for <rcpt>]; DATE"""
    ip = g.v4()
    rdns = g.name() if g.chance(0.7) else None
    helo = g.pick([g.name(), "[%s]" % ip])
    tls = g.chance(0.6)
    auth = g.chance(0.2)
    by = g.name()
    q = g.hexid(8)
    proto = "ESMTP" + ("S" if tls else "") + ("A" if auth else "")
    v = "from %s (%s [%s])" % (helo, rdns or "<unknown>", ip)
    v += g.fold() + "by %s (OpenSMTPD) with %s id %s" % (by, proto, q)
    if tls:
        v += g.fold() + "(TLSv1.3:TLS_AES_256_GCM_SHA384:256:NO)"
    if g.chance(0.7):
        v += g.fold() + "for <%s>" % g.addr()
    v += "; " + g.date()
    return v, ans(ip=ip, rdns=rdns, helo=helo, by=by, id=q, auth=auth)


def courier(g):
    """Courier: from HELO (RDNS [::ffff:ADDR]) [(AUTH: LOGIN user)] by HOST with PROTO;
    DATE id HEX.HEX.HEX (the id after the date)"""
    ip = g.v4()
    rdns = g.name() if g.chance(0.7) else None
    helo = g.name()
    auth = g.chance(0.2)
    by = g.name()
    q = "%s.%s.%s" % (g.hexid(8).upper(), g.hexid(8).upper(), g.hexid(8).upper())
    mapped = g.chance(0.7)
    v = "from %s (%s[%s%s])" % (helo, rdns + " " if rdns else "", "::ffff:" if mapped else "", ip)
    if auth:
        v += g.fold() + "(AUTH: LOGIN %s)" % g.addr()
    v += g.fold() + "by %s with %s; %s" % (by, g.pick(["ESMTP", "ESMTPS", "SMTP"]), g.date())
    v += g.fold() + "id " + q
    return v, ans(ip=ip, rdns=rdns, helo=helo, by=by, id=q, auth=auth)


def exchange(g):
    """Exchange 2010+: from HELO (ADDR) by HOST (ADDR) with Microsoft SMTP Server
    (version=TLS1_2, cipher=...) id 15.x [via Frontend Transport]; DATE. Addresses bare,
    IPv6 with a zone sometimes; "with mapi id" for an Outlook session."""
    w, ip = g.ip(0.4)
    helo = g.name()
    by = g.name()
    bw, _ = g.ip(0.4)
    mapi = g.chance(0.15)
    if mapi:
        q = "14.3.%d.%d" % (g.r.randint(100, 500), g.r.randint(0, 9))
        v = "from %s ([%s]) by %s ([%s]) with mapi id %s; %s" % (helo, w, by, bw, q, g.date())
        return v, ans(ip=ip, helo=helo, by=by, id=q, auth=True)
    v = "from %s (%s) by %s (%s) with Microsoft SMTP Server" % (helo, w, by, bw)
    if g.chance(0.7):
        v += g.fold() + "(version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384)"
    q = "15.%d.%d.%d" % (g.r.randint(0, 20), g.r.randint(1000, 9999), g.r.randint(1, 40))
    v += " id " + q
    if g.chance(0.5):
        v += g.fold() + g.pick(["via Frontend Transport", "via Mailbox Transport"])
    v += "; " + g.date()
    return v, ans(ip=ip, helo=helo, by=by, id=q)


def gmail(g):
    """Google's MX: from RDNS (RDNS. [ADDR]) by mx.google.com with ESMTPS id ID for <rcpt>
    (Google Transport Security); DATE"""
    ip = g.pick(["209.85.%d.%d" % (g.r.randint(128, 255), g.r.randint(1, 254)), g.v4()])
    rdns = g.name()
    q = "%s.%d.%d.%02d.%02d.%02d.%02d" % (g.hexid(12), g.r.randint(1, 99), 2026, g.r.randint(1, 12),
                                            g.r.randint(1, 28), g.r.randint(0, 23), g.r.randint(0, 59))
    v = "from %s (%s. [%s])" % (rdns, rdns, ip)
    v += g.fold() + "by mx.google.com with %s id %s" % (g.pick(["ESMTPS", "SMTPS", "ESMTP"]), q)
    if g.chance(0.8):
        v += g.fold() + "for <%s>" % g.addr()
    if g.chance(0.6):
        v += g.fold() + "(Google Transport Security)"
    v += ";" + g.fold() + g.date()
    return v, ans(ip=ip, rdns=rdns, helo=rdns, by="mx.google.com", id=q)


def smtpsvc(g):
    """Exchange 2000/2003 and IIS SMTPSVC: from HELO ([ADDR]) by HOST with Microsoft
    SMTPSVC(6.0.3790.N); DATE"""
    ip = g.v4()
    helo = g.pick([g.name(), g.name(1).upper()])
    by = g.name()
    v = "from %s ([%s]) by %s with Microsoft SMTPSVC(6.0.3790.%d);%s%s" % (
        helo, ip, by, g.r.randint(1000, 4675), g.fold(), g.date())
    return v, ans(ip=ip, helo=helo, by=by)


def lmtp(g):
    """Cyrus/Zimbra/Dovecot LMTP delivery: from HOST (LHLO h) (ADDR) by HOST with LMTP; DATE"""
    ip = g.v4()
    host = g.name()
    helo = g.pick([host, g.name()])
    by = g.name()
    v = "from %s (LHLO %s) (%s) by %s with LMTP; %s" % (host, helo, ip, by, g.date())
    return v, ans(ip=ip, rdns=host, helo=helo, by=by)


def communigate(g):
    """CommuniGate Pro: from [ADDR] (account user HELO h) by HOST (CommuniGate Pro SMTP 6.x)
    with ESMTPA id N for rcpt; DATE, or from h ([ADDR] verified) by HOST (CommuniGate Pro
    SMTP 6.x) with ESMTP id N"""
    ip = g.v4()
    by = g.name()
    q = str(g.r.randint(1000000, 99999999))
    ver = "(CommuniGate Pro SMTP 6.%d.%d)" % (g.r.randint(0, 3), g.r.randint(0, 20))
    if g.chance(0.5):
        user = g.addr()
        helo = g.name()
        v = "from [%s] (account %s HELO %s) by %s %s with ESMTPA id %s for %s; %s" % (
            ip, user, helo, by, ver, q, g.addr(), g.date())
        return v, ans(ip=ip, helo=helo, by=by, id=q, auth=True)
    host = g.name()
    v = "from %s ([%s] verified) by %s %s with ESMTP id %s for %s; %s" % (host, ip, by, ver, q, g.addr(), g.date())
    return v, ans(ip=ip, rdns=host, helo=host, by=by, id=q)


def exim_bare(g):
    """Exim with a received_header_text that writes $sender_host_address (a bare address, no
    brackets) in front of the items $sender_rcvhost puts in parentheses, the way the default
    text writes "(helo=$sender_helo_name)" when there is no $sender_rcvhost: "ADDR(helo=h)",
    "ADDR (port=N helo=h ident=i)", the comment glued or spaced; then Exim's usual
    by HOST with PROTO (Exim V) [(envelope-from <a>)] id ID [for rcpt]; DATE"""
    w, ip = g.ip(0.3)
    if ":" not in w and g.chance(0.15):
        w = "::ffff:" + w                     # an IPv4 client on a dual-stack socket
    port = g.r.randint(1024, 65535) if g.chance(0.3) else None
    helo = g.pick([g.name(), g.name(1), "[%s]" % ip]) if g.chance(0.9) else None
    ident = g.pick(["root", "u7", "nobody"]) if g.chance(0.1) else None
    items = " ".join(x for x in ["port=%d" % port if port else "", "helo=%s" % helo if helo else "",
                                 "ident=%s" % ident if ident else ""] if x)
    if not items:
        helo = g.name()
        items = "helo=" + helo
    auth = g.chance(0.4)
    proto = g.pick(["esmtp", "esmtps", "smtp"]) if not auth else g.pick(["esmtpa", "esmtpsa"])
    by = g.pick([g.name(), "%s.static-user.%s" % (ip.replace(":", "-"), g.name(2))])
    q = g.qid_exim()
    v = "from %s%s(%s)" % (w, g.pick(["", " "]), items)
    v += g.fold() + "by %s with %s" % (by, proto)
    v += g.fold() + "(Exim %s)" % g.pick(["4.69", "4.80", "4.92", "4.96"])
    env = None
    if g.chance(0.7):
        env = g.pick([g.addr(), ""])
        v += g.fold() + "(envelope-from %s)" % ("<%s>" % env if env or g.chance(0.5) else "")
    v += g.fold() + "id " + q
    if g.chance(0.6):
        v += g.fold() + "for " + g.addr()
    v += "; " + g.date()
    return v, ans(ip=ip, port=port, helo=helo, ident=ident, by=by, envfrom=env, id=q, auth=auth)


def ecelerity(g):
    """ecelerity/Momentum: from [ADDR] ([ADDR:PORT] helo=h) by HOST [(envelope-from <a>)]
    (ecelerity V r(BUILD)) with PROTO [(cipher=C [subject="/CN=.."])] id HH/HH-NNNNN-HHHHHHHH
    [for <rcpt>]; DATE. ecelerity 2.x leaves the first [ADDR] out: "from ([ADDR:PORT] helo=h)".
    The port sits inside the brackets; only IPv4 clients are seen in its headers (an IPv6
    address with a port inside brackets would not say where the address ends). It folds its TLS
    comment after cipher= when a subject follows; a value whose folded subject line was lost
    (a cut or redacted header) keeps an unclosed "(cipher=C" before the id."""
    ip = g.v4()
    helo = g.pick([g.name(), g.name(1), "[%s]" % ip])
    port = g.r.randint(1024, 65535)
    by = g.pick([g.name(), g.name(1)])
    ver = g.pick(["(ecelerity 2.1.1.3 r(11743))", "(ecelerity 2.2.3.49 r(42060/42061))",
                  "(ecelerity 3.5.0.35861 r(Momo-dev:tip))", "(ecelerity 3.6.21.53563 r(Core:3.6.21.0))",
                  "(ecelerity 4.2.39.63080 r(Core:4.2.39.2))"])
    v = "from " + ("" if ver.startswith("(ecelerity 2.") and g.chance(0.6) else "[%s] " % ip)
    v += "([%s:%d]%shelo=%s)" % (ip, port, g.fold(), helo)
    v += g.fold() + "by " + by
    env = None
    if g.chance(0.8):
        env = g.pick([g.addr(), ""])
        v += g.fold() + "(envelope-from%s<%s>)" % (g.fold(), env)
    v += g.fold() + ver
    tls = g.chance(0.5)
    v += g.fold() + "with " + ("ESMTPS" if tls else g.pick(["ESMTP", "SMTP"]))
    if tls:
        cipher = g.pick(["AES256-SHA", "AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384", "DHE-RSA-AES128-SHA"])
        subj = g.chance(0.4)
        if subj and g.chance(0.3):
            v += g.fold() + "(cipher=%s" % cipher          # the folded subject line lost
        elif subj:
            v += g.fold() + "(cipher=%s%ssubject=\"/OU=Domain Control Validated/CN=*.%s\")" % (
                cipher, g.fold(), g.name(2))
        else:
            v += g.fold() + "(cipher=%s)" % cipher
    hx = lambda k: "".join(g.pick("0123456789ABCDEF") for _ in range(k))
    q = "%s/%s-%05d-%s" % (hx(2), hx(2), g.r.randint(0, 99999), hx(8))
    v += g.fold() + "id " + q
    if g.chance(0.4):
        v += g.fold() + "for <%s>" % g.addr()
    v += "; " + g.date()
    return v, ans(ip=ip, port=port, helo=helo, by=by, envfrom=env, id=q)


def no_by(g):
    """a stamp with no by clause (RFC 822 made every clause optional; RFC 5321 requires by):
    from HELO ([ADDR]) [with PROTO] id <ID@HOST>; DATE, as PMDF-heritage and redacted
    headers carry it. The client is the writer's record; no receiving host is named."""
    w, ip = g.ip(0.2)
    helo = g.name()
    lit = "IPv6:" + w if ":" in w and g.chance(0.5) else w
    q = "<%s@%s>" % ("".join(g.pick("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(16)), g.name())
    v = "from %s ([%s])" % (helo, lit)
    if g.chance(0.3):
        v += g.fold() + "with " + g.pick(["ESMTP", "SMTP"])
    v += g.fold() + "id %s; %s" % (q, g.date())
    return v, ans(ip=ip, helo=helo, id=q.strip("<>"))


def xmail(g):
    """XMail (SMTPSvr): from HELO (ADDR:PORT) by HOST [(ADDR:PORT)] with [XMail V ESMTP Server]
    id <ID> for <rcpt> from <sender>; DATE. The client's address and port, brackets optional
    (IPv4: a port after an IPv6 address would not say where the address ends); no rDNS."""
    ip = g.v4()
    port = g.r.randint(1024, 65535)
    helo = g.pick([g.name(), g.name(1)])
    by = g.name()
    lit = "[%s]" % ip if g.chance(0.3) else ip
    v = "from %s (%s:%d)" % (helo, lit, port)
    v += g.fold() + "by %s" % by
    if g.chance(0.4):
        v += " (%s:25)" % g.v4()
    v += g.fold() + "with [XMail 1.%d ESMTP Server]" % g.r.randint(17, 27)
    q = "S%X" % g.r.randint(0x10, 0xFFFFF)
    v += g.fold() + "id <%s>" % q
    v += g.fold() + "for <%s>" % g.addr()
    env = g.addr()
    v += g.fold() + "from <%s>; %s" % (env, g.date())
    return v, ans(ip=ip, port=port, helo=helo, by=by, envfrom=env, id=q)


def scalix(g):
    """Scalix SMTP Relay: from HELO ( ADDR) by HOST (Scalix SMTP Relay V) via ESMTP; DATE
    (a blank before the address; the HELO only)"""
    ip = g.v4()
    helo = g.pick([g.name(1).upper(), g.name()])
    by = g.name()
    v = "from %s ( %s) by %s (Scalix SMTP Relay %d.%d.%d.%d)%svia %s; %s" % (
        helo, ip, by, g.r.randint(9, 12), g.r.randint(0, 9), g.r.randint(0, 9), g.r.randint(1, 99), g.fold(),
        g.pick(["ESMTP", "SMTP"]), g.date())
    return v, ans(ip=ip, helo=helo, by=by)


def gmx(g):
    """GMX / WEB.DE: from RDNS (EHLO h) [ADDR] by HOST (mpNNN) with (E)SMTP; DATE: the looked-up
    name, the HELO in parentheses, then the address. GMX's submission hosts (mail.gmx.net,
    mail.gmx.com) take authenticated customers only: a hop into them is a submission"""
    ip = g.v4()
    rdns = g.name()
    helo = g.pick([g.name(), g.name(1), "[%s]" % ip])
    by = g.pick(["mail.gmx.net", "mail.gmx.com", "mout.gmx.net", "mail.web.de", g.name()])
    v = "from %s (%s %s) [%s]%sby %s (mp%03d) with %s; %s" % (
        rdns, g.pick(["EHLO", "HELO"]), helo, ip, g.fold(), by, g.r.randint(1, 99), g.pick(["ESMTP", "SMTP"]), g.date())
    return v, ans(ip=ip, rdns=rdns, helo=helo, by=by, auth=by in ("mail.gmx.net", "mail.gmx.com"))


def mdaemon(g):
    """MDaemon: old releases "from HELO [ADDR] by HOST [ADDR] with SMTP (MDaemon.PRO.vV) for <rcpt>";
    newer "from HELO (RDNS [ADDR]) by HOST (MDaemon PRO vV) with ESMTP[A] id md5NNN.msg for <rcpt>",
    with "unverified" in place of a name its reverse lookup did not confirm; DATE"""
    ip = g.v4()
    helo = g.pick([g.name(), g.name(1)])
    by = g.name()
    if g.chance(0.3):
        v = "from %s [%s] by %s [%s] with SMTP (MDaemon.PRO.v%d.%d.%d.R) for <%s>; %s" % (
            helo, ip, by, g.v4(), g.r.randint(4, 9), g.r.randint(0, 9), g.r.randint(0, 9), g.addr(), g.date())
        return v, ans(ip=ip, helo=helo, by=by)
    rdns = g.name() if g.chance(0.6) else None
    auth = g.chance(0.3)
    q = "md5%014d.msg" % g.r.randint(0, 10 ** 13)
    v = "from %s (%s [%s])%sby %s (MDaemon PRO v%d.%d.%d)%swith ESMTP%s id %s" % (
        helo, rdns or "unverified", ip, g.fold(), by, g.r.randint(13, 23), g.r.randint(0, 9), g.r.randint(0, 9),
        g.fold(), "A" if auth else "", q)
    if g.chance(0.7):
        v += " for <%s>" % g.addr()
    v += "; " + g.date()
    return v, ans(ip=ip, rdns=rdns, helo=helo, by=by, id=q, auth=auth)


def domino(g):
    """Lotus/HCL Domino: from HELO ([ADDR]) by HOST (Lotus Domino Release V) with ESMTP id ID ; DATE
    (Domino records no rDNS)"""
    ip = g.v4()
    helo = g.name()
    by = g.name()
    q = "%d%02d%02d%02d%02d%02d%02d-%d" % (g.r.randint(2005, 2026), g.r.randint(1, 12), g.r.randint(1, 28),
                                          g.r.randint(0, 23), g.r.randint(0, 59), g.r.randint(0, 59),
                                          g.r.randint(0, 99), g.r.randint(1, 99999))
    v = "from %s ([%s]) by %s (%s Release %s) with ESMTP id %s ;%s%s" % (
        helo, ip, by, g.pick(["Lotus Domino", "IBM Domino", "HCL Domino"]),
        g.pick(["8.5.3FP6", "9.0.1FP10", "10.0.1", "12.0.2FP1"]), q, g.fold(), g.date())
    return v, ans(ip=ip, helo=helo, by=by, id=q)


SHAPES = [postfix, sendmail, exim, qmail, yahoo, opensmtpd, courier, exchange, gmail, smtpsvc, lmtp, communigate,
          exim_bare, ecelerity, no_by, xmail, scalix, gmx, mdaemon, domino]


def norm_name(s):
    if s is None:
        return None
    s = s.strip().rstrip(".").lower()
    return s or None


def ours_fields(hop):
    if hop is None:
        return None
    ip = hop.get("from_ip")
    try:
        a = ipaddress.ip_address((ip or "").split("%")[0])
        ip = str(a.ipv4_mapped or a) if a.version == 6 else str(a)
    except ValueError:
        pass
    rdns = hop.get("from_rdns")
    if rdns and rdns.lower() in ("unknown", "<unknown>"):
        rdns = None
    env = hop.get("envfrom")
    if env:
        env = env.strip("<>")
    return {"ip": ip, "port": hop.get("port"), "rdns": norm_name(rdns), "helo": norm_name(hop.get("helo")),
            "ident": hop.get("ident"), "by": norm_name(hop.get("by")), "envfrom": env, "id": hop.get("id"),
            "auth": bool(hop.get("auth"))}


def truth_fields(a):
    t = dict(a)
    for f in ("rdns", "helo", "by"):
        t[f] = norm_name(t[f])
    if t["ip"]:
        x = ipaddress.ip_address(t["ip"])
        t["ip"] = str(x.ipv4_mapped or x) if x.version == 6 else str(x)
    return t


def run(cmd, values):
    text = "".join(v + "\n" for v in values)
    res = subprocess.run(cmd, input=text.encode("utf-8"), stdout=subprocess.PIPE, check=False)
    out = res.stdout.decode("utf-8", "replace").splitlines()
    if res.returncode != 0 or len(out) != len(values):
        sys.exit("FAIL: %s exited %d with %d lines for %d values" % (cmd[0], res.returncode, len(out), len(values)))
    return [json.loads(o) for o in out]


def sa_available():
    return subprocess.run(["perl", "-MMail::SpamAssassin::Message::Metadata::Received", "-e1"],
                          stderr=subprocess.DEVNULL, check=False).returncode == 0


def main():
    args = sys.argv[1:]
    opt = {"--n": "200", "--seed": "1", "--values": None, "--show": "5", "--min": "100"}
    while args and args[0] in opt:
        opt[args[0]] = args[1]
        args = args[2:]
    if len(args) != 1:
        sys.exit(__doc__)
    g = G(int(opt["--seed"]))
    n = int(opt["--n"])
    items = []
    for shape in SHAPES:
        for _ in range(n):
            v, a = shape(g)
            items.append((shape.__name__, " ".join(v.split()) if g.chance(0.5) else v.replace("\n", " "), a))
    values = [v for _, v, _ in items]
    if opt["--values"]:
        with open(opt["--values"], "w", encoding="utf-8") as fh:
            fh.writelines(v + "\n" for v in values)
    ours = run([args[0], "received", "--json"], values)
    here = os.path.dirname(os.path.abspath(__file__))
    peer = run(["perl", os.path.join(here, "sa_received.pl")], values) if sa_available() else None

    per = {}
    wrong = []
    field_miss = {}
    for i, (shape, v, a) in enumerate(items):
        t = truth_fields(a)
        o = ours_fields(ours[i])
        s = per.setdefault(shape, {"n": 0, "all": 0, "ipby": 0, "peer_ipby": 0})
        s["n"] += 1
        bad = FIELDS if o is None else [f for f in FIELDS if o[f] != t[f]]
        if o is not None and "ip" not in bad and "by" not in bad:
            s["ipby"] += 1
        if not bad:
            s["all"] += 1
        else:
            for f in bad:
                field_miss[f] = field_miss.get(f, 0) + 1
            wrong.append((shape, v, bad, o, t))
        if peer is not None:
            p = peer[i]
            pip = p.get("ip") or ""
            try:
                x = ipaddress.ip_address(pip.strip("[]").split("%")[0])
                pip = str(x.ipv4_mapped or x) if x.version == 6 else str(x)
            except ValueError:
                pass
            if p.get("r") == "relay" and pip == t["ip"] and norm_name(p.get("by")) == t["by"]:
                s["peer_ipby"] += 1
    total = len(items)
    all_ok = sum(s["all"] for s in per.values())
    ipby = sum(s["ipby"] for s in per.values())
    print("generated Received headers: %d shapes x %d values, seed %s" % (len(SHAPES), n, opt["--seed"]))
    print("  %-10s %6s %8s %8s %10s" % ("shape", "values", "ip+by", "every", "SA ip+by"))
    for shape, s in per.items():
        print("  %-10s %6d %7.1f%% %7.1f%% %9s" % (shape, s["n"], 100.0 * s["ipby"] / s["n"],
                                                   100.0 * s["all"] / s["n"],
                                                   "%.1f%%" % (100.0 * s["peer_ipby"] / s["n"]) if peer else "-"))
    for f, k in sorted(field_miss.items(), key=lambda x: -x[1]):
        print("  field %-8s wrong in %d" % (f, k))
    for shape, v, bad, o, t in wrong[:int(opt["--show"])]:
        print("  WRONG %s %s\n    value: %s\n    ours:  %s\n    truth: %s"
              % (shape, ",".join(bad), v, json.dumps(o), json.dumps(t)))
    print("FIGURE received-gen ip+by: %d/%d (%.2f%%) right on client IP and by" % (ipby, total, 100.0 * ipby / total))
    print("FIGURE received-gen all-fields: %d/%d (%.2f%%) right on every field" % (all_ok, total, 100.0 * all_ok / total))
    if peer is not None:
        pk = sum(s["peer_ipby"] for s in per.values())
        print("FIGURE received-gen SpamAssassin ip+by: %d/%d (%.2f%%)" % (pk, total, 100.0 * pk / total))
    ok = 100.0 * all_ok / total >= float(opt["--min"])
    if not ok:
        print("FAIL: every-field share %.2f%% < %s%%" % (100.0 * all_ok / total, opt["--min"]))
    print("%d passed, %d failed" % (all_ok if ok else all_ok, 0 if ok else total - all_ok))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
