"""A fault-injecting HTTP proxy between the DynamoDB backend and moto, for the fault tests.

Usage: fault_proxy.py UPSTREAM_PORT

Prints the port it listens on (127.0.0.1) as its first line, then serves until its standard
input closes (the test process holds the other end, so the proxy dies with it however the tests
end). Every request is forwarded to 127.0.0.1:UPSTREAM_PORT unless a fault rule takes it.

Control endpoints (never forwarded, JSON in and out):
  POST /__faults/rules  {"rules": [RULE, ...]}  appends rules; each takes the next matching requests
  POST /__faults/seed   {"seed": N}             seeds the draws of rules with a probability
  POST /__faults/reset                          drops every rule and the request log
  GET  /__faults/log                            {"requests": [{"at", "target", "fault", "clientRequestToken",
                                                  "headers"}, ...]}: every DynamoDB request with its headers
                                                  as received (X-Amzn-Trace-Id among them, for the tracing
                                                  tests) and a TransactWriteItems' ClientRequestToken

A RULE is {"fault": F, "count": N, "target": OPERATION?, "delay": SECONDS?, "probability": P?}:
  count N is how many matching requests it takes (-1: all of them, until reset);
  target limits it to one operation (the X-Amz-Target suffix, e.g. "GetItem");
  probability P (0...1, default 1) makes it take a matching request only with that chance, drawn
  from the seeded generator; a request it passes over goes on to the next rule.
Faults F:
  throttle      400 ProvisionedThroughputExceededException
  throttling    400 ThrottlingException
  500           500 InternalServerError
  503           503 ServiceUnavailable
  slow          waits `delay` seconds, then forwards (a client timeout shorter than that fires)
  drop          reads the request and closes the connection with no response
  drop-after    forwards the request (the server acts on it), then closes the connection with no
                response: the client cannot know whether its write happened
  stall-after   forwards the request, then waits `delay` seconds before answering: a client whose
                timeout is shorter gives up on a write that happened
  unprocessed   BatchWriteItem/BatchGetItem: forwards only the first half of each table's
                entries and returns the rest as UnprocessedItems/UnprocessedKeys
"""

import http.client
import json
import os
import random
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

UPSTREAM_PORT = int(sys.argv[1])
PREFIX = "com.amazonaws.dynamodb.v20120810#"

lock = threading.Lock()
rules = []  # dicts with a "left" count
log = []  # every DynamoDB request: the one record of what reached the proxy


draws = random.Random(0)  # the seeded draws of rules with a probability


def take_rule(target):
    """The fault the next request to `target` gets, consuming one use of the first rule that matches."""
    with lock:
        for rule in rules:
            if rule["left"] == 0:
                continue
            if rule.get("target") and rule["target"] != target:
                continue
            probability = float(rule.get("probability", 1))
            if probability < 1 and draws.random() >= probability:
                continue
            if rule["left"] > 0:
                rule["left"] -= 1
            return dict(rule)
    return None


def client_request_token(target, body):
    """A TransactWriteItems request's ClientRequestToken, for the log."""
    if target != "TransactWriteItems":
        return None
    try:
        return json.loads(body or b"{}").get("ClientRequestToken")
    except ValueError:
        return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body, content_type="application/x-amz-json-1.0"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", "fault-proxy")
        self.end_headers()
        self.wfile.write(data)

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_GET(self):
        if self.path == "/__faults/log":
            with lock:
                self.reply(200, {"requests": list(log)}, "application/json")
            return
        self.forward(self.read_body())

    def do_POST(self):
        body = self.read_body()
        if self.path == "/__faults/rules":
            added = json.loads(body or b"{}").get("rules", [])
            with lock:
                for rule in added:
                    rule["left"] = int(rule.get("count", 1))
                    rules.append(rule)
            self.reply(200, {"rules": len(rules)}, "application/json")
            return
        if self.path == "/__faults/reset":
            with lock:
                rules.clear()
                log.clear()
            self.reply(200, {}, "application/json")
            return
        if self.path == "/__faults/seed":
            with lock:
                draws.seed(int(json.loads(body or b"{}").get("seed", 0)))
            self.reply(200, {}, "application/json")
            return
        target = (self.headers.get("X-Amz-Target") or "").split(".")[-1]
        rule = take_rule(target)
        fault = rule["fault"] if rule else None
        with lock:
            log.append({"at": time.monotonic(), "target": target, "fault": fault,
                        "clientRequestToken": client_request_token(target, body),
                        "headers": {name: value for name, value in self.headers.items()}})
        if fault == "throttle":
            self.reply(400, {"__type": PREFIX + "ProvisionedThroughputExceededException",
                             "message": "The level of configured provisioned throughput for the table was exceeded."})
        elif fault == "throttling":
            self.reply(400, {"__type": PREFIX + "ThrottlingException", "message": "Rate of requests exceeds the allowed throughput."})
        elif fault == "500":
            self.reply(500, {"__type": PREFIX + "InternalServerError", "message": "Internal server error"})
        elif fault == "503":
            self.reply(503, {"__type": PREFIX + "ServiceUnavailable", "message": "Service unavailable"})
        elif fault == "drop":
            self.drop()
        elif fault == "drop-after":
            try:
                self.upstream(body)
            except OSError:
                pass
            self.drop()
        elif fault == "stall-after":
            try:
                status, content_type, data = self.upstream(body)
            except OSError as error:
                status, content_type, data = 502, "application/x-amz-json-1.0", json.dumps(
                    {"__type": PREFIX + "InternalServerError", "message": f"proxy: upstream failed: {error}"}).encode()
            time.sleep(float(rule.get("delay", 2)))
            try:
                self.reply(status, data, content_type)
            except OSError:
                # The client gave up and closed the connection: that is the point.
                self.close_connection = True
        elif fault == "slow":
            time.sleep(float(rule.get("delay", 2)))
            self.forward(body)
        elif fault == "unprocessed" and target in ("BatchWriteItem", "BatchGetItem"):
            self.forward_partly(body, target)
        else:
            self.forward(body)

    def drop(self):
        self.close_connection = True
        try:
            # SO_LINGER 0: the client sees the connection reset, not a clean end of stream.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def upstream(self, body):
        connection = http.client.HTTPConnection("127.0.0.1", UPSTREAM_PORT, timeout=120)
        headers = {name: value for name, value in self.headers.items() if name.lower() not in ("host", "connection")}
        headers["Content-Length"] = str(len(body))
        connection.request(self.command, self.path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        connection.close()
        return response.status, response.getheader("Content-Type") or "application/x-amz-json-1.0", data

    def forward(self, body):
        try:
            status, content_type, data = self.upstream(body)
        except OSError as error:
            self.reply(502, {"__type": PREFIX + "InternalServerError", "message": f"proxy: upstream failed: {error}"})
            return
        self.reply(status, data, content_type)

    def forward_partly(self, body, target):
        # The signature covers the body, so the forwarded request is re-signed by nobody: moto in
        # the fault tests checks no signatures. The entries held back go back to the client.
        request = json.loads(body)
        field, left_field = ("RequestItems", "UnprocessedItems")
        kept, held = {}, {}
        for table, entries in request.get("RequestItems", {}).items():
            if target == "BatchGetItem":
                keys = entries.get("Keys", [])
                half = len(keys) // 2
                if half:
                    kept[table] = dict(entries, Keys=keys[:half])
                held[table] = dict(entries, Keys=keys[half:])
            else:
                half = len(entries) // 2
                if half:
                    kept[table] = entries[:half]
                held[table] = entries[half:]
        if target == "BatchGetItem":
            left_field = "UnprocessedKeys"
        result = {"Responses": {}} if target == "BatchGetItem" else {}
        if kept:
            status, _, data = self.upstream(json.dumps(dict(request, **{field: kept})).encode())
            if status != 200:
                self.reply(status, data)
                return
            result = json.loads(data)
        result[left_field] = held
        self.reply(200, result)


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    # The lifeline: when the test process ends, standard input closes and the proxy exits.
    sys.stdin.buffer.read()
    os._exit(0)


if __name__ == "__main__":
    main()
