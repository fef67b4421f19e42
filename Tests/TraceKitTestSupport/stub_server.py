#!/usr/bin/env python3
"""Loopback HTTP server for HTTPSession tests, with injectable faults.

Started by the tests (StubServer.swift). Listens on 127.0.0.1, an ephemeral
port, prints "PORT <n>" on stdout, and exits when its stdin closes (so it
never outlives the test process).

Routes (GET or POST):
  /status/<code>          that status, body "status <code>"
  /echo                   200, body = request body; X-Seen-Api-Key header echoes X-API-Key
  /retry-after/<v>        429 with "Retry-After: <v>" (v URL-decoded, e.g. an HTTP-date)
  /stall/<ms>             sleep ms, then 200 "late"
  /huge/<bytes>           200 with that many bytes, Content-Length set
  /huge-chunked/<bytes>   200, that many bytes, no Content-Length (connection closes)
  /redirect               302 to /status/200
  /gzip                   200, gzip-encoded "hello gzip" (Content-Encoding: gzip)
  /sse/close              three events, then the connection closes
  /sse/silent             two events, then silence (connection stays open)
  /sse/trickle            a comment every 100 ms, forever (never idle)
  /sse/garbage            64 KB of random bytes without newlines, then close
  /sse/status/<code>      that status with a body, for a stream request
"""
import gzip
import random
import time
import urllib.parse

from loopback_http import QuietHandler, serve

SSE_EVENTS = (
    b"retry: 1500\n"
    b"id: 1\n"
    b"event: init\n"
    b"data: {\"breakpoints\": []}\n\n"
    b": heartbeat comment\n\n"
    b"event: breakpoint_created\r\n"
    b"data: {\"id\": \"bp-1\"}\r\n\r\n"
)


class Handler(QuietHandler):
    def do_GET(self):
        self.route()

    def do_POST(self):
        self.route()

    def start_stream(self, content_type="text/event-stream"):
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True

    def route(self):
        body = self.read_body()
        parts = self.path.split("/")[1:]
        head = parts[0] if parts else ""
        arg = urllib.parse.unquote(parts[1]) if len(parts) > 1 else ""
        try:
            if head == "status":
                code = int(arg)
                # 204 and 304 responses have no body by definition.
                self.reply(code, b"" if code in (204, 304) else f"status {code}".encode())
            elif head == "echo":
                seen = self.headers.get("X-API-Key", "")
                self.reply(200, body, [("X-Seen-Api-Key", seen)])
            elif head == "retry-after":
                self.reply(429, b"slow down", [("Retry-After", arg)])
            elif head == "stall":
                time.sleep(int(arg) / 1000)
                self.reply(200, b"late")
            elif head == "huge":
                self.reply(200, b"x" * int(arg))
            elif head == "huge-chunked":
                self.send_response(200)
                self.send_header("Connection", "close")
                self.end_headers()
                self.close_connection = True
                self.wfile.write(b"y" * int(arg))
            elif head == "redirect":
                self.reply(302, b"moved", [("Location", "/status/200")])
            elif head == "gzip":
                self.reply(200, gzip.compress(b"hello gzip"), [("Content-Encoding", "gzip")])
            elif head == "sse":
                self.sse(arg, parts)
            else:
                self.reply(404, b"no such route")
        except (BrokenPipeError, ConnectionResetError):
            pass

    def sse(self, kind, parts):
        if kind == "status":
            code = int(parts[2]) if len(parts) > 2 else 503
            self.reply(code, b"not a stream", [("Retry-After", "7")])
            return
        self.start_stream()
        if kind == "close":
            # Byte by byte with small pauses: the client sees many chunks.
            for i in range(0, len(SSE_EVENTS), 7):
                self.wfile.write(SSE_EVENTS[i:i + 7])
                self.wfile.flush()
                time.sleep(0.002)
        elif kind == "silent":
            self.wfile.write(b"event: init\ndata: {}\n\nevent: heartbeat\ndata: {}\n\n")
            self.wfile.flush()
            time.sleep(30)
        elif kind == "trickle":
            for _ in range(600):
                self.wfile.write(b": tick\n")
                self.wfile.flush()
                time.sleep(0.1)
        elif kind == "garbage":
            rng = random.Random(42)
            alphabet = [b for b in range(256) if b not in (10, 13)]  # built once: 64 K choices stay fast
            noise = bytes(rng.choice(alphabet) for _ in range(65536))
            self.wfile.write(noise)
            self.wfile.flush()


def main():
    serve(Handler)


if __name__ == "__main__":
    main()
