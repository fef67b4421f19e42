"""Throughput of a WSGI service under gunicorn -w 2 with one checkpoint per
request and its breakpoint enabled: no SDK, tracekit_native with default
options, the official tracekit-apm; side by side in one run, interleaved
and repeated so that the ratios are meaningful on a loaded machine.

Usage (run.sh sets up the interpreter):
  bench.py --server-bin PATH [--rounds 5] [--seconds 10]
"""
import argparse
import json
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "Tests", "support"))
from server_process import ServerProcess, api, cpu_seconds  # noqa: E402
CONFIGS = ("none", "native", "official")
LABEL = "service-checkout"


def start_server(binary, tmp, key):
    return ServerProcess(binary, "--database", os.path.join(tmp, "service.sqlite"), "--admin-key", key)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port, process, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"gunicorn did not listen on {port} within {timeout} s")


def start_gunicorn(config, port, endpoint, key, service):
    env = dict(os.environ, TRACEKIT_BENCH_SDK=config, TRACEKIT_BENCH_ENDPOINT=endpoint, TRACEKIT_BENCH_KEY=key,
               TRACEKIT_BENCH_SERVICE=service,
               PYTHONPATH=os.pathsep.join([HERE, os.path.join(ROOT, "bindings", "python")]))
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}",
                                "--log-level", "warning", "app:application"],
                               cwd=HERE, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    wait_for_port(port, process)
    return process


def stop_gunicorn(process):
    process.send_signal(signal.SIGTERM)  # graceful: each worker's SDK shuts down at exit
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def wrk(url, seconds):
    output = subprocess.run(["wrk", "-t2", "-c4", f"-d{seconds}s", url], capture_output=True, text=True,
                            timeout=seconds + 60)
    text = output.stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if output.returncode != 0 or not match:
        raise SystemExit(f"wrk failed:\n{text}\n{output.stderr}")
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if errors:
        raise SystemExit(f"the service answered errors:\n{text}")
    return float(match.group(1))


def workers_of(process):
    with open(f"/proc/{process.pid}/task/{process.pid}/children") as children:
        return [int(pid) for pid in children.read().split()]


def service_cpu(process, server):
    """CPU seconds so far of gunicorn (master and workers) and tracekit-server."""
    return (sum(cpu_seconds(pid) for pid in [process.pid] + workers_of(process)), cpu_seconds(server.pid))


def capture_count(base, key, service):
    breakpoints = api(base, key, "GET", f"/api/breakpoints?service={service}")["breakpoints"]
    return sum(bp.get("capture_count", 0) for bp in breakpoints)


def measure(config, base, key, service, server, seconds, warmup_seconds):
    port = free_port()
    process = start_gunicorn(config, port, base, key, service)
    url = f"http://127.0.0.1:{port}/checkout"
    try:
        wrk(url, warmup_seconds)  # every worker initialised, its site registered and active
        captured_before = capture_count(base, key, service)
        load_before = os.getloadavg()[0]
        cpu_before = service_cpu(process, server)
        rate = wrk(url, seconds)
        cpu_after = service_cpu(process, server)
        load_after = os.getloadavg()[0]
    finally:
        stop_gunicorn(process)
    time.sleep(0.5)  # the snapshots sent at shutdown
    captured = capture_count(base, key, service) - captured_before
    requests = rate * seconds
    return {"config": config, "requests_per_second": rate, "captures": captured,
            "captured_share": captured / requests,
            # CPU per request, independent of how much of the machine others take.
            "gunicorn_cpu_us_per_request": (cpu_after[0] - cpu_before[0]) / requests * 1e6,
            "server_cpu_us_per_request": (cpu_after[1] - cpu_before[1]) / requests * 1e6,
            "load_1m": [round(load_before, 2), round(load_after, 2)]}


def orchestrate(args):
    key = "tk_bench_" + secrets.token_hex(12)
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(args.server_bin, tmp, key)
        base = server.base_url
        try:
            services = {}
            for config in CONFIGS:
                services[config] = f"svc-{config}-{secrets.token_hex(3)}"
                # Enabled before the service starts, unbounded: every request hits an enabled breakpoint.
                api(base, key, "POST", "/api/breakpoints", {"service_name": services[config], "function_name": "checkout",
                                                            "label": LABEL, "enabled": True})
            for round_index in range(args.rounds):
                order = CONFIGS[round_index % 3:] + CONFIGS[:round_index % 3]  # rotated: no config always first
                for config in order:
                    result = measure(config, base, key, services[config], server.process, args.seconds, args.warmup)
                    result["round"] = round_index + 1
                    runs.append(result)
                    print(f"  round {round_index + 1} {config:8s} {result['requests_per_second']:9.1f} req/s, "
                          f"{result['captures']} captures ({result['captured_share']:.1%}), CPU per request: "
                          f"gunicorn {result['gunicorn_cpu_us_per_request']:.0f} µs, "
                          f"server {result['server_cpu_us_per_request']:.0f} µs; load {result['load_1m']}",
                          file=sys.stderr, flush=True)
        finally:
            server.stop()
    report(runs, args)


def report(runs, args):
    by_config = {config: [run["requests_per_second"] for run in runs if run["config"] == config] for config in CONFIGS}
    baseline = {run["round"]: run["requests_per_second"] for run in runs if run["config"] == "none"}
    ratios = {config: [run["requests_per_second"] / baseline[run["round"]] for run in runs
                       if run["config"] == config] for config in CONFIGS}
    captures = {config: sum(run["captures"] for run in runs if run["config"] == config) for config in CONFIGS}
    share = {config: statistics.median(run["captured_share"] for run in runs if run["config"] == config)
             for config in CONFIGS}
    cpu = {config: statistics.median(run["gunicorn_cpu_us_per_request"] + run["server_cpu_us_per_request"]
                                     for run in runs if run["config"] == config) for config in CONFIGS}
    print(json.dumps({"runs": runs, "cpus": os.cpu_count(), "python": sys.version.split()[0]}, indent=2))
    lines = [f"gunicorn -w 2, wrk -t2 -c4, {args.rounds} rounds x {args.seconds} s per configuration, interleaved; "
             f"{os.cpu_count()} CPUs",
             "| configuration | req/s, median (min–max) | ratio to no SDK, median of rounds (min–max) | captures "
             "(median share of requests) | CPU per request, gunicorn + server (median) |",
             "|---|---|---|---|---|"]
    names = {"none": "no SDK", "native": "tracekit_native, default options", "official": "official tracekit-apm"}
    for config in CONFIGS:
        rates, ratio = by_config[config], ratios[config]
        lines.append(f"| {names[config]} | {statistics.median(rates):,.0f} ({min(rates):,.0f}–{max(rates):,.0f}) | "
                     f"{statistics.median(ratio):.1%} ({min(ratio):.1%}–{max(ratio):.1%}) | "
                     f"{captures[config]} ({share[config]:.1%}) | {cpu[config]:.0f} µs |")
    print("\n".join(lines), file=sys.stderr)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server-bin", required=True)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    orchestrate(parser.parse_args())


if __name__ == "__main__":
    main()
