"""Two tracekit-server instances on one PostgreSQL database (issue 12):

  1. combined ingest: wrk posts captures to both instances at once (spread
     over BREAKPOINTS breakpoints); rate = snapshots stored / duration;
  2. cross-instance SSE latency: STREAMS streams on B, CHANGES breakpoint
     PATCHes through A; latency = PATCH sent -> breakpoint_updated on B;
  3. SIGKILL: senders post captures to both instances, B is SIGKILLed in the
     middle; every capture acknowledged (201 + id) must be in the database.

Usage (a throwaway cluster is started unless TRACEKIT_TEST_DATABASE_URL is set):
  python3 server/Benchmarks/two_instances_bench.py SERVER_BINARY [SECONDS] [CONNECTIONS_PER_INSTANCE]
"""
import concurrent.futures
import json
import os
import pathlib
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import requests

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "server" / "Tests" / "multi-instance"))
from instances import EventStream, Instance, new_admin_key  # noqa: E402

BREAKPOINTS = 16
STREAMS = 20
CHANGES = 100

WRK_SCRIPT = """
local ids = {}
for id in string.gmatch(os.getenv("TK_BREAKPOINTS"), "[^,]+") do ids[#ids + 1] = id end
local service, key, n = os.getenv("TK_SERVICE"), os.getenv("TK_KEY"), 0
function request()
  n = n + 1
  local body = '{"breakpoint_id":"' .. ids[(n % #ids) + 1] .. '","service_name":"' .. service ..
    '","file_path":"app/pay.py","line_number":42,"function_name":"pay","label":"before-charge",' ..
    '"variables":{"amount":12,"customer":{"id":7,"tier":"gold"},"items":[1,2,3]},' ..
    '"stack_trace":"pay (app/pay.py:42)","captured_at":"2026-12-01T00:00:00.250Z","mode":"snapshot"}'
  return wrk.format("POST", "/sdk/snapshots/capture",
    {["Content-Type"] = "application/json", ["X-API-Key"] = key}, body)
end
"""


def psql(url, sql):
    return subprocess.run(["psql", "-qAt", "-d", url, "-c", sql], check=True, capture_output=True, text=True).stdout.strip()


def setup(a, service, count, **fields):
    key = a.api("POST", "/api/keys", json={"name": service, "role": "sdk", "services": [service]}).json()["key"]
    ids = [a.api("POST", "/api/breakpoints", json={"service_name": service, "file_path": "app/pay.py", "line_number": i + 1,
                                                   **fields}).json()["id"] for i in range(count)]
    return key, ids


def ingest(a, b, url, seconds, connections):
    service = "bench-ingest"
    key, ids = setup(a, service, BREAKPOINTS)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    env = dict(os.environ, TK_BREAKPOINTS=",".join(ids), TK_SERVICE=service, TK_KEY=key)
    before = int(psql(url, "SELECT count(*) FROM snapshots"))
    started = time.time()
    runs = [subprocess.Popen(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script.name, instance.base_url],
                             stdout=subprocess.PIPE, text=True, env=env) for instance in (a, b)]
    outputs = [run.communicate()[0] for run in runs]
    elapsed = time.time() - started
    os.unlink(script.name)
    stored = int(psql(url, "SELECT count(*) FROM snapshots")) - before
    refused = sum(int(line.split()[-1]) for out in outputs for line in out.splitlines() if "Non-2xx" in line)
    p99 = [line.split()[-1] for out in outputs for line in out.splitlines() if line.strip().startswith("99%")]
    print(f"ingest: {stored} captures stored in {elapsed:.1f} s = {stored / elapsed:,.0f} captures/s combined "
          f"({connections} connections per instance, {BREAKPOINTS} breakpoints; non-2xx {refused}; wrk p99 A/B {p99})")
    return stored / elapsed


def latency(a, b):
    service = "bench-latency"
    key, (breakpoint_id,) = setup(a, service, 1)
    streams = [EventStream(b, service, key) for _ in range(STREAMS)]
    try:
        for stream in streams:
            assert stream.wait_for(lambda name, _: name == "init")[0] is not None
        samples = []
        for change in range(CHANGES):
            condition = f"amount > {change}"
            sent = time.monotonic()
            assert a.api("PATCH", f"/api/breakpoints/{breakpoint_id}", json={"condition": condition}).status_code == 200
            for stream in streams:
                index, arrived = stream.wait_for(
                    lambda name, data: name == "breakpoint_updated" and data.get("condition") == condition, timeout=10)
                assert index is not None, f"change {change} never reached a stream on B"
                samples.append(arrived - sent)
            time.sleep(0.03)
    finally:
        for stream in streams:
            stream.close()
    samples.sort()
    p50, p99 = samples[len(samples) // 2], samples[int(len(samples) * 0.99) - 1]
    print(f"cross-instance SSE (PATCH through A -> breakpoint_updated on {STREAMS} streams from B, {CHANGES} changes): "
          f"p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, max {samples[-1] * 1000:.1f} ms")
    return p50, p99


def sigkill(a, b, url, seconds=6.0, senders=8):
    service = "bench-sigkill"
    key, ids = setup(a, service, BREAKPOINTS)
    acknowledged, lock, stop = [], threading.Lock(), threading.Event()
    counts = {"refused": 0, "errors": 0}

    def sender(n):
        session = requests.Session()
        target = (a, b)[n % 2]
        i = 0
        while not stop.is_set():
            i += 1
            try:
                reply = target.capture(key, service, ids[i % len(ids)], session=session)
            except requests.RequestException:
                with lock:
                    counts["errors"] += 1
                target, session = a, requests.Session()  # B is gone: go on with A
                continue
            with lock:
                if reply.status_code == 201:
                    acknowledged.append(reply.json()["id"])
                else:
                    counts["refused"] += 1

    with concurrent.futures.ThreadPoolExecutor(max_workers=senders) as pool:
        for n in range(senders):
            pool.submit(sender, n)
        time.sleep(seconds / 2)
        with lock:
            before_kill = len(acknowledged)
        b.stop(signal.SIGKILL)
        time.sleep(seconds / 2)
        stop.set()
    stored = set(psql(url, f"SELECT id FROM snapshots WHERE service_name = '{service}'").split())
    lost = [i for i in acknowledged if i not in stored]
    print(f"SIGKILL of B mid-run: {len(acknowledged)} captures acknowledged ({before_kill} before the kill), "
          f"{len(lost)} of them missing from the database; {counts['errors']} requests failed (not acknowledged), "
          f"{counts['refused']} refused")
    return len(lost)


def main():
    binary = sys.argv[1]
    seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    connections = int(sys.argv[3]) if len(sys.argv) > 3 else 16
    url = os.environ.get("TRACEKIT_TEST_DATABASE_URL")
    cluster = None
    if not url:
        cluster = tempfile.mkdtemp()
        os.chmod(cluster, 0o755)
        url = subprocess.run([str(REPO / "scripts" / "pg-cluster.sh"), "start", cluster + "/pg"],
                             check=True, capture_output=True, text=True).stdout.strip()
    admin = new_admin_key()
    # Retention off: the sweep must not delete what the run counts.
    a = Instance(binary, url, admin, "A", extra=["--retention-count", "0"])
    b = Instance(binary, url, admin, "B", extra=["--retention-count", "0"])
    try:
        load = os.getloadavg()[0]
        print(f"load average before: {load:.2f} on {os.cpu_count()} cores")
        ingest(a, b, url, seconds, connections)
        latency(a, b)
        lost = sigkill(a, b, url)
        print(f"load average after: {os.getloadavg()[0]:.2f}")
    finally:
        a.stop()
        b.stop()
        if cluster:
            subprocess.run([str(REPO / "scripts" / "pg-cluster.sh"), "stop", cluster + "/pg"], check=False)
            os.rmdir(cluster)
    sys.exit(1 if lost else 0)


if __name__ == "__main__":
    main()
