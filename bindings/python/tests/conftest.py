"""A real tracekit-server for the binding's tests.

The binary is TRACEKIT_SERVER_BIN (default: this repository's debug build
in server/.build, as scripts/test.sh builds it, or server/.build-server, as
server/README.md builds it). It is started on a free port with a temporary database and a known
admin key. A missing binary or library fails the run with a clear message:
nothing is skipped.
"""
import json
import os
import pathlib
import re
import secrets
import sys
import tempfile
import time
import urllib.error
import urllib.request

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "bindings" / "python"))
sys.path.insert(0, str(ROOT / "Tests" / "support"))
from server_process import ServerProcess  # noqa: E402

# The repository's own server build: scripts/test.sh's scratch path, else README's.
DEFAULT_SERVER_BIN = next(
    (str(path) for path in (ROOT / "server/.build/debug/tracekit-server",
                            ROOT / "server/.build-server/debug/tracekit-server") if path.exists()),
    str(ROOT / "server/.build/debug/tracekit-server"))


class Server:
    def __init__(self, base_url, admin_key):
        self.base_url = base_url
        self.admin_key = admin_key

    def api(self, method, path, body=None):
        """(status, parsed JSON body) of a management/SDK call with the admin key."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base_url + path, data=data, method=method,
                                         headers={"X-API-Key": self.admin_key, "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                text = response.read()
                return response.status, json.loads(text) if text else None
        except urllib.error.HTTPError as error:
            text = error.read()
            return error.code, json.loads(text) if text else None

    def sdk_key(self, service):
        status, body = self.api("POST", "/api/keys", {"name": f"test {service}", "role": "sdk", "services": [service]})
        assert status == 201, body
        return body["key"]

    def breakpoints(self, service):
        status, body = self.api("GET", f"/api/breakpoints?service={service}")
        assert status == 200, body
        return body["breakpoints"]

    def snapshots(self, service):
        status, body = self.api("GET", f"/api/snapshots?service={service}&limit=100")
        assert status == 200, body
        return body["snapshots"]


def wait_for(predicate, timeout=5.0, interval=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    return predicate()


@pytest.fixture(scope="session", autouse=True)
def library():
    path = os.environ.get("TRACEKIT_LIBRARY")
    if not path or not os.path.exists(path):
        pytest.fail(f"TRACEKIT_LIBRARY must name a built libtracekit.so.0 (got {path!r}); "
                    "build it with `make install PREFIX=$PWD/.build/stage`", pytrace=False)
    return path


@pytest.fixture(scope="session")
def server():
    binary = os.environ.get("TRACEKIT_SERVER_BIN", DEFAULT_SERVER_BIN)
    if not os.access(binary, os.X_OK):
        pytest.fail(f"tracekit-server binary not found or not executable: {binary!r}; "
                    "set TRACEKIT_SERVER_BIN to its path", pytrace=False)
    with tempfile.TemporaryDirectory() as tmp:
        admin_key = "tk_pytest_" + secrets.token_hex(16)
        # --auto-register-disabled: the tests enable the breakpoints they need.
        with ServerProcess(binary, "--database", os.path.join(tmp, "test.sqlite"), "--admin-key", admin_key,
                           "--auto-register-disabled") as process:
            yield Server(process.base_url, admin_key)


@pytest.fixture
def service(request):
    """A service name unique to the test."""
    return "py-" + re.sub(r"[^A-Za-z0-9]", "-", request.node.name)[:40] + "-" + secrets.token_hex(3)


@pytest.fixture
def make_client(server):
    """init() against the test server with fast sync; shuts the clients down."""
    import tracekit_native

    clients = []

    def make(service, **overrides):
        config = {"poll_interval_ms": 100}
        config.update(overrides.pop("capture_config", {}))
        client = tracekit_native.init(api_key=overrides.pop("api_key", server.sdk_key(service)),
                                      service_name=service, endpoint=server.base_url,
                                      enable_code_monitoring=True, capture_config=config, **overrides)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.shutdown()
