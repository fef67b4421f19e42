"""tracekit-server as a child process, for the Python test suites and
benchmarks: started on a free port (--port 0, read back from its "listening
on" line) with the given flags; its output is kept for failure messages."""
import re
import subprocess
import threading


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
