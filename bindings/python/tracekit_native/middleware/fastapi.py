"""FastAPI and Starlette, with the official SDK's names
(`tracekit.middleware.fastapi`):

    from tracekit_native.middleware.fastapi import init_fastapi_app
    init_fastapi_app(app)            # or init_fastapi_app(app, client)
    # or: app.add_middleware(TracekitMiddleware)

A plain ASGI middleware (not BaseHTTPMiddleware): streaming responses,
WebSockets and background tasks keep working, and neither FastAPI nor
Starlette is imported here.
"""
from .asgi import TraceKitASGIMiddleware


class TracekitMiddleware(TraceKitASGIMiddleware):
    """The official SDK's middleware name; `client` is accepted for its
    signature (checkpoints use the client they are called on)."""

    def __init__(self, app, client=None):
        super().__init__(app)


def create_fastapi_middleware(client=None):
    """The official factory: app.add_middleware(create_fastapi_middleware(client))."""
    def middleware_factory(app):
        return TracekitMiddleware(app, client)
    return middleware_factory


def init_fastapi_app(app, client=None):
    """Adds TracekitMiddleware to a FastAPI or Starlette app."""
    app.add_middleware(TracekitMiddleware, client=client)
