"""Every admin route with an unsafe method, found by walking the admin app's router, refuses a
request from another site and one without the session's CSRF token before its handler runs;
with both right, the handler answers. A route added later is walked too."""

from __future__ import annotations

import re

from signaling.admin.app import create_admin_app
from signaling.admin.same_site import UNSAFE_METHODS, csrf_exemption

from .admin_hub import AdminClient, origin

EXEMPT_FROM_CSRF = {("POST", "/api/login")}  # no session yet; its Origin is still checked


def unsafe_routes() -> list[tuple[str, str, object]]:
    routes = []
    for route in create_admin_app().router.routes():
        if route.method in UNSAFE_METHODS:
            path = re.sub(r"\{[^}]+\}", "x", route.resource.canonical)  # type: ignore[union-attr]
            routes.append((route.method, path, route.handler))
    return routes


def test_the_walk_finds_the_routes_and_only_the_sign_in_goes_without_the_csrf_token() -> None:
    routes = unsafe_routes()
    assert len(routes) >= 28  # as of this writing: login, logout and the edits
    exempt = {(method, path) for method, path, handler in routes if csrf_exemption(handler)}
    assert exempt == EXEMPT_FROM_CSRF


async def test_every_unsafe_route_refuses_another_site_and_a_missing_csrf_token(
    client: AdminClient,
) -> None:
    await client.login("admin")
    hub_origin = origin(client.hub)
    for method, path, _ in unsafe_routes():
        url = f"{client.hub.http}/admin{path}"
        foreign = {"Origin": "https://evil.example", "X-CSRF-Token": client.csrf}
        async with client.http.request(method, url, json={}, headers=foreign) as response:
            assert response.status == 403, (method, path)
            assert "origin" in await response.text(), (method, path)
        if (method, path) in EXEMPT_FROM_CSRF:
            continue
        for token in ("", "forged"):
            headers = {"Origin": hub_origin, "X-CSRF-Token": token}
            async with client.http.request(method, url, json={}, headers=headers) as response:
                assert response.status == 403, (method, path, token)
                assert "CSRF" in await response.text(), (method, path, token)


async def test_with_the_origin_and_the_token_right_each_handler_answers(
    client: AdminClient,
) -> None:
    """The checks refuse only what they should: every route's own handler answers (a 400 for
    the empty body, a 404 for the made-up id), never the checks' 403."""
    await client.login("admin")
    for method, path, _ in unsafe_routes():
        if path in ("/api/logout", "/api/login"):
            continue  # signing out would end the walk; the sign-in has its own tests
        headers = {"Origin": origin(client.hub), "X-CSRF-Token": client.csrf}
        url = f"{client.hub.http}/admin{path}"
        async with client.http.request(method, url, json={}, headers=headers) as response:
            text = await response.text()
            assert "CSRF" not in text, (method, path)
            assert "origin" not in text.lower() or response.status != 403, (method, path)
