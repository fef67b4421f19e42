"""Code written for the official SDK's framework integrations
(tracekit.middleware.flask / .django / .fastapi) works with
tracekit_native.middleware.* under the same names, against real Flask,
Django (test client) and FastAPI/Starlette (TestClient)."""
import django
import flask
import pytest
from django.conf import settings
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

import tracekit_native
from tracekit_native.middleware import TraceKitWSGIMiddleware
from tracekit_native.middleware.django import TracekitDjangoMiddleware
from tracekit_native.middleware.fastapi import TracekitMiddleware, create_fastapi_middleware, init_fastapi_app
from tracekit_native.middleware.flask import create_flask_middleware, init_flask_app

from conftest import wait_for
from support import enabled_breakpoint

AUTHORIZATION = {"Authorization": "Bearer t0ken-value"}


def place_order(order_id, email):
    tracekit_native.capture_snapshot("place-order", {"order_id": order_id, "email": email})


def captured_request(server, service, client):
    """The request context of the one snapshot the test produced."""
    assert client.flush(5.0)
    snapshots = wait_for(lambda: server.snapshots(service))
    assert len(snapshots) == 1, snapshots
    snapshot = snapshots[0]
    assert snapshot["variables"]["email"] == "[REDACTED:email]"
    assert snapshot["request_context"]["headers"]["authorization"] == "[REDACTED:sensitive_name]"
    assert "t0ken-value" not in str(snapshot)
    return snapshot["request_context"]


@pytest.fixture
def live_client(server, service, make_client):
    """A global client whose place_order breakpoint is enabled and synced."""
    enabled_breakpoint(server, service, "place_order", "place-order")
    client = make_client(service)
    assert wait_for(lambda: client.stats()["breakpoints"] >= 1, timeout=5.0)
    return client


def flask_app():
    app = flask.Flask(__name__)

    @app.post("/orders/<int:order_id>")
    def order(order_id):
        place_order(order_id, flask.request.json["email"])
        return {"ok": True}

    return app


def test_flask_init_flask_app(server, service, live_client):
    app = flask_app()
    init_flask_app(app, live_client)  # the official call
    init_flask_app(app)  # a second call does not wrap twice
    assert isinstance(app.wsgi_app, TraceKitWSGIMiddleware)
    assert not isinstance(app.wsgi_app.app, TraceKitWSGIMiddleware)
    response = app.test_client().post("/orders/7?src=web", json={"email": "buyer@example.com"}, headers=AUTHORIZATION)
    assert response.status_code == 200
    request = captured_request(server, service, live_client)
    assert (request["method"], request["path"], request["query"]) == ("POST", "/orders/7", "src=web")


def test_flask_hooks_of_create_flask_middleware(server, service, live_client):
    app = flask_app()
    hooks = create_flask_middleware(live_client)
    app.before_request(hooks.before_request)
    app.after_request(hooks.after_request)
    assert app.test_client().post("/orders/8", json={"email": "b@example.com"}, headers=AUTHORIZATION).status_code == 200
    assert captured_request(server, service, live_client)["path"] == "/orders/8"
    assert tracekit_native.middleware.current_context() == {}  # unbound after the request


# Django: settings of a minimal project whose URLconf is this module.
def django_order(request, order_id):
    from django.http import JsonResponse

    place_order(order_id, request.GET["email"])
    return JsonResponse({"ok": True})


def urlpatterns_():
    from django.urls import path

    return [path("orders/<int:order_id>", django_order)]


urlpatterns = []


@pytest.fixture(scope="module")
def django_project():
    if not settings.configured:
        settings.configure(
            DEBUG=False, SECRET_KEY="test-only", ALLOWED_HOSTS=["testserver"], ROOT_URLCONF=__name__,
            MIDDLEWARE=["tracekit_native.middleware.django.TracekitDjangoMiddleware"], INSTALLED_APPS=[])
        django.setup()
    urlpatterns[:] = urlpatterns_()


def test_django_middleware_in_settings(server, service, live_client, django_project):
    from django.test import Client as DjangoClient

    response = DjangoClient().get("/orders/9", {"email": "d@example.com"}, headers=AUTHORIZATION)
    assert response.status_code == 200
    request = captured_request(server, service, live_client)
    assert (request["method"], request["path"]) == ("GET", "/orders/9")
    assert request["url"].startswith("http://testserver/orders/9?")
    assert settings.MIDDLEWARE == [f"{TracekitDjangoMiddleware.__module__}.{TracekitDjangoMiddleware.__name__}"]


def starlette_order(request):
    place_order(int(request.path_params["order_id"]), request.query_params["email"])
    return JSONResponse({"ok": True})


def fastapi_order(order_id: int, email: str):
    place_order(order_id, email)
    return {"ok": True}


@pytest.mark.parametrize("install", ["init_fastapi_app", "add_middleware", "factory"])
def test_fastapi_middleware_with_the_official_names(server, service, live_client, install):
    app = FastAPI()
    app.add_api_route("/orders/{order_id}", fastapi_order)
    if install == "init_fastapi_app":
        init_fastapi_app(app, live_client)
    elif install == "add_middleware":
        app.add_middleware(TracekitMiddleware, client=live_client)
    else:
        app.add_middleware(create_fastapi_middleware(live_client))
    with TestClient(app) as http:
        assert http.get("/orders/10", params={"email": "f@example.com"}, headers=AUTHORIZATION).status_code == 200
    request = captured_request(server, service, live_client)
    assert (request["method"], request["path"], request["query"]) == ("GET", "/orders/10", "email=f%40example.com")


def test_starlette_app_with_init_fastapi_app(server, service, live_client):
    app = Starlette(routes=[Route("/orders/{order_id}", starlette_order)])
    init_fastapi_app(app)
    with TestClient(app) as http:
        assert http.get("/orders/11", params={"email": "s@example.com"}, headers=AUTHORIZATION).status_code == 200
    assert captured_request(server, service, live_client)["path"] == "/orders/11"
