"""Adversarial tests: tracekit-server (TRACEKIT_SERVER_BIN) on an ephemeral
loopback port with a fresh database, attacked the way issue 11 describes.
Standard library only; every loop is bounded in count and in time."""
import http.client
import json
import os
import pathlib
import resource
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time

import pytest

SERVER_DIR = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(SERVER_DIR.parent / "Tests" / "support"))
from server_process import ServerProcess  # noqa: E402

DEFAULT_BIN = SERVER_DIR / ".build" / "debug" / "tracekit-server"


class Server:
    """One tracekit-server process and helpers to talk to it."""

    def __init__(self, database, extra_args=(), max_files=None):
        self.database = database
        self.extra_args = list(extra_args)
        self.max_files = max_files
        self.admin_key = "tk_adv_" + secrets.token_hex(16)
        self.process = None
        self.output = []
        self.port = None

    def start(self):
        binary = os.environ.get("TRACEKIT_SERVER_BIN", str(DEFAULT_BIN))
        launched = ServerProcess(binary, "--database", self.database, "--admin-key", self.admin_key,
                                 *self.extra_args, preexec_fn=self._limit_files)
        self.process, self.port, self.output = launched.process, launched.port, launched.output
        return self

    def _limit_files(self):
        if self.max_files:
            resource.setrlimit(resource.RLIMIT_NOFILE, (self.max_files, self.max_files))

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self):
        self.process.kill()
        self.process.wait()

    # -- HTTP ------------------------------------------------------------------------

    def request(self, method, path, body=None, key=None, headers=None, timeout=30):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            all_headers = dict(headers or {})
            if key:
                all_headers["X-API-Key"] = key
            if isinstance(body, (dict, list)):
                body = json.dumps(body)
                all_headers.setdefault("Content-Type", "application/json")
            connection.request(method, path, body=body, headers=all_headers)
            response = connection.getresponse()
            data = response.read()
            return response.status, dict(response.getheaders()), data
        finally:
            connection.close()

    def api(self, method, path, body=None, **kwargs):
        status, headers, data = self.request(method, path, body, key=self.admin_key, **kwargs)
        return status, (json.loads(data) if data else None)

    def health_latencies(self, count, interval=0.01):
        """Times `count` GET /api/health on fresh connections (seconds)."""
        times = []
        for _ in range(count):
            started = time.perf_counter()
            status, _, _ = self.request("GET", "/api/health", timeout=10)
            times.append(time.perf_counter() - started)
            assert status == 200
            time.sleep(interval)
        return times

    def create_key(self, role="sdk", name="adversarial"):
        status, body = self.api("POST", "/api/keys", {"name": name, "role": role})
        assert status == 201, body
        return body["id"], body["key"]

    def create_breakpoint(self, service, line=10, **fields):
        status, body = self.api("POST", "/api/breakpoints",
                                {"service_name": service, "file_path": "app.py", "line_number": line,
                                 "max_captures": 0, "capture_frequency": 0, **fields})
        assert status == 201, body
        return body

    def open_stream(self, path, key, timeout=10):
        """An SSE stream as a raw socket (after the response head)."""
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: {key}\r\nAccept: text/event-stream\r\n\r\n".encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(4096)
            assert chunk, "stream closed before its head"
            head += chunk
        assert head.startswith(b"HTTP/1.1 200"), head[:200]
        return sock


def p99(values):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


@pytest.fixture
def make_server():
    """make_server(*args) starts a server with extra flags; all are stopped after the test."""
    servers = []
    with tempfile.TemporaryDirectory() as tmp:
        def make(*args, database=None, max_files=None):
            server = Server(database or os.path.join(tmp, f"adv{len(servers)}.sqlite"), args, max_files).start()
            servers.append(server)
            return server
        make.tmp = tmp
        try:
            yield make
        finally:
            for server in servers:
                server.stop()


def wait_closed(sock, timeout):
    """Seconds until the peer closes `sock` (reading and discarding), or None."""
    started = time.monotonic()
    sock.settimeout(0.2)
    while time.monotonic() - started < timeout:
        try:
            if not sock.recv(65536):
                return time.monotonic() - started
        except socket.timeout:
            continue
        except OSError:
            return time.monotonic() - started
    return None
