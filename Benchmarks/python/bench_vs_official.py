"""Side by side: the official TraceKit Python SDK (tracekit-apm) and
tracekit_native, same payload, same loopback backend (tracekit-server).

Three figures per SDK, median and p99 of the caller's time per checkpoint:
  inactive  the breakpoint exists but is disabled (timed in batches of
            INACTIVE_BATCH calls: a single call is below the timer's resolution)
  active    the breakpoint is enabled: every call captures
  stall     as active, but the backend answers capture POSTs 200 ms late
  suppressed (tracekit_native) the breakpoint is enabled but the process-wide
            budget (max_captures_per_second 1) is spent: every call is
            suppressed; batches as for inactive

Usage (run.sh does all of this):
  bench_vs_official.py --server-bin PATH      # orchestrates: server, stall proxy, one subprocess per SDK and backend
  bench_vs_official.py --measure SDK ...      # internal: one SDK against one backend
"""
import argparse
import http.client
import http.server
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "Tests", "support"))
from server_process import ServerProcess  # noqa: E402
LABEL = "order-checkout"
INACTIVE_BATCH = 1000
PAYLOAD = {"order_id": 4711, "email": "jane.doe@example.com", "amount": 99.5,
           "items": ["book", "pen"], "card_number": "4111 1111 1111 1111", "express": True}


# --- management API --------------------------------------------------------

def api(base, key, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method, headers={"X-API-Key": key})
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read()
        return json.loads(text) if text else None


def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.02)
    raise SystemExit(f"timed out waiting for {predicate}")


# --- one SDK, one backend (runs in its own process) ---------------------------

def checkout(capture):
    """The checkpoint under test: the same line for every phase."""
    capture(LABEL, {**PAYLOAD})


def percentile(samples, fraction):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def summary(samples_ns):
    return {"median_us": statistics.median(samples_ns) / 1000, "p99_us": percentile(samples_ns, 0.99) / 1000,
            "samples": len(samples_ns)}


def time_calls(capture, count, batch=1):
    samples = []
    clock = time.perf_counter_ns
    for _ in range(count):
        started = clock()
        for _ in range(batch):
            checkout(capture)
        samples.append((clock() - started) / batch)
    return samples


class Official:
    def __init__(self, endpoint, key, service):
        import tracekit
        self.client = tracekit.init(api_key=key, service_name=service, endpoint=endpoint + "/v1/traces",
                                    enabled=False, enable_code_monitoring=True)
        self.snapshots = self.client.get_snapshot_client()
        self.capture = self.client.capture_snapshot

    def wait_until_active(self):
        self.snapshots.fetch_active_breakpoints()
        wait_for(lambda: any(bp.enabled for bp in self.snapshots.breakpoints_cache.values()))

    def stats(self):
        return {}

    def close(self):
        self.snapshots.stop()


class Native:
    def __init__(self, endpoint, key, service, max_captures_per_second=0):
        sys.path.insert(0, os.path.join(ROOT, "bindings", "python"))
        import tracekit_native
        self.client = tracekit_native.init(
            api_key=key, service_name=service, endpoint=endpoint, enable_code_monitoring=True,
            capture_config={"poll_interval_ms": 200, "max_captures_per_second": max_captures_per_second,
                            "max_queue": 100000})
        self.capture = self.client.capture_snapshot

    def wait_until_active(self):
        wait_for(lambda: any(site.active for site in self.client._sites.values()))

    def stats(self):
        stats = self.client.stats()
        return {k: stats[k] for k in ("captured", "sent", "dropped_queue_full", "suppressed_rate_limit", "failed")}

    def close(self):
        self.client.shutdown()


class NativeOverBudget(Native):
    """A budget of one capture a second: all but the first call are suppressed."""

    def __init__(self, endpoint, key, service):
        super().__init__(endpoint, key, service, max_captures_per_second=1)


def measure(sdk_name, endpoint, admin_base, key, service, phases, active_count, stall_count):
    sdk = {"official": Official, "native": Native, "native-over-budget": NativeOverBudget}[sdk_name](
        endpoint, key, service)
    results = {}
    checkout(sdk.capture)  # registers the site (disabled)
    breakpoint = wait_for(lambda: [bp for bp in api(admin_base, key, "GET", f"/api/breakpoints?service={service}")
                                   ["breakpoints"] if bp["label"] == LABEL])[0]
    api(admin_base, key, "PATCH", f"/api/breakpoints/{breakpoint['id']}", {"enabled": False})
    time.sleep(0.5)
    if "inactive" in phases:
        time_calls(sdk.capture, 50, INACTIVE_BATCH)  # warm up
        results["inactive"] = summary(time_calls(sdk.capture, 300, INACTIVE_BATCH))
    api(admin_base, key, "PATCH", f"/api/breakpoints/{breakpoint['id']}", {"enabled": True})
    sdk.wait_until_active()
    if "active" in phases:
        time_calls(sdk.capture, 20)
        results["active"] = summary(time_calls(sdk.capture, active_count))
    if "suppressed" in phases:
        time_calls(sdk.capture, 50, INACTIVE_BATCH)  # warm up; the first call spends the budget
        results["suppressed"] = summary(time_calls(sdk.capture, 300, INACTIVE_BATCH))
    if "stall" in phases:
        time_calls(sdk.capture, 2)
        results["stall"] = summary(time_calls(sdk.capture, stall_count))
    results["stats"] = sdk.stats()
    api(admin_base, key, "PATCH", f"/api/breakpoints/{breakpoint['id']}", {"enabled": False})
    started = time.monotonic()
    sdk.close()
    results["close_seconds"] = round(time.monotonic() - started, 3)
    print(json.dumps(results))


# --- the stalling proxy -------------------------------------------------------

def start_stall_proxy(upstream, stall_seconds):
    """Forwards to upstream; capture POSTs wait stall_seconds first. The
    active-breakpoints answer loses its sse_endpoint so SDKs poll through here."""
    target = urllib.parse.urlsplit(upstream)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def forward(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.command == "POST" and self.path.endswith("/sdk/snapshots/capture"):
                time.sleep(stall_seconds)
            if "/sdk/snapshots/stream/" in self.path:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            connection = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
            connection.request(self.command, self.path, body=body or None, headers=headers)
            response = connection.getresponse()
            data = response.read()
            if "/sdk/snapshots/active/" in self.path and response.status == 200:
                document = json.loads(data)
                document.pop("sse_endpoint", None)
                data = json.dumps(document).encode()
            self.send_response(response.status)
            for name, value in response.getheaders():
                if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            connection.close()

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = forward

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def start_server(binary, tmp, key):
    # "inactive" means the auto-registered breakpoint stays disabled.
    return ServerProcess(binary, "--database", os.path.join(tmp, "bench.sqlite"), "--admin-key", key,
                         "--auto-register-disabled")


def run_one(args, sdk, endpoint, base, key, phases):
    service = f"bench-{sdk}-{'-'.join(phases)}-{secrets.token_hex(2)}"
    command = [sys.executable, __file__, "--measure", sdk, "--endpoint", endpoint, "--admin-base", base,
               "--key", key, "--service", service, "--phases", ",".join(phases),
               "--active-count", str(args.active_count), "--stall-count", str(args.stall_count)]
    print(f"  {sdk:9s} {'+'.join(phases):16s} against {endpoint} ...", file=sys.stderr, flush=True)
    output = subprocess.run(command, capture_output=True, text=True, timeout=900)
    if output.returncode != 0:
        raise SystemExit(f"{sdk} {phases} failed:\n{output.stdout}\n{output.stderr}")
    return json.loads(output.stdout.strip().splitlines()[-1])


def orchestrate(args):
    key = "tk_bench_" + secrets.token_hex(12)
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(args.server_bin, tmp, key)
        base = server.base_url
        proxy, stall_url = start_stall_proxy(base, 0.2)
        try:
            results = {}
            for sdk in ("official", "native"):
                direct = run_one(args, sdk, base, base, key, ["inactive", "active"])
                stalled = run_one(args, sdk, stall_url, base, key, ["stall"])
                results[sdk] = {"inactive": direct["inactive"], "active": direct["active"], "stall": stalled["stall"],
                                "stats_active": direct["stats"], "stats_stall": stalled["stats"],
                                "close_seconds_stall": stalled["close_seconds"]}
            over_budget = run_one(args, "native-over-budget", base, base, key, ["suppressed"])
            results["native"]["suppressed"] = over_budget["suppressed"]
            results["native"]["stats_suppressed"] = over_budget["stats"]
        finally:
            proxy.shutdown()
            server.stop()
    results["machine"] = {"cpus": os.cpu_count(), "load_average_1m_after": round(os.getloadavg()[0], 2),
                          "python": sys.version.split()[0]}
    print(json.dumps(results, indent=2))
    print(table(results), file=sys.stderr)
    native = results["native"]
    print(f"tracekit_native suppressed checkpoint (enabled, budget spent): "
          f"{fmt(native['suppressed']['median_us'])} / {fmt(native['suppressed']['p99_us'])} median / p99, "
          f"inactive {fmt(native['inactive']['median_us'])} in the same run (target ≤ 0.5 µs); "
          f"stats {native['stats_suppressed']}", file=sys.stderr)
    print(f"machine: {results['machine']}", file=sys.stderr)


def table(results):
    lines = ["| path | official tracekit-apm 1.4.1 (median / p99) | tracekit_native (median / p99) | target |",
             "|---|---|---|---|"]
    targets = {"inactive": "≤ 150 ns and ≥ 3× the official", "active": "≤ 20 µs", "stall": "unchanged from no stall"}
    names = {"inactive": "inactive checkpoint", "active": "active capture (small dict)",
             "stall": "active capture, backend stalls 200 ms"}
    for phase in ("inactive", "active", "stall"):
        cells = []
        for sdk in ("official", "native"):
            figure = results[sdk][phase]
            cells.append(f"{fmt(figure['median_us'])} / {fmt(figure['p99_us'])}")
        lines.append(f"| {names[phase]} | {cells[0]} | {cells[1]} | {targets[phase]} |")
    return "\n".join(lines)


def fmt(us):
    if us >= 1000:
        return f"{us / 1000:.1f} ms"
    if us >= 10:
        return f"{us:.1f} µs"
    return f"{us:.2f} µs"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server-bin")
    parser.add_argument("--measure", choices=["official", "native", "native-over-budget"])
    parser.add_argument("--endpoint")
    parser.add_argument("--admin-base")
    parser.add_argument("--key")
    parser.add_argument("--service")
    parser.add_argument("--phases", default="inactive,active")
    parser.add_argument("--active-count", type=int, default=1000)
    parser.add_argument("--stall-count", type=int, default=40)
    args = parser.parse_args()
    if args.measure:
        measure(args.measure, args.endpoint, args.admin_base, args.key, args.service, args.phases.split(","),
                args.active_count, args.stall_count)
    else:
        orchestrate(args)


if __name__ == "__main__":
    main()
