"""A scripted stand-in for the Lambda Runtime API that records every request it gets.

Used by the LambdaRuntime tests to check exactly what CurlLambdaRuntimeClient and a whole
bootstrap put on the wire, and to make the Runtime API answer what the real one only answers
when something is wrong (413, 500). Standard library only.

    runtime_api.py --port 0 --script '{"next": [...], "posts": {...}}'

The first line printed is the port. Script fields:
  next   answers to GET /2018-06-01/runtime/invocation/next, in order; each is
         {"status": 200, "headers": [[name, value], ...], "body": base64}. Once they are used
         up, every further `next` gets 500, as Lambda's "Container error", or, with
         "thenWait": true, is held open until the server exits, as a Runtime API with no
         further event does (so concurrent loops are never told to stop).
         An answer may instead say "fill": N (its body is a JSON string of N bytes, too big to
         pass on a command line) and "cutAfter": K (the full length is announced, K bytes are
         sent, then the connection is closed, as a Runtime API that died mid-event).
  posts  {path: status} for POSTs; any other POST gets 202 {"status":"OK"}.
GET /__requests returns the recorded requests as JSON (never recorded itself):
  [{"method", "path", "headers": [[name, value], ...], "body": base64, "clientPort"}].
The server exits when its stdin closes, so it never outlives the test process.
"""

import argparse
import base64
import json
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

NEXT_PATH = "/2018-06-01/runtime/invocation/next"


class RuntimeAPI:
    def __init__(self, script):
        self.lock = threading.Lock()
        self.next_answers = list(script.get("next", []))
        self.post_statuses = dict(script.get("posts", {}))
        self.then_wait = bool(script.get("thenWait", False))
        self.requests = []

    def record(self, handler, body):
        with self.lock:
            self.requests.append({
                "method": handler.command,
                "path": handler.path,
                "headers": [[name, value] for name, value in handler.headers.items()],
                "body": base64.b64encode(body).decode("ascii"),
                "clientPort": handler.client_address[1],
            })

    def take_next(self):
        with self.lock:
            if self.next_answers:
                return self.next_answers.pop(0)
        if self.then_wait:
            threading.Event().wait()
        body = json.dumps({"errorMessage": "script exhausted", "errorType": "Container error"})
        return {"status": 500, "headers": [], "body": base64.b64encode(body.encode()).decode("ascii")}


class Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 keeps connections open between requests, as the real Runtime API does.
    protocol_version = "HTTP/1.1"
    api = None

    def log_message(self, format, *args):
        pass

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def answer(self, status, headers, body, cut_after=None):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if cut_after is None:
            self.wfile.write(body)
            return
        self.wfile.write(body[:cut_after])
        self.wfile.flush()
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)

    def do_GET(self):
        if self.path == "/__requests":
            with self.api.lock:
                body = json.dumps(self.api.requests).encode()
            self.answer(200, [("Content-Type", "application/json")], body)
            return
        body = self.read_body()
        self.api.record(self, body)
        if self.path != NEXT_PATH:
            self.answer(404, [], b"")
            return
        answer = self.api.take_next()
        if "fill" in answer:
            body = b'"' + b"x" * (int(answer["fill"]) - 2) + b'"'
        else:
            body = base64.b64decode(answer.get("body", ""))
        try:
            if "cutAfter" in answer:
                self.answer(answer["status"], answer.get("headers", []), body, cut_after=int(answer["cutAfter"]))
            else:
                self.answer(answer["status"], answer.get("headers", []), body)
        except OSError:
            # The client hung up first (a body over its limit): nothing left to say.
            self.close_connection = True

    def do_POST(self):
        body = self.read_body()
        self.api.record(self, body)
        status = self.api.post_statuses.get(self.path, 202)
        reply = b'{"status":"OK"}' if status == 202 else b'{"errorMessage":"scripted","errorType":"Scripted"}'
        self.answer(status, [("Content-Type", "application/json")], reply)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--script", default="{}")
    options = parser.parse_args()

    Handler.api = RuntimeAPI(json.loads(options.script))
    server = ThreadingHTTPServer(("127.0.0.1", options.port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(server.server_address[1], flush=True)
    # The lifeline: stdin closes when the test process ends or lets go of the server.
    sys.stdin.buffer.read()


if __name__ == "__main__":
    main()
