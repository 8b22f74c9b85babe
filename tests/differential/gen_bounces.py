#!/usr/bin/env python3
"""gen_bounces.py - generated bounces with known answers.

Usage: gen_bounces.py [--n N] [--seed S] [--show K] [--min P] [--keep DIR]
                      BINARY

Writes N bounces for each MTA shape below, the way the MTA's own source or
documentation says it writes them (not copied from samples): RFC 3464
reports with each MTA's human-readable part (Postfix's bounce(8) template,
Sendmail's transcript, Exim's, Courier's, Exchange's and Gmail's notices,
Amazon SES), the plain-text notices of MTAs that write no
delivery-status part (qmail's QSBMF, Exim without DSN, OpenSMTPD, Yahoo's
qmail-derived notice, Lotus Domino) and a delayed-delivery warning. Each
varies the recipients (one to three, each failing its own way), their
addresses (case, sub-addresses, IDN A-labels), the server's answer (a
reply code with or without an enhanced code, a multi-line reply), field
name case and spacing, folded fields, the human-readable part's transfer
encoding (7bit, quoted-printable, base64), how the original comes back
(message/rfc822, text/rfc822-headers, inline text, not at all), MIME
boundaries, and line ends (LF or CRLF).

Each message carries its answer: that it is a bounce, its recipients and,
where the bounce carries a real code, the status: the remote server's own
enhanced code when its reply has one of the reply code's class (the rule
of docs/formats.md, "the remote server's own code"), else the DSN's Status
field, else none (not scored). BINARY is `abusedesk`; its `parse --json`
for each file is compared with the answer. When Sisimai is installed it is
scored on the same answers, so the figures say how each reader does on
shapes neither was written from.

Exit 1 when abusedesk's share of messages right on everything is under
--min (default 100).
"""
import base64
import json
import os
import quopri
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_received  # noqa: E402  (its G: names, dates)

LOCAL = ["kijitora", "neko", "j.doe", "info", "sales", "bounce-test", "a_b", "x", "postmaster", "user"]

# (reply code, enhanced code, text): what receiving servers answer (RFC 3463 codes)
FAILS = [
    (550, "5.1.1", "<{r}>: Recipient address rejected: User unknown in local recipient table"),
    (550, "5.1.1", "The email account that you tried to reach does not exist"),
    (550, "5.1.1", "<{r}>... User unknown"),
    (553, "5.1.2", "Domain of address {r} does not exist"),
    (552, "5.2.2", "Mailbox full: {r}"),
    (552, "5.2.2", "<{r}>: user is over quota"),
    (554, "5.7.1", "<{r}>: Relay access denied"),
    (550, "5.7.1", "Message rejected due to local policy"),
    (552, "5.3.4", "Message size exceeds fixed limit"),
    (550, "5.2.1", "The email account that you tried to reach is disabled"),
    (554, "5.6.0", "Message content rejected"),
    (550, "5.7.26", "Unauthenticated email from {d} is not accepted due to domain's DMARC policy"),
    (550, "5.1.10", "RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup"),
    (550, "5.4.1", "Recipient address rejected: Access denied"),
]
NOCODE = [
    (550, "Unknown user {r}"),
    (550, "No such user here"),
    (553, "sorry, that domain isn't in my list of allowed rcpthosts"),
    (552, "Requested mail action aborted: exceeded storage allocation"),
    (554, "Transaction failed"),
]
DEFER = [
    (450, "4.2.0", "<{r}>: Recipient address rejected: Greylisted, see https://postgrey.example/"),
    (451, "4.7.1", "Please try again later"),
    (452, "4.2.2", "Mailbox full, try again later"),
    (421, "4.4.2", "Connection timed out"),
]


class G(gen_received.G):
    """the random choices of one run (seeded: the same messages every run);
    names, dates and the like as gen_received.py writes them"""

    def num(self, a, b):
        return self.r.randint(a, b)

    def v4(self):
        return self.pick(["192.0.2.", "198.51.100.", "203.0.113."]) + str(self.num(1, 254))

    def addr(self, domain=None):
        lp = self.pick(LOCAL)
        if self.chance(0.3):
            lp += str(self.num(1, 999))
        if self.chance(0.1):
            lp += "+" + self.pick(["tag", "list", "x1"])
        return "%s@%s" % (lp, domain or self.name(2))

    def cased(self, a):
        """an address as an MTA may write it back: its case changed"""
        return a.upper() if self.chance(0.1) else a

    def qid(self):
        return "".join(self.pick("0123456789ABCDEF") for _ in range(self.num(9, 12)))

    def msgid(self, host):
        return "<%d.%s@%s>" % (self.num(10 ** 9, 10 ** 10), self.qid(), host)

    def boundary(self, host):
        return self.pick(["%s.%d/%s" % (self.qid(), self.num(10 ** 9, 2 * 10 ** 9), host),
                          "----=_Part_%d_%d.%d" % (self.num(1, 99999), self.num(1, 99999), self.num(10 ** 12, 10 ** 13)),
                          "_000_%s_" % self.qid(), "=_%s" % self.qid().lower(),
                          "%08x%08x" % (self.num(0, 2 ** 32 - 1), self.num(0, 2 ** 32 - 1))])

    def field(self, name):
        """a DSN field name as writers spell it"""
        if self.chance(0.1):
            return name.lower()
        if self.chance(0.05):
            return name.upper()
        return name

    def sep(self):
        return self.pick(["; ", ";", "; ", " ; "])

    def failure(self, r, defer=False):
        """(reply code, enhanced code or None, the reply line(s)) for recipient r"""
        d = r.split("@")[1]
        if defer:
            c, e, t = self.pick(DEFER)
        elif self.chance(0.2):
            c, t = self.pick(NOCODE)
            e = None
        else:
            c, e, t = self.pick(FAILS)
        t = t.format(r=r, d=d)
        return c, e, t

    def reply(self, c, e, t, multi=None):
        """the server's reply as a client records it; a multi-line reply repeats code and enhanced code"""
        if multi is None:
            multi = self.chance(0.15)
        head = "%d %s %s" % (c, e, t) if e else "%d %s" % (c, t)
        if not multi:
            return [head]
        more = "For more information, see https://help.%s/" % self.name(2)
        return ["%d-%s %s" % (c, e, t) if e else "%d-%s" % (c, t), "%d %s %s" % (c, e, more) if e else "%d %s" % (c, more)]


def status_of(dsn_status, e, c):
    """the answer: the remote's enhanced code of the reply code's class, else the DSN's Status"""
    if e and e[0] == str(c)[0]:
        return e
    return dsn_status


def original(g, sender, rcpts, host):
    """the returned message's header (and a short body)"""
    h = ["Return-Path: <%s>" % sender,
         "Received: from %s (%s [%s])\n\tby %s (Postfix) with ESMTPSA id %s\n\tfor <%s>; %s" % (
             g.name(), g.name(), g.v4(), host, g.qid(), rcpts[0], g.date()),
         "From: %s" % sender, "To: %s" % ", ".join(rcpts), "Subject: %s" % g.pick(["Hello", "Invoice 42", "Re: meeting", "test"]),
         "Date: %s" % g.date(), "Message-ID: %s" % g.msgid(sender.split("@")[1]), "MIME-Version: 1.0",
         "Content-Type: text/plain; charset=us-ascii"]
    return "\n".join(h) + "\n", "Hello,\n\nthis is the message that was sent.\n"


def encode_text(g, text):
    """(Content-Transfer-Encoding line, body) for a human-readable part"""
    how = g.pick(["7bit", "7bit", "quoted-printable", "base64"])
    if how == "quoted-printable":
        return "Content-Transfer-Encoding: quoted-printable", quopri.encodestring(text.encode()).decode()
    if how == "base64":
        b = base64.encodebytes(text.encode()).decode()
        return "Content-Transfer-Encoding: base64", b
    return "Content-Transfer-Encoding: 7bit" if g.chance(0.5) else "", text


def report(g, top, text, dsn, orig_h, orig_b, host, html=None, utf8=False):
    """a multipart/report: text (and HTML), message/delivery-status (RFC 6533's
    message/global-delivery-status for an SMTPUTF8 bounce), the original"""
    b = g.boundary(host)
    parts = []
    cte, body = encode_text(g, text)
    p = "Content-Description: Notification\nContent-Type: text/plain; charset=%s\n" % g.pick(["us-ascii", "utf-8", "UTF-8"])
    if cte:
        p += cte + "\n"
    if html is not None:
        ab = g.boundary(host)
        parts.append("Content-Type: multipart/alternative; differences=Content-Type;\n\tboundary=\"%s\"\n\n--%s\n%s\n%s\n--%s\n"
                     "Content-Type: text/html; charset=us-ascii\n\n%s\n--%s--\n" % (ab, ab, p, body, ab, html, ab))
    else:
        parts.append(p + "\n" + body)
    dtype = "message/global-delivery-status" if utf8 else "message/delivery-status"
    if g.chance(0.05):
        # seen from gateways that encode every part, though RFC 3464 wants 7bit
        parts.append("Content-Description: Delivery report\nContent-Type: %s\nContent-Transfer-Encoding: base64\n\n%s"
                     % (dtype, base64.encodebytes(dsn.encode()).decode()))
    else:
        parts.append("Content-Description: Delivery report\nContent-Type: %s\n\n%s" % (dtype, dsn))
    how = g.pick(["rfc822", "rfc822", "headers", "none"])
    if how == "rfc822":
        parts.append("Content-Description: Undelivered Message\nContent-Type: message/%s\n\n%s\n%s"
                     % ("global" if utf8 else "rfc822", orig_h, orig_b))
    elif how == "headers":
        parts.append("Content-Description: Undelivered Message Headers\nContent-Type: text/rfc822-headers\n\n" + orig_h)
    ct = "multipart/report; report-type=delivery-status;\n\tboundary=\"%s\"" % b
    if g.chance(0.3):
        ct = "multipart/report; boundary=\"%s\"; report-type=\"delivery-status\"" % b
    msg = top + "MIME-Version: 1.0\nContent-Type: %s\n\n" % ct
    if g.chance(0.7):
        msg += "This is a MIME-encapsulated message.\n\n"
    for p in parts:
        msg += "--%s\n%s\n" % (b, p.rstrip("\n") + "\n")
    return msg + "--%s--\n" % b


def headers(g, frm, to, subject, host, extra=""):
    return ("Return-Path: <>\nReceived: by %s (Postfix)\n\tid %s; %s\nDate: %s\nFrom: %s\nTo: %s\n"
            "Subject: %s\nMessage-Id: %s\n%sAuto-Submitted: auto-replied\n" % (
                host, g.qid(), g.date(), g.date(), frm, to, subject, g.msgid(host), extra))


def dsn_fields(g, host, rcpts, fails, statuses, remote, action="failed", extra_per=None, top_extra="", diags=None):
    """the message/delivery-status body: per-message fields, then a group a
    recipient; an address that is not ASCII is of RFC 6533's type utf-8;
    diags[i], when given, is a diagnostic of another type (X-Postfix; ...)"""
    f = g.field
    s = "%s: dns%s%s\n" % (f("Reporting-MTA"), g.sep(), host) + top_extra
    s += "%s: %s\n" % (f("Arrival-Date"), g.date())
    for i, r in enumerate(rcpts):
        c, e, t = fails[i]
        at = "rfc822" if r.isascii() else "utf-8"
        s += "\n%s: %s%s%s\n" % (f("Final-Recipient"), at, g.sep(), g.pick([r, r, "<%s>" % r]) if g.chance(0.2) else r)
        if g.chance(0.4):
            s += "%s: %s%s%s\n" % (f("Original-Recipient"), at, g.sep(), r)
        s += "%s: %s\n%s: %s%s\n" % (f("Action"), action, f("Status"), statuses[i],
                                       " (%s)" % g.pick(["permanent failure", "delivery temporarily suspended"])
                                       if g.chance(0.03) else "")
        if remote[i]:
            s += "%s: dns%s%s\n" % (f("Remote-MTA"), g.sep(), remote[i])
        if diags and diags[i]:
            s += "%s: %s\n" % (f("Diagnostic-Code"), diags[i])
        else:
            diag = " ".join(g.reply(c, e, t, multi=False))
            k = diag.find(" ", 20)
            if g.chance(0.3) and k > 0:
                diag = diag[:k] + "\n    " + diag[k + 1:]
            s += "%s: smtp%s%s\n" % (f("Diagnostic-Code"), g.sep(), diag)
        if extra_per:
            s += extra_per
    return s


def recipients(g, k=None, utf8=False):
    dom = g.name(2)
    k = k or g.pick([1, 1, 1, 2, 3])
    out = []
    while len(out) < k:
        a = g.addr(dom if g.chance(0.6) else None)
        if utf8 and g.chance(0.7):
            a = "%s@%s" % (g.pick(["用户", "kätzchen", "пользователь", "ねこ", "josé"]) + str(g.num(1, 99)),
                           g.pick(["例子.广告", "bücher.example", "пример.рф", dom]))
        if a not in out:
            out.append(a)
    return out


def pf_status(c, e):
    """the Status field Postfix writes for a reply: its enhanced code, else class.0.0"""
    return e if e and e[0] == str(c)[0] else "%s.0.0" % str(c)[0]


# --- the shapes: each returns (message, answer); the answer is
# {"rcpts": [(address, status or None), ...]} ---

LOCALFAIL = [("5.1.1", "unknown user: \"{l}\""), ("5.2.2", "cannot update mailbox /var/mail/{l} for user {l}. error "
              "writing message: Disk quota exceeded"), ("5.1.1", "User unknown in virtual alias table"),
             ("5.3.0", "Command died with status 1: \"/usr/bin/procmail\"")]


def postfix(g, defer=False):
    host = g.name(3)
    sender = g.addr()
    utf8 = not defer and g.chance(0.15)
    rcpts = recipients(g, None, utf8)
    fails = [g.failure(r, defer) for r in rcpts]
    remote = [g.name(3) for _ in rcpts]
    statuses = [pf_status(c, e) for c, e, _ in fails]
    diags = [None] * len(rcpts)
    lines = []
    for i, r in enumerate(rcpts):
        c, e, t = fails[i]
        if not defer and g.chance(0.2):
            # delivered here and failed locally: no SMTP reply, the Status is the answer
            st, why = g.pick(LOCALFAIL)
            why = why.format(l=r.split("@")[0])
            statuses[i], fails[i], remote[i] = st, (0, None, why), None
            diags[i] = "X-Postfix; %s" % why
            lines.append("<%s>: %s" % (g.cased(r), why))
            continue
        rep = " ".join(g.reply(c, e, t))
        lines.append("<%s>: host %s[%s] said: %s (in reply to RCPT TO command)" % (g.cased(r), remote[i], g.v4(), rep))
    if defer:
        text = ("This is the mail system at host %s.\n\n####################################################################\n"
                "# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #\n"
                "####################################################################\n\n"
                "Your message could not be delivered for more than 4 hour(s).\nIt will be retried until it is 5 day(s) old.\n\n"
                "For further assistance, please send mail to postmaster.\n\n"
                "                   The mail system\n\n%s\n" % (host, "\n".join(lines)))
        subj = "Delayed Mail (still being retried)"
    else:
        text = ("This is the mail system at host %s.\n\nI'm sorry to have to inform you that your message could not\n"
                "be delivered to one or more recipients. It's attached below.\n\nFor further assistance, please send mail to postmaster.\n\n"
                "If you do so, please include this problem report. You can\ndelete your own text from the attached returned message.\n\n"
                "                   The mail system\n\n%s\n" % (host, "\n\n".join(lines)))
        subj = "Undelivered Mail Returned to Sender"
    top_extra = "%s: %s\n%s: rfc822; %s\n" % (g.field("X-Postfix-Queue-ID"), g.qid(), g.field("X-Postfix-Sender"), sender)
    extra = "%s: %s\n" % (g.field("Will-Retry-Until"), g.date()) if defer else None
    dsn = dsn_fields(g, host, rcpts, fails, statuses, remote, "delayed" if defer else "failed", extra, top_extra, diags)
    oh, ob = original(g, sender, rcpts, host)
    if g.chance(0.1):
        subj = "=?UTF-8?B?%s?=" % base64.b64encode("Unzustellbare Nachricht – zurück an den Absender".encode()).decode()
    top = headers(g, "MAILER-DAEMON@%s (Mail Delivery System)" % host, sender, subj, host)
    return report(g, top, text, dsn, oh, ob, host, None, utf8), \
        [(r, status_of(statuses[i], fails[i][1], fails[i][0])) for i, r in enumerate(rcpts)]


def postfix_delayed(g):
    return postfix(g, defer=True)


def sendmail(g):
    host = g.name(3)
    sender = g.addr()
    rcpts = recipients(g)
    returned = g.chance(0.15)
    fails = [g.failure(r, returned) for r in rcpts]
    remote = [g.name(3) for _ in rcpts]
    statuses = ["4.4.7" if returned else e if e and e[0] == str(c)[0] else "5.0.0" for c, e, _ in fails]
    perm = "\n".join("<%s>\n    (reason: %s)" % (g.cased(r), " ".join(g.reply(*fails[i], multi=False)))
                     for i, r in enumerate(rcpts))
    trans = ""
    for i, r in enumerate(rcpts):
        c, e, t = fails[i]
        trans += "... while talking to %s.:\n>>> RCPT To:<%s>\n" % (remote[i], r)
        trans += "".join("<<< %s\n" % x for x in g.reply(c, e, t))
        trans += "%d %s <%s>... %s\n" % (c, e or "5.0.0", r, t.split(":")[-1].strip())
    text = ("The original message was received at %s\nfrom %s [%s]\n\n   ----- The following addresses had permanent fatal errors -----\n"
            "%s\n\n   ----- Transcript of session follows -----\n%s" % (g.date(), g.name(), g.v4(), perm, trans))
    f = g.field
    dsn = "%s: DNS; %s\n%s: DNS; %s\n%s: %s\n" % (f("Reporting-MTA"), host, f("Received-From-MTA"), g.name(), f("Arrival-Date"), g.date())
    for i, r in enumerate(rcpts):
        c, e, t = fails[i]
        dsn += "\n%s: RFC822; %s\n%s: failed\n%s: %s\n%s: DNS; %s\n%s: SMTP; %s\n%s: %s\n" % (
            f("Final-Recipient"), r, f("Action"), f("Status"), statuses[i], f("Remote-MTA"), remote[i],
            f("Diagnostic-Code"), " ".join(g.reply(c, e, t, multi=False)), f("Last-Attempt-Date"), g.date())
    oh, ob = original(g, sender, rcpts, host)
    top = headers(g, "Mail Delivery Subsystem <MAILER-DAEMON@%s>" % host, "<%s>" % sender,
                  "Returned mail: see transcript for details", host)
    return report(g, top, text, dsn, oh, ob, host), [(r, status_of(statuses[i], fails[i][1], fails[i][0])) for i, r in enumerate(rcpts)]


def exim_dsn(g):
    host = g.name(3)
    sender = g.addr()
    rcpts = recipients(g)
    fails = [g.failure(r) for r in rcpts]
    remote = [g.name(3) for _ in rcpts]
    ips = [g.v4() for _ in rcpts]
    body = "\n".join("  %s\n    host %s [%s]\n    SMTP error from remote mail server after RCPT TO:<%s>:\n    %s" % (
        r, remote[i], ips[i], r, "\n    ".join(g.reply(*fails[i]))) for i, r in enumerate(rcpts))
    text = ("This message was created automatically by mail delivery software.\n\nA message that you sent could not be delivered "
            "to one or more of its\nrecipients. This is a permanent error. The following address(es) failed:\n\n%s\n" % body)
    f = g.field
    dsn = "%s: dns; %s\n" % (f("Reporting-MTA"), host)
    for i, r in enumerate(rcpts):
        c, e, t = fails[i]
        # Exim writes the Action first
        dsn += "\n%s: failed\n%s: rfc822;%s\n%s: 5.0.0\n%s: dns; %s\n%s: smtp; %s\n" % (
            f("Action"), f("Final-Recipient"), r, f("Status"), f("Remote-MTA"), remote[i], f("Diagnostic-Code"),
            " ".join(g.reply(c, e, t, multi=False)))
    oh, ob = original(g, sender, rcpts, host)
    top = headers(g, "Mail Delivery System <Mailer-Daemon@%s>" % host, sender, "Mail delivery failed: returning message to sender",
                  host, "X-Failed-Recipients: %s\n" % ", ".join(rcpts))
    return report(g, top, text, dsn, oh, ob, host), [(r, status_of("5.0.0", fails[i][1], fails[i][0])) for i, r in enumerate(rcpts)]


def plain(g, top, text, oh, ob, sep):
    """a bounce with no delivery-status part: the notice, then the original after sep"""
    msg = top + "MIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n\n" + text
    if sep is not None and g.chance(0.8):
        msg += "\n" + sep + "\n\n" + oh + "\n" + ob
    return msg


def exim_text(g):
    host = g.name(3)
    sender = g.addr()
    rcpts = recipients(g)
    fails = [g.failure(r) for r in rcpts]
    body = "\n".join("  %s\n    SMTP error from remote mail server after RCPT TO:<%s>:\n    host %s [%s]: %s" % (
        r, r, g.name(3), g.v4(), "\n    ".join(g.reply(*fails[i]))) for i, r in enumerate(rcpts))
    text = ("This message was created automatically by mail delivery software.\n\nA message that you sent could not be delivered "
            "to one or more of its\nrecipients. This is a permanent error. The following address(es) failed:\n\n%s\n" % body)
    oh, ob = original(g, sender, rcpts, host)
    top = headers(g, "Mail Delivery System <Mailer-Daemon@%s>" % host, sender, "Mail delivery failed: returning message to sender",
                  host, "X-Failed-Recipients: %s\n" % ", ".join(rcpts))
    return plain(g, top, text, oh, ob, "------ This is a copy of the message, including all the headers. ------"), \
        [(r, status_of(None, fails[i][1], fails[i][0])) for i, r in enumerate(rcpts)]


def qmail(g):
    host = g.name(3)
    sender = g.addr()
    rcpts = recipients(g)
    fails = [g.failure(r) for r in rcpts]
    body = ""
    for i, r in enumerate(rcpts):
        ip = g.v4()
        body += "<%s>:\n%s does not like recipient.\nRemote host said: %s\nGiving up on %s.\n\n" % (
            r, ip, " ".join(g.reply(*fails[i], multi=False)), ip)
    text = ("Hi. This is the qmail-send program at %s.\nI'm afraid I wasn't able to deliver your message to the following addresses.\n"
            "This is a permanent error; I've given up. Sorry it didn't work out.\n\n%s" % (host, body))
    oh, ob = original(g, sender, rcpts, host)
    top = headers(g, "MAILER-DAEMON@%s" % host, sender, "failure notice", host)
    return plain(g, top, text, oh, ob, "--- Below this line is a copy of the message."), \
        [(r, status_of(None, fails[i][1], fails[i][0])) for i, r in enumerate(rcpts)]


def yahoo(g):
    host = g.pick(["yahoo.com", "yahoo.co.jp", "ymail.com"])
    sender = g.addr(host)
    rcpts = recipients(g, 1)
    fails = [g.failure(r) for r in rcpts]
    text = ("Sorry, we were unable to deliver your message to the following address.\n\n<%s>:\nRemote host said: %s [RCPT_TO]\n" % (
        rcpts[0], " ".join(g.reply(*fails[0], multi=False))))
    oh, ob = original(g, sender, rcpts, host)
    top = headers(g, "MAILER-DAEMON@%s" % g.pick(["yahoo.com", "mta%d.mail.%s" % (g.num(1, 9), host)]), sender, "Failure Notice", host)
    return plain(g, top, text, oh, ob, "--- Below this line is a copy of the message."), \
        [(rcpts[0], status_of(None, fails[0][1], fails[0][0]))]


def opensmtpd(g):
    host = g.name(3)
    sender = g.addr()
    rcpts = recipients(g)
    fails = [g.failure(r) for r in rcpts]
    body = "\n".join("%s: %s" % (r, " ".join(g.reply(*fails[i], multi=False))) for i, r in enumerate(rcpts))
    text = ("Hi!\n\nThis is the MAILER-DAEMON, please DO NOT REPLY to this e-mail.\n\nAn error has occurred while attempting to deliver "
            "a message for\nthe following list of recipients:\n\n%s\n" % body)
    oh, ob = original(g, sender, rcpts, host)
    top = headers(g, "MAILER-DAEMON@%s" % host, sender, "Delivery status notification: error", host)
    return plain(g, top, text, oh, ob, "Below is a copy of the original message:"), \
        [(r, status_of(None, fails[i][1], fails[i][0])) for i, r in enumerate(rcpts)]


def courier(g):
    host = g.name(3)
    sender = g.addr()
    rcpts = recipients(g)
    fails = [g.failure(r) for r in rcpts]
    remote = [g.name(3) for _ in rcpts]
    statuses = [pf_status(c, e) for c, e, _ in fails]
    body = ""
    for i, r in enumerate(rcpts):
        body += "<%s>:\n    %s [%s]:\n>>> RCPT TO:<%s>\n%s\n" % (r, remote[i], g.v4(), r,
                                                               "\n".join("<<< " + x for x in g.reply(*fails[i])))
    text = ("This is a delivery status notification from %s,\nrunning the Courier mail server, version 1.1.%d.\n\n"
            "The original message was received on %s\nfrom %s [%s]\n\n"
            "---------------------------------------------------------------------------\n\n"
            "                           UNDELIVERABLE MAIL\n\n"
            "Your message to the following recipients cannot be delivered:\n\n%s" % (
                host, g.num(1, 9), g.date(), g.name(), g.v4(), body))
    dsn = dsn_fields(g, host, rcpts, fails, statuses, remote)
    oh, ob = original(g, sender, rcpts, host)
    top = headers(g, "Courier mail server at %s <@>" % host, sender, "NOTICE: mail delivery status.", host)
    return report(g, top, text, dsn, oh, ob, host), [(r, status_of(statuses[i], fails[i][1], fails[i][0])) for i, r in enumerate(rcpts)]


def exchange(g):
    host = g.pick(["%s.prod.outlook.com" % g.pick(["AM0PR02MB1234", "DM6PR11MB4567", "BN8PR04MB6000"]), g.name(3)])
    sender = g.addr()
    rcpts = recipients(g)
    fails = [g.failure(r) for r in rcpts]
    statuses = [pf_status(c, e) for c, e, _ in fails]
    remote = [g.name(3) for _ in rcpts]
    diag = "\n".join("%s\nRemote Server returned '%s'" % (r, " ".join(g.reply(*fails[i], multi=False))) for i, r in enumerate(rcpts))
    text = ("Delivery has failed to these recipients or groups:\n\n%s\n\nThe email address you entered couldn't be found. "
            "Please check the recipient's email address and try to resend the message.\n\n\n\n\n\n"
            "Diagnostic information for administrators:\n\nGenerating server: %s\n\n%s\n\nOriginal message headers:\n" % (
                "\n".join(rcpts), host, diag))
    if g.chance(0.2):
        text = ("Die Zustellung an folgende Empfänger oder Gruppen ist fehlgeschlagen:\n\n%s\n\n"
                "Die eingegebene E-Mail-Adresse wurde nicht gefunden.\n\nDiagnoseinformationen für Administratoren:\n\n"
                "Generierender Server: %s\n\n%s\n" % ("\n".join(rcpts), host, diag))
    html = "<html><body><p><b>Delivery has failed to these recipients or groups:</b></p>%s</body></html>" % "".join(
        "<p><a href=\"mailto:%s\">%s</a></p>" % (r, r) for r in rcpts)
    extra = "%s: %s\n" % (g.field("X-Display-Name"), g.pick(LOCAL)) if g.chance(0.5) else None
    dsn = dsn_fields(g, host, rcpts, fails, statuses, remote, "failed", extra)
    oh, ob = original(g, sender, rcpts, host)
    top = headers(g, "Microsoft Outlook <MAILER-DAEMON@%s>" % host, "<%s>" % sender, "Undeliverable: %s" % g.pick(["Hello", "test"]),
                  host, "X-MS-Exchange-Message-Is-Ndr:\nContent-Language: en-US\n")
    return report(g, top, text, dsn, oh, ob, host, html if g.chance(0.6) else None), \
        [(r, status_of(statuses[i], fails[i][1], fails[i][0])) for i, r in enumerate(rcpts)]


def gmail(g):
    host = "mx.google.com"
    sender = g.addr("gmail.com")
    rcpts = recipients(g, 1)
    fails = [g.failure(r) for r in rcpts]
    statuses = [pf_status(c, e) for c, e, _ in fails]
    remote = [g.name(3)]
    text = ("** Address not found **\n\nYour message wasn't delivered to %s because the address couldn't be found, "
            "or is unable to receive mail.\n\nLearn more here: https://support.google.com/mail/?p=NoSuchUser\n\n"
            "The response from the remote server was:\n%s\n" % (rcpts[0], "\n".join(g.reply(*fails[0]))))
    dsn = dsn_fields(g, "googlemail.com", rcpts, fails, statuses, remote, "failed", None,
                     "%s: %s\n" % (g.field("X-Original-Message-ID"), g.msgid("mail.gmail.com")))
    oh, ob = original(g, sender, rcpts, host)
    top = headers(g, "Mail Delivery Subsystem <mailer-daemon@googlemail.com>", sender, "Delivery Status Notification (Failure)", host)
    return report(g, top, text, dsn, oh, ob, host), [(rcpts[0], status_of(statuses[0], fails[0][1], fails[0][0]))]


def ses(g):
    host = "%s.smtp-out.amazonses.com" % g.pick(["a8-%d" % g.num(10, 99), "a27-%d" % g.num(10, 99)])
    sender = g.addr()
    rcpts = recipients(g, 1)
    fails = [g.failure(r) for r in rcpts]
    statuses = [pf_status(c, e) for c, e, _ in fails]
    remote = [g.name(3)]
    text = ("An error occurred while trying to deliver the mail to the following recipients:\n%s\n" % rcpts[0])
    dsn = dsn_fields(g, host, rcpts, fails, statuses, remote)
    oh, ob = original(g, sender, rcpts, host)
    top = headers(g, "MAILER-DAEMON@amazonses.com", sender, "Delivery Status Notification (Failure)", host,
                  "X-Original-To: %s\n" % sender if g.chance(0.3) else "")
    return report(g, top, text, dsn, oh, ob, host), [(rcpts[0], status_of(statuses[0], fails[0][1], fails[0][0]))]


def domino(g):
    host = g.name(3)
    sender = g.addr()
    r = recipients(g, 1)[0]
    why = g.pick(["User %s (%s) not listed in Domino Directory" % (r.split("@")[0], r),
                  "Unable to deliver to %s: mailbox is full" % r])
    text = ("Your message\n\n  Subject: %s\n\nwas not delivered to:\n\n  %s\n\nbecause:\n\n  %s\n" % (
        g.pick(["Hello", "test"]), r, why))
    oh, ob = original(g, sender, [r], host)
    top = headers(g, "Postmaster@%s" % host, sender, "DELIVERY FAILURE: %s" % why, host)
    return plain(g, top, text, oh, ob, None), [(r, None)]


SHAPES = [postfix, postfix_delayed, sendmail, exim_dsn, exim_text, qmail, yahoo, opensmtpd, courier, exchange, gmail,
          ses, domino]


def run_ours(binary, files):
    res = subprocess.run([binary, "parse", "--json"] + files, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=False)
    out = {}
    for line in res.stdout.decode("utf-8", "replace").splitlines():
        d = json.loads(line)
        out[d["file"]] = d
    return out


def run_sisimai(files):
    if subprocess.run(["perl", "-MSisimai", "-e1"], stderr=subprocess.DEVNULL, check=False).returncode != 0:
        return None
    prog = ('use Sisimai; use JSON::PP; my $j = JSON::PP->new->canonical;'
            'for my $f (@ARGV) { my $v = eval { Sisimai->make($f, delivered => 1) } || [];'
            ' for my $d (@$v) { print $j->encode({file => $f, rcpt => lc $d->recipient->address,'
            ' status => $d->deliverystatus, reason => $d->reason}), "\\n" } }')
    res = subprocess.run(["perl", "-e", prog] + files, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=False)
    out = {}
    for line in res.stdout.decode("utf-8", "replace").splitlines():
        d = json.loads(line)
        out.setdefault(d["file"], {})[d["rcpt"]] = d["status"]
    return out


def main():
    args = sys.argv[1:]
    opt = {"--n": "100", "--seed": "1", "--show": "5", "--min": "100", "--keep": None}
    while args and args[0] in opt:
        opt[args[0]] = args[1]
        args = args[2:]
    if len(args) != 1:
        sys.exit(__doc__)
    g = G(int(opt["--seed"]))
    n = int(opt["--n"])
    tmp = opt["--keep"] or tempfile.mkdtemp(prefix="genbounce.")
    os.makedirs(tmp, exist_ok=True)
    items = []
    for shape in SHAPES:
        for k in range(n):
            msg, ans = shape(g)
            if g.chance(0.4):
                msg = msg.replace("\n", "\r\n")
            path = os.path.join(tmp, "%s-%04d.eml" % (shape.__name__, k))
            with open(path, "wb") as fh:
                fh.write(msg.encode("utf-8"))
            items.append((shape.__name__, path, ans))
    files = [p for _, p, _ in items]
    ours = {}
    for i in range(0, len(files), 500):
        ours.update(run_ours(args[0], files[i:i + 500]))
    peer = run_sisimai(files)
    per, wrong = {}, []
    for shape, path, ans in items:
        s = per.setdefault(shape, {"n": 0, "det": 0, "rc": 0, "rcn": 0, "st": 0, "stn": 0, "all": 0,
                                   "pdet": 0, "prc": 0, "pst": 0})
        s["n"] += 1
        d = ours.get(path) or {}
        got = {r["address"].lower(): r.get("status") for r in (d.get("recipients") or [])}
        det = d.get("format") == "dsn" and bool(got)
        bad = [] if det else ["not a bounce"]
        s["det"] += det
        for r, st in ans:
            s["rcn"] += 1
            if r.lower() in got:
                s["rc"] += 1
            else:
                bad.append("recipient %s missing" % r)
            if st:
                s["stn"] += 1
                if got.get(r.lower()) == st:
                    s["st"] += 1
                elif r.lower() in got:
                    bad.append("%s: status %s, answer %s" % (r, got.get(r.lower()), st))
        extra = set(got) - set(r.lower() for r, _ in ans)
        if extra:
            bad.append("recipients not in the bounce: %s" % ", ".join(sorted(extra)))
        if not bad:
            s["all"] += 1
        else:
            wrong.append((shape, path, bad))
        if peer is not None:
            p = peer.get(path, {})
            s["pdet"] += bool(p)
            for r, st in ans:
                s["prc"] += r.lower() in p
                s["pst"] += bool(st) and p.get(r.lower()) == st
    pct = lambda a, b: 100.0 * a / b if b else 100.0
    tot = {k: sum(s[k] for s in per.values()) for k in ("n", "det", "rc", "rcn", "st", "stn", "all", "pdet", "prc", "pst")}
    print("generated bounces: %d shapes x %d messages, seed %s" % (len(SHAPES), n, opt["--seed"]))
    print("  %-16s %5s %9s %9s %9s %9s | %s" % ("shape", "msgs", "detected", "rcpts", "status", "all", "Sisimai det/rcpts/status"))
    for shape, s in per.items():
        ps = "%.1f%% %.1f%% %.1f%%" % (pct(s["pdet"], s["n"]), pct(s["prc"], s["rcn"]), pct(s["pst"], s["stn"])) if peer else "-"
        print("  %-16s %5d %8.1f%% %8.1f%% %8.1f%% %8.1f%% | %s" % (shape, s["n"], pct(s["det"], s["n"]), pct(s["rc"], s["rcn"]),
                                                                  pct(s["st"], s["stn"]), pct(s["all"], s["n"]), ps))
    for shape, path, bad in wrong[:int(opt["--show"])]:
        print("  WRONG %s %s: %s" % (shape, os.path.basename(path), "; ".join(bad)))
    print("FIGURE bounce-gen detected: %d/%d (%.2f%%) read as a bounce" % (tot["det"], tot["n"], pct(tot["det"], tot["n"])))
    print("FIGURE bounce-gen recipients: %d/%d (%.2f%%) found" % (tot["rc"], tot["rcn"], pct(tot["rc"], tot["rcn"])))
    print("FIGURE bounce-gen status: %d/%d (%.2f%%) right where the bounce carries a code" % (tot["st"], tot["stn"], pct(tot["st"], tot["stn"])))
    print("FIGURE bounce-gen every answer: %d/%d (%.2f%%)" % (tot["all"], tot["n"], pct(tot["all"], tot["n"])))
    if peer is not None:
        print("FIGURE bounce-gen Sisimai: detected %d/%d (%.2f%%), recipients %d/%d (%.2f%%), status %d/%d (%.2f%%)" % (
            tot["pdet"], tot["n"], pct(tot["pdet"], tot["n"]), tot["prc"], tot["rcn"], pct(tot["prc"], tot["rcn"]),
            tot["pst"], tot["stn"], pct(tot["pst"], tot["stn"])))
    if not opt["--keep"]:
        shutil.rmtree(tmp, ignore_errors=True)
    ok = pct(tot["all"], tot["n"]) >= float(opt["--min"])
    if not ok:
        print("FAIL: every-answer share %.2f%% < %s%%" % (pct(tot["all"], tot["n"]), opt["--min"]))
    print("%d passed, %d failed" % (tot["all"], 0 if ok else tot["n"] - tot["all"]))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
