#!/usr/bin/python3
"""smtpsink.py -- a real SMTP server on loopback for tests (python3-aiosmtpd).

usage: smtpsink.py --port P --dir D [--addr 127.0.0.1] [--fail-mode none|4xx|5xx|slow]
                   [--slow SECONDS] [--pidfile F]
                   [--starttls CERT KEY [--require-tls] | --smtps CERT KEY]
                   [--auth USER:PASS [--auth-require]]

Each accepted message is written to D/NNNN.eml (raw bytes as received) with
its envelope in D/NNNN.env:
    MAIL FROM:<sender>
    RCPT TO:<rcpt>        (one line per recipient)
    HELO: name
    PEER: ip
    tls: yes|no           (the session was encrypted: STARTTLS or implicit TLS)
    auth: USER|none       (the user that authenticated, if any)
The .env is written first, then the .eml is renamed into place, so a test that
sees NNNN.eml can rely on both being complete.  Every DATA attempt (accepted or
not) appends one line "<mode> <from> <rcpts>" to D/attempts.log.

Fail modes answer the DATA command: 4xx -> "451 4.3.0 ...", 5xx -> "554 5.6.0
...", slow -> sleep --slow SECONDS (default 5; "--fail-mode slow N" also
accepted) then accept.  The mode can be changed while running by writing e.g.
"4xx", "none" or "slow 3" into D/fail-mode (read at every DATA).  Each slow
DATA appends "answered" (the delay ran out) or "cancelled" (the client left
first) to D/slow.log when it ends.

TLS and AUTH (all off unless asked for):
  --starttls CERT KEY   offer STARTTLS with this PEM certificate and key
  --require-tls         refuse everything but EHLO/STARTTLS/QUIT before STARTTLS
  --smtps CERT KEY      implicit TLS from the first byte (smtps://)
  --auth USER:PASS      offer AUTH PLAIN and LOGIN, only once the session is
                        encrypted; each attempt appends "ok|fail USER MECHANISM
                        tls=yes|no" to D/auth.log
  --auth-require        refuse MAIL before a successful AUTH
Every MAIL command appends "<from> tls=yes|no auth=USER|none" to D/mail.log,
so a test can tell that nothing was sent before (or without) TLS.
Runs in the foreground until SIGTERM/SIGINT.  Binds loopback only.
"""
import argparse
import asyncio
import ipaddress
import os
import signal
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def is_loopback(addr):
    try:
        return ipaddress.ip_address(addr).is_loopback
    except ValueError:
        return False


def session_tls(server):
    """yes when the connection is encrypted (after STARTTLS or implicit TLS)"""
    t = server.transport
    return "yes" if t is not None and t.get_extra_info("ssl_object") is not None else "no"


def session_user(session):
    if not session.authenticated:
        return "none"
    d = session.auth_data
    login = getattr(d, "login", d)
    if isinstance(login, bytes):
        login = login.decode("utf-8", "replace")
    return str(login)


class Authenticator:
    """accepts exactly one USER:PASS; logs every attempt to D/auth.log"""
    def __init__(self, directory, user, password):
        self.dir = directory
        self.user = user.encode("utf-8")
        self.password = password.encode("utf-8")

    def __call__(self, server, session, envelope, mechanism, auth_data):
        good = (isinstance(auth_data, LoginPassword) and auth_data.login == self.user
                and auth_data.password == self.password)
        login = auth_data.login.decode("utf-8", "replace") if isinstance(auth_data, LoginPassword) else "?"
        with open(os.path.join(self.dir, "auth.log"), "a") as f:
            f.write("%s %s %s tls=%s\n" % ("ok" if good else "fail", login, mechanism,
                                             session_tls(server)))
        return AuthResult(success=good, handled=False, auth_data=auth_data if good else None)


class Sink:
    def __init__(self, directory, mode, slow):
        self.dir = directory
        self.mode = mode
        self.slow = slow
        self.lock = threading.Lock()
        self.n = 0
        for name in os.listdir(directory):
            if name.endswith(".eml") and name[:-4].isdigit():
                self.n = max(self.n, int(name[:-4]))

    def current_mode(self):
        try:
            with open(os.path.join(self.dir, "fail-mode")) as f:
                words = f.read().split()
        except OSError:
            return self.mode, self.slow
        if not words:
            return self.mode, self.slow
        slow = self.slow
        if words[0] == "slow" and len(words) > 1:
            slow = float(words[1])
        return words[0], slow

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        with open(os.path.join(self.dir, "mail.log"), "a") as f:
            f.write("%s tls=%s auth=%s\n" % (address, session_tls(server), session_user(session)))
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        mode, slow = self.current_mode()
        with open(os.path.join(self.dir, "attempts.log"), "a") as f:
            f.write("%s %s %s\n" % (mode, envelope.mail_from, ",".join(envelope.rcpt_tos)))
        if mode == "4xx":
            return "451 4.3.0 smtpsink: temporary failure (test)"
        if mode == "5xx":
            return "554 5.6.0 smtpsink: message rejected (test)"
        if mode == "slow":
            # D/slow.log gets "answered" when the delay ran out, "cancelled"
            # when the client left first: a test waits on it, not on a clock
            end = "cancelled"
            try:
                await asyncio.sleep(slow)
                end = "answered"
            finally:
                with open(os.path.join(self.dir, "slow.log"), "a") as f:
                    f.write("%s\n" % end)
        with self.lock:
            self.n += 1
            n = self.n
        base = os.path.join(self.dir, "%04d" % n)
        data = envelope.original_content or envelope.content
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        with open(base + ".env.tmp", "w") as f:
            # aiosmtpd gives the null sender as "<>": record it as MAIL FROM:<>
            sender = envelope.mail_from or ""
            sender = "" if sender == "<>" else sender
            f.write("MAIL FROM:<%s>\n" % sender)
            for r in envelope.rcpt_tos:
                f.write("RCPT TO:<%s>\n" % r)
            f.write("HELO: %s\n" % (session.host_name or ""))
            f.write("PEER: %s\n" % (session.peer[0] if session.peer else ""))
            f.write("tls: %s\n" % session_tls(server))
            f.write("auth: %s\n" % session_user(session))
        os.rename(base + ".env.tmp", base + ".env")
        with open(base + ".eml.tmp", "wb") as f:
            f.write(data)
        os.rename(base + ".eml.tmp", base + ".eml")
        return "250 2.0.0 Ok: queued as smtpsink-%04d" % n


def main():
    ap = argparse.ArgumentParser(description="loopback SMTP sink for tests")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--addr", default="127.0.0.1")
    ap.add_argument("--fail-mode", default="none", choices=["none", "4xx", "5xx", "slow"])
    ap.add_argument("slow_arg", nargs="?", type=float, help=argparse.SUPPRESS)
    ap.add_argument("--slow", type=float, default=None, help="seconds for --fail-mode slow")
    ap.add_argument("--pidfile")
    ap.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--require-tls", action="store_true")
    ap.add_argument("--smtps", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--auth", metavar="USER:PASS")
    ap.add_argument("--auth-require", action="store_true")
    a = ap.parse_args()
    if not is_loopback(a.addr):
        sys.exit("smtpsink: refusing to bind non-loopback address %s" % a.addr)
    if a.starttls and a.smtps:
        sys.exit("smtpsink: --starttls and --smtps exclude each other")
    if a.require_tls and not a.starttls:
        sys.exit("smtpsink: --require-tls needs --starttls")
    if a.auth_require and not a.auth:
        sys.exit("smtpsink: --auth-require needs --auth")
    if a.auth and ":" not in a.auth:
        sys.exit("smtpsink: --auth wants USER:PASS")
    slow = a.slow if a.slow is not None else (a.slow_arg if a.slow_arg is not None else 5.0)
    os.makedirs(a.dir, exist_ok=True)
    sink = Sink(a.dir, a.fail_mode, slow)
    extra = {}
    if a.starttls or a.smtps:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(*(a.starttls or a.smtps))
        if a.starttls:
            extra["tls_context"] = ctx
            extra["require_starttls"] = a.require_tls
        else:
            extra["ssl_context"] = ctx
    if a.auth:
        user, password = a.auth.split(":", 1)
        extra["authenticator"] = Authenticator(a.dir, user, password)
        extra["auth_required"] = a.auth_require
        # implicit TLS is encrypted from the start (aiosmtpd only counts STARTTLS)
        extra["auth_require_tls"] = not a.smtps
    ctl = Controller(sink, hostname=a.addr, port=a.port, decode_data=False,
                     server_hostname="smtpsink.test", ready_timeout=10, **extra)
    ctl.start()
    if a.pidfile:
        with open(a.pidfile, "w") as f:
            f.write("%d\n" % os.getpid())
    stop = threading.Event()
    for s in (signal.SIGTERM, signal.SIGINT):
        signal.signal(s, lambda *_: stop.set())
    print("smtpsink: listening on %s:%d mode=%s tls=%s auth=%s" % (
        a.addr, a.port, a.fail_mode,
        "starttls" if a.starttls else "smtps" if a.smtps else "no",
        "required" if a.auth_require else "offered" if a.auth else "no"), flush=True)
    while not stop.wait(1):
        pass
    ctl.stop()
    if a.pidfile:
        try:
            os.unlink(a.pidfile)
        except OSError:
            pass


if __name__ == "__main__":
    main()
