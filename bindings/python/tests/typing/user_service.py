"""A small service as a user writes it; `mypy --strict` must accept it
(bindings/python/tests/test_typing.py): the public API is annotated and the
package says so (py.typed)."""
from typing import Any, Dict

import tracekit_native
from tracekit_native.middleware.django import TracekitDjangoMiddleware
from tracekit_native.middleware.flask import init_flask_app
from tracekit_native.middleware.wsgi import TraceKitWSGIMiddleware


def checkout(order_id: int, email: str) -> Dict[str, Any]:
    client: tracekit_native.Client = tracekit_native.init(
        api_key="key", service_name="checkout", endpoint="http://127.0.0.1:7070",
        enable_code_monitoring=True, capture_config={"capture_depth": 5, "max_payload": None})
    client.capture_snapshot("order-checkout", {"order_id": order_id, "email": email})
    tracekit_native.capture_snapshot("order-checkout-global", {"order_id": order_id})
    sent: bool = client.flush(1.0)
    stats: Dict[str, Any] = client.stats()
    client.shutdown()
    clean: str = tracekit_native.sanitize_json('{"email": "jane@example.com"}')
    version: str = tracekit_native.library_version()
    return {"sent": sent, "stats": stats, "clean": clean, "version": version,
            "value": tracekit_native.eval_expression("order_id > 10", {"order_id": order_id})}


def wire(app: Any) -> None:
    init_flask_app(app)
    TraceKitWSGIMiddleware(app)
    TracekitDjangoMiddleware(lambda request: request)
    try:
        tracekit_native.get_client()
    except tracekit_native.TraceKitError as error:
        print(error.status, error.message)
