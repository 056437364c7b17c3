"""The admin API for an account's lifecycle beyond creating it: name, role, departments, site.

``PUT /accounts/{id}`` ``{"display_name"?, "name_reading"?, "role"?, "departments"?, "site_id"?}``
(admins only)
changes what is given (``site_id`` null: no one site; a supervisor's site gives the ward they
supervise, read at each request, so it needs no new sign-in). A new role or new departments
end the account's sessions and close its connections (``session_expired``): what a console may
do is fixed at sign-in, so it signs in again. That is refused (409) while the staff member is
in a call, so no citizen is cut off; and an admin cannot change their own role, so the city
never loses its last admin by a slip.
"""

from __future__ import annotations

import time

import msgspec
from aiohttp import web

from signaling import protocol as p
from signaling.admin.context import ADMIN, AdminContext, json_response
from signaling.store import NotFoundError, StoreError
from signaling.store.accounts import public_fields


class AccountChange(msgspec.Struct, forbid_unknown_fields=True):
    display_name: str | None = None
    name_reading: str | None = None  # kana, "" for none
    role: p.Role | None = None
    departments: list[str] | None = None
    site_id: str | msgspec.UnsetType | None = msgspec.UNSET  # null is a value: no one site


async def update_account(request: web.Request) -> web.Response:
    admin = request.config_dict[ADMIN]
    user = await admin.guard.require(request, manage=True)
    account_id = request.match_info["account_id"]
    try:
        body = msgspec.json.decode(await request.read(), type=AccountChange)
    except msgspec.DecodeError as exc:
        return _refusal(
            400, "invalid", f"the body must be {{display_name, role, departments}}: {exc}"
        )
    ip = request.remote or "unknown"
    current = await admin.store.get_account(account_id)
    if current is None:
        return _refusal(404, "not_found", "no such account")
    if body.role is p.Role.KIOSK:
        return _refusal(400, "invalid", "kiosks are registered, not given accounts")
    changes_rights = (body.role is not None and body.role is not current.role) or (
        body.departments is not None and sorted(set(body.departments)) != list(current.departments)
    )
    if account_id == user.account.id and body.role is not None and body.role is not current.role:
        return _refusal(409, "conflict", "an admin cannot change their own role")
    if not isinstance(body.site_id, msgspec.UnsetType) and body.site_id is not None:
        # Checked before anything is stored, so a bad site changes nothing else either.
        if (await admin.store.load_directory()).site(body.site_id) is None:
            return _refusal(400, "invalid", f"no site {body.site_id!r}")
    if changes_rights and (busy := _in_call(admin, account_id)):
        return _refusal(
            409,
            "conflict",
            f"{current.display_name} is in a call ({busy}); change it after the call",
        )
    try:
        _, after = await admin.store.update_account(
            account_id,
            display_name=body.display_name,
            name_reading=body.name_reading,
            role=body.role,
            departments=body.departments,
            actor=user.account.id,
            now=time.time(),
            ip=ip,
        )
    except NotFoundError as exc:  # an unknown department (or the account went meanwhile)
        return _refusal(400, "invalid", str(exc))
    except ValueError as exc:  # the store's checks on names
        return _refusal(400, "invalid", str(exc))
    except StoreError as exc:
        return _refusal(503, "store_unavailable", str(exc))
    if not isinstance(body.site_id, msgspec.UnsetType) and body.site_id != after.site_id:
        try:
            after = await admin.store.set_account_site(
                account_id, body.site_id, actor=user.account.id, now=time.time(), ip=ip
            )
        except StoreError as exc:
            return _refusal(503, "store_unavailable", str(exc))
    if changes_rights:
        _sign_out(admin, account_id)
    return json_response({"id": after.id, **public_fields(after), "site_id": after.site_id})


def _in_call(admin: AdminContext, account_id: str) -> str | None:
    for role in (p.Role.STAFF, p.Role.SUPERVISOR, p.Role.ADMIN):
        client = admin.hub.switchboard.client(role, account_id)
        if client is not None and client.session_id is not None:
            return client.session_id
    return None


def _sign_out(admin: AdminContext, account_id: str) -> None:
    # Its sessions are gone already (the store ended them); close what is connected now.
    for connection in admin.hub.connected():
        if connection.principal.id == account_id:
            admin.hub.send_error(
                connection,
                p.ErrorCode.SESSION_EXPIRED,
                "an admin changed your account; sign in again",
            )
            admin.hub.close(connection, p.ErrorCode.SESSION_EXPIRED)


def _refusal(status: int, error: str, message: str) -> web.Response:
    return json_response({"error": error, "message": message}, status)
