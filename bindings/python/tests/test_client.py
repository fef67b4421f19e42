"""tracekit_native against a real tracekit-server: init, capture with request
context, redaction, kill switch, bad input, shutdown."""
import asyncio
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Mapping

import pytest

import tracekit_native
from tracekit_native import TraceKitASGIMiddleware, TraceKitError, TraceKitWSGIMiddleware
from tracekit_native import _lib

from conftest import wait_for
from support import enable, registered_breakpoint, site_of

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


class Unserializable:
    pass


def checkout(client, card="4111 1111 1111 1111"):
    cart = {"items": ["book", "pen"], "total": 42.5}
    cart["self"] = cart  # a cycle
    client.capture_snapshot("order-checkout", {
        "email": "jane.doe@example.com", "card_number": card, "password": "hunter2",
        "cart": cart, "handle": Unserializable(), "amount": 42,
    })
    return CHECKPOINT_LINE


CHECKPOINT_LINE = checkout.__code__.co_firstlineno + 3


def wsgi_app(client):
    def app(environ, start_response):
        checkout(client)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]
    return TraceKitWSGIMiddleware(app)


def wsgi_request(app, path="/checkout"):
    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": path, "QUERY_STRING": "step=pay", "SERVER_NAME": "shop",
        "SERVER_PORT": "8080", "HTTP_HOST": "shop.example", "REMOTE_ADDR": "203.0.113.9",
        "HTTP_USER_AGENT": "pytest", "HTTP_AUTHORIZATION": "Bearer secret-token",
        "HTTP_COOKIE": "session=abc", "HTTP_TRACEPARENT": TRACEPARENT, "wsgi.url_scheme": "https",
    }
    return b"".join(app(environ, lambda status, headers: None))


def test_init_returns_a_client_whose_first_checkpoint_registers_the_site(server, service, make_client):
    client = make_client(service)
    assert isinstance(client, tracekit_native.Client)
    assert tracekit_native.get_client() is client
    checkout(client)
    breakpoint = registered_breakpoint(server, service)
    assert breakpoint["enabled"] is False
    assert breakpoint["function_name"] == "checkout"
    assert breakpoint["file_path"] == __file__
    assert breakpoint["line_number"] == CHECKPOINT_LINE
    # Nothing is captured while the breakpoint is disabled.
    checkout(client)
    assert client.flush(5.0) is True
    assert server.snapshots(service) == []


def test_capture_carries_request_context_stack_and_redacts_pii(server, service, make_client):
    client = make_client(service)
    app = wsgi_app(client)
    assert wsgi_request(app) == b"ok"
    breakpoint = registered_breakpoint(server, service)
    delay = enable(server, client, breakpoint["id"])
    assert delay < 1.0

    wsgi_request(app)
    assert client.flush(5.0) is True
    snapshots = wait_for(lambda: server.snapshots(service))
    assert len(snapshots) == 1
    snapshot = snapshots[0]

    assert (snapshot["file_path"], snapshot["line_number"], snapshot["function_name"], snapshot["label"]) == \
        (__file__, CHECKPOINT_LINE, "checkout", "order-checkout")
    variables = snapshot["variables"]
    assert variables["email"] == "[REDACTED:email]"
    assert variables["card_number"] == "[REDACTED:credit_card]"
    assert variables["password"] == "[REDACTED:sensitive_name]"
    assert variables["amount"] == 42
    assert variables["handle"] == "[UNSERIALIZABLE:test_client.Unserializable]"
    assert variables["cart"]["items"] == ["book", "pen"]
    assert variables["cart"]["self"] == "[CIRCULAR]"

    request = snapshot["request_context"]
    assert (request["method"], request["path"], request["query"]) == ("POST", "/checkout", "step=pay")
    assert request["url"] == "https://shop.example/checkout?step=pay"
    assert request["remote_addr"] == "203.0.113.9"
    assert request["user_agent"] == "pytest"
    assert request["headers"]["authorization"] == "[REDACTED:sensitive_name]"
    assert request["headers"]["cookie"] == "[REDACTED:sensitive_name]"
    assert "secret-token" not in str(snapshot)
    assert (snapshot["trace_id"], snapshot["span_id"]) == ("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7")

    frames = snapshot["stack_trace"].splitlines()
    assert frames[0] == f"checkout ({__file__}:{CHECKPOINT_LINE})"
    assert any(frame.startswith("app (") for frame in frames[1:3])
    stats = client.stats()
    assert stats["captured"] == 1 and stats["sent"] == 1 and stats["redactions"] >= 3


def test_asgi_middleware_puts_the_request_in_context(server, service, make_client):
    client = make_client(service)

    async def app(scope, receive, send):
        await asyncio.sleep(0)
        checkout(client)

    middleware = TraceKitASGIMiddleware(app)
    scope = {"type": "http", "method": "GET", "path": "/cart", "query_string": b"id=7", "scheme": "http",
             "client": ("198.51.100.4", 5000), "server": ("api", 80),
             "headers": [(b"host", b"api.example"), (b"x-api-key", b"k-123"), (b"traceparent", TRACEPARENT.encode())]}
    asyncio.run(middleware(scope, None, None))
    enable(server, client, registered_breakpoint(server, service)["id"])
    asyncio.run(middleware(scope, None, None))
    assert client.flush(5.0)
    snapshot = wait_for(lambda: server.snapshots(service))[0]
    request = snapshot["request_context"]
    assert (request["method"], request["path"], request["url"]) == ("GET", "/cart", "http://api.example/cart?id=7")
    assert request["remote_addr"] == "198.51.100.4"
    assert request["headers"]["x-api-key"] == "[REDACTED:sensitive_name]"
    assert snapshot["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"


def test_kill_switch_stops_captures_until_lifted(server, service, make_client):
    client = make_client(service)
    checkout(client)
    enable(server, client, registered_breakpoint(server, service)["id"])
    checkout(client)
    assert client.flush(5.0)
    assert len(wait_for(lambda: server.snapshots(service))) == 1

    assert server.api("POST", f"/api/services/{service}/kill-switch", {"enabled": True})[0] == 200
    assert wait_for(lambda: client.stats()["kill_switch"] and not site_of(client).active, timeout=3.0)
    for _ in range(5):
        checkout(client)
    assert client.flush(5.0)
    assert len(server.snapshots(service)) == 1
    assert client.stats()["captured"] == 1

    assert server.api("POST", f"/api/services/{service}/kill-switch", {"enabled": False})[0] == 200
    assert wait_for(lambda: site_of(client).active, timeout=3.0)
    checkout(client)
    assert client.flush(5.0)
    assert len(wait_for(lambda: len(server.snapshots(service)) == 2 and server.snapshots(service))) == 2


class CountedVariables(Mapping):
    """Variables that count how often they are read (serialised)."""

    def __init__(self):
        self.reads = 0

    def __iter__(self):
        self.reads += 1
        return iter(["order_id"])

    def __getitem__(self, key):
        return 42

    def __len__(self):
        return 1


def place_order(client, variables):
    client.capture_snapshot("place-order", variables)


def test_a_suppressed_checkpoint_does_not_serialise_its_variables(server, service, make_client):
    client = make_client(service)
    variables = CountedVariables()
    place_order(client, variables)  # registers the site; inactive: not read
    enable(server, client, registered_breakpoint(server, service, "place-order")["id"], "place-order",
           max_captures=1)
    for _ in range(5):
        place_order(client, variables)
    assert client.flush(5.0)
    stats = client.stats()
    assert stats["captured"] == 1 and stats["suppressed_max_captures"] == 4
    assert variables.reads == 1  # the captured hit only
    assert [s["variables"] for s in wait_for(lambda: server.snapshots(service))] == [{"order_id": 42}]


def test_inactive_checkpoint_does_not_call_into_the_library(service, make_client, monkeypatch):
    client = make_client(service)
    checkout(client)  # first hit: creates the site (and crosses once)
    calls = []
    lib = client._lib
    for name in ("tk_site_capture", "tk_site_active", "tk_site_get", "tk_capture"):
        original = getattr(lib, name)
        monkeypatch.setattr(lib, name, lambda *args, _name=name, _original=original: calls.append(_name) or _original(*args))
    for _ in range(1000):
        checkout(client)
    assert calls == []


def test_invalid_options_raise_trace_kit_error_naming_the_option(server):
    cases = [
        ({"capture_config": {"capture_depth": -1}}, _lib.TK_ERR_INVALID_ARGUMENT, "capture_depth"),
        ({"capture_config": {"capture_depth": "deep"}}, _lib.TK_ERR_INVALID_ARGUMENT, "capture_depth"),
        ({"capture_config": {"max_payload": 2**70}}, _lib.TK_ERR_INVALID_ARGUMENT, "max_payload"),
        ({"capture_config": {"capture_timeout": 10**6}}, _lib.TK_ERR_INVALID_ARGUMENT, "capture_timeout"),
        ({"capture_config": {"colour": "blue"}}, _lib.TK_ERR_INVALID_ARGUMENT, "colour"),
        ({"capture_config": {"pii_patterns": {"order_id": "ORD-(\\d+"}}}, _lib.TK_ERR_INVALID_PATTERN, "order_id"),
        ({"capture_config": {"circuit_breaker": {"max_failures": 0}}}, _lib.TK_ERR_INVALID_ARGUMENT, "circuit"),
        ({"capture_config": {"circuit_breaker": {"retries": 1}}}, _lib.TK_ERR_INVALID_ARGUMENT, "retries"),
        ({"service_name": "no spaces allowed"}, _lib.TK_ERR_INVALID_ARGUMENT, "service_name"),
        ({"endpoint": "ftp://example.com"}, _lib.TK_ERR_INVALID_ARGUMENT, "endpoint"),
        ({"api_key": ""}, _lib.TK_ERR_INVALID_ARGUMENT, "api_key"),
        ({"enable_code_monitoring": "yes"}, _lib.TK_ERR_INVALID_ARGUMENT, "enable_code_monitoring"),
    ]
    for overrides, status, named in cases:
        arguments = {"api_key": "tk_secret_key_value", "service_name": "svc", "endpoint": server.base_url, **overrides}
        with pytest.raises(TraceKitError) as raised:
            tracekit_native.init(**arguments)
        assert raised.value.status == status, (overrides, raised.value)
        assert named in str(raised.value), (overrides, raised.value)
        assert "tk_secret_key_value" not in str(raised.value)


def test_custom_pii_pattern_redacts_captured_values(server, service, make_client):
    client = make_client(service, capture_config={"pii_patterns": {"order_ref": r"ORD-\d{6}"}})

    def handler(reference):
        client.capture_snapshot("custom", {"note": f"customer wrote about {reference} today"})

    handler("ORD-123456")
    bp = registered_breakpoint(server, service, "custom")
    assert server.api("PATCH", f"/api/breakpoints/{bp['id']}", {"enabled": True})[0] == 200
    assert wait_for(lambda: site_of(client, "custom").active, timeout=3.0)
    handler("ORD-654321")
    assert client.flush(5.0)
    snapshot = wait_for(lambda: server.snapshots(service))[0]
    assert snapshot["variables"]["note"] == "customer wrote about [REDACTED:order_ref] today"


def test_bad_checkpoint_arguments_raise_in_strict_mode(service, make_client):
    client = make_client(service, strict=True)
    for label in ("", None, 42, ["list"], "nul\x00byte"):
        with pytest.raises(TraceKitError) as raised:
            client.capture_snapshot(label, {})
        assert raised.value.status == _lib.TK_ERR_INVALID_ARGUMENT
    with pytest.raises(TraceKitError, match="variables must be a dict"):
        client.capture_snapshot("label", ["not", "a", "dict"])


def test_hostile_variables_are_captured_safely_and_bounded(server, service, make_client):
    client = make_client(service, capture_config={"max_payload": 4096})

    class Exploding:
        def __eq__(self, other):
            raise RuntimeError("boom")
        __hash__ = object.__hash__

    deep = current = {}
    for _ in range(100_000):
        current["next"] = {}
        current = current["next"]
    huge = list(range(2_000_000))

    def handler():
        client.capture_snapshot("hostile", {
            "deep": deep, "huge": huge, "nan": float("nan"), "big": 10**5000, "bytes": b"\x00\xff",
            "set": {1}, "weird": Exploding(), "surrogate": "\ud800", "key_types": {1: "a", None: "b", (1, 2): "c"},
        })

    handler()
    bp = registered_breakpoint(server, service, "hostile")
    assert server.api("PATCH", f"/api/breakpoints/{bp['id']}", {"enabled": True})[0] == 200
    assert wait_for(lambda: site_of(client, "hostile").active, timeout=3.0)
    started = time.monotonic()
    handler()
    assert time.monotonic() - started < 1.0, "conversion was not bounded"
    assert client.flush(5.0)
    snapshot = wait_for(lambda: server.snapshots(service))[0]
    # Over max_payload: the library replaces the document by its marker.
    assert snapshot["variables"]["_truncated"] is True
    assert snapshot["variables"]["_truncated_by"] == "payload_limit"


def test_shutdown_is_bounded_idempotent_and_makes_later_calls_safe(server, service):
    # An endpoint where nothing listens: sends fail, shutdown still returns.
    client = tracekit_native.init(api_key="tk_x", service_name=service, endpoint="http://127.0.0.1:9",
                                  enable_code_monitoring=True, capture_config={"capture_timeout": 1})
    checkout(client)
    started = time.monotonic()
    client.shutdown()
    assert time.monotonic() - started < 2.5
    client.shutdown()
    assert client.is_shut_down
    checkout(client)  # a no-op, not a crash
    with pytest.raises(TraceKitError) as raised:
        client.stats()
    assert raised.value.status == _lib.TK_ERR_SHUT_DOWN
    with pytest.raises(TraceKitError):
        client.flush(0)


def test_module_level_capture_uses_the_global_client(server, service, make_client):
    client = make_client(service)

    def handler():
        tracekit_native.capture_snapshot("module-level", {"n": 1})

    handler()
    bp = registered_breakpoint(server, service, "module-level")
    assert bp["function_name"] == "handler"
    assert server.api("PATCH", f"/api/breakpoints/{bp['id']}", {"enabled": True})[0] == 200
    assert wait_for(lambda: site_of(client, "module-level").active, timeout=3.0)
    handler()
    assert client.flush(5.0)
    assert wait_for(lambda: server.snapshots(service))[0]["variables"] == {"n": 1}


def run_loader(tmp_path, system_library):
    """Runs init() in a fresh interpreter without TRACEKIT_LIBRARY (and
    without a bundled copy) whose find_library('tracekit') returns
    system_library."""
    script = textwrap.dedent(f"""
        import ctypes.util
        ctypes.util.find_library = lambda name: {system_library!r}
        import tracekit_native
        try:
            client = tracekit_native.init(api_key="k", endpoint="http://127.0.0.1:9")
            print("loaded", tracekit_native._lib.load().path)
            client.shutdown()
        except tracekit_native.TraceKitError as error:
            print(error)
    """)
    env = {name: value for name, value in os.environ.items() if name != "TRACEKIT_LIBRARY"}
    return subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=30,
                          cwd=os.path.dirname(os.path.dirname(__file__))).stdout


def test_missing_library_error_names_every_place_tried(tmp_path):
    output = run_loader(tmp_path, None)
    assert "libtracekit could not be loaded" in output
    assert "TRACEKIT_LIBRARY: not set" in output
    assert "bundled copy" in output and "find_library" in output


def test_loader_falls_back_to_the_system_library(tmp_path, library):
    assert run_loader(tmp_path, library).strip() == f"loaded {library}"


def test_flask_app_with_the_wsgi_middleware_captures_request_context(server, service, make_client):
    flask = pytest.importorskip("flask")
    client = make_client(service)
    app = flask.Flask(__name__)
    app.wsgi_app = TraceKitWSGIMiddleware(app.wsgi_app)

    @app.post("/orders/<int:order_id>")
    def place_order(order_id):
        client.capture_snapshot("flask-order", {"order_id": order_id, "email": flask.request.json["email"]})
        return {"ok": True}

    http = app.test_client()
    body = {"email": "buyer@example.com"}
    assert http.post("/orders/7", json=body).status_code == 200
    bp = registered_breakpoint(server, service, "flask-order")
    assert server.api("PATCH", f"/api/breakpoints/{bp['id']}", {"enabled": True})[0] == 200
    assert wait_for(lambda: site_of(client, "flask-order").active, timeout=3.0)
    assert http.post("/orders/8?src=app", json=body, headers={"Authorization": "Bearer t0ken"}).status_code == 200
    assert client.flush(5.0)
    snapshot = wait_for(lambda: server.snapshots(service))[0]
    assert snapshot["function_name"] == "place_order"
    assert snapshot["variables"] == {"order_id": 8, "email": "[REDACTED:email]"}
    request = snapshot["request_context"]
    assert (request["method"], request["path"], request["query"]) == ("POST", "/orders/8", "src=app")
    assert request["headers"]["authorization"] == "[REDACTED:sensitive_name]"


def test_sanitize_and_eval_helpers_report_bad_input_as_trace_kit_error():
    assert tracekit_native.sanitize_json('{"email": "a@b.example", "n": 1}') == '{"email":"[REDACTED:email]","n":1}'
    with pytest.raises(TraceKitError) as raised:
        tracekit_native.sanitize_json('{"unterminated": ')
    assert raised.value.status == _lib.TK_ERR_INVALID_JSON
    assert tracekit_native.eval_expression('amount > 100 && user.plan == "pro"',
                                           {"amount": 150, "user": {"plan": "pro"}}) is True
    with pytest.raises(TraceKitError) as raised:
        tracekit_native.eval_expression("amount >", {"amount": 1})
    assert raised.value.status == _lib.TK_ERR_INVALID_ARGUMENT


def test_threads_capturing_while_the_client_shuts_down(server, service, make_client):
    import threading

    client = make_client(service, capture_config={"max_captures_per_second": 0, "capture_timeout": 1})
    checkout(client)
    enable(server, client, registered_breakpoint(server, service)["id"])
    errors = []
    stop = threading.Event()

    def worker():
        try:
            while not stop.is_set():
                checkout(client)
        except Exception as error:  # any exception is a failure of the test
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    started = time.monotonic()
    client.shutdown()
    assert time.monotonic() - started < 3.0  # capture_timeout + 1 s
    stop.set()
    for thread in threads:
        thread.join(5)
    assert errors == []
    assert all(not thread.is_alive() for thread in threads)
