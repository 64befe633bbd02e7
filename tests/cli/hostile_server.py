#!/usr/bin/env python3
"""A hostile HTTP server for the client's hardening tests, on 127.0.0.1 only.

usage: hostile_server.py [--tls CERT KEY]   prints "listening on PORT", then serves until killed.
The path chooses the misbehaviour (the query string is ignored):
  /endless          200, no length, spaces forever        /endless-chunked  the same, chunked
  /gzip-bomb        200, gzip of endless zeros            /header-bomb      headers forever
  /header-line      one endless header line               /bad-status       "NOT HTTP" status line
  /bad-chunk        chunk size "zz"                       /truncated-chunk  a chunk cut short
  /truncated        Content-Length 1000, 10 bytes sent    /never            reads, never answers
  /empty            closes without a byte                 /reset            closes with a RST
  /503              503 TEMPORARILY_UNAVAILABLE           /not-json         200 with an HTML body
  /big?n=N          200, a JSON string body of N bytes    anything else     200 {"projects": []}
  /escapes          400 whose error code and message hold terminal escapes (ESC, OSC, CR, C1, bidi)
  /escapes-503      the same as a 503, retried
  /api/2.0/postgres/projects/loop/branches   a page of one branch whose next_page_token is always "same"
"""
import json
import socket
import socketserver
import ssl
import struct
import sys
import zlib


def send_forever(w, chunk):
    while True:
        w.write(chunk)
        w.flush()


class Handler(socketserver.StreamRequestHandler):
    def handle(self):
        try:
            line = self.rfile.readline(65536).decode("latin-1")
            while self.rfile.readline(65536) not in (b"\r\n", b"\n", b""):
                pass
            path = line.split(" ")[1] if " " in line else "/"
            self.serve(path.split("?")[0], path)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
            pass

    def head(self, status, headers):
        lines = ["HTTP/1.1 " + status] + headers + ["", ""]
        self.wfile.write("\r\n".join(lines).encode())

    def serve(self, path, full):
        w = self.wfile
        if path == "/endless":
            self.head("200 OK", ["Content-Type: application/json", "Connection: close"])
            send_forever(w, b" " * 65536)
        elif path == "/endless-chunked":
            self.head("200 OK", ["Content-Type: application/json", "Transfer-Encoding: chunked"])
            send_forever(w, b"10000\r\n" + b" " * 65536 + b"\r\n")
        elif path == "/gzip-bomb":
            self.head("200 OK", ["Content-Type: application/json", "Content-Encoding: gzip",
                                 "Connection: close"])
            z = zlib.compressobj(9, zlib.DEFLATED, 31)
            zeros = b"\0" * (1 << 20)
            w.write(z.compress(zeros))
            while True:  # about 1 KB on the wire per MB of zeros
                w.write(z.compress(zeros) + z.flush(zlib.Z_SYNC_FLUSH))
                w.flush()
        elif path == "/header-bomb":
            w.write(b"HTTP/1.1 200 OK\r\n")
            i = 0
            while True:
                i += 1
                w.write(b"X-Filler-%d: %s\r\n" % (i, b"a" * 1000))
                w.flush()
        elif path == "/header-line":
            w.write(b"HTTP/1.1 200 OK\r\nX-Endless: ")
            send_forever(w, b"a" * 65536)
        elif path == "/bad-status":
            w.write(b"NOT HTTP\r\nContent-Length: 2\r\n\r\n{}")
        elif path == "/bad-chunk":
            self.head("200 OK", ["Content-Type: application/json", "Transfer-Encoding: chunked"])
            w.write(b"zz\r\n{}\r\n0\r\n\r\n")
        elif path == "/truncated-chunk":
            self.head("200 OK", ["Content-Type: application/json", "Transfer-Encoding: chunked"])
            w.write(b"3e8\r\n{\"projects\": [")
        elif path == "/truncated":
            self.head("200 OK", ["Content-Type: application/json", "Content-Length: 1000"])
            w.write(b"{\"projects\"")
        elif path == "/never":
            while self.rfile.read(1):
                pass
        elif path == "/empty":
            pass
        elif path == "/reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        elif path == "/503":
            body = b'{"error_code": "TEMPORARILY_UNAVAILABLE", "message": "try later"}'
            self.head("503 Service Unavailable", ["Content-Type: application/json",
                                                  "Content-Length: %d" % len(body)])
            w.write(body)
        elif path == "/api/2.0/postgres/projects/loop/branches":
            body = json.dumps({"branches": [{"name": "projects/loop/branches/b", "uid": "u"}],
                               "next_page_token": "same"}).encode()
            self.head("200 OK", ["Content-Type: application/json", "Content-Length: %d" % len(body)])
            w.write(body)
        elif path in ("/escapes", "/escapes-503"):
            message = "bad\x1b]0;retitled\x07 value\x1b[2J\rhidden\u009b31m\u202eevil\x00 \xff\nnext line"
            body = json.dumps({"error_code": "INVALID\x1b[31m", "message": message}).encode()
            status = "400 Bad Request" if path == "/escapes" else "503 Service Unavailable"
            self.head(status, ["Content-Type: application/json", "Content-Length: %d" % len(body)])
            w.write(body)
        elif path == "/not-json":
            self.head("200 OK", ["Content-Type: text/html", "Content-Length: 13"])
            w.write(b"<html></html>")
        elif path == "/big":
            n = int(full.split("n=")[1]) if "n=" in full else 1000
            body = b'"' + b"x" * (n - 2) + b'"'
            self.head("200 OK", ["Content-Type: application/json", "Content-Length: %d" % n])
            w.write(body)
        else:
            body = b'{"projects": []}'
            self.head("200 OK", ["Content-Type: application/json", "Content-Length: %d" % len(body)])
            w.write(body)
        w.flush()


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    server = Server(("127.0.0.1", 0), Handler)
    if len(sys.argv) == 4 and sys.argv[1] == "--tls":
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[2], sys.argv[3])
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print("listening on %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
