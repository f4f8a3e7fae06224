#!/usr/bin/env python3
"""Loopback HTTP/1.1 server for the CurlHTTP tests.

Usage: fixture_server.py --port 0
Prints the port it listens on (one line) to stdout, then serves on 127.0.0.1 until it is
terminated or its stdin reaches EOF (the test process died), so it never outlives its test.

Routes, for any method:
  /echo              200, JSON {"method", "path", "headers": [[name, value], ...], "body": base64}
  /status/NNN        status NNN, header X-Fixture-Status: NNN, body "status NNN" (none for 204/304)
  /slow?ms=N         sleeps N milliseconds, then 200 "slept N"
  /bytes?n=N         N bytes (byte i is i % 251) with Content-Length; &chunked=1 sends them chunked
  /port              200, the client's TCP port as decimal text (same port = same connection)
  /drop              reads the request, then closes the connection without answering
  /reset             reads the request, then resets the connection (TCP RST)
"""

import argparse
import base64
import json
import os
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class FixtureHandler(BaseHTTPRequestHandler):
    # HTTP/1.1 keeps the connection open between requests, as long as every response has a
    # Content-Length or is chunked.
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self.route()

    # Extension methods too: the tests send PROPFIND to check any token goes on the request line.
    do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = do_PROPFIND = do_GET

    def log_message(self, format, *args):
        pass

    def route(self):
        body = self.read_body()
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        if url.path == "/echo":
            echo = {
                "method": self.command,
                "path": self.path,
                "headers": [[name, value] for name, value in self.headers.items()],
                "body": base64.b64encode(body).decode("ascii"),
            }
            self.respond(200, json.dumps(echo).encode(), "application/json")
        elif url.path.startswith("/status/"):
            status = int(url.path[len("/status/"):])
            payload = b"" if status in (204, 304) else f"status {status}".encode()
            self.respond(status, payload, "text/plain", [("X-Fixture-Status", str(status))])
        elif url.path == "/slow":
            milliseconds = int(query["ms"][0])
            time.sleep(milliseconds / 1000)
            self.respond(200, f"slept {milliseconds}".encode(), "text/plain")
        elif url.path == "/bytes":
            count = int(query["n"][0])
            payload = bytes(i % 251 for i in range(count))
            if query.get("chunked") == ["1"]:
                self.respond_chunked(payload)
            else:
                self.respond(200, payload, "application/octet-stream")
        elif url.path == "/folded":
            # Obsolete line folding (RFC 9112 section 5.2) after a field a caller may drop and
            # after one it keeps.
            self.respond(200, b"folded", "text/plain", [("X-Dropped", "first\r\n  dropped too"), ("X-Kept", "one\r\n\ttwo")])
        elif url.path == "/port":
            self.respond(200, str(self.client_address[1]).encode(), "text/plain")
        elif url.path == "/drop":
            self.close_connection = True
        elif url.path == "/reset":
            # SO_LINGER with a zero timeout makes close() send RST instead of FIN; closing here
            # skips socketserver's shutdown(SHUT_WR), which would send a FIN first.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
        else:
            self.respond(404, b"no such route", "text/plain")

    def read_body(self):
        length = int(self.headers.get("Content-Length", "0"))
        return self.rfile.read(length) if length > 0 else b""

    def respond(self, status, payload, content_type, extra_headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in extra_headers:
            self.send_header(name, value)
        if status not in (204, 304):
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def respond_chunked(self, payload):
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for start in range(0, len(payload), 65536):
            chunk = payload[start:start + 65536]
            self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        self.wfile.write(b"0\r\n\r\n")


class FixtureServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that gave up (a timeout test) leaves the handler writing to a closed socket;
        # that is expected, so only unexpected errors are reported.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def exit_when_parent_goes_away():
    sys.stdin.buffer.read()
    os._exit(0)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=0)
    arguments = parser.parse_args()
    server = FixtureServer(("127.0.0.1", arguments.port), FixtureHandler)
    threading.Thread(target=exit_when_parent_goes_away, daemon=True).start()
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
