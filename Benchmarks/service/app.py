"""The benchmarked service: a plain WSGI app with one checkpoint per request.

TRACEKIT_BENCH_SDK picks the configuration (each gunicorn worker imports
this module and initialises its SDK there):
  none      no SDK: the checkpoint is a no-op function
  native    tracekit_native with default options, behind its WSGI middleware
            (the request context a real service would give its captures)
  official  the official tracekit-apm (code monitoring only, tracing off)
TRACEKIT_BENCH_ENDPOINT, TRACEKIT_BENCH_KEY and TRACEKIT_BENCH_SERVICE name
the tracekit-server, its API key and the service.
"""
import json
import os

LABEL = "service-checkout"
SDK = os.environ.get("TRACEKIT_BENCH_SDK", "none")
ENDPOINT = os.environ.get("TRACEKIT_BENCH_ENDPOINT", "")
KEY = os.environ.get("TRACEKIT_BENCH_KEY", "")
SERVICE = os.environ.get("TRACEKIT_BENCH_SERVICE", "bench-service")


def no_sdk(label, variables):
    return None


if SDK == "native":
    import tracekit_native

    capture_snapshot = tracekit_native.init(api_key=KEY, service_name=SERVICE, endpoint=ENDPOINT,
                                            enable_code_monitoring=True).capture_snapshot
elif SDK == "official":
    import tracekit

    capture_snapshot = tracekit.init(api_key=KEY, service_name=SERVICE, endpoint=ENDPOINT + "/v1/traces",
                                     enabled=False, enable_code_monitoring=True).capture_snapshot
else:
    capture_snapshot = no_sdk


def checkout(environ, start_response):
    order = {"order_id": 4711, "email": "jane.doe@example.com", "amount": 99.5,
             "items": ["book", "pen"], "card_number": "4111 1111 1111 1111", "express": True,
             "path": environ.get("PATH_INFO", "")}
    capture_snapshot(LABEL, order)
    body = json.dumps({"ok": True, "order_id": order["order_id"]}).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


if SDK == "native":
    from tracekit_native import TraceKitWSGIMiddleware

    application = TraceKitWSGIMiddleware(checkout)
else:
    application = checkout
