"""capture_snapshot never raises into the caller: failures are counted in
stats(), logged rarely, and the checkpoint returns (strict=True raises).
None for capture_depth / max_payload / capture_timeout means unlimited."""
import json
import logging

import pytest

import tracekit_native
from tracekit_native import TraceKitError, _checkpoint_errors, _lib

from conftest import wait_for
from support import enable, registered_breakpoint

class HostileLabel:
    def __hash__(self):
        raise ValueError("hash")

    def __repr__(self):
        raise RuntimeError("repr")


BAD_LABELS = ("", None, 42, ["unhashable"], "nul\x00byte", HostileLabel())


def test_bad_labels_and_variables_are_counted_not_raised(service, make_client, caplog):
    client = make_client(service)
    caplog.set_level(logging.WARNING, logger="tracekit_native")
    for label in BAD_LABELS:
        assert client.capture_snapshot(label, {"n": 1}) is None
        assert tracekit_native.capture_snapshot(label, {"n": 1}) is None
    for variables in (["not", "a", "dict"], "text", 42):
        assert client.capture_snapshot("order", variables) is None
    stats = client.stats()
    assert stats["dropped_invalid_label"] == 2 * len(BAD_LABELS)
    assert stats["dropped_invalid_variables"] == 3
    assert stats["dropped_internal_error"] == 0
    # Rate-limited: one line per kind, however many failures.
    lines = [record.getMessage() for record in caplog.records if "capture_snapshot failed" in record.getMessage()]
    assert len(lines) == 2, lines
    assert "invalid_label" in lines[0] and "invalid_variables" in lines[1]


def test_the_next_log_line_says_how_many_failures_it_summarises(service, make_client, caplog, monkeypatch):
    client = make_client(service)
    caplog.set_level(logging.WARNING, logger="tracekit_native")
    clock = [1000.0]
    monkeypatch.setattr(_checkpoint_errors.time, "monotonic", lambda: clock[0])
    for _ in range(5):
        client.capture_snapshot(None)
    clock[0] += _checkpoint_errors.LOG_INTERVAL_SECONDS
    client.capture_snapshot(None)
    lines = [record.getMessage() for record in caplog.records if "capture_snapshot failed" in record.getMessage()]
    assert len(lines) == 2
    assert "1 time(s)" in lines[0] and "5 time(s)" in lines[1]


def test_an_internal_failure_is_counted_and_the_checkpoint_returns(server, service, make_client, monkeypatch):
    client = make_client(service)

    def checkpoint():
        client.capture_snapshot("internal", {"n": 1})

    checkpoint()
    enable(server, client, registered_breakpoint(server, service, "internal")["id"], "internal")

    def broken(*args):
        raise MemoryError("simulated failure inside the binding")

    monkeypatch.setattr(client._lib, "tk_site_capture", broken)
    checkpoint()
    monkeypatch.setattr(client._lib, "tk_site_capture", lambda *args: _lib.TK_ERR_INTERNAL)
    checkpoint()
    assert client.stats()["dropped_internal_error"] == 2
    monkeypatch.undo()
    checkpoint()  # and the client still works afterwards
    assert client.flush(5.0)
    assert wait_for(lambda: server.snapshots(service))[0]["variables"] == {"n": 1}


def test_strict_mode_raises_what_it_counts(service, make_client):
    client = make_client(service, strict=True)
    for label in BAD_LABELS:
        with pytest.raises(TraceKitError) as raised:
            client.capture_snapshot(label, {})
        assert raised.value.status == _lib.TK_ERR_INVALID_ARGUMENT
    with pytest.raises(TraceKitError, match="variables must be a dict"):
        client.capture_snapshot("label", ["not", "a", "dict"])
    assert client.stats()["dropped_invalid_label"] == len(BAD_LABELS)


def nested(depth):
    document = leaf = {}
    for _ in range(depth):
        leaf["next"] = {}
        leaf = leaf["next"]
    return document


def depth_of(document):
    depth = 0
    while isinstance(document, dict) and "next" in document:
        document, depth = document["next"], depth + 1
    return depth


def test_none_means_unlimited_and_a_missing_key_keeps_the_bounded_default():
    deep, big = json.dumps(nested(30)), json.dumps({"blob": "x" * 5000, "more": ["y" * 5000] * 20})
    assert depth_of(json.loads(tracekit_native.sanitize_json(deep))) < 30
    assert depth_of(json.loads(tracekit_native.sanitize_json(deep, {"capture_depth": None}))) == 30
    assert json.loads(tracekit_native.sanitize_json(big, {"max_payload": 4096}))["_truncated_by"] == "payload_limit"
    assert json.loads(tracekit_native.sanitize_json(big, {"max_payload": None})) == json.loads(big)


def test_unlimited_options_reach_the_capture(server, service, make_client):
    client = make_client(service, capture_config={"capture_depth": None, "max_payload": None,
                                                  "capture_timeout": None})
    # Over the default 64 KiB and 10 levels, with few values (the debug
    # test server is slow on many).
    variables = {"deep": nested(30), "blobs": ["b" * 7000] * 10}

    def checkpoint():
        client.capture_snapshot("unlimited", variables)

    checkpoint()
    enable(server, client, registered_breakpoint(server, service, "unlimited")["id"], "unlimited")
    checkpoint()
    assert client.flush(10.0)
    captured = wait_for(lambda: server.snapshots(service))[0]["variables"]
    assert depth_of(captured["deep"]) == 30
    assert captured["blobs"] == variables["blobs"]
