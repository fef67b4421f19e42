"""The label-keyed fast path: while a label is seen at one call site, an
inactive checkpoint finds its site by label alone (no frame); a second call
site with the same label is discovered after the next refresh and the label
then always takes the full path."""
import time

from tracekit_native import _client

from conftest import wait_for
from support import registered_breakpoint


def first_site(client):
    client.capture_snapshot("shared-label", {"site": 1})


def second_site(client):
    client.capture_snapshot("shared-label", {"site": 2})


def sites_of(client, label):
    return [site for (_, _, site_label), site in client._sites.items() if site_label == label]


def test_an_inactive_bound_label_skips_the_frame(service, make_client, monkeypatch):
    client = make_client(service)
    first_site(client)  # creates the site
    first_site(client)  # confirms it: the label is bound
    frames = []
    monkeypatch.setattr(_client, "_getframe", lambda depth: frames.append(depth) or _client.sys._getframe(depth + 1))
    started = time.monotonic()
    for _ in range(1000):
        first_site(client)
    elapsed = time.monotonic() - started
    # At most one full-path call per refresh pass that happened meanwhile.
    assert len(frames) <= 1 + elapsed / _client.REFRESH_SECONDS, (len(frames), elapsed)


def test_a_second_call_site_of_a_bound_label_is_discovered(server, service, make_client):
    client = make_client(service)
    first_site(client)
    first_site(client)
    assert client._labels.by_label["shared-label"] is sites_of(client, "shared-label")[0]
    # The second site's calls reach the full path after the next refresh.
    assert wait_for(lambda: second_site(client) or len(sites_of(client, "shared-label")) == 2, timeout=3.0)
    assert "shared-label" not in client._labels.by_label and "shared-label" in client._labels.shared
    registered = wait_for(lambda: {bp["function_name"] for bp in server.breakpoints(service)
                                   if bp["label"] == "shared-label"} == {"first_site", "second_site"})
    assert registered, server.breakpoints(service)


def test_enabling_a_bound_sites_breakpoint_captures_within_a_refresh(server, service, make_client):
    client = make_client(service)
    first_site(client)
    first_site(client)
    breakpoint = registered_breakpoint(server, service, "shared-label")
    assert server.api("PATCH", f"/api/breakpoints/{breakpoint['id']}", {"enabled": True})[0] == 200
    assert wait_for(lambda: first_site(client) or client.stats()["captured"] >= 1, timeout=3.0)
