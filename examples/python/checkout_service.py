"""A small checkout service with a TraceKit checkpoint (stdlib WSGI).

    TRACEKIT_API_KEY=... TRACEKIT_ENDPOINT=http://127.0.0.1:7070 \
        python3 examples/python/checkout_service.py --port 8081

POST /checkout with a JSON order; the handler's checkpoint "order-checkout"
captures the order (with the customer's email and card number) whenever a
breakpoint is enabled on it: the library scrubs them before anything leaves.
"""
import argparse
import json
import os
import sys
from wsgiref.simple_server import WSGIRequestHandler, make_server

import tracekit_native as tracekit


def checkout(environ, start_response):
    if environ["REQUEST_METHOD"] != "POST" or environ["PATH_INFO"] != "/checkout":
        start_response("404 Not Found", [("Content-Type", "application/json")])
        return [b'{"error":"not found"}']
    length = int(environ.get("CONTENT_LENGTH") or 0)
    order = json.loads(environ["wsgi.input"].read(length) or b"{}")
    total = sum(item.get("price", 0) * item.get("qty", 1) for item in order.get("items", []))
    customer = {"email": order.get("email"), "name": order.get("name")}
    payment = {"card": order.get("card"), "amount": total}
    # The checkpoint: a no-op until someone enables a breakpoint on it.
    tracekit.capture_snapshot("order-checkout", {"customer": customer, "payment": payment,
                                                 "items": order.get("items", []), "total": total})
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps({"status": "accepted", "total": total}).encode()]


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8081)
    arguments = parser.parse_args()
    tracekit.init(service_name=os.environ.get("TRACEKIT_SERVICE_NAME", "checkout"),
                  capture_config={"poll_interval_ms": 1000})
    app = tracekit.TraceKitWSGIMiddleware(checkout)
    with make_server("127.0.0.1", arguments.port, app, handler_class=QuietHandler) as server:
        print(f"checkout service on http://127.0.0.1:{arguments.port}", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
    tracekit.get_client().shutdown()


if __name__ == "__main__":
    sys.exit(main())
