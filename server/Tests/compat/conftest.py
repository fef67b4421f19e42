"""Starts tracekit-server on an ephemeral port with a fresh database for the
compatibility tests. The binary is TRACEKIT_SERVER_BIN, or the debug build in
server/.build-server."""
import os
import pathlib
import re
import secrets
import sys
import tempfile

import pytest
import requests

SERVER_DIR = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(SERVER_DIR.parent / "Tests" / "support"))
from server_process import ServerProcess  # noqa: E402

DEFAULT_BIN = SERVER_DIR / ".build-server" / "debug" / "tracekit-server"


class Server:
    def __init__(self, base_url, admin_key, process):
        self.base_url = base_url
        self.admin_key = admin_key
        self.process = process

    def api(self, method, path, **kwargs):
        headers = {"X-API-Key": self.admin_key}
        return requests.request(method, self.base_url + path, headers=headers, timeout=10, **kwargs)


@pytest.fixture
def server():
    binary = os.environ.get("TRACEKIT_SERVER_BIN", str(DEFAULT_BIN))
    with tempfile.TemporaryDirectory() as tmp:
        # A configured admin key cannot be revoked through the API (schemathesis
        # revokes the keys it lists), so the tests use it for /api/ calls.
        configured = "tk_compat_" + secrets.token_hex(16)
        with ServerProcess(
                binary, "--database", os.path.join(tmp, "compat.sqlite"), "--log-level", "info",
                "--admin-key", configured,
                # The official SDK's flow as its docs describe it: register, then enable.
                "--auto-register-disabled",
                # Large enough that schemathesis's oversized arrays reach validation (400)
                # instead of the size limit (413, which its negative-data check does not expect).
                "--max-body-bytes", str(32 << 20)) as process:
            yield Server(process.base_url, configured, process.process)


@pytest.fixture
def default_server():
    """The server as a user starts it: no flags but the port and the database
    (auto-registration on, its default bounds); the admin key is the
    development key it prints on first start."""
    binary = os.environ.get("TRACEKIT_SERVER_BIN", str(DEFAULT_BIN))
    with tempfile.TemporaryDirectory() as tmp:
        with ServerProcess(binary, "--database", os.path.join(tmp, "compat.sqlite")) as process:
            printed = re.search(r"Development admin API key \(shown once, store it now\): (\S+)", "".join(process.output))
            assert printed, "".join(process.output)
            yield Server(process.base_url, printed.group(1), process.process)
