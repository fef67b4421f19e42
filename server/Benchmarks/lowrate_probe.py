#!/usr/bin/env python3
"""Server CPU per capture at a real service's pace (issue 14 point 6).

One Python SDK (tracekit_native over libtracekit) captures about 130 times a
second (one checkpoint per millisecond; the library's rate limit keeps ~130
of them) over its reused connections, with its SSE stream open, against a
tracekit-server on a fresh SQLite file. Prints the captures the server
counted and the CPU time (user + system, from /proc) of the server and of
this process per capture. At this pace each capture is its own batch, so
what it costs is the per-capture path with cold caches, not the batched
throughput `ingest-wrk.sh` measures.

    TRACEKIT_LIBRARY=<libtracekit.so.0> python3 server/Benchmarks/lowrate_probe.py <tracekit-server> [seconds]

With PERF_SRV=1 `perf record -g` is attached to the server (perf.data in
the current directory).
"""
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "bindings", "python"))
sys.path.insert(0, os.path.join(here, "..", "..", "Tests", "support"))
from server_process import ServerProcess, api, cpu_seconds  # noqa: E402

server_bin = sys.argv[1]
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 10.0
key = "tk_bench_" + secrets.token_hex(12)
work = tempfile.mkdtemp(prefix="tracekit-lowrate-")
server = ServerProcess(server_bin, "--database", os.path.join(work, "s.sqlite"), "--admin-key", key)
base = server.base_url
perf = (subprocess.Popen(["perf", "record", "-g", "-o", "perf.data", "-p", str(server.process.pid)])
        if os.environ.get("PERF_SRV") else None)


try:
    service = "probe-" + secrets.token_hex(3)
    api(base, key, "POST", "/api/breakpoints", {"service_name": service, "function_name": "f", "label": "L", "enabled": True})
    import tracekit_native
    capture = tracekit_native.init(api_key=key, service_name=service, endpoint=base,
                                   enable_code_monitoring=True).capture_snapshot
    order = {"order_id": 4711, "email": "jane.doe@example.com", "amount": 99.5, "items": ["book", "pen"],
             "card_number": "4111 1111 1111 1111", "express": True, "path": "/x"}

    def f():  # the breakpoint's function: the SDK matches the call site by function and label
        capture("L", order)

    end = time.time() + 2  # warm-up: the stream is up, the breakpoint known
    while time.time() < end:
        f()
    client0, server0 = cpu_seconds(os.getpid()), cpu_seconds(server.process.pid)
    calls = 0
    end = time.time() + seconds
    while time.time() < end:
        f()
        calls += 1
        time.sleep(0.001)
    time.sleep(0.5)
    client1, server1 = cpu_seconds(os.getpid()), cpu_seconds(server.process.pid)
    captures = sum(bp.get("capture_count", 0) for bp in api(base, key, "GET", f"/api/breakpoints?service={service}")["breakpoints"])
    print(f"calls {calls}, captures {captures}, client cpu {client1 - client0:.2f}s, server cpu {server1 - server0:.2f}s")
    print(f"per capture: client {(client1 - client0) / max(captures, 1) * 1e6:.0f} us, "
          f"server {(server1 - server0) / max(captures, 1) * 1e6:.0f} us")
finally:
    if perf:
        perf.send_signal(signal.SIGINT)
        perf.wait()
    server.stop()
