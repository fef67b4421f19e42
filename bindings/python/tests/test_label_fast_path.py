"""The label-keyed fast path: while a label is seen at one call site, a
checkpoint finds its site by label alone (no frame) and returns, or claims
a capture slot, from there; a second call site with the same label is
discovered after the next refresh (or by the first capture it makes) and
the label then always takes the full path."""
import time

from tracekit_native import _client

from conftest import wait_for
from support import enable, enabled_breakpoint, registered_breakpoint


def first_site(client):
    client.capture_snapshot("shared-label", {"site": 1})


def second_site(client):
    client.capture_snapshot("shared-label", {"site": 2})


REFRESH_SECONDS = _client.REFRESH_SECONDS


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


def stop_refreshing(monkeypatch):
    """No refresh pass from now on (after the one in progress): a binding
    made now holds for the rest of the test."""
    monkeypatch.setattr(_client, "REFRESH_SECONDS", 3600.0)
    time.sleep(3 * REFRESH_SECONDS)


def counting_frames(monkeypatch):
    frames = []
    monkeypatch.setattr(_client, "_getframe", lambda depth: frames.append(depth) or _client.sys._getframe(depth + 1))
    return frames


def test_a_suppressed_bound_label_skips_the_frame_and_is_counted(server, service, make_client, monkeypatch):
    client = make_client(service)
    first_site(client)
    enable(server, client, registered_breakpoint(server, service, "shared-label")["id"], "shared-label",
           max_captures=1)
    stop_refreshing(monkeypatch)
    first_site(client)  # captures (max_captures 1) and confirms the site: the label is bound
    frames = counting_frames(monkeypatch)
    for _ in range(200):
        first_site(client)
    assert frames == []
    assert client.flush(5.0)
    stats = client.stats()
    assert stats["captured"] == 1 and stats["suppressed_max_captures"] == 200, stats


def test_a_capture_through_a_bound_label_from_another_site_goes_to_that_site(server, service, make_client,
                                                                             monkeypatch):
    for function in ("first_site", "second_site"):
        enabled_breakpoint(server, service, function, "shared-label")
    client = make_client(service)
    first_site(client)  # creates the site (inactive until the library has synced)
    assert wait_for(lambda: sites_of(client, "shared-label")[0].active, timeout=3.0)
    stop_refreshing(monkeypatch)
    first_site(client)  # captures and confirms the site: the label is bound to first_site
    assert client._labels.by_label["shared-label"].bound
    second_site(client)  # bound to first_site, claimed there, but captured where it is
    assert "shared-label" in client._labels.shared
    assert client.flush(5.0)
    snapshots = wait_for(lambda: len(server.snapshots(service)) >= 2 and server.snapshots(service))
    assert sorted(s["variables"]["site"] for s in snapshots) == [1, 2]
    assert {s["function_name"] for s in snapshots if s["variables"]["site"] == 2} == {"second_site"}
