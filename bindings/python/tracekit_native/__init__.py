"""tracekit_native: TraceKit code monitoring on libtracekit (ctypes).

A drop-in for the official SDK's code-monitoring API:

    import tracekit_native as tracekit

    client = tracekit.init(api_key=os.environ["TRACEKIT_API_KEY"], service_name="checkout",
                           endpoint="http://127.0.0.1:7070", enable_code_monitoring=True,
                           capture_config={"capture_depth": 10, "max_payload": 65536})
    client.capture_snapshot("order-checkout", {"order": order, "email": email})

The inactive checkpoint stays in Python (a dict lookup); captures are
scrubbed, bounded and queued by the library and sent from its own threads.
"""
from __future__ import annotations

import atexit
from typing import Any, Mapping, Optional, Union
import json as _json_module
import sys as _sys

from . import _lib
from ._client import Client, _shutdown_all_at_exit
from ._errors import TraceKitError
from ._json import Limits as _Limits
from ._json import to_json as _to_json
from ._options import ClientSettings, OptionsBuilder
from .middleware import TraceKitASGIMiddleware, TraceKitWSGIMiddleware

__all__ = [
    "Client", "TraceKitError", "TraceKitWSGIMiddleware", "TraceKitASGIMiddleware",
    "init", "get_client", "capture_snapshot", "sanitize_json", "eval_expression", "library_version",
]
__version__ = "0.1.0"

_global_client: Optional[Client] = None

atexit.register(_shutdown_all_at_exit)


def init(api_key: Optional[str] = None, service_name: Optional[str] = None, endpoint: Optional[str] = None,
         enable_code_monitoring: Optional[bool] = None, capture_config: Optional[Mapping[str, Any]] = None,
         *, strict: bool = False, enabled: bool = True, sample_rate: float = 1.0,
         service_name_mappings: Optional[Mapping[str, str]] = None, instrument_llm: Any = None,
         capture_content: bool = False) -> Client:
    """Creates the client (and makes it the one `get_client()` and the
    module-level `capture_snapshot` use).

    api_key, service_name, endpoint: as the official SDK; None leaves the
      library's value (TRACEKIT_API_KEY, TRACEKIT_SERVICE_NAME,
      TRACEKIT_ENDPOINT, else its defaults). An OTLP URL ".../v1/traces" is
      accepted, as the official SDK takes it.
    enable_code_monitoring: None leaves the library's value
      (TRACEKIT_CODE_MONITORING, default on).
    capture_config: {capture_depth, max_payload (bytes), capture_timeout
      (seconds) -- None means unlimited for these three, as in the official
      SDK; a missing key keeps the bounded default --, pii_scrubbing, pii_patterns ({name: pcre2}),
      circuit_breaker {max_failures, window_ms, cooldown_ms}}, plus
      max_string_length, poll_interval_ms, sse, max_queue,
      max_captures_per_second, capture_timeout_ms.
    strict: False (the default): capture_snapshot never raises, it counts
      and logs its failures (crash isolation). True: it raises them too,
      for development.
    enabled, sample_rate, service_name_mappings, instrument_llm,
      capture_content: the official SDK's tracing options, accepted for
      compatibility and ignored (this package does code monitoring only).

    Raises TraceKitError (status TK_ERR_INVALID_ARGUMENT / _INVALID_PATTERN)
    for invalid options, naming the option.
    """
    global _global_client
    settings = ClientSettings(api_key, service_name, endpoint, enable_code_monitoring, capture_config)
    client = Client(_lib.load(), settings, strict=bool(strict))
    _global_client = client
    return client


def get_client() -> Client:
    """The client made by the last init(); RuntimeError before init()."""
    if _global_client is None:
        raise RuntimeError("TraceKit not initialized. Call tracekit_native.init() first.")
    return _global_client


def capture_snapshot(label: str, variables: Optional[Mapping[str, Any]] = None) -> None:
    """`get_client().capture_snapshot(label, variables)` for the caller's
    site; does nothing before init()."""
    client = _global_client
    if client is None:
        return
    try:
        site = client._labels.by_label.get(label)
    except Exception:  # an unhashable or hostile label: reported by the full path
        site = None
    if site is not None:
        if site.skip:
            return
        if site.bound:
            if site.active and client._claim(site.handle):
                client._capture_bound(_sys._getframe(1), label, variables, site)
            return
    client._checkpoint(_sys._getframe(1), label, variables)


def _options_for(lib, capture_config):
    builder = OptionsBuilder(lib)
    try:
        builder.apply_capture_config(capture_config or {})
    except BaseException:
        builder.free()
        raise
    return builder


def sanitize_json(document: Union[str, bytes], capture_config: Optional[Mapping[str, Any]] = None) -> str:
    """Scrubs and bounds a JSON document (str or bytes) as a capture would
    with these options; returns the sanitized JSON text. Pure: no network.
    TraceKitError (TK_ERR_INVALID_JSON) for text that is not JSON."""
    lib = _lib.load()
    data = document.encode("utf-8", "surrogatepass") if isinstance(document, str) else bytes(document)
    builder = _options_for(lib, capture_config)
    try:
        status = _lib.ctypes.c_int(0)
        result = lib.take_string(lib.tk_sanitize_json(builder.handle, data, len(data), _lib.ctypes.byref(status)))
    finally:
        builder.free()
    if result is None:
        raise lib.error(status.value, "sanitize_json")
    return result


def eval_expression(expression: str, variables: Optional[Mapping[str, Any]] = None) -> Any:
    """Evaluates a breakpoint condition on variables (a dict) as the library
    would; returns the value as a Python object. TraceKitError when the
    expression does not parse or evaluate."""
    lib = _lib.load()
    if not isinstance(expression, str):
        raise TraceKitError(_lib.TK_ERR_INVALID_ARGUMENT, "expression must be a string", "invalid argument")
    data = _to_json(variables if variables is not None else {}, _Limits()).encode("utf-8", "surrogatepass")
    status = _lib.ctypes.c_int(0)
    result = lib.take_string(lib.tk_eval_expression(expression.encode("utf-8", "surrogatepass"), data, len(data),
                                                    _lib.ctypes.byref(status)))
    if result is None:
        raise lib.error(status.value, "eval_expression")
    return _json_module.loads(result)


def library_version() -> str:
    """The loaded libtracekit's version, e.g. "0.1.0"."""
    return _lib.load().tk_version().decode()
