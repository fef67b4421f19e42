"""End to end with libtracekit's capture client (issue 4, item 6): a
breakpoint created through the API -> the C example captures -> the snapshot
is listed with redactions; the kill switch through the API -> captures stop
within 1 s (the client's poll interval is 30 s, so only SSE can tell it).
Needs gcc and the built library: TRACEKIT_LIB_DIR (holding libtracekit.so)
and the repository's include/; skipped otherwise."""
import datetime
import json
import os
import pathlib
import shutil
import subprocess
import time

import pytest

REPO = pathlib.Path(__file__).resolve().parents[3]
HERE = pathlib.Path(__file__).resolve().parent


def library_dir():
    candidates = [os.environ.get("TRACEKIT_LIB_DIR"), REPO / ".build-lib/stage/lib", REPO / ".build/stage/lib", "/usr/local/lib"]
    for candidate in candidates:
        if candidate and (pathlib.Path(candidate) / "libtracekit.so").exists():
            return pathlib.Path(candidate)
    return None


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    lib = library_dir()
    if lib is None or shutil.which("gcc") is None:
        pytest.skip("libtracekit.so or gcc not found (set TRACEKIT_LIB_DIR)")
    binary = tmp_path_factory.mktemp("e2e") / "e2e_checkout"
    subprocess.run(["gcc", "-std=c99", "-Wall", "-Werror", "-o", str(binary), str(HERE / "e2e_checkout.c"),
                    f"-I{REPO / 'include'}", f"-L{lib}", f"-Wl,-rpath,{lib}", "-ltracekit", "-lpthread"], check=True)
    return binary


def received_at(snapshot):
    return datetime.datetime.fromisoformat(snapshot["received_at"].replace("Z", "+00:00")).timestamp()


def snapshots(server, service):
    return server.api("GET", f"/api/snapshots?service={service}&limit=500").json()["snapshots"]


def test_c_example_captures_then_kill_switch_stops_it(server, example):
    service = "c-e2e"
    key = server.api("POST", "/api/keys", json={"name": "c example", "role": "sdk", "services": [service]}).json()["key"]
    created = server.api("POST", "/api/breakpoints", json={
        "service_name": service, "function_name": "charge", "label": "before-charge"})
    assert created.status_code == 201, created.text

    run = subprocess.Popen([str(example), server.base_url, key, service, "6"], stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 4
        while time.time() < deadline and len(snapshots(server, service)) < 3:
            time.sleep(0.1)
        listed = snapshots(server, service)
        assert len(listed) >= 3, "the C example's captures did not arrive"
        first = listed[-1]
        assert first["function_name"] == "charge" and first["label"] == "before-charge"
        assert first["variables"]["card"] == "[REDACTED:credit_card]"
        assert first["variables"]["customer"]["email"] == "[REDACTED:email]"
        assert "4111 1111 1111 1111" not in json.dumps(listed) and "jane@example.com" not in json.dumps(listed)

        killed_at = time.time()
        assert server.api("POST", f"/api/services/{service}/kill-switch", json={"enabled": True}).status_code == 200
        output, _ = run.communicate(timeout=30)
    finally:
        if run.poll() is None:
            run.kill()
    stats = json.loads(output.strip().splitlines()[-1])
    assert stats["kill_switch"] is True
    assert stats["suppressed_kill_switch"] > 0
    last = max(received_at(s) for s in snapshots(server, service))
    assert last <= killed_at + 1.0, f"a capture arrived {last - killed_at:.3f} s after the kill switch"
