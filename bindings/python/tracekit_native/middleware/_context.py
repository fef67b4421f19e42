"""The current request, as checkpoints see it.

Every middleware stores the current request in one `contextvars.ContextVar`
(so it follows threads, asyncio tasks and FastAPI's thread pool), and
`capture_snapshot` reads it. Nothing is built per request: the WSGI environ
or ASGI scope is kept as is and turned into a request context only when a
capture actually happens.

The request context carries method, path, url, remote_addr, user_agent,
query and headers. Sensitive headers (Authorization, Cookie, Set-Cookie,
X-API-Key, Proxy-Authorization, and any whose name says token/secret/...)
are redacted here and again by the library; header count and sizes are
bounded. trace_id/span_id come from the active OpenTelemetry span, else
from a W3C `traceparent` request header.
"""
import contextvars
import re
import sys

_current = contextvars.ContextVar("tracekit_native_request", default=None)

REDACTED = "[REDACTED:sensitive_name]"
MAX_HEADERS = 64
MAX_VALUE = 2048
_SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"})
_SENSITIVE_WORDS = re.compile(r"token|secret|passw|api[-_]?key|session|credential|auth", re.IGNORECASE)
_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$")


def _bounded(text):
    return text if len(text) <= MAX_VALUE else text[:MAX_VALUE] + f"[TRUNCATED:{len(text)} chars]"


# name as received -> (lower-case bounded name, sensitive?): the same few
# names come with every request. Bounded: cleared when full.
_header_names = {}
MAX_CACHED_HEADER_NAMES = 1024


def _header_name(name):
    known = _header_names.get(name)
    if known is None:
        lower = _bounded(name.lower())
        known = (lower, lower in _SENSITIVE_HEADERS or _SENSITIVE_WORDS.search(lower) is not None)
        if len(_header_names) >= MAX_CACHED_HEADER_NAMES:
            _header_names.clear()
        _header_names[name] = known
    return known


def scrub_headers(pairs):
    """{name: value} from (name, value) pairs: lower-case names, sensitive
    values redacted, at most MAX_HEADERS headers of bounded size."""
    headers = {}
    for name, value in pairs:
        if len(headers) >= MAX_HEADERS:
            headers["_truncated"] = True
            break
        name, sensitive = _header_name(name)
        headers[name] = REDACTED if sensitive else _bounded(value)
    return headers


def parse_traceparent(value):
    """(trace_id, span_id) from a W3C traceparent header, or None."""
    if not value:
        return None
    match = _TRACEPARENT.match(value.strip().lower())
    if not match or set(match.group(1)) == {"0"} or set(match.group(2)) == {"0"}:
        return None
    return match.group(1), match.group(2)


def _otel_ids():
    """The active OpenTelemetry span's ids, if OpenTelemetry is in use."""
    trace = sys.modules.get("opentelemetry.trace")
    if trace is None:
        return None
    try:
        context = trace.get_current_span().get_span_context()
        if context.is_valid:
            return format(context.trace_id, "032x"), format(context.span_id, "016x")
    except Exception:  # a broken tracer must not break the checkpoint
        return None
    return None


_DEFAULT_PORTS = {"http": "80", "https": "443"}


def _host_of(name, port, scheme):
    """host[:port] as PEP 3333's URL reconstruction: no default port."""
    return name if not port or _DEFAULT_PORTS.get(scheme) == str(port) else f"{name}:{port}"


class _WSGIRequest:
    __slots__ = ("environ",)

    def __init__(self, environ):
        self.environ = environ

    def header_pairs(self):
        for key, value in list(self.environ.items()):
            if not isinstance(value, str):
                continue
            if key.startswith("HTTP_"):
                yield key[5:].replace("_", "-"), value
            elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
                yield key.replace("_", "-"), value

    def context(self):
        env = self.environ
        scheme = env.get("wsgi.url_scheme", "http")
        host = env.get("HTTP_HOST") or _host_of(env.get("SERVER_NAME", ""), env.get("SERVER_PORT", ""), scheme)
        path = (env.get("SCRIPT_NAME", "") or "") + (env.get("PATH_INFO", "") or "")
        query = env.get("QUERY_STRING", "") or ""
        url = f"{scheme}://{host}{path}" + (f"?{query}" if query else "")
        return {
            "method": env.get("REQUEST_METHOD", ""),
            "path": _bounded(path),
            "url": _bounded(url),
            "remote_addr": env.get("REMOTE_ADDR", "") or "",
            "user_agent": _bounded(env.get("HTTP_USER_AGENT", "") or ""),
            "query": _bounded(query),
            "headers": scrub_headers(self.header_pairs()),
        }

    def traceparent(self):
        return self.environ.get("HTTP_TRACEPARENT")


class _ASGIRequest:
    __slots__ = ("scope",)

    def __init__(self, scope):
        self.scope = scope

    def header_pairs(self):
        for name, value in self.scope.get("headers") or ():
            yield name.decode("latin-1"), value.decode("latin-1")

    def _header(self, wanted):
        for name, value in self.header_pairs():
            if name.lower() == wanted:
                return value
        return None

    def context(self):
        scope = self.scope
        path = (scope.get("root_path", "") or "") + (scope.get("path", "") or "")
        query = (scope.get("query_string", b"") or b"").decode("latin-1")
        host = self._header("host")
        if not host and scope.get("server"):
            host = f"{scope['server'][0]}:{scope['server'][1]}"
        url = f"{scope.get('scheme', 'http')}://{host or ''}{path}" + (f"?{query}" if query else "")
        client = scope.get("client")
        return {
            "method": scope.get("method", "GET" if scope.get("type") == "websocket" else ""),
            "path": _bounded(path),
            "url": _bounded(url),
            "remote_addr": str(client[0]) if client else "",
            "user_agent": _bounded(self._header("user-agent") or ""),
            "query": _bounded(query),
            "headers": scrub_headers(self.header_pairs()),
        }

    def traceparent(self):
        return self._header("traceparent")


def current_context():
    """The capture context of the current request: {"request": {...},
    "trace_id", "span_id"} (only the keys that are known)."""
    result = {}
    request = _current.get()
    if request is not None:
        try:
            result["request"] = request.context()
        except Exception as error:  # a malformed environ/scope: say so, keep the capture
            result["request"] = {"_error": f"request context unavailable: {type(error).__name__}"}
    ids = _otel_ids()
    if ids is None and request is not None:
        try:
            ids = parse_traceparent(request.traceparent())
        except Exception:
            ids = None
    if ids is not None:
        result["trace_id"], result["span_id"] = ids
    return result


def bind_wsgi_environ(environ):
    """Makes a WSGI environ (or Django's request.META) the current request;
    returns the token that unbind() takes."""
    return _current.set(_WSGIRequest(environ))


def bind_asgi_scope(scope):
    """Makes an ASGI scope the current request; returns the token that
    unbind() takes."""
    return _current.set(_ASGIRequest(scope))


def unbind(token):
    """Restores the request that was current before bind_*()."""
    _current.reset(token)
