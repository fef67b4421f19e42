"""Loads libtracekit and declares the ctypes prototypes of include/tracekit.h.

Lookup order: the TRACEKIT_LIBRARY environment variable, a copy bundled in
this package (tracekit_native/lib/libtracekit.so*), then the system
(ctypes.util.find_library). When none loads, the error names every place
tried and why it failed.
"""
import ctypes
import ctypes.util
import glob
import os
import threading

from ._errors import TraceKitError

# tk_status values (tracekit.h).
TK_OK = 0
TK_ERR_INVALID_ARGUMENT = 1
TK_ERR_INVALID_JSON = 2
TK_ERR_INVALID_PATTERN = 3
TK_ERR_NO_MEMORY = 4
TK_ERR_SHUT_DOWN = 5
TK_ERR_QUEUE_FULL = 6
TK_ERR_DISABLED = 7
TK_ERR_INTERNAL = 8
TK_ERR_TIMEOUT = 9

TK_NUL_TERMINATED = ctypes.c_size_t(-1).value

LOG_FN = ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p)

_P = ctypes.c_void_p
_S = ctypes.c_char_p
_STATUS = ctypes.c_int

# name: (restype, argtypes)
_PROTOTYPES = {
    "tk_version": (_S, []),
    "tk_status_str": (_S, [_STATUS]),
    "tk_last_error": (_S, []),
    "tk_free": (None, [_P]),
    "tk_options_new": (_P, []),
    "tk_options_free": (None, [_P]),
    "tk_options_set_api_key": (_STATUS, [_P, _S]),
    "tk_options_set_service_name": (_STATUS, [_P, _S]),
    "tk_options_set_endpoint": (_STATUS, [_P, _S]),
    "tk_options_set_code_monitoring": (_STATUS, [_P, ctypes.c_int]),
    "tk_options_set_capture_depth": (_STATUS, [_P, ctypes.c_int32]),
    "tk_options_set_max_payload": (_STATUS, [_P, ctypes.c_int64]),
    "tk_options_set_max_string_length": (_STATUS, [_P, ctypes.c_int64]),
    "tk_options_set_capture_timeout_ms": (_STATUS, [_P, ctypes.c_int64]),
    "tk_options_set_pii_scrubbing": (_STATUS, [_P, ctypes.c_int]),
    "tk_options_add_pii_pattern": (_STATUS, [_P, _S, _S]),
    "tk_options_set_circuit_breaker": (_STATUS, [_P, ctypes.c_int32, ctypes.c_int64, ctypes.c_int64]),
    "tk_options_set_poll_interval_ms": (_STATUS, [_P, ctypes.c_int64]),
    "tk_options_set_sse": (_STATUS, [_P, ctypes.c_int]),
    "tk_options_set_max_queue": (_STATUS, [_P, ctypes.c_int32]),
    "tk_options_set_max_captures_per_second": (_STATUS, [_P, ctypes.c_double]),
    "tk_options_set_logger": (_STATUS, [_P, LOG_FN, _P]),
    # Returned strings are owned by the caller: c_void_p, read then tk_free.
    "tk_sanitize_json": (_P, [_P, _S, ctypes.c_size_t, ctypes.POINTER(_STATUS)]),
    "tk_eval_expression": (_P, [_S, _S, ctypes.c_size_t, ctypes.POINTER(_STATUS)]),
    "tk_client_new": (_P, [_P]),
    "tk_client_flush": (_STATUS, [_P, ctypes.c_int64]),
    "tk_client_stats": (_P, [_P]),
    "tk_client_shutdown": (_STATUS, [_P]),
    "tk_client_free": (None, [_P]),
    "tk_capture": (_STATUS, [_P, _S, _S, ctypes.c_int32, _S, _S, ctypes.c_size_t, _S]),
    "tk_site_get": (_P, [_P, _S, _S, ctypes.c_int32, _S]),
    "tk_site_capture": (_STATUS, [_P, _S, ctypes.c_size_t, _S]),
    "tk_site_register": (_STATUS, [_P]),
}


class Library:
    """The loaded library: one attribute per tk_* function."""

    def __init__(self, cdll, path):
        self.path = path
        for name, (restype, argtypes) in _PROTOTYPES.items():
            function = getattr(cdll, name)
            function.restype = restype
            function.argtypes = argtypes
            setattr(self, name, function)
        # tk_site_active is one atomic load and tk_site_claim a few short
        # locks: call them without releasing the GIL (PyDLL), which is
        # cheaper than the release/re-acquire of CDLL.
        holding_the_gil = ctypes.PyDLL(path)
        for name in ("tk_site_active", "tk_site_claim"):
            function = getattr(holding_the_gil, name)
            function.restype = ctypes.c_int
            function.argtypes = [_P]
            setattr(self, name, function)

    def last_error(self):
        message = self.tk_last_error()
        return message.decode("utf-8", "replace") if message else ""

    def status_text(self, status):
        text = self.tk_status_str(status)
        return text.decode("utf-8", "replace") if text else "unknown status"

    def error(self, status, context=""):
        """A TraceKitError for status with the library's last message."""
        message = self.last_error() or self.status_text(status)
        if context:
            message = f"{context}: {message}"
        return TraceKitError(status, message, self.status_text(status))

    def take_string(self, pointer):
        """Copies a library-owned string and releases it."""
        if not pointer:
            return None
        try:
            return ctypes.string_at(pointer).decode("utf-8", "replace")
        finally:
            self.tk_free(pointer)


def _candidates():
    """(description, path) pairs in lookup order. TRACEKIT_LIBRARY, when set,
    is the only candidate: a wrong path is an error, never a silent fallback
    to another copy."""
    env = os.environ.get("TRACEKIT_LIBRARY")
    if env:
        return [("TRACEKIT_LIBRARY", env)]
    found = [("TRACEKIT_LIBRARY", None)]
    bundled = sorted(glob.glob(os.path.join(os.path.dirname(__file__), "lib", "libtracekit.so*")))
    found.append(("bundled copy (tracekit_native/lib/libtracekit.so*)", bundled[0] if bundled else None))
    system = ctypes.util.find_library("tracekit")
    found.append(("system (ctypes.util.find_library('tracekit'))", system))
    return found


def _check_version(library):
    """Refuses a library whose major version differs from this binding's:
    its ABI may differ (the SONAME and the version node change with it)."""
    from . import __version__
    loaded = library.tk_version().decode("ascii", "replace")
    if loaded.split(".")[0] != __version__.split(".")[0]:
        raise TraceKitError(
            TK_ERR_INTERNAL,
            f"{library.path} is libtracekit {loaded}; this binding ({__version__}) needs major version "
            f"{__version__.split('.')[0]}",
            "incompatible library",
        )


_lock = threading.Lock()
_library = None


def load():
    """The library, loaded once per process; TraceKitError if none loads."""
    global _library
    with _lock:
        if _library is not None:
            return _library
        tried = []
        for description, path in _candidates():
            if path is None:
                tried.append(f"{description}: not set / not found")
                continue
            if description == "TRACEKIT_LIBRARY" and not os.path.exists(path):
                raise TraceKitError(TK_ERR_INVALID_ARGUMENT,
                                    f"TRACEKIT_LIBRARY names {path}, which does not exist", "library not found")
            try:
                library = Library(ctypes.CDLL(path), path)
            except (OSError, AttributeError) as error:
                tried.append(f"{description}: {path}: {error}")
                continue
            _check_version(library)
            _library = library
            return _library
        raise TraceKitError(
            TK_ERR_INTERNAL,
            "libtracekit could not be loaded; tried:\n  " + "\n  ".join(tried)
            + "\nSet TRACEKIT_LIBRARY to the path of libtracekit.so.0.",
            "library not found",
        )
