"""ASGI middleware: FastAPI, Starlette, Django's asgi.py, any ASGI 3 app."""
from ._context import bind_asgi_scope, unbind


class TraceKitASGIMiddleware:
    """Wraps an ASGI application: HTTP and WebSocket requests carry their
    context; other scopes (lifespan) pass through."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope.get("type") not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        token = bind_asgi_scope(scope)
        try:
            await self.app(scope, receive, send)
        finally:
            unbind(token)
