#!/usr/bin/env python3
"""A minimal TraceKit backend for the Swift module's tests.

Usage: backend_stub.py <function_name> <label> <captures_file>
Serves one enabled breakpoint for (function_name, label) to any service and
appends each captured snapshot to captures_file, one JSON document a line. Listens on an
ephemeral loopback port, prints "PORT <n>", exits when stdin closes.
"""
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FUNCTION, LABEL, CAPTURES = sys.argv[1], sys.argv[2], sys.argv[3]
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, code, document):
        body = json.dumps(document).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path.startswith("/sdk/snapshots/active/"):
            service = self.path.rsplit("/", 1)[-1]
            breakpoint = {"id": "bp-1", "service_name": service, "file_path": "", "line_number": 0,
                          "function_name": FUNCTION, "label": LABEL, "enabled": True, "max_captures": 0,
                          "capture_count": 0, "condition_eval": "sdk-evaluable", "mode": "snapshot"}
            self.reply(200, {"breakpoints": [breakpoint], "kill_switch": False})
        else:
            self.reply(404, {"error": "not_found"})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if self.path == "/sdk/snapshots/capture":
            with lock, open(CAPTURES, "a") as out:
                out.write(json.dumps(json.loads(body)) + "\n")
            self.reply(201, {"id": "snapshot"})
        elif self.path == "/sdk/snapshots/auto-register":
            self.reply(201, {"id": "auto"})
        else:
            self.do_GET()


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
threading.Thread(target=server.serve_forever, daemon=True).start()
print(f"PORT {server.server_address[1]}", flush=True)
sys.stdin.read()
