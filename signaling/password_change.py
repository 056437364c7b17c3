"""POST /account/password: an account replaces its own password, proving the current one.

The way out of a forced change: after an admin resets a password, the hub refuses it for
everything else (``password_change_required``), so the person chooses a new one here, from the
staff console or the admin page's sign-in, before their first real sign-in. It needs no session
(a forced account cannot get one), so it is guarded like a sign-in: the current password under
the same login throttle, a JSON body only, and no Origin but the listed ones.

Body ``{"username", "password", "new_password"}``. Answers: 200 ``{"ok": true}``; 400 a bad
body or a new password the policy refuses; 401 wrong username or password; 403 disabled, or an
unlisted Origin; 429 throttled; 503 store unavailable. Errors are ``{"error", "message"}``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import msgspec
from aiohttp import web

from signaling import protocol as p
from signaling.auth import Authenticator, WeakPasswordError
from signaling.store import StoreError

PATH = "/account/password"
_MAX_BODY_BYTES = 4096
_STATUS = {
    p.ErrorCode.UNAUTHORIZED: 401,
    p.ErrorCode.ACCOUNT_DISABLED: 403,
    p.ErrorCode.LOGIN_THROTTLED: 429,
    p.ErrorCode.RATE_LIMITED: 429,
}


class PasswordChange(msgspec.Struct, forbid_unknown_fields=True):
    username: str
    password: str
    new_password: str


def add_route(
    app: web.Application,
    authenticator: Callable[[], Authenticator],
    allowed_origins: list[str],
) -> None:
    """Serve PATH on ``app``; ``authenticator`` gives the hub's once it has started."""
    origins = frozenset(allowed_origins)

    async def change_password(request: web.Request) -> web.Response:
        # A browser always says where a cross-site POST comes from: a page elsewhere must not
        # try passwords from the victim's address. Programs (the console) send no Origin.
        origin = request.headers.get("Origin")
        if origin is not None and origin not in origins:
            return _answer(403, "forbidden", f"origin {origin} is not allowed")
        if request.content_type != "application/json":
            return _answer(400, "bad_request", "send the body as application/json")
        raw = await request.content.read(_MAX_BODY_BYTES + 1)
        try:
            if len(raw) > _MAX_BODY_BYTES:
                raise msgspec.DecodeError("the body is too large")
            body = msgspec.json.decode(raw, type=PasswordChange)
        except msgspec.DecodeError as exc:
            return _answer(400, "bad_request", f"the body must be {{username, password, "
                           f"new_password}}: {exc}")  # fmt: skip
        try:
            await authenticator().change_password(
                body.username, body.password, body.new_password, request.remote or "unknown",
                time.time(),
            )  # fmt: skip
        except p.RemoteProtocolError as exc:
            return _answer(_STATUS.get(exc.code, 401), exc.code.value, exc.message)
        except WeakPasswordError as exc:
            return _answer(400, "weak_password", str(exc))
        except StoreError:
            return _answer(503, "store_unavailable", "the database is unavailable; try again")
        return _answer(200, None, None)

    app.router.add_post(PATH, change_password)


def _answer(status: int, error: str | None, message: str | None) -> web.Response:
    body: dict[str, Any] = {"ok": True} if error is None else {"error": error, "message": message}
    return web.Response(
        body=msgspec.json.encode(body),
        status=status,
        content_type="application/json",
        headers={"Cache-Control": "no-store"},
    )
