"""Every change to the admin page comes from the page itself, by default.

`same_site_changes`, the admin app's middleware, checks each unsafe method (POST, PUT, PATCH,
DELETE) before its handler runs: the request's Origin is one of the hub's own, and a signed-in
admin or supervisor sent their session's CSRF token. A handler does nothing to get this, so a
route added tomorrow has it too. A handler opts out of the CSRF token only, never the Origin,
with `without_csrf(reason)`, which tests/admin/test_same_site.py lists and checks: today the
sign-in, which has no session yet.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Final, TypeVar

from aiohttp import web

from signaling.admin.context import ADMIN

UNSAFE_METHODS: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_EXEMPTION: Final = "admin_without_csrf"

Handler = TypeVar("Handler", bound=Callable[..., Awaitable[web.StreamResponse]])


def without_csrf(reason: str) -> Callable[[Handler], Handler]:
    """Let a handler take changes without a session's CSRF token, for the reason given."""

    def mark(handler: Handler) -> Handler:
        setattr(handler, _EXEMPTION, reason)
        return handler

    return mark


def csrf_exemption(handler: object) -> str | None:
    """Why a handler takes changes without the CSRF token; None for every ordinary one."""
    reason = getattr(handler, _EXEMPTION, None)
    return reason if isinstance(reason, str) else None


@web.middleware
async def same_site_changes(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    if request.method in UNSAFE_METHODS:
        guard = request.config_dict[ADMIN].guard
        guard.check_origin(request)
        if csrf_exemption(request.match_info.handler) is None:
            await guard.require(request, change=True)
    return await handler(request)
