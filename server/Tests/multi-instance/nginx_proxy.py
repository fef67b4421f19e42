"""nginx in front of tracekit-server instances, configured from the example in
docs/DEPLOYMENT.md ("nginx in front"): the doc stays the source, this only
adapts what cannot work on a test machine (the upstream addresses, a loopback
listener without TLS, file paths under a temporary prefix)."""
import os
import pathlib
import re
import shutil
import socket
import subprocess
import tempfile
import time

DEPLOYMENT_DOC = pathlib.Path(__file__).resolve().parents[3] / "docs" / "DEPLOYMENT.md"


def documented_config():
    """The first ```nginx block after the "nginx in front" heading."""
    text = DEPLOYMENT_DOC.read_text()
    section = text[text.index("### nginx in front"):]
    match = re.search(r"```nginx\n(.*?)```", section, re.S)
    assert match, "docs/DEPLOYMENT.md has no nginx example under 'nginx in front'"
    return match.group(1)


def adapted_config(upstreams, port, drop=()):
    """The documented config with `upstreams` ("127.0.0.1:port") as the
    instances and a plain loopback listener on `port`; directives named in
    `drop` are removed (to show what each documented setting is for)."""
    lines = []
    for line in documented_config().splitlines():
        directive = line.strip().split(" ", 1)[0]
        if directive in drop:
            continue
        if directive == "server" and re.match(r"\s*server\s+[\d.]+:\d+;", line):
            continue  # the doc's example addresses
        if directive == "listen":
            line = f"    listen 127.0.0.1:{port};"
        if re.match(r"\s*#?\s*ssl_", line.strip()):
            continue
        lines.append(line)
        if line.startswith("upstream "):
            lines.extend(f"    server {address};" for address in upstreams)
    return "\n".join(lines)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Nginx:
    """A real nginx (from PATH or /usr/sbin) in the foreground under a temporary prefix."""

    def __init__(self, upstreams, drop=()):
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        self.prefix = tempfile.mkdtemp(prefix="tk-nginx-")
        os.chmod(self.prefix, 0o755)  # nginx's workers may run as another user
        self.port = free_port()
        conf = pathlib.Path(self.prefix) / "nginx.conf"
        conf.write_text(f"""
worker_processes 1;
error_log {self.prefix}/error.log warn;
pid {self.prefix}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {self.prefix}/client_body;
    proxy_temp_path {self.prefix}/proxy;
{adapted_config(upstreams, self.port, drop)}
}}
""")
        self.process = subprocess.Popen([binary, "-p", self.prefix, "-c", str(conf), "-g", "daemon off;"],
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise AssertionError("nginx did not start:\n" + self.process.stdout.read() + self.error_log())
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            self.stop()
            raise AssertionError("nginx did not listen within 10 s:\n" + self.error_log())
        self.base_url = f"http://127.0.0.1:{self.port}"

    def error_log(self):
        path = pathlib.Path(self.prefix) / "error.log"
        return path.read_text() if path.exists() else ""

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.prefix, ignore_errors=True)


def available():
    return bool(shutil.which("nginx") or os.path.exists("/usr/sbin/nginx"))
