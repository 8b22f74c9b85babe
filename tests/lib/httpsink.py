#!/usr/bin/python3
"""httpsink.py -- a real HTTP server on loopback for webhook tests.

usage: httpsink.py --port P --dir D [--addr 127.0.0.1] [--secret S] [--status CODE]
                   [--slow SECONDS] [--pidfile F]

Every POST/PUT body is written to D/NNNN.json; D/NNNN.hdr holds
    method: POST
    path: /hook
    <Header-Name>: <value>         (one line per request header)
    signature-valid: yes|no
The signature is X-Abusedesk-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>
("no" when the header is missing/wrong or no --secret was given).  The .hdr
file is renamed into place last: once NNNN.hdr exists both files are complete.
Answers --status (default 200) after sleeping --slow seconds; the status can be
changed while running by writing e.g. "500" into D/status.  GET answers 200
"ok" (health check).  Runs until SIGTERM/SIGINT.  Binds loopback only.
"""
import argparse
import hashlib
import hmac
import ipaddress
import os
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SIG_HEADER = "X-Abusedesk-Signature"


class Handler(BaseHTTPRequestHandler):
    server_version = "httpsink/1"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def _body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            out = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def _reply(self, code, text):
        body = text.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self._reply(200, "ok\n")

    def do_POST(self):
        srv = self.server
        body = self._body()
        secret = srv.secret
        valid = False
        got = self.headers.get(SIG_HEADER, "")
        if secret is not None and got.startswith("sha256="):
            want = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
            valid = hmac.compare_digest(got[7:].strip().lower(), want)
        with srv.lock:
            srv.n += 1
            n = srv.n
        base = os.path.join(srv.dir, "%04d" % n)
        with open(base + ".json", "wb") as f:
            f.write(body)
        with open(base + ".hdr.tmp", "w") as f:
            f.write("method: %s\npath: %s\n" % (self.command, self.path))
            for k, v in self.headers.items():
                f.write("%s: %s\n" % (k, v))
            f.write("signature-valid: %s\n" % ("yes" if valid else "no"))
        os.rename(base + ".hdr.tmp", base + ".hdr")
        status = srv.status
        try:
            with open(os.path.join(srv.dir, "status")) as f:
                status = int(f.read().strip())
        except (OSError, ValueError):
            pass
        if srv.slow > 0:
            time.sleep(srv.slow)
        self._reply(status, "httpsink %04d\n" % n)

    do_PUT = do_POST


def main():
    ap = argparse.ArgumentParser(description="loopback HTTP sink for tests")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--addr", default="127.0.0.1")
    ap.add_argument("--secret")
    ap.add_argument("--status", type=int, default=200)
    ap.add_argument("--slow", type=float, default=0.0)
    ap.add_argument("--pidfile")
    a = ap.parse_args()
    try:
        if not ipaddress.ip_address(a.addr).is_loopback:
            raise ValueError
    except ValueError:
        sys.exit("httpsink: refusing to bind non-loopback address %s" % a.addr)
    os.makedirs(a.dir, exist_ok=True)

    class Server(ThreadingHTTPServer):
        address_family = socket.AF_INET6 if ":" in a.addr else socket.AF_INET
        daemon_threads = True

    srv = Server((a.addr, a.port), Handler)
    srv.dir, srv.secret, srv.status, srv.slow = a.dir, a.secret, a.status, a.slow
    srv.lock, srv.n = threading.Lock(), 0
    for name in os.listdir(a.dir):
        if name.endswith(".hdr") and name[:-4].isdigit():
            srv.n = max(srv.n, int(name[:-4]))
    if a.pidfile:
        with open(a.pidfile, "w") as f:
            f.write("%d\n" % os.getpid())

    def term(*_):
        threading.Thread(target=srv.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, term)
    signal.signal(signal.SIGINT, term)
    print("httpsink: listening on %s:%d" % (a.addr, a.port), flush=True)
    try:
        srv.serve_forever(poll_interval=0.2)
    finally:
        srv.server_close()
        if a.pidfile:
            try:
                os.unlink(a.pidfile)
            except OSError:
                pass


if __name__ == "__main__":
    main()
