"""Turns init()'s keyword arguments into a tk_options handle.

Every value is checked for its Python type and range here (ctypes would
silently wrap an out-of-range integer), then handed to the library's setter,
which validates the rest; any failure is a TraceKitError naming the option.
"""
import os
from collections.abc import Mapping

from . import _lib
from ._errors import TraceKitError
from ._json import Limits

_INT32 = (0, 2**31 - 1)
_INT64 = (0, 2**63 - 1)

CAPTURE_CONFIG_KEYS = frozenset({
    "capture_depth", "max_payload", "capture_timeout", "capture_timeout_ms", "pii_scrubbing", "pii_patterns",
    "circuit_breaker", "max_string_length", "poll_interval_ms", "sse", "max_queue", "max_captures_per_second",
})
CIRCUIT_BREAKER_KEYS = ("max_failures", "window_ms", "cooldown_ms")
CIRCUIT_BREAKER_DEFAULTS = {"max_failures": 3, "window_ms": 60000, "cooldown_ms": 300000}


def _invalid(message):
    return TraceKitError(_lib.TK_ERR_INVALID_ARGUMENT, message, "invalid argument")


def _integer(name, value, bounds):
    if isinstance(value, bool) or not isinstance(value, int):
        raise _invalid(f"{name} must be an integer, got {type(value).__name__}")
    if not bounds[0] <= value <= bounds[1]:
        raise _invalid(f"{name} must be between {bounds[0]} and {bounds[1]}, got {value}")
    return value


def _flag(name, value):
    if not isinstance(value, (bool, int)) or isinstance(value, int) and value not in (0, 1):
        raise _invalid(f"{name} must be a bool, got {value!r}")
    return 1 if value else 0


def _text(name, value):
    if not isinstance(value, str):
        raise _invalid(f"{name} must be a string, got {type(value).__name__}")
    if "\x00" in value:
        raise _invalid(f"{name} must not contain NUL characters")
    return value.encode("utf-8")


def _seconds_to_ms(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or value < 0:
        raise _invalid(f"{name} must be a non-negative number of seconds, got {value!r}")
    if value > 10**9:
        raise _invalid(f"{name} is out of range: {value!r} seconds")
    return int(round(value * 1000))


def _pattern_pairs(patterns):
    if isinstance(patterns, Mapping):
        return list(patterns.items())
    try:
        pairs = [tuple(pair) for pair in patterns]
    except TypeError:
        raise _invalid("pii_patterns must be a mapping {name: pattern} or a list of (name, pattern)") from None
    if any(len(pair) != 2 for pair in pairs):
        raise _invalid("pii_patterns must be a mapping {name: pattern} or a list of (name, pattern)")
    return pairs


# None means "no limit" for these, as in the official SDK; the library says
# so with 0. A key that is absent keeps the library's bounded default.
UNLIMITED_WHEN_NONE = ("capture_depth", "max_payload", "capture_timeout")


def _unlimited_as_zero(config):
    if not any(key in config and config[key] is None for key in UNLIMITED_WHEN_NONE):
        return config
    return {key: 0 if key in UNLIMITED_WHEN_NONE and value is None else value for key, value in config.items()}


class OptionsBuilder:
    """Owns a tk_options handle while it is being filled."""

    def __init__(self, lib):
        self.lib = lib
        self.handle = lib.tk_options_new()
        if not self.handle:
            raise lib.error(_lib.TK_ERR_INVALID_ARGUMENT, "options from TRACEKIT_* environment variables")

    def free(self):
        if self.handle:
            self.lib.tk_options_free(self.handle)
            self.handle = None

    def set(self, name, setter, *values):
        status = getattr(self.lib, setter)(self.handle, *values)
        if status != _lib.TK_OK:
            raise self.lib.error(status, name)

    def apply(self, api_key, service_name, endpoint, code_monitoring, capture_config):
        if api_key is not None:
            self.set("api_key", "tk_options_set_api_key", _text("api_key", api_key))
        if service_name is not None:
            self.set("service_name", "tk_options_set_service_name", _text("service_name", service_name))
        if endpoint is not None:
            self.set("endpoint", "tk_options_set_endpoint", _text("endpoint", endpoint))
        if code_monitoring is not None:
            self.set("enable_code_monitoring", "tk_options_set_code_monitoring",
                     _flag("enable_code_monitoring", code_monitoring))
        self.apply_capture_config(capture_config or {})

    def apply_capture_config(self, config):
        if not isinstance(config, Mapping):
            raise _invalid(f"capture_config must be a dict, got {type(config).__name__}")
        unknown = sorted(str(key) for key in config if key not in CAPTURE_CONFIG_KEYS)
        if unknown:
            raise _invalid(f"unknown capture_config keys: {', '.join(unknown)} "
                           f"(known: {', '.join(sorted(CAPTURE_CONFIG_KEYS))})")
        c = _unlimited_as_zero(config)
        if "capture_depth" in c:
            self.set("capture_depth", "tk_options_set_capture_depth", _integer("capture_depth", c["capture_depth"], _INT32))
        if "max_payload" in c:
            self.set("max_payload", "tk_options_set_max_payload", _integer("max_payload", c["max_payload"], _INT64))
        if "max_string_length" in c:
            self.set("max_string_length", "tk_options_set_max_string_length",
                     _integer("max_string_length", c["max_string_length"], _INT64))
        if "capture_timeout" in c:
            self.set("capture_timeout", "tk_options_set_capture_timeout_ms",
                     _seconds_to_ms("capture_timeout", c["capture_timeout"]))
        if "capture_timeout_ms" in c:
            self.set("capture_timeout_ms", "tk_options_set_capture_timeout_ms",
                     _integer("capture_timeout_ms", c["capture_timeout_ms"], _INT64))
        if "pii_scrubbing" in c:
            self.set("pii_scrubbing", "tk_options_set_pii_scrubbing", _flag("pii_scrubbing", c["pii_scrubbing"]))
        for name, pattern in _pattern_pairs(c.get("pii_patterns") or {}):
            self.set(f"pii_patterns[{name!r}]", "tk_options_add_pii_pattern",
                     _text("pii pattern name", name), _text("pii pattern", pattern))
        if "circuit_breaker" in c:
            self.apply_circuit_breaker(c["circuit_breaker"])
        if "poll_interval_ms" in c:
            self.set("poll_interval_ms", "tk_options_set_poll_interval_ms",
                     _integer("poll_interval_ms", c["poll_interval_ms"], _INT64))
        if "sse" in c:
            self.set("sse", "tk_options_set_sse", _flag("sse", c["sse"]))
        if "max_queue" in c:
            self.set("max_queue", "tk_options_set_max_queue", _integer("max_queue", c["max_queue"], _INT32))
        if "max_captures_per_second" in c:
            rate = c["max_captures_per_second"]
            if isinstance(rate, bool) or not isinstance(rate, (int, float)):
                raise _invalid(f"max_captures_per_second must be a number, got {type(rate).__name__}")
            self.set("max_captures_per_second", "tk_options_set_max_captures_per_second", float(rate))

    def apply_circuit_breaker(self, breaker):
        if not isinstance(breaker, Mapping):
            raise _invalid(f"circuit_breaker must be a dict, got {type(breaker).__name__}")
        unknown = sorted(str(key) for key in breaker if key not in CIRCUIT_BREAKER_KEYS)
        if unknown:
            raise _invalid(f"unknown circuit_breaker keys: {', '.join(unknown)}")
        values = {**CIRCUIT_BREAKER_DEFAULTS, **breaker}
        self.set("circuit_breaker", "tk_options_set_circuit_breaker",
                 _integer("circuit_breaker.max_failures", values["max_failures"], _INT32),
                 _integer("circuit_breaker.window_ms", values["window_ms"], _INT64),
                 _integer("circuit_breaker.cooldown_ms", values["cooldown_ms"], _INT64))


def _effective(config, key, env, default):
    """An option's value as the library will see it (config, then env;
    0 = unlimited)."""
    if key in config:
        return config[key] or 0
    try:
        return int(os.environ[env])
    except (KeyError, ValueError):
        return default


def conversion_limits(config):
    """Bounds for converting variables to JSON, generous enough that the
    library, not the binding, decides what is truncated in normal cases."""
    config = config or {}
    depth = _effective(config, "capture_depth", "TRACEKIT_CAPTURE_DEPTH", 10)
    payload = _effective(config, "max_payload", "TRACEKIT_MAX_PAYLOAD", 65536)
    string = config.get("max_string_length", 8192) or 0
    # A JSON value takes at least one byte: more values than max_payload
    # bytes means the library would replace the document anyway.
    nodes = min(payload + 1, 1_000_000) if payload > 0 else 1_000_000
    return Limits(
        max_depth=min(max(depth, 64) + 1, 256) if depth > 0 else 256,
        max_items=nodes,
        max_string=max(4 * string, 1024) if string > 0 else max(payload, 1 << 24),
        max_nodes=nodes,
    )


class ClientSettings:
    """init()'s keywords, kept so that a forked child can build the same
    client again (os.register_at_fork)."""

    def __init__(self, api_key, service_name, endpoint, enable_code_monitoring, capture_config):
        self.api_key = api_key
        self.service_name = service_name
        self.endpoint = endpoint
        self.enable_code_monitoring = enable_code_monitoring
        self.capture_config = dict(capture_config) if isinstance(capture_config, Mapping) else capture_config

    def options(self, lib):
        """A filled OptionsBuilder (the caller frees it); TraceKitError
        naming the option when a value is invalid."""
        builder = OptionsBuilder(lib)
        try:
            builder.apply(self.api_key, self.service_name, self.endpoint, self.enable_code_monitoring,
                          self.capture_config)
        except BaseException:
            builder.free()
            raise
        return builder

    def limits(self):
        return conversion_limits(self.capture_config)

    def __repr__(self):  # never shows the API key
        return f"ClientSettings(service_name={self.service_name!r}, endpoint={self.endpoint!r})"
