"""tracekit-server instances for the multi-instance test and benchmark:
start one on a database URL, talk to its API, read its SSE streams."""
import json
import os
import re
import secrets
import signal
import subprocess
import threading
import time

import requests


class Instance:
    """One tracekit-server process on an ephemeral loopback port."""

    def __init__(self, binary, database, admin_key, name, extra=()):
        self.name = name
        self.admin_key = admin_key
        self.process = subprocess.Popen(
            [binary, "--port", "0", "--database", database, "--admin-key", admin_key, "--log-level", "info",
             "--auto-register-disabled", *extra],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.output = []
        port = None
        deadline = time.time() + 60
        for line in self.process.stdout:
            self.output.append(line)
            if m := re.search(r"listening on [^:]+:(\d+)", line):
                port = int(m.group(1))
                break
            if time.time() > deadline:
                break
        assert port, f"instance {name} did not start:\n" + "".join(self.output)
        threading.Thread(target=lambda: self.output.extend(self.process.stdout), daemon=True).start()
        self.base_url = f"http://127.0.0.1:{port}"
        self.session = requests.Session()

    def api(self, method, path, **kwargs):
        return self.session.request(method, self.base_url + path, headers={"X-API-Key": self.admin_key}, timeout=10, **kwargs)

    def capture(self, key, service, breakpoint_id, session=None):
        body = {"breakpoint_id": breakpoint_id, "service_name": service, "file_path": "app/pay.py", "line_number": 42,
                "function_name": "pay", "label": "before-charge", "variables": {"amount": 12},
                "stack_trace": "pay (app/pay.py:42)", "captured_at": "2026-12-01T00:00:00.250Z", "mode": "snapshot"}
        return (session or self.session).post(self.base_url + "/sdk/snapshots/capture", json=body,
                                              headers={"X-API-Key": key}, timeout=10)

    def connected_sdks(self, service):
        services = self.api("GET", "/api/services").json()["services"]
        return next((s["connected_sdks"] for s in services if s["name"] == service), 0)

    def stop(self, sig=signal.SIGTERM):
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class EventStream:
    """An SSE stream read on its own thread; each event is kept with the
    monotonic time it arrived."""

    def __init__(self, instance, service, key):
        self.events = []
        self.lock = threading.Condition()
        self.ended = False
        self.response = requests.get(f"{instance.base_url}/sdk/snapshots/stream/{service}",
                                     headers={"X-API-Key": key}, stream=True, timeout=(5, None))
        assert self.response.status_code == 200, self.response.text
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        name = None
        try:
            for line in self.response.iter_lines(chunk_size=1, decode_unicode=True):
                if line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: ") and name:
                    event = (name, json.loads(line[6:]), time.monotonic())
                    with self.lock:
                        self.events.append(event)
                        self.lock.notify_all()
                    name = None
        except (requests.RequestException, ValueError, AttributeError):
            pass  # closed by the server or by close()
        with self.lock:
            self.ended = True
            self.lock.notify_all()

    def wait_for(self, predicate, timeout=5.0, start=0):
        """The first event from index `start` on with predicate(name, data) true: (index, arrival time)."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                for index in range(start, len(self.events)):
                    name, data, arrived = self.events[index]
                    if predicate(name, data):
                        return index, arrived
                left = deadline - time.monotonic()
                if left <= 0 or self.ended:
                    return None, None
                self.lock.wait(left)

    def wait_ended(self, timeout):
        with self.lock:
            return self.lock.wait_for(lambda: self.ended, timeout)

    def close(self):
        self.response.close()


def new_admin_key():
    return "tk_multi_" + secrets.token_hex(16)


def server_binary():
    binary = os.environ.get("TRACEKIT_SERVER_BIN")
    assert binary and os.path.exists(binary), "set TRACEKIT_SERVER_BIN to a tracekit-server binary"
    return binary


def postgres_url():
    url = os.environ.get("TRACEKIT_TEST_DATABASE_URL")
    assert url, "set TRACEKIT_TEST_DATABASE_URL (run.sh starts a throwaway cluster)"
    return url
