"""A loopback backend whose capture endpoint stalls: every POST
/sdk/snapshots/capture sleeps STALL_MS (default 200) before answering 201.
The active-breakpoints route always returns one enabled breakpoint for
function "bench" and label "stalled" (no SSE). GET /count answers how many
captures it has taken ({"captures": N}), so a benchmark can check that
nothing was lost uncounted. Prints its port first."""
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STALL = int(os.environ.get("STALL_MS", "200")) / 1000.0
ACTIVE = json.dumps({"breakpoints": [{"id": "bp-stall", "function_name": "bench", "label": "stalled",
                                      "file_path": "bench.c", "line_number": 1, "enabled": True}],
                     "kill_switch": False}).encode()
captures_taken = 0
count_lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"{}"):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path.startswith("/sdk/snapshots/active/"):
            self.reply(200, ACTIVE)
        elif self.path == "/count":
            with count_lock:
                self.reply(200, json.dumps({"captures": captures_taken}).encode())
        else:
            self.reply(404)

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path.startswith("/sdk/snapshots/capture"):
            global captures_taken
            time.sleep(STALL)
            with count_lock:
                captures_taken += 1
            self.reply(201)
        elif self.path.startswith("/sdk/snapshots/active/"):
            self.reply(200, ACTIVE)
        else:
            self.reply(201, b'{"id":"x"}')


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # clients open several connections at once


server = Server(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
