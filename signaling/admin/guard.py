"""Who may use the admin page: the session cookie, roles, the Origin check and CSRF tokens.

The cookie holds an ordinary staff session token from the store (made by the Authenticator's
password login), so disabling an account or resetting its password ends its admin session too.
Only admin and supervisor accounts get past here; kiosk device tokens are not sessions at all.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass

from aiohttp import web

from signaling.protocol import Role
from signaling.store import Account, Store
from signaling.tokens import hash_token

COOKIE = "madoguchi_admin"
CSRF_HEADER = "X-CSRF-Token"
ADMIN_ROLES = (Role.ADMIN, Role.SUPERVISOR)


@dataclass(frozen=True, slots=True)
class AdminUser:
    account: Account
    token_hash: str
    csrf: str

    @property
    def can_manage(self) -> bool:
        return self.account.role is Role.ADMIN


# The request's signed-in user (or None), once looked up.
_USER: web.RequestKey[AdminUser | None] = web.RequestKey("admin_user")


class Guard:
    """Checks every admin request; refusals raise the HTTP error to send."""

    def __init__(self, store: Store, allowed_origins: list[str], csrf_key: bytes) -> None:
        self._store = store
        self._origins = frozenset(allowed_origins)
        self._csrf_key = csrf_key

    def csrf_for(self, token_hash: str) -> str:
        # Bound to the session and a per-process key: no state to keep, useless elsewhere.
        return hmac.new(self._csrf_key, token_hash.encode(), hashlib.sha256).hexdigest()

    async def user(self, request: web.Request) -> AdminUser | None:
        """The signed-in admin or supervisor, or None; looked up once a request."""
        if _USER not in request:
            request[_USER] = await self._lookup(request)
        return request[_USER]

    async def _lookup(self, request: web.Request) -> AdminUser | None:
        token = request.cookies.get(COOKIE)
        if not token:
            return None
        token_hash = hash_token(token)
        session = await self._store.get_session(token_hash)
        if session is None or session.expires_at <= time.time():
            return None
        account = await self._store.get_account(session.account_id)
        if account is None or account.disabled or account.role not in ADMIN_ROLES:
            return None
        return AdminUser(account, token_hash, self.csrf_for(token_hash))

    def check_origin(self, request: web.Request) -> None:
        """Refuse a request a browser sent from another site (or without saying where from)."""
        origin = request.headers.get("Origin")
        if origin is None or origin not in self._origins:
            raise web.HTTPForbidden(text=f"origin {origin} is not allowed")

    async def require(
        self, request: web.Request, *, change: bool = False, manage: bool = False
    ) -> AdminUser:
        """Signed in; for a change also same-site with the CSRF token; for ``manage`` an admin.

        Every unsafe method gets the change checks from `same_site.same_site_changes` already.
        """
        if change:
            self.check_origin(request)
        user = await self.user(request)
        if user is None:
            raise web.HTTPUnauthorized(text="sign in as an admin or supervisor")
        if change:
            sent = request.headers.get(CSRF_HEADER, "")
            if not hmac.compare_digest(sent, user.csrf):
                raise web.HTTPForbidden(text="missing or wrong CSRF token")
        if manage and not user.can_manage:
            raise web.HTTPForbidden(text="only an admin changes this (docs/admin.md, roles)")
        return user


def set_cookie(response: web.StreamResponse, request: web.Request, token: str, ttl: int) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=ttl,
        path="/admin",
        httponly=True,
        samesite="Strict",
        secure=request.secure,
    )
