"""Pre-fork servers: a client made before fork() captures in every child
(gunicorn --preload, uWSGI without lazy-apps, multiprocessing) and the
parent keeps capturing too."""
import concurrent.futures
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
import urllib.request

import tracekit_native

from conftest import ROOT, wait_for
from support import enabled_breakpoint


def report_pid(client):
    client.capture_snapshot("report-pid", {"pid": os.getpid()})


def captured_pids(server, service):
    return {snapshot["variables"]["pid"] for snapshot in server.snapshots(service)}


def test_a_forked_child_and_its_parent_both_capture(server, service, make_client):
    client = make_client(service)
    enabled_breakpoint(server, service, "report_pid", "report-pid")
    report_pid(client)  # the parent's site exists before the fork
    assert wait_for(lambda: client.stats()["breakpoints"] >= 1, timeout=5.0)
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            # The child's client syncs on its own; capture once it is live.
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and client.stats().get("captured", 0) == 0:
                report_pid(client)
                time.sleep(0.05)
            code = 0 if client.flush(5.0) and client.stats()["sent"] >= 1 else 2
            client.shutdown()
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
    report_pid(client)
    assert client.flush(5.0)
    assert wait_for(lambda: {os.getpid(), pid} <= captured_pids(server, service), timeout=5.0), \
        captured_pids(server, service)


def capture_in_pool_worker(_):
    client = tracekit_native.get_client()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and client.stats().get("captured", 0) == 0:
        report_pid(client)
        time.sleep(0.05)
    client.flush(5.0)
    return os.getpid()


def test_multiprocessing_fork_workers_capture(server, service, make_client):
    make_client(service)
    enabled_breakpoint(server, service, "report_pid", "report-pid")
    with multiprocessing.get_context("fork").Pool(2) as pool:
        worker_pids = set(pool.map(capture_in_pool_worker, range(2), chunksize=1))
    assert wait_for(lambda: worker_pids <= captured_pids(server, service), timeout=5.0), \
        (worker_pids, captured_pids(server, service))


GUNICORN_APP = """
    import os
    import time

    import tracekit_native

    # Made once in the gunicorn master (--preload), before the workers fork.
    client = tracekit_native.init(api_key={api_key!r}, service_name={service!r}, endpoint={endpoint!r},
                                  enable_code_monitoring=True, capture_config={{"poll_interval_ms": 100}})


    def report_pid():
        client.capture_snapshot("report-pid", {{"pid": os.getpid()}})


    def app(environ, start_response):
        report_pid()
        time.sleep(0.05)  # long enough that concurrent requests reach both workers
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [str(os.getpid()).encode()]
"""


def start_gunicorn(tmp_path, server, service):
    (tmp_path / "preforked_app.py").write_text(textwrap.dedent(GUNICORN_APP).format(
        api_key=server.sdk_key(service), service=service, endpoint=server.base_url))
    env = {**os.environ, "HOME": str(tmp_path),
           "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT / "bindings" / "python")])}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--preload", "-w", "2", "-b", "127.0.0.1:0", "--chdir", str(tmp_path),
         "preforked_app:app"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True)
    log = []
    for line in process.stdout:
        log.append(line)
        match = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", line)
        if match:
            threading.Thread(target=lambda: log.extend(process.stdout), daemon=True).start()
            return process, int(match.group(1)), log
    process.kill()
    raise AssertionError("gunicorn did not start:\n" + "".join(log))


def test_gunicorn_preload_workers_each_capture(tmp_path, server, service):
    enabled_breakpoint(server, service, "report_pid", "report-pid")
    process, port, log = start_gunicorn(tmp_path, server, service)
    try:
        def get(_):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
                return int(response.read())

        worker_pids = set()
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and not (len(worker_pids) == 2 and
                                                       worker_pids <= captured_pids(server, service)):
                worker_pids.update(pool.map(get, range(8)))
                time.sleep(0.1)
        assert len(worker_pids) == 2, worker_pids
        assert process.pid not in worker_pids
        assert worker_pids <= captured_pids(server, service), (worker_pids, captured_pids(server, service))
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
