"""What the test servers (fake_backend.py, stub_server.py) share: a quiet
HTTP/1.1 handler with body and reply helpers, and the launch protocol of
StubServer.swift: listen on 127.0.0.1 (an ephemeral port unless given),
print "PORT <n>", serve until stdin closes (the test ended or died) or, for
shell runners, until max_seconds pass."""
import json
import os
import socketserver
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer


class QuietHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def reply(self, code, body=b"", headers=()):
        """Sends a complete response; a dict or list body is sent as JSON."""
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            headers = (("Content-Type", "application/json"),) + tuple(headers)
        self.send_response(code)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Server(socketserver.ThreadingMixIn, HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # The client opens several connections at once (concurrent deliveries);
    # the default backlog of 5 would make the rest wait for a SYN retransmit.
    request_queue_size = 128

    def handle_error(self, request, client_address):
        # A client that hangs up mid-request (a test freeing its client) is
        # no error of the server's: no traceback for it.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def serve(handler, port=0, max_seconds=0):
    server = Server(("127.0.0.1", port), handler)
    print(f"PORT {server.server_address[1]}", flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    if max_seconds > 0:
        time.sleep(max_seconds)
    else:
        sys.stdin.read()  # returns at EOF: the test closed the pipe or died
    os._exit(0)
