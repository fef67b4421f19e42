"""The library loads with ctypes from its installed location and sanitizes a
document (issue 2's smoke test; the full Python binding lives in
bindings/python)."""
import ctypes
import json
import os
import pathlib
import threading

import pytest

LIBRARY = os.environ.get("TRACEKIT_LIBRARY", "libtracekit.so.0")


@pytest.fixture(scope="module")
def lib():
    lib = ctypes.CDLL(LIBRARY)
    lib.tk_version.restype = ctypes.c_char_p
    lib.tk_last_error.restype = ctypes.c_char_p
    lib.tk_options_new.restype = ctypes.c_void_p
    lib.tk_options_free.argtypes = [ctypes.c_void_p]
    lib.tk_options_set_capture_depth.argtypes = [ctypes.c_void_p, ctypes.c_int32]
    lib.tk_options_add_pii_pattern.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p]
    lib.tk_sanitize_json.restype = ctypes.c_void_p
    lib.tk_sanitize_json.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_int)]
    lib.tk_free.argtypes = [ctypes.c_void_p]
    return lib


def sanitize(lib, options, document: bytes):
    status = ctypes.c_int(-1)
    pointer = lib.tk_sanitize_json(options, document, len(document), ctypes.byref(status))
    if not pointer:
        return status.value, None
    try:
        return status.value, ctypes.string_at(pointer).decode("utf-8")
    finally:
        lib.tk_free(pointer)


@pytest.fixture
def options(lib):
    options = lib.tk_options_new()
    assert options
    yield options
    lib.tk_options_free(options)


def test_version_matches_the_header(lib):
    version = (pathlib.Path(__file__).resolve().parents[2] / "VERSION").read_text().strip()
    assert lib.tk_version() == version.encode()


def test_a_document_is_scrubbed(lib, options):
    document = {"user": {"email": "jane@example.com", "card": "4111 1111 1111 1111", "order_id": "1700000000"},
                "note": "call me at 555-123-4567", "password": "hunter2"}
    status, output = sanitize(lib, options, json.dumps(document).encode())
    assert status == 0
    assert json.loads(output) == {
        "user": {"email": "[REDACTED:email]", "card": "[REDACTED:credit_card]", "order_id": "1700000000"},
        "note": "call me at [REDACTED:phone]", "password": "[REDACTED:sensitive_name]"}


def test_invalid_json_raises_the_offset(lib, options):
    status, output = sanitize(lib, options, b'{"a": nope}')
    assert (status, output) == (2, None)
    assert b"offset 6" in lib.tk_last_error()


def test_bad_pattern_is_rejected_with_pcre2_message(lib, options):
    assert lib.tk_options_add_pii_pattern(options, b"broken", b"[a-") == 3
    assert b"offset 3" in lib.tk_last_error()


def test_threads_share_options(lib, options):
    assert lib.tk_options_set_capture_depth(options, 2) == 0
    results = []

    def work():
        for _ in range(200):
            results.append(sanitize(lib, options, b'{"a":{"b":{"c":1}},"e":"x@y.io"}'))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 800
    assert set(results) == {(0, '{"a":{"b":{"_truncated":true,"_depth":2}},"e":"[REDACTED:email]"}')}
