#!/usr/bin/python3
"""rdapsink.py -- a loopback RDAP registry (RFC 9082/9083) for the whois tests.

usage: rdapsink.py --port P --log F [--name N] [--other URL] [--pidfile F]

GET /ip/ADDR answers by the last octet of ADDR, shaped as the RIRs answer:
  .50  200: the network with an abuse contact nested two entities deep
       (registrant -> its entities -> roles ["abuse"]), vCard arrays with
       several properties, the email with parameters
  .51  200: the abuse entity at the top, its email as "mailto:" (both kept)
  .52  200: the abuse entity under the registrant (abuse@net52.example)
  .60  200: entities but none with the abuse role (technical, registrant)
  .61  200: an abuse entity whose email is hostile ("a@b\\r\\nBcc: x")
  .20  404 with an RDAP error body
  .30  429 with Retry-After: 120
  .40  301 to --other (another registry) /ip/ADDR; without --other, 200
       with the abuse contact abuse@NAME.example (the registry of record)
  .41  302 to itself (a redirect loop)
  .70  200 after sleeping 5 s (slower than the test's rdap_timeout)
  .80  200 with a body that is not JSON
  anything else: 404
Every request is appended to --log as "NAME PATH". Binds loopback only;
runs until SIGTERM.
"""
import argparse
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def vcard(fn, email, kind="group", email_params=None):
    return ["vcard", [
        ["version", {}, "text", "4.0"],
        ["fn", {}, "text", fn],
        ["kind", {}, "text", kind],
        ["adr", {"label": "1 Example Way\nSomewhere"}, "text", ["", "", "", "", "", "", ""]],
        ["email", email_params or {}, "text", email],
        ["tel", {"type": ["work", "voice"]}, "uri", "tel:+1-555-0100"],
    ]]


def network(addr, entities, name="EXAMPLE-NET"):
    return {
        "rdapConformance": ["rdap_level_0", "nro_rdap_profile_0"],
        "objectClassName": "ip network",
        "handle": "NET-203-0-113-0-1",
        "startAddress": "203.0.113.0", "endAddress": "203.0.113.255",
        "ipVersion": "v4", "name": name, "type": "ASSIGNED PA", "country": "ZZ",
        "entities": entities,
        "links": [{"value": "https://rdap.example/ip/" + addr, "rel": "self",
                   "href": "https://rdap.example/ip/" + addr, "type": "application/rdap+json"}],
        "notices": [{"title": "Terms of Service", "description": ["Test data."]}],
    }


class Handler(BaseHTTPRequestHandler):
    server_version = "rdapsink/1"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def answer(self, code, body, headers=()):
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/rdap+json")
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        a = self.server.args
        with open(a.log, "a") as f:
            f.write("%s %s\n" % (a.name, self.path))
        if not self.path.startswith("/ip/"):
            return self.answer(404, {"errorCode": 404, "title": "Not Found"})
        addr = self.path[4:]
        last = addr.rsplit(".", 1)[-1]
        if last == "50":
            abuse = {"objectClassName": "entity", "handle": "ABUSE5-ARIN", "roles": ["abuse"],
                     "vcardArray": vcard("Abuse Desk", "abuse@net50.example", email_params={"pref": "1"})}
            tech = {"objectClassName": "entity", "handle": "TECH5", "roles": ["technical"],
                    "vcardArray": vcard("NOC", "noc@net50.example")}
            org = {"objectClassName": "entity", "handle": "ORG-5", "roles": ["registrant"],
                   "vcardArray": vcard("Example Net Org", "info@net50.example", kind="org"),
                   "entities": [tech, abuse]}
            return self.answer(200, network(addr, [org], "NET50"))
        if last == "52":
            abuse = {"objectClassName": "entity", "roles": ["abuse"],
                     "vcardArray": vcard("Abuse", "abuse@net52.example")}
            return self.answer(200, network(addr, [{"roles": ["registrant"], "entities": [abuse]}], "NET52"))
        if last == "51":
            abuse = {"objectClassName": "entity", "handle": "AB51", "roles": ["technical", "abuse"],
                     "vcardArray": vcard("Abuse", "mailto:abuse@net51.example")}
            return self.answer(200, network(addr, [abuse], "NET51"))
        if last == "60":
            tech = {"objectClassName": "entity", "roles": ["technical"],
                    "vcardArray": vcard("NOC", "noc@net60.example")}
            reg = {"objectClassName": "entity", "roles": ["registrant"],
                   "vcardArray": vcard("Org", "info@net60.example"), "entities": [tech]}
            return self.answer(200, network(addr, [reg], "NET60"))
        if last == "61":
            abuse = {"objectClassName": "entity", "roles": ["abuse"],
                     "vcardArray": vcard("Abuse", "a@b.example\r\nBcc: victim@x.example")}
            return self.answer(200, network(addr, [abuse], "NET61"))
        if last == "30":
            return self.answer(429, {"errorCode": 429, "title": "Too Many Requests"},
                               [("Retry-After", "120")])
        if last == "40" and not a.other:
            abuse = {"objectClassName": "entity", "roles": ["abuse"],
                     "vcardArray": vcard("Abuse", "abuse@" + a.name + ".example")}
            return self.answer(200, network(addr, [abuse], "NET40"))
        if last == "40":
            return self.answer(301, "", [("Location", a.other.rstrip("/") + "/ip/" + addr)])
        if last == "41":
            return self.answer(302, "", [("Location", "/ip/" + addr)])
        if last == "70":
            time.sleep(5)
            return self.answer(200, network(addr, []))
        if last == "80":
            return self.answer(200, "<html>maintenance</html>")
        return self.answer(404, {"errorCode": 404, "title": "Not Found",
                                 "description": ["No network found for " + addr]})


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--name", default="rdap")
    p.add_argument("--other", default="")
    p.add_argument("--pidfile")
    a = p.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    srv.args = a
    if a.pidfile:
        with open(a.pidfile, "w") as f:
            f.write("%d\n" % os.getpid())
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
