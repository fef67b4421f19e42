"""N suppressed checkpoints of the Python binding, for
suppressed_instructions.sh: the breakpoint is enabled but its max_captures
is reached, so every call is suppressed. The breakpoint comes from the fake
backend of the tests (Tests/TraceKitTestSupport/fake_backend.py), which
serves it and never disables it. Modes: "suppressed" (the checkpoint) and
"ctypes" (a bare tk_site_active call through the binding's prototype, the
floor of any call into the library)."""
import json
import os
import subprocess
import sys
import time
import urllib.request

import tracekit_native

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PAYLOAD = {"order_id": 4711, "email": "jane.doe@example.com", "amount": 99.5,
           "items": ["book", "pen"], "card_number": "4111 1111 1111 1111", "express": True}


def checkout(capture):
    capture("order-checkout", {**PAYLOAD})


def start_backend():
    backend = subprocess.Popen([sys.executable, os.path.join(ROOT, "Tests", "TraceKitTestSupport", "fake_backend.py")],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    port = int(backend.stdout.readline().split()[1])  # "PORT <n>"
    breakpoint = {"id": "bp-1", "service_name": "bench", "function_name": "checkout", "label": "order-checkout",
                  "enabled": True, "max_captures": 1}
    request = urllib.request.Request(f"http://127.0.0.1:{port}/_control/breakpoints", method="POST",
                                     data=json.dumps({"breakpoints": [breakpoint]}).encode())
    urllib.request.urlopen(request, timeout=10).read()
    return backend, port


def main(mode, calls):
    backend, port = start_backend()
    client = tracekit_native.init(api_key="tk_bench", service_name="bench", endpoint=f"http://127.0.0.1:{port}",
                                  capture_config={"poll_interval_ms": 600000, "sse": False})  # the first poll at start
    try:
        checkout(client.capture_snapshot)  # creates the site
        deadline = time.monotonic() + 60
        while not any(site.active for site in client._sites.values()) and time.monotonic() < deadline:
            time.sleep(0.05)
        checkout(client.capture_snapshot)  # the one capture max_captures allows
        if mode == "ctypes":
            handle, site_active = next(iter(client._sites.values())).handle, client._lib.tk_site_active
            for _ in range(calls):
                site_active(handle)
        else:
            for _ in range(calls):
                checkout(client.capture_snapshot)
        stats = client.stats()
        print(json.dumps({k: stats[k] for k in ("captured", "suppressed_max_captures")}), file=sys.stderr)
    finally:
        client.shutdown()
        backend.stdin.close()
        backend.wait(timeout=10)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
