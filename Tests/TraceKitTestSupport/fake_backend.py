#!/usr/bin/env python3
"""A fake TraceKit backend for the capture client's tests (python3 stdlib only).

Speaks the SDK side of docs/PROTOCOL.md on 127.0.0.1 (an ephemeral port unless
--port is given), prints "PORT <n>" as its first stdout line, and exits when
its stdin closes (so it never outlives the test process that started it);
--max-seconds N makes it exit after N seconds instead and ignore stdin.

SDK routes (every request must carry X-API-Key, else 401):
  GET|POST /sdk/snapshots/active/{service}   breakpoints, kill_switch, and
                                             sse_endpoint when SSE is on
  POST /sdk/snapshots/auto-register          recorded; 201 {"id": "auto-N", "enabled": false}
  POST /sdk/snapshots/capture                recorded (body, headers, status given)
  GET  /sdk/snapshots/stream/{service}       SSE: "init" on connect, then what
                                             control pushes; ": heartbeat" each second

Control routes (JSON bodies; "push" defaults to true and means: tell the
connected SSE streams, as the real server does):
  POST /_control/reset                       forget everything, close streams
  POST /_control/breakpoints  {"breakpoints": [...], "push"}   replace all (push: init)
  POST /_control/breakpoint   {"breakpoint": {...}, "push"}    upsert (breakpoint_created/_updated)
  POST /_control/breakpoint/delete {"id", "push"}              breakpoint_deleted
  POST /_control/kill_switch  {"enabled", "push"}              kill_switch event
  POST /_control/sse          {"enabled": bool, "mode": "normal"|"garbage"|"truncated"|"silent"|"garbage_hold"}
        garbage: noise and a malformed event, then close; truncated: half an
        event, then close; silent: headers, then not a byte (120 s);
        garbage_hold: noise lines every 100 ms, never an event (120 s)
  POST /_control/push         {"event", "data": text} or {"raw": text}   to every open stream
  POST /_control/close_streams
  POST /_control/fail_captures {"count": N, "status": 500, "retry_after": "1"}
  POST /_control/stall_captures {"ms": N}
  POST /_control/fail_polls   {"count": N, "status": 500}
  GET  /_control/log          {"captures": [...], "registrations": [...], "polls": [...],
                               "sse_connects": n, "stream_requests": [{"t", "headers"}], "open_streams": n}
        each poll: {"t", "method", "service", "api_key", "body"}; each registration: {"t", "api_key", "body"}
        each capture: {"t", "status", "api_key", "headers", "body" (JSON or null), "raw"}
"""
import argparse
import json
import queue
import random
import threading
import time

from loopback_http import QuietHandler, serve


class State:
    """Everything the fake knows; one lock guards it all."""

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.breakpoints = {}           # id -> breakpoint object, in insertion order
        self.kill_switch = False
        self.sse_enabled = False
        self.sse_mode = "normal"
        self.capture_failures = []      # [(status, retry_after or None)] for the next captures
        self.capture_stall_ms = 0
        self.poll_failures = []         # [status] for the next polls
        self.captures = []
        self.registrations = []
        self.polls = []
        self.sse_connects = 0
        self.stream_requests = []       # headers of each stream request
        self.streams = set()            # one queue.Queue per open stream
        self.next_auto_id = 1

    def snapshot(self):
        return {"breakpoints": list(self.breakpoints.values()), "kill_switch": self.kill_switch}

    def broadcast(self, payload):
        """Queues bytes (or None: close) for every open stream. Lock held."""
        for stream in self.streams:
            stream.put(payload)


STATE = State()


def sse_event(name, data):
    text = data if isinstance(data, str) else json.dumps(data)
    lines = "".join(f"data: {line}\n" for line in text.split("\n"))
    return f"event: {name}\n{lines}\n".encode()


class Handler(QuietHandler):
    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")

    # -- plumbing -----------------------------------------------------------

    def route(self, method):
        raw = self.read_body()
        path = self.path.split("?")[0]
        try:
            if path.startswith("/_control/"):
                self.control(method, path[len("/_control/"):], raw)
            elif not self.headers.get("X-API-Key"):
                self.reply(401, {"error": "missing X-API-Key"})
            elif path.startswith("/sdk/snapshots/active/"):
                self.active(method, raw)
            elif path == "/sdk/snapshots/auto-register" and method == "POST":
                self.auto_register(raw)
            elif path == "/sdk/snapshots/capture" and method == "POST":
                self.capture(raw)
            elif path.startswith("/sdk/snapshots/stream/") and method == "GET":
                self.stream()
            else:
                self.reply(404, {"error": "no such route"})
        except (BrokenPipeError, ConnectionResetError):
            pass

    # -- SDK routes ---------------------------------------------------------

    def active(self, method, raw):
        service = self.path.split("?")[0].rsplit("/", 1)[-1]
        with STATE.lock:
            STATE.polls.append({"t": time.time(), "method": method, "service": service,
                                "api_key": self.headers.get("X-API-Key"), "body": parse_json(raw)})
            if STATE.poll_failures:
                status = STATE.poll_failures.pop(0)
                self.reply(status, {"error": "injected"})
                return
            body = STATE.snapshot()
            if STATE.sse_enabled:
                body["sse_endpoint"] = f"/sdk/snapshots/stream/{service}"
        self.reply(200, body)

    def auto_register(self, raw):
        with STATE.lock:
            STATE.registrations.append({"t": time.time(), "api_key": self.headers.get("X-API-Key"),
                                        "body": parse_json(raw)})
            breakpoint_id = f"auto-{STATE.next_auto_id}"
            STATE.next_auto_id += 1
        self.reply(201, {"id": breakpoint_id, "enabled": False})

    def capture(self, raw):
        with STATE.lock:
            stall = STATE.capture_stall_ms
        if stall:
            time.sleep(stall / 1000)
        with STATE.lock:
            status, retry_after = STATE.capture_failures.pop(0) if STATE.capture_failures else (201, None)
            STATE.captures.append({
                "t": time.time(), "status": status, "api_key": self.headers.get("X-API-Key"),
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": parse_json(raw), "raw": raw.decode("utf-8", "replace"),
            })
        headers = [("Retry-After", retry_after)] if retry_after is not None else []
        self.reply(status, {"ok": status < 300}, headers)

    def stream(self):
        mine = queue.Queue()
        with STATE.lock:
            STATE.sse_connects += 1
            STATE.stream_requests.append({"t": time.time(),
                                          "headers": {k.lower(): v for k, v in self.headers.items()}})
            mode = STATE.sse_mode
            connection = STATE.sse_connects
            first = sse_event("init", STATE.snapshot())
            if mode == "normal":
                STATE.streams.add(mine)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        try:
            if mode == "normal":
                self.write(first)
                self.serve_stream(mine)
            elif mode == "garbage":
                rng = random.Random(connection)  # reproducible noise, different per connection
                self.write(bytes(rng.randrange(256) for _ in range(4096)))
                self.write(b"\nevent: breakpoint_created\ndata: {not json at all\n\n")
            elif mode == "truncated":
                self.write(b"event: breakpoint_created\ndata: {\"id\": \"bp-trunc")
            elif mode == "silent":
                time.sleep(120)
            elif mode == "garbage_hold":
                for _ in range(1200):  # 120 s at most
                    self.write(b"%%%% not an event line %%%%\n")
                    time.sleep(0.1)
        finally:
            with STATE.lock:
                STATE.streams.discard(mine)

    def serve_stream(self, mine):
        while True:
            try:
                item = mine.get(timeout=1.0)
            except queue.Empty:
                self.write(b": heartbeat\n\n")
                continue
            if item is None:
                return
            self.write(item)

    def write(self, data):
        self.wfile.write(data)
        self.wfile.flush()

    # -- control routes -----------------------------------------------------

    def control(self, method, name, raw):
        args = parse_json(raw) or {}
        push = args.get("push", True)
        with STATE.lock:
            if name == "log":
                self.reply(200, {
                    "captures": STATE.captures, "registrations": STATE.registrations,
                    "polls": STATE.polls, "sse_connects": STATE.sse_connects,
                    "stream_requests": STATE.stream_requests,
                    "open_streams": len(STATE.streams),
                })
                return
            if name == "reset":
                STATE.broadcast(None)
                STATE.reset()
            elif name == "breakpoints":
                STATE.breakpoints = {bp["id"]: bp for bp in args.get("breakpoints", [])}
                if push:
                    STATE.broadcast(sse_event("init", STATE.snapshot()))
            elif name == "breakpoint":
                bp = args["breakpoint"]
                event = "breakpoint_updated" if bp["id"] in STATE.breakpoints else "breakpoint_created"
                STATE.breakpoints[bp["id"]] = bp
                if push:
                    STATE.broadcast(sse_event(event, bp))
            elif name == "breakpoint/delete":
                STATE.breakpoints.pop(args["id"], None)
                if push:
                    STATE.broadcast(sse_event("breakpoint_deleted", {"id": args["id"]}))
            elif name == "kill_switch":
                STATE.kill_switch = bool(args["enabled"])
                if push:
                    STATE.broadcast(sse_event("kill_switch", {"enabled": STATE.kill_switch}))
            elif name == "sse":
                STATE.sse_enabled = bool(args.get("enabled", True))
                STATE.sse_mode = args.get("mode", "normal")
            elif name == "push":
                if "raw" in args:
                    STATE.broadcast(args["raw"].encode())
                else:
                    STATE.broadcast(sse_event(args["event"], args.get("data", "{}")))
            elif name == "close_streams":
                STATE.broadcast(None)
            elif name == "fail_captures":
                STATE.capture_failures = [(int(args.get("status", 500)), args.get("retry_after"))] \
                    * int(args.get("count", 1))
            elif name == "stall_captures":
                STATE.capture_stall_ms = int(args.get("ms", 0))
            elif name == "fail_polls":
                STATE.poll_failures = [int(args.get("status", 500))] * int(args.get("count", 1))
            else:
                self.reply(404, {"error": f"no control route {name}"})
                return
        self.reply(200, {"ok": True})


def parse_json(raw):
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--max-seconds", type=float, default=0,
                        help="exit after this long and ignore stdin (for shell runners)")
    options = parser.parse_args()
    serve(Handler, options.port, options.max_seconds)


if __name__ == "__main__":
    main()
