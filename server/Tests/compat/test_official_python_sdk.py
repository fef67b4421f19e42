"""The official Python SDK (tracekit-apm, pinned in requirements.txt) against
tracekit-server, unmodified: auto-register, enable via the API, capture, the
snapshot visible through the API with the fields the SDK sent, and the kill
switch reaching the SDK over SSE within a second."""
import json
import time

import requests
import tracekit


def checkout(client, amount):
    order = {"id": 7, "items": ["book", "pen"]}
    client.capture_snapshot("before-charge", {"amount": amount, "order": order, "card_number": "4111 1111 1111 1111"})


def wait_for(predicate, timeout=5.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_official_sdk_round_trip(server, monkeypatch):
    sent = []
    real_post = requests.post

    def recording_post(url, *args, **kwargs):
        response = real_post(url, *args, **kwargs)
        if url.endswith("/sdk/snapshots/capture"):
            sent.append((kwargs.get("json"), response.status_code, response.json()))
        return response

    monkeypatch.setattr(requests, "post", recording_post)
    created = server.api("POST", "/api/keys", json={"name": "python sdk", "role": "sdk", "services": ["py-compat"]})
    assert created.status_code == 201
    client = tracekit.init(api_key=created.json()["key"], service_name="py-compat",
                           endpoint=server.base_url + "/v1/traces", enabled=False, enable_code_monitoring=True)
    snapshots = client.get_snapshot_client()
    assert snapshots.base_url == server.base_url
    try:
        # 1. First call auto-registers; the server keeps the new breakpoint disabled.
        checkout(client, 10)
        listed = server.api("GET", "/api/breakpoints?service=py-compat").json()["breakpoints"]
        assert len(listed) == 1
        bp = listed[0]
        assert (bp["function_name"], bp["label"], bp["enabled"], bp["auto_registered"]) == ("checkout", "before-charge", False, True)
        assert bp["file_path"].endswith("test_official_python_sdk.py")
        assert bp["capture_count"] == 0
        assert all(result == {"accepted": False, "reason": "breakpoint_disabled"} for _, _, result in sent)

        # 2. Enable it through the management API; the next call is stored.
        assert server.api("PATCH", f"/api/breakpoints/{bp['id']}", json={"enabled": True}).status_code == 200
        sent.clear()
        checkout(client, 42)
        assert len(sent) == 1
        document, status, result = sent[0]
        assert status == 201 and result["accepted"] is True

        # 3. The snapshot is listed with the fields the SDK sent.
        page = server.api("GET", f"/api/snapshots?service=py-compat&breakpoint_id={bp['id']}").json()
        assert len(page["snapshots"]) == 1
        stored = page["snapshots"][0]
        assert stored["id"] == result["id"]
        sent_json = json.loads(json.dumps(document, default=str))
        for field in ("breakpoint_id", "service_name", "file_path", "line_number", "function_name", "label",
                      "variables", "security_flags", "stack_trace", "captured_at"):
            assert stored[field] == sent_json[field], field
        assert stored["variables"]["amount"] == 42
        assert server.api("GET", f"/api/breakpoints/{bp['id']}").json()["capture_count"] == 1

        # 4. The SDK's poll connects its SSE stream; the kill switch reaches it within a second.
        snapshots.fetch_active_breakpoints()
        assert wait_for(lambda: snapshots._sse_active), "SDK did not open the SSE stream"
        start = time.time()
        assert server.api("POST", "/api/services/py-compat/kill-switch", json={"enabled": True}).status_code == 200
        assert wait_for(lambda: snapshots._kill_switch_active, timeout=1.0), "kill switch not received within 1 s"
        assert time.time() - start < 1.0
        sent.clear()
        checkout(client, 99)
        assert sent == []
    finally:
        snapshots.stop()


def test_official_sdk_against_a_default_server(default_server, monkeypatch):
    """Auto-registration on, default bounds: the SDK's checkpoints capture and
    never raise, also once its poll cached the server's breakpoint (tracekit-apm
    1.4.1 compares a cached expire_at with a naive datetime.now() outside any
    try/except, so the server must bound these breakpoints without one)."""
    statuses = []
    real_post = requests.post

    def recording_post(url, *args, **kwargs):
        response = real_post(url, *args, **kwargs)
        if url.endswith("/sdk/snapshots/capture"):
            statuses.append(response.status_code)
        return response

    monkeypatch.setattr(requests, "post", recording_post)
    server = default_server
    created = server.api("POST", "/api/keys", json={"name": "python sdk", "role": "sdk", "services": ["py-default"]})
    assert created.status_code == 201
    client = tracekit.init(api_key=created.json()["key"], service_name="py-default",
                           endpoint=server.base_url + "/v1/traces", enabled=False, enable_code_monitoring=True)
    snapshots = client.get_snapshot_client()
    try:
        checkout(client, 1)  # registers; the server's breakpoint starts enabled, so this one is captured
        snapshots.fetch_active_breakpoints()  # the poll replaces the SDK's cache with the server's breakpoint
        cached = snapshots.breakpoints_cache["checkout:before-charge"]
        assert (cached.enabled, cached.max_captures, cached.expire_at, cached.idle_timeout_hours) == (True, 100, None, 24)
        for amount in range(2, 7):
            checkout(client, amount)
        assert statuses == [201] * 6

        bp = server.api("GET", "/api/breakpoints?service=py-default").json()["breakpoints"]
        assert len(bp) == 1 and bp[0]["auto_registered"] and bp[0]["capture_count"] == 6, bp
        page = server.api("GET", f"/api/snapshots?service=py-default&breakpoint_id={bp[0]['id']}").json()
        assert sorted(s["variables"]["amount"] for s in page["snapshots"]) == [1, 2, 3, 4, 5, 6]
    finally:
        snapshots.stop()


def test_sigterm_shuts_down_gracefully_with_an_open_stream(server):
    key = server.api("POST", "/api/keys", json={"name": "sse", "role": "sdk"}).json()["key"]
    stream = requests.get(server.base_url + "/sdk/snapshots/stream/svc", headers={"X-API-Key": key},
                          stream=True, timeout=(5, 10))
    assert stream.status_code == 200
    lines = stream.iter_lines(decode_unicode=True)
    assert any(line == "event: init" for line, _ in zip(lines, range(10)))
    start = time.time()
    server.process.terminate()
    assert server.process.wait(timeout=10) == 0
    assert time.time() - start < 5
    # The stream ends rather than hanging.
    for _ in lines:
        pass
