"""Request context extraction (tracekit_native.middleware), without a server."""
import asyncio
import sys
import types

from tracekit_native import middleware
from tracekit_native.middleware import (TraceKitASGIMiddleware, TraceKitWSGIMiddleware, current_context,
                                        parse_traceparent, scrub_headers)


def test_traceparent_is_parsed_and_invalid_values_rejected():
    assert parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01") == \
        ("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7")
    for bad in (None, "", "garbage", "00-" + "0" * 32 + "-00f067aa0ba902b7-01",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-" + "0" * 16 + "-01", "00-xyz-abc-01"):
        assert parse_traceparent(bad) is None


def test_sensitive_headers_are_redacted_and_headers_bounded():
    headers = scrub_headers([("Authorization", "Bearer t"), ("X-Auth-Token", "t"), ("Cookie", "c=1"),
                             ("Accept", "text/html"), ("X-Long", "v" * 5000)])
    assert headers["authorization"] == headers["x-auth-token"] == headers["cookie"] == "[REDACTED:sensitive_name]"
    assert headers["accept"] == "text/html"
    assert headers["x-long"].endswith("[TRUNCATED:5000 chars]")
    many = scrub_headers((f"h{i}", "v") for i in range(1000))
    assert len(many) == middleware.MAX_HEADERS + 1 and many["_truncated"] is True


def test_context_exists_only_inside_the_request():
    seen = []

    def app(environ, start_response):
        seen.append(current_context())
        return []

    TraceKitWSGIMiddleware(app)({"REQUEST_METHOD": "GET", "PATH_INFO": "/x", "HTTP_HOST": "h"}, None)
    assert seen[0]["request"]["method"] == "GET" and seen[0]["request"]["url"] == "http://h/x"
    assert current_context() == {}


def test_asgi_context_follows_tasks_and_skips_lifespan():
    seen = []

    async def app(scope, receive, send):
        async def child():
            seen.append(current_context())
        await asyncio.create_task(child())

    middleware_app = TraceKitASGIMiddleware(app)
    asyncio.run(middleware_app({"type": "http", "method": "PUT", "path": "/p", "headers": []}, None, None))
    asyncio.run(middleware_app({"type": "lifespan"}, None, None))
    assert seen[0]["request"]["method"] == "PUT"
    assert seen[1] == {}


def test_active_opentelemetry_span_wins_over_traceparent(monkeypatch):
    span_context = types.SimpleNamespace(is_valid=True, trace_id=0xABC, span_id=0xDEF)
    fake = types.ModuleType("opentelemetry.trace")
    fake.get_current_span = lambda: types.SimpleNamespace(get_span_context=lambda: span_context)
    monkeypatch.setitem(sys.modules, "opentelemetry.trace", fake)
    seen = []

    def app(environ, start_response):
        seen.append(current_context())
        return []

    environ = {"HTTP_TRACEPARENT": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}
    TraceKitWSGIMiddleware(app)(environ, None)
    assert (seen[0]["trace_id"], seen[0]["span_id"]) == ("0" * 29 + "abc", "0" * 13 + "def")

    span_context.is_valid = False
    TraceKitWSGIMiddleware(app)(environ, None)
    assert seen[1]["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
