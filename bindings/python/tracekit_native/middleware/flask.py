"""Flask, with the official SDK's names (`tracekit.middleware.flask`):

    from tracekit_native.middleware.flask import init_flask_app
    init_flask_app(app)              # or init_flask_app(app, client), as the official SDK

Only the request context is set up: this package does code monitoring, not
tracing, so there are no spans to start or end.
"""
from ._context import bind_wsgi_environ, unbind
from .wsgi import TraceKitWSGIMiddleware


def init_flask_app(app, client=None):
    """Makes each request of a Flask app the context of its checkpoints by
    wrapping app.wsgi_app (a second call does nothing). `client` is accepted
    for the official signature; checkpoints use the client they are called
    on (or the global one)."""
    if not isinstance(app.wsgi_app, TraceKitWSGIMiddleware):
        app.wsgi_app = TraceKitWSGIMiddleware(app.wsgi_app)


def create_flask_middleware(client=None, snapshot_client=None):
    """The official SDK's hook object, for apps that register its hooks
    themselves (app.before_request(m.before_request), ...)."""
    return FlaskHooks()


class FlaskHooks:
    """before_request / after_request / handle_exception hooks that bind the
    request's WSGI environ for its checkpoints."""

    def before_request(self):
        from flask import g, request

        g.tracekit_native_token = bind_wsgi_environ(request.environ)

    def after_request(self, response):
        self._unbind()
        return response

    def handle_exception(self, error):
        self._unbind()
        raise error

    @staticmethod
    def _unbind():
        from flask import g

        token = g.pop("tracekit_native_token", None)
        if token is not None:
            try:
                unbind(token)
            except ValueError:  # bound in another context (async view): it ends with it
                pass
