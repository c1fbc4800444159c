#!/usr/bin/env python3
"""ch_proxy.py - an HTTP proxy in front of a test ClickHouse that can fail.

Usage: ch_proxy.py LISTEN_PORT CLICKHOUSE_PORT   (both on 127.0.0.1)

Every request is forwarded to ClickHouse, except while a fault is armed:
  GET /__fault?n=N[&mode=before|after][&match=TEXT]
      the next N requests (whose body contains TEXT, when given) get a 500
      with a ClickHouse-like error text.  mode=before (default): the request
      never reaches ClickHouse.  mode=after: it is forwarded and executed,
      and its answer is replaced by the 500 (a lost answer).
  GET /__fault      prints how many armed faults are left.
"""
import http.client
import http.server
import sys
import threading
import urllib.parse

LOCK = threading.Lock()
STATE = {"n": 0, "mode": "before", "match": b""}
UPSTREAM = ("127.0.0.1", int(sys.argv[2]))


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("ch_proxy: " + (fmt % args) + "\n")

    def reply(self, status, body, headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def control(self):
        q = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        with LOCK:
            if "n" in q:
                STATE["n"] = int(q["n"][0])
                STATE["mode"] = q.get("mode", ["before"])[0]
                STATE["match"] = q.get("match", [""])[0].encode()
            left = STATE["n"]
        self.reply(200, b"%d\n" % left)

    def forward(self, body):
        c = http.client.HTTPConnection(*UPSTREAM, timeout=60)
        hdrs = {k: v for k, v in self.headers.items()
                if k.lower() not in ("host", "connection", "expect")}
        c.request(self.command, self.path, body=body, headers=hdrs)
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, data, [(k, v) for k, v in r.getheaders()
                                if k.lower() in ("content-type",)]

    def handle_any(self):
        if self.path.startswith("/__fault"):
            return self.control()
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        fault = None
        with LOCK:
            if STATE["n"] > 0 and STATE["match"] in body:
                STATE["n"] -= 1
                fault = STATE["mode"]
        err = (b"Code: 999, e.displayText() = DB::Exception: injected by "
               b"ch_proxy, e.what() = DB::Exception\n")
        if fault == "before":
            return self.reply(500, err)
        try:
            status, data, hdrs = self.forward(body)
        except OSError as e:
            return self.reply(502, ("proxy: %s\n" % e).encode())
        if fault == "after":
            return self.reply(500, err)
        self.reply(status, data, hdrs)

    do_GET = handle_any
    do_POST = handle_any


if __name__ == "__main__":
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])),
                                          Handler)
    srv.daemon_threads = True
    srv.serve_forever()
