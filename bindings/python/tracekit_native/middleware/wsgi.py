"""WSGI middleware: any WSGI application (Flask, Django's wsgi.py, Bottle, ...)."""
from ._context import bind_wsgi_environ, unbind


class TraceKitWSGIMiddleware:
    """Wraps a WSGI application; checkpoints inside a request carry its context.

    The context is set while the application is called (the handler runs
    then); checkpoints in a streamed response body, iterated after the
    call returns, carry no request context."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        token = bind_wsgi_environ(environ)
        try:
            return self.app(environ, start_response)
        finally:
            unbind(token)
