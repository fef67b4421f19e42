"""Request context for checkpoints: one middleware per kind of server.

    # any WSGI app                      # any ASGI app
    app = TraceKitWSGIMiddleware(app)   app = TraceKitASGIMiddleware(app)

and, with the official SDK's names (`tracekit.middleware.*`):

    from tracekit_native.middleware.flask import init_flask_app
    init_flask_app(app)
    MIDDLEWARE = ["tracekit_native.middleware.django.TracekitDjangoMiddleware", ...]
    from tracekit_native.middleware.fastapi import init_fastapi_app   # FastAPI and Starlette
    init_fastapi_app(app)

The framework modules import their framework only when they are imported.
"""
from ._context import MAX_HEADERS, MAX_VALUE, REDACTED, current_context, parse_traceparent, scrub_headers
from .asgi import TraceKitASGIMiddleware
from .wsgi import TraceKitWSGIMiddleware

__all__ = ["TraceKitWSGIMiddleware", "TraceKitASGIMiddleware", "current_context", "parse_traceparent",
           "scrub_headers", "MAX_HEADERS", "MAX_VALUE", "REDACTED"]
