"""FastAPI and Starlette, with the official SDK's names
(`tracekit.middleware.fastapi`):

    from tracekit_native.middleware.fastapi import init_fastapi_app
    init_fastapi_app(app)            # or init_fastapi_app(app, client)
    # or: app.add_middleware(TracekitMiddleware)

A plain ASGI middleware (not BaseHTTPMiddleware): streaming responses,
WebSockets and background tasks keep working, and neither FastAPI nor
Starlette is imported here.
"""
from __future__ import annotations

from typing import Any, Callable
from .asgi import TraceKitASGIMiddleware


class TracekitMiddleware(TraceKitASGIMiddleware):
    """The official SDK's middleware name; `client` is accepted for its
    signature (checkpoints use the client they are called on)."""

    def __init__(self, app: Any, client: Any = None) -> None:
        super().__init__(app)


def create_fastapi_middleware(client: Any = None) -> Callable[[Any], TracekitMiddleware]:
    """The official factory: app.add_middleware(create_fastapi_middleware(client))."""
    def middleware_factory(app):
        return TracekitMiddleware(app, client)
    return middleware_factory


def init_fastapi_app(app: Any, client: Any = None) -> Any:
    """Adds TracekitMiddleware to a FastAPI or Starlette app."""
    app.add_middleware(TracekitMiddleware, client=client)
