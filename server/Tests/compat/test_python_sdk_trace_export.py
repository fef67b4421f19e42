"""The official Python SDK's trace exporter (tracekit-apm: OpenTelemetry's
OTLP/HTTP protobuf exporter), pointed at tracekit-server, populates Browse
Code (issue 6, item 5): a span with code.* attributes and an exception
recorded with the SDK's record_exception end up in /api/code/{service}."""
import inspect

import tracekit

SERVICE = "py-traces"


def charge_card(amount):
    if amount <= 0:
        raise ValueError("amount must be positive")   # the line the stack trace points at
    return amount


def checkout(client):
    span = client.start_trace("POST /checkout", {"code.function": "checkout", "code.filepath": __file__,
                                                 "code.lineno": inspect.currentframe().f_lineno})
    try:
        charge_card(0)
    except ValueError as error:
        client.record_exception(span, error)
    client.end_span(span, status="ERROR")


def test_sdk_trace_export_populates_browse_code(server):
    key = server.api("POST", "/api/keys", json={"name": "python traces", "role": "sdk", "services": [SERVICE]}).json()["key"]
    client = tracekit.init(api_key=key, service_name=SERVICE, endpoint=server.base_url + "/v1/traces", enabled=True)
    try:
        checkout(client)
        assert client.provider.force_flush(10_000), "the exporter did not flush"
        tree = server.api("GET", f"/api/code/{SERVICE}").json()
    finally:
        # Stop exporting before the server goes (the SDK also traces its own HTTP calls).
        client.provider.shutdown()

    files = {f["file_path"]: f for f in tree["files"]}
    assert __file__ in files, sorted(files)
    functions = {fn["function_name"]: fn for fn in files[__file__]["functions"]}
    raise_line = next(i for i, text in enumerate(open(__file__).read().splitlines(), 1) if "raise ValueError" in text)
    assert raise_line in [line["line_number"] for line in functions["charge_card"]["lines"]]
    assert "checkout" in functions and functions["checkout"]["hit_count"] >= 1
    assert files[__file__]["hit_count"] >= 2
