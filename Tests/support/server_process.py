"""tracekit-server as a child process, for the Python test suites and
benchmarks: started on a free port (--port 0, read back from its "listening
on" line) with the given flags; its output is kept for failure messages.
Also the two helpers the benchmarks share: `api` and `cpu_seconds`."""
import json
import os
import re
import subprocess
import threading
import urllib.request


class ServerDidNotStart(RuntimeError):
    pass


class ServerProcess:
    def __init__(self, binary, *flags, startup_timeout=60, **popen_options):
        self.process = subprocess.Popen([str(binary), "--port", "0", *map(str, flags)],
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        **popen_options)
        self.output = []
        self.port = self._read_port(startup_timeout)
        self.base_url = f"http://127.0.0.1:{self.port}"
        # Keep draining: a full pipe would block the server's logging.
        threading.Thread(target=lambda: self.output.extend(self.process.stdout), daemon=True).start()

    def _read_port(self, timeout):
        # A server that hangs before printing anything must not hang the run.
        watchdog = threading.Timer(timeout, self.process.kill)
        watchdog.start()
        try:
            for line in self.process.stdout:
                self.output.append(line)
                if match := re.search(r"listening on [^:]+:(\d+)", line):
                    return int(match.group(1))
        finally:
            watchdog.cancel()
        self.process.kill()
        self.process.wait()
        raise ServerDidNotStart("tracekit-server did not report its port:\n" + "".join(self.output))

    def stop(self, timeout=10):
        """SIGTERM, then SIGKILL if it has not exited within `timeout` seconds."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def api(base_url, key, method, path, body=None):
    """One JSON request to tracekit-server's API with `key`; the decoded answer (None when empty)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base_url + path, data=data, method=method,
                                     headers={"X-API-Key": key, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read()
        return json.loads(text) if text else None


def cpu_seconds(pid):
    """User + system CPU time of a live process (all its threads); 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime
    except (OSError, IndexError, ValueError):
        return 0.0
