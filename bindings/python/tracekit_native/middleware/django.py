"""Django, with the official SDK's name (`tracekit.middleware.django`):

    MIDDLEWARE = [
        "tracekit_native.middleware.django.TracekitDjangoMiddleware",
        ...
    ]

Unlike the official middleware it does not require init() first: it only
makes the request the context of the checkpoints that run inside it.
"""
from ._context import bind_wsgi_environ, unbind


class TracekitDjangoMiddleware:
    """Django middleware (new style): binds request.META (the WSGI environ,
    or Django's equivalent under ASGI) for the request's checkpoints."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = bind_wsgi_environ(request.META)
        try:
            return self.get_response(request)
        finally:
            unbind(token)
