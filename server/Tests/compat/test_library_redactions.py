"""libtracekit and tracekit-server together, as far as the library goes today
(its capture client is not merged yet): a breakpoint created through the API,
variables scrubbed by libtracekit's tk_sanitize_json (the capture path's
sanitizer), sent as a capture in the wire format, and listed by the API with
the redactions and without the raw values. Skipped when the library is not
built (TRACEKIT_LIBRARY, default libtracekit.so.0 from the loader path)."""
import ctypes
import json
import os

import pytest
import requests

LIBRARY = os.environ.get("TRACEKIT_LIBRARY", "libtracekit.so.0")


@pytest.fixture(scope="module")
def lib():
    try:
        lib = ctypes.CDLL(LIBRARY)
    except OSError:
        pytest.skip(f"{LIBRARY} not found (build it with make install, set TRACEKIT_LIBRARY)")
    lib.tk_options_new.restype = ctypes.c_void_p
    lib.tk_options_free.argtypes = [ctypes.c_void_p]
    lib.tk_sanitize_json.restype = ctypes.c_void_p
    lib.tk_sanitize_json.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_int)]
    lib.tk_free.argtypes = [ctypes.c_void_p]
    return lib


def sanitize(lib, document):
    options = lib.tk_options_new()
    status = ctypes.c_int(-1)
    raw = json.dumps(document).encode()
    pointer = lib.tk_sanitize_json(options, raw, len(raw), ctypes.byref(status))
    lib.tk_options_free(options)
    assert pointer and status.value == 0
    try:
        return json.loads(ctypes.string_at(pointer).decode())
    finally:
        lib.tk_free(pointer)


def test_library_scrubbed_capture_is_listed_with_redactions(server, lib):
    bp = server.api("POST", "/api/breakpoints", json={
        "service_name": "c-example", "file_path": "examples/checkout.c", "line_number": 27,
        "function_name": "charge", "label": "before-charge"}).json()
    variables = sanitize(lib, {"amount": 125, "card": "4111 1111 1111 1111",
                               "customer": {"email": "jane@example.com", "password": "hunter2"}})
    capture = {"breakpoint_id": bp["id"], "service_name": "c-example", "file_path": "examples/checkout.c",
               "line_number": 27, "function_name": "charge", "label": "before-charge", "variables": variables,
               "captured_at": "2026-11-25T12:00:00.000Z", "mode": "snapshot"}
    response = requests.post(server.base_url + "/sdk/snapshots/capture", json=capture,
                             headers={"X-API-Key": server.admin_key}, timeout=10)
    assert response.status_code == 201, response.text

    listed = server.api("GET", f"/api/snapshots?service=c-example&breakpoint_id={bp['id']}").json()["snapshots"]
    assert len(listed) == 1
    stored = listed[0]["variables"]
    assert stored["amount"] == 125
    assert stored["card"] == "[REDACTED:credit_card]"
    assert stored["customer"] == {"email": "[REDACTED:email]", "password": "[REDACTED:sensitive_name]"}
    text = json.dumps(listed)
    for secret in ("4111 1111 1111 1111", "jane@example.com", "hunter2"):
        assert secret not in text
