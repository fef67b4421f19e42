"""Starts tracekit-server on an ephemeral port with a fresh database for the
compatibility tests. The binary is TRACEKIT_SERVER_BIN, or the debug build in
server/.build-server."""
import os
import pathlib
import re
import secrets
import subprocess
import tempfile
import threading

import pytest
import requests

SERVER_DIR = pathlib.Path(__file__).resolve().parents[2]
DEFAULT_BIN = SERVER_DIR / ".build-server" / "debug" / "tracekit-server"


class Server:
    def __init__(self, base_url, admin_key, process, output):
        self.base_url = base_url
        self.admin_key = admin_key
        self.process = process
        self.output = output

    def api(self, method, path, **kwargs):
        headers = {"X-API-Key": self.admin_key}
        return requests.request(method, self.base_url + path, headers=headers, timeout=10, **kwargs)


def start_server(tmp, *flags):
    """Starts the server on an ephemeral port with a database in `tmp` and the
    given flags; returns (process, port, output lines so far)."""
    binary = os.environ.get("TRACEKIT_SERVER_BIN", str(DEFAULT_BIN))
    process = subprocess.Popen(
        [binary, "--port", "0", "--database", os.path.join(tmp, "compat.sqlite"), *flags],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = []
    port = None
    for line in process.stdout:
        output.append(line)
        if m := re.search(r"listening on [^:]+:(\d+)", line):
            port = int(m.group(1))
            break
    assert port, "".join(output)
    threading.Thread(target=lambda: output.extend(process.stdout), daemon=True).start()
    return process, port, output


def stop(process):
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def server():
    with tempfile.TemporaryDirectory() as tmp:
        # A configured admin key cannot be revoked through the API (schemathesis
        # revokes the keys it lists), so the tests use it for /api/ calls.
        configured = "tk_compat_" + secrets.token_hex(16)
        process, port, output = start_server(
            tmp, "--log-level", "info", "--admin-key", configured,
            # The official SDK's flow as its docs describe it: register, then enable.
            "--auto-register-disabled",
            # Large enough that schemathesis's oversized arrays reach validation (400)
            # instead of the size limit (413, which its negative-data check does not expect).
            "--max-body-bytes", str(32 << 20))
        try:
            yield Server(f"http://127.0.0.1:{port}", configured, process, output)
        finally:
            stop(process)


@pytest.fixture
def default_server():
    """The server as a user starts it: no flags but the port and the database
    (auto-registration on, its default bounds); the admin key is the
    development key it prints on first start."""
    with tempfile.TemporaryDirectory() as tmp:
        process, port, output = start_server(tmp)
        try:
            printed = re.search(r"Development admin API key \(shown once, store it now\): (\S+)", "".join(output))
            assert printed, "".join(output)
            yield Server(f"http://127.0.0.1:{port}", printed.group(1), process, output)
        finally:
            stop(process)
