"""Helpers shared by the test modules that talk to the test server."""
import time

from conftest import wait_for


def registered_breakpoint(server, service, label="order-checkout"):
    """The auto-registered breakpoint of label, once the server has it."""
    found = wait_for(lambda: [bp for bp in server.breakpoints(service) if bp["label"] == label])
    assert found, f"site {label!r} was not auto-registered"
    return found[0]


def site_of(client, label="order-checkout"):
    sites = [site for (_, _, site_label), site in client._sites.items() if site_label == label]
    assert len(sites) == 1
    return sites[0]


def enable(server, client, breakpoint_id, label="order-checkout", **fields):
    status, body = server.api("PATCH", f"/api/breakpoints/{breakpoint_id}", {"enabled": True, **fields})
    assert status == 200, body
    started = time.monotonic()
    assert wait_for(lambda: site_of(client, label).active, timeout=3.0), "breakpoint did not become active"
    return time.monotonic() - started


def enabled_breakpoint(server, service, function, label, **fields):
    """Creates an enabled breakpoint for function:label before any client
    knows the site (as a user would in the dashboard)."""
    status, body = server.api("POST", "/api/breakpoints", {"service_name": service, "function_name": function,
                                                           "label": label, "enabled": True, **fields})
    assert status in (200, 201), body
    return body
