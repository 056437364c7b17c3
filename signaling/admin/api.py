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
from signaling.admin import kpis
from signaling.admin.context import ADMIN, AdminContext, json_response
from signaling.admin.guard import ADMIN_ROLES, COOKIE, set_cookie
from signaling.admin.history_view import Filters, row, to_csv
from signaling.auth import WeakPasswordError, check_new_password, hash_password
from signaling.store import ConflictError, NotFoundError, StoreError
from signaling.tokens import hash_token

T = TypeVar("T")

_HISTORY_PAGE = 500
_CSV_ROWS = 100_000


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


async def login(request: web.Request) -> web.Response:
    admin = request.config_dict[ADMIN]
    admin.guard.check_origin(request)  # no login CSRF: a foreign page cannot sign us in
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
    response = json_response(_me_body(admin, principal.display_name, principal.role, issued))
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
    }


async def logout(request: web.Request) -> web.Response:
    admin = request.config_dict[ADMIN]
    user = await admin.guard.require(request, change=True)
    await admin.store.delete_session(user.token_hash)
    response = json_response({"ok": True})
    response.del_cookie(COOKIE, path="/admin")
    return response


async def me(request: web.Request) -> web.Response:
    admin = request.config_dict[ADMIN]
    user = await admin.guard.require(request)
    account = user.account
    return json_response(_me_body(admin, account.display_name, account.role, csrf=user.csrf))


def _period(request: web.Request) -> tuple[float, float]:
    """``from`` and ``to`` as JST days, both included; today by default."""
    today = kpis.today(time.time())
    try:
        since, _ = kpis.day_bounds(request.query.get("from") or today)
        _, until = kpis.day_bounds(request.query.get("to") or request.query.get("from") or today)
    except ValueError:
        raise web.HTTPBadRequest(text="dates are YYYY-MM-DD") from None
    return since, until


async def overview(request: web.Request) -> web.Response:
    admin = request.config_dict[ADMIN]
    await admin.guard.require(request)
    return json_response(await admin.report(*_period(request)))


async def live_snapshot(request: web.Request) -> web.Response:
    admin = request.config_dict[ADMIN]
    await admin.guard.require(request)
    return json_response(await admin.snapshot())


async def _history(request: web.Request, admin: AdminContext, limit: int) -> list[Any]:
    since, until = _period(request)
    query = request.query
    records = await admin.store.list_consultations(
        since=since,
        until=until,
        kiosk_id=query.get("kiosk") or None,
        department_id=query.get("department") or None,
        limit=limit,
    )
    filters = Filters(
        staff_id=query.get("staff") or None,
        outcome_code=query.get("outcome") or None,
        end_reason=query.get("reason") or None,
    )
    return [r for r in records if filters.match(r)]


async def history(request: web.Request) -> web.Response:
    admin = request.config_dict[ADMIN]
    await admin.guard.require(request)
    names = await admin.names()
    rows = [row(r, names) for r in await _history(request, admin, _HISTORY_PAGE)]
    return json_response({"rows": rows, "limit": _HISTORY_PAGE})


async def history_csv(request: web.Request) -> web.Response:
    admin = request.config_dict[ADMIN]
    await admin.guard.require(request)
    body = to_csv(await _history(request, admin, _CSV_ROWS), await admin.names())
    since, _ = _period(request)
    response = web.Response(body=body, content_type="text/csv", charset="utf-8")
    day = kpis.today(since)
    response.headers["Content-Disposition"] = f'attachment; filename="madoguchi-{day}.csv"'
    return response


async def directory(request: web.Request) -> web.Response:
    """Ids and names for the filters: departments, kiosks, staff, outcomes, end reasons."""
    admin = request.config_dict[ADMIN]
    await admin.guard.require(request)
    city = await admin.store.load_directory()
    return json_response(
        {
            "departments": {d.id: d.names.get("ja", d.id) for d in city.departments},
            "outcomes": {o.code: o.names.get("ja", o.code) for o in city.outcome_codes},
            "end_reasons": [r.value for r in p.EndReason],
        }
    )


async def kiosks(request: web.Request) -> web.Response:
    admin = request.config_dict[ADMIN]
    await admin.guard.require(request)
    return json_response(await admin.store.list_kiosks())


async def accounts(request: web.Request) -> web.Response:
    admin = request.config_dict[ADMIN]
    await admin.guard.require(request)
    rows = [
        {
            "id": a.id,
            "username": a.username,
            "display_name": a.display_name,
            "role": a.role.value,
            "disabled": a.disabled,
            "departments": list(a.departments),
            "must_change_password": a.must_change_password,
        }
        for a in await admin.store.list_accounts()
    ]
    return json_response(rows)


async def audit(request: web.Request) -> web.Response:
    admin = request.config_dict[ADMIN]
    await admin.guard.require(request)
    return json_response(await admin.store.list_audit(limit=200))


# Management: admins only.


async def create_kiosk(request: web.Request) -> web.Response:
    admin = request.config_dict[ADMIN]
    user = await admin.guard.require(request, change=True, manage=True)
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
    user = await admin.guard.require(request, change=True, manage=True)
    kiosk_id = request.match_info["kiosk_id"]
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
    user = await admin.guard.require(request, change=True, manage=True)
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
    user = await admin.guard.require(request, change=True, manage=True)
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
    user = await admin.guard.require(request, change=True, manage=True)
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
