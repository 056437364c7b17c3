"""The admin page's JSON API. Every handler asks the guard first; roles are enforced here.

Reads need an admin or supervisor session. Changes also need a listed Origin and the session's
CSRF token, and management needs the admin role. The store writes each change's audit entry.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, TypeVar

import msgspec
from aiohttp import web

from signaling import protocol as p
from signaling.admin.context import ADMIN, AdminContext, json_response, signed_in
from signaling.admin.guard import ADMIN_ROLES, COOKIE, set_cookie
from signaling.admin.same_site import without_csrf
from signaling.admin.scope import (
    Access,
    access_for,
    visible_ids,
    ward_actors,
)
from signaling.auth import WeakPasswordError, check_new_password, hash_password
from signaling.store import Account, ConflictError, NotFoundError, StoreError
from signaling.tokens import hash_token

T = TypeVar("T")

_HISTORY_PAGE = 500
_CSV_ROWS = 100_000
_AUDIT_PAGE = 200
_AUDIT_SCAN = 20_000  # a ward's entries are among the city's: look further back for them


class _Login(msgspec.Struct):
    username: str
    password: str


class _NewKiosk(msgspec.Struct):
    name: str
    location: str = ""
    site_id: str | None = None  # the site it stands at (city_api.py places it later too)


class _NewAccount(msgspec.Struct):
    username: str
    display_name: str
    password: str
    role: p.Role = p.Role.STAFF
    departments: list[str] = []


class _Disabled(msgspec.Struct):
    disabled: bool


class _Password(msgspec.Struct):
    password: str
    # A temporary password (the default): the account must choose its own at the next sign-in.
    temporary: bool = True


async def _body(request: web.Request, kind: type[T]) -> T:
    try:
        return msgspec.json.decode(await request.read(), type=kind)
    except msgspec.DecodeError as exc:  # ValidationError is a DecodeError
        raise web.HTTPBadRequest(text=str(exc)) from None


def _ip(request: web.Request) -> str:
    return request.remote or "unknown"


@without_csrf("no session yet to hold a token; the Origin check stops a foreign page")
async def login(request: web.Request) -> web.Response:
    admin = request.config_dict[ADMIN]
    body = await _body(request, _Login)
    hello = p.Hello(
        protocol_version=p.PROTOCOL_VERSION, username=body.username, password=body.password
    )
    try:
        principal, issued = await admin.authenticator.authenticate(hello, _ip(request), time.time())
    except p.RemoteProtocolError as exc:
        status = _LOGIN_STATUS.get(exc.code, 401)
        return json_response({"error": exc.code.value, "message": exc.message}, status)
    except StoreError:
        return json_response({"error": "store_unavailable"}, 503)
    assert issued is not None  # a password login always issues a session
    if principal.role not in ADMIN_ROLES:
        await admin.store.delete_session(hash_token(issued.token))
        return json_response({"error": "forbidden", "message": "not an admin account"}, 403)
    answer = _me_body(admin, principal.display_name, principal.role, issued)
    account = await admin.store.get_account(principal.id)
    if account is not None:
        answer["scope"] = await _scope_body(admin, account)
    response = json_response(answer)
    set_cookie(response, request, issued.token, int(issued.expires_at - time.time()))
    return response


# The page shows the forced change's form for 403 password_change_required.
_LOGIN_STATUS = {p.ErrorCode.LOGIN_THROTTLED: 429, p.ErrorCode.PASSWORD_CHANGE_REQUIRED: 403}


def _me_body(
    admin: AdminContext, name: str, role: p.Role, issued: Any = None, csrf: str | None = None
) -> dict[str, Any]:
    if issued is not None:
        csrf = admin.guard.csrf_for(hash_token(issued.token))
    return {
        "display_name": name,
        "role": role.value,
        "can_manage": role is p.Role.ADMIN,
        "csrf": csrf,
        "service_level_seconds": admin.settings.service_level_seconds,
        "date_style": admin.settings.admin_date_style,
    }


async def _scope_body(admin: AdminContext, account: Account) -> dict[str, Any]:
    """The user's ward, if they are a ward supervisor, for the page to say whose data it is."""
    directory = await admin.store.load_directory()
    access = access_for(account, directory)
    ward = directory.ward(access.scope.ward_id)
    return {
        "ward_id": access.scope.ward_id,
        "ward": None if ward is None else ward.names.get("ja", ward.id),
        "manages_ward": access.manages_ward,
    }


async def logout(request: web.Request) -> web.Response:
    admin = request.config_dict[ADMIN]
    user = await admin.guard.require(request)
    await admin.store.delete_session(user.token_hash)
    response = json_response({"ok": True})
    response.del_cookie(COOKIE, path="/admin")
    return response


async def me(request: web.Request) -> web.Response:
    admin = request.config_dict[ADMIN]
    user = await admin.guard.require(request)
    account = user.account
    body = _me_body(admin, account.display_name, account.role, csrf=user.csrf)
    body["scope"] = await _scope_body(admin, account)
    return json_response(body)


async def directory(request: web.Request) -> web.Response:
    """Ids and names for the filters: departments, kiosks, staff, outcomes, end reasons."""
    admin, access = await signed_in(request)
    city = await admin.store.load_directory()
    listed = [d for d in city.departments if access.scope.lists_department(d)]
    return json_response(
        {
            "departments": {d.id: d.names.get("ja", d.id) for d in listed},
            "outcomes": {o.code: o.names.get("ja", o.code) for o in city.outcome_codes},
            "end_reasons": [r.value for r in p.EndReason],
        }
    )


async def kiosks(request: web.Request) -> web.Response:
    admin, access = await signed_in(request)
    return json_response([k for k in await admin.store.list_kiosks() if access.scope.sees_kiosk(k)])


async def accounts(request: web.Request) -> web.Response:
    admin, access = await signed_in(request)
    city = await admin.store.load_directory()
    listed = {d.id for d in city.departments if access.scope.lists_department(d)}
    rows = [
        {
            "id": a.id,
            "username": a.username,
            "display_name": a.display_name,
            "name_reading": a.name_reading,
            "role": a.role.value,
            "disabled": a.disabled,
            # A ward sees its own and city-wide desks, not the other wards' someone also serves.
            "departments": [d for d in a.departments if d in listed],
            "must_change_password": a.must_change_password,
            "site_id": a.site_id,
        }
        for a in await admin.store.list_accounts()
        if access.scope.sees_account(a)
    ]
    return json_response(rows)


async def audit(request: web.Request) -> web.Response:
    admin, access = await signed_in(request)
    scope = access.scope
    if scope.whole_city:
        return json_response(await admin.store.list_audit(limit=_AUDIT_PAGE))
    # The ward's entries: about one of its things, or made by one of its people (a site its
    # supervisor deleted is no longer its, but the deletion is).
    people = await admin.store.list_accounts()
    ids = visible_ids(scope, await admin.store.list_kiosks(), people)
    actors = ward_actors(scope, people)
    entries = await admin.store.list_audit(limit=_AUDIT_SCAN)
    ours = [e for e in entries if e.target in ids or e.actor in actors]
    return json_response(ours[:_AUDIT_PAGE])


# Management: admins only.


async def create_kiosk(request: web.Request) -> web.Response:
    admin = request.config_dict[ADMIN]
    user = await admin.guard.require(request, manage=True)
    body = await _body(request, _NewKiosk)
    if not body.name.strip():
        raise web.HTTPBadRequest(text="a kiosk needs a name")
    try:
        kiosk, token = await admin.store.create_kiosk(
            body.name.strip(),
            body.location.strip(),
            actor=user.account.id,
            now=time.time(),
            ip=_ip(request),
            site_id=body.site_id,
        )
    except ConflictError as exc:
        raise web.HTTPConflict(text=str(exc)) from None
    except NotFoundError as exc:  # an unknown site
        raise web.HTTPNotFound(text=str(exc)) from None
    # The token is shown this once; only its hash is stored.
    return json_response({"kiosk": kiosk, "token": token}, 201)


async def set_kiosk_disabled(request: web.Request) -> web.Response:
    admin = request.config_dict[ADMIN]
    user = await admin.guard.require(request)
    kiosk_id = request.match_info["kiosk_id"]
    await ward_kiosk(admin, await admin.access(user), kiosk_id)
    body = await _body(request, _Disabled)
    try:
        await admin.store.set_kiosk_disabled(
            kiosk_id, body.disabled, actor=user.account.id, now=time.time(), ip=_ip(request)
        )
    except NotFoundError:
        raise web.HTTPNotFound(text="no such kiosk") from None
    if body.disabled:
        _disconnect(admin, kiosk_id)
    return json_response({"ok": True})


async def create_account(request: web.Request) -> web.Response:
    admin = request.config_dict[ADMIN]
    user = await admin.guard.require(request, manage=True)
    body = await _body(request, _NewAccount)
    if body.role is p.Role.KIOSK:
        raise web.HTTPBadRequest(text="kiosks are registered, not given accounts")
    _check_password(body.password)
    password_hash = await asyncio.to_thread(hash_password, body.password)
    try:
        account = await admin.store.create_account(
            body.username.strip().lower(),
            body.display_name.strip(),
            body.role,
            password_hash,
            body.departments,
            actor=user.account.id,
            now=time.time(),
            ip=_ip(request),
        )
    except ConflictError:
        raise web.HTTPConflict(text="that username is taken") from None
    except NotFoundError as exc:
        raise web.HTTPBadRequest(text=str(exc)) from None
    return json_response({"id": account.id, "username": account.username}, 201)


async def set_password(request: web.Request) -> web.Response:
    admin = request.config_dict[ADMIN]
    user = await admin.guard.require(request, manage=True)
    body = await _body(request, _Password)
    _check_password(body.password)
    password_hash = await asyncio.to_thread(hash_password, body.password)
    account_id = request.match_info["account_id"]
    try:
        await admin.store.set_password(
            account_id,
            password_hash,
            actor=user.account.id,
            now=time.time(),
            ip=_ip(request),
            must_change=body.temporary,
        )
    except NotFoundError:
        raise web.HTTPNotFound(text="no such account") from None
    # Its sessions ended with the reset; close its connections now, as for a disabled account.
    _disconnect(admin, account_id, p.ErrorCode.SESSION_EXPIRED, "an admin reset your password")
    return json_response({"ok": True, "temporary": body.temporary})


async def set_account_disabled(request: web.Request) -> web.Response:
    admin = request.config_dict[ADMIN]
    user = await admin.guard.require(request, manage=True)
    account_id = request.match_info["account_id"]
    body = await _body(request, _Disabled)
    if account_id == user.account.id and body.disabled:
        raise web.HTTPConflict(text="an admin cannot disable their own account")
    try:
        await admin.store.set_account_disabled(
            account_id, body.disabled, actor=user.account.id, now=time.time(), ip=_ip(request)
        )
    except NotFoundError:
        raise web.HTTPNotFound(text="no such account") from None
    if body.disabled:
        _disconnect(admin, account_id)
    return json_response({"ok": True})


async def ward_kiosk(admin: AdminContext, access: Access, kiosk_id: str) -> None:
    """Refuse a change to this kiosk unless the user manages it: 403 for a supervisor who
    manages no ward, 404 for a kiosk outside their ward (as for one that does not exist)."""
    if access.manages_city:
        return
    if not access.manages_ward:
        raise web.HTTPForbidden(text="only an admin or the kiosk's ward supervisor changes this")
    kiosk = await admin.store.get_kiosk(kiosk_id)
    if kiosk is None or not access.scope.sees_kiosk(kiosk):
        raise web.HTTPNotFound(text="no such kiosk in your ward")


def _check_password(password: str) -> None:
    try:
        check_new_password(password)
    except WeakPasswordError as exc:
        raise web.HTTPBadRequest(text=str(exc)) from None


def _disconnect(
    admin: AdminContext,
    principal_id: str,
    code: p.ErrorCode = p.ErrorCode.ACCOUNT_DISABLED,
    message: str = "disabled by an admin",
) -> None:
    # Now rather than at the next housekeeping round, as an admin expects.
    for connection in admin.hub.connected():
        if connection.principal.id == principal_id:
            admin.hub.send_error(connection, code, message)
            admin.hub.close(connection, code)
