"""The admin API for the directory: departments and categories, read by all, edited by admins.

An edit is stored with its audit entry, then handed to the running switchboard, which sends the
new directory to every connected kiosk and console (docs/protocol.md, `directory`). Refusals are
JSON: ``{"error": "invalid" | "conflict" | "not_found" | "store_unavailable", "message": ...}``.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import msgspec
from aiohttp import web

from signaling.admin import directory_edit
from signaling.admin.context import ADMIN, json_response
from signaling.admin.scope import ForbiddenError, ward_site_edit
from signaling.directory import Category, Department, DirectoryError
from signaling.store import ConflictError, NotFoundError, StoreError
from signaling.store.city import DirectoryEdit

T = TypeVar("T", Department, Category)
B = TypeVar("B")


async def departments(request: web.Request) -> web.Response:
    admin = request.config_dict[ADMIN]
    scope = (await admin.access(await admin.guard.require(request))).scope
    city = await admin.store.load_directory()
    return json_response([d for d in city.departments if scope.lists_department(d)])


async def categories(request: web.Request) -> web.Response:
    """A ward sees the topics of services and of the departments it lists."""
    admin = request.config_dict[ADMIN]
    scope = (await admin.access(await admin.guard.require(request))).scope
    city = await admin.store.load_directory()
    listed = {d.id for d in city.departments if scope.lists_department(d)}
    return json_response([c for c in city.categories if c.service_id or c.department_id in listed])


async def put_department(request: web.Request) -> web.Response:
    async def build() -> tuple[DirectoryEdit, Any]:
        department = await _entry(request, Department, request.match_info["department_id"])
        return directory_edit.put_department(department), department

    return await run_edit(request, build)


async def put_category(request: web.Request) -> web.Response:
    async def build() -> tuple[DirectoryEdit, Any]:
        category = await _entry(request, Category, request.match_info["category_id"])
        return directory_edit.put_category(category), category

    return await run_edit(request, build)


async def delete_department(request: web.Request) -> web.Response:
    department_id = request.match_info["department_id"]

    async def build() -> tuple[DirectoryEdit, Any]:
        if waiting := len(request.config_dict[ADMIN].hub.switchboard.queue(department_id)):
            # Nobody could serve them, and their kiosks would wait for a department that is gone.
            raise ConflictError(f"{waiting} citizens are waiting for {department_id!r} right now")
        return directory_edit.delete_department(department_id), {"ok": True}

    return await run_edit(request, build)


async def delete_category(request: web.Request) -> web.Response:
    async def build() -> tuple[DirectoryEdit, Any]:
        return directory_edit.delete_category(request.match_info["category_id"]), {"ok": True}

    return await run_edit(request, build)


async def run_edit(
    request: web.Request, build: Callable[[], Awaitable[tuple[DirectoryEdit, Any]]]
) -> web.Response:
    """Guard, check, store with the audit entry, and send the new directory out.

    Admins make any edit; a ward supervisor only one of their ward's sites (a path with a
    ``{site_id}``, checked by scope.ward_site_edit), and everyone else gets a 403 before anything.
    """
    admin = request.config_dict[ADMIN]
    user = await admin.guard.require(request)
    access = await admin.access(user)
    site_id = request.match_info.get("site_id")
    if not access.manages_city and not (access.manages_ward and site_id is not None):
        raise web.HTTPForbidden(text="only an admin changes this (docs/admin.md, roles)")
    try:
        edit, answer = await build()
        if not access.manages_city and site_id is not None:
            edit = ward_site_edit(edit, access.scope, site_id)
        # One edit at a time from storing to sending, so kiosks get the directories in order.
        async with admin.hub.directory_turn:
            directory = await admin.store.edit_directory(
                edit, actor=user.account.id, now=time.time(), ip=request.remote or "unknown"
            )
            admin.hub.update_directory(directory)
    except DirectoryError as exc:
        return _refusal(400, "invalid", str(exc))
    except ForbiddenError as exc:
        return _refusal(403, "forbidden", str(exc))
    except ConflictError as exc:
        return _refusal(409, "conflict", str(exc))
    except NotFoundError as exc:
        return _refusal(404, "not_found", str(exc))
    except StoreError as exc:
        return _refusal(503, "store_unavailable", str(exc))
    return json_response(answer)


class Order(msgspec.Struct, forbid_unknown_fields=True):
    ids: list[str]


async def decode_body(request: web.Request, kind: type[B], shape: str) -> B:
    """The JSON body as `kind`, or a DirectoryError saying the `shape` it must have (a 400)."""
    try:
        return msgspec.json.decode(await request.read(), type=kind)
    except msgspec.DecodeError as exc:  # a ValidationError too
        raise DirectoryError(f"the body must be {shape}: {exc}") from None


async def order_departments(request: web.Request) -> web.Response:
    async def build() -> tuple[DirectoryEdit, Any]:
        order = await _order(request)
        return directory_edit.reorder_departments(order.ids), order

    return await run_edit(request, build)


async def order_categories(request: web.Request) -> web.Response:
    async def build() -> tuple[DirectoryEdit, Any]:
        order = await _order(request)
        return directory_edit.reorder_categories(order.ids), order

    return await run_edit(request, build)


async def _order(request: web.Request) -> Order:
    return await decode_body(request, Order, '{"ids": [...]}')


async def _entry(request: web.Request, kind: type[T], entry_id: str) -> T:
    """The body as ``kind``, its id from the path; DirectoryError says what is wrong."""
    try:
        raw = msgspec.json.decode(await request.read())
    except msgspec.DecodeError as exc:
        raise DirectoryError(f"the body is not JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise DirectoryError("the body must be a JSON object")
    if raw.setdefault("id", entry_id) != entry_id:
        raise DirectoryError(f"the body's id {raw['id']!r} is not the path's {entry_id!r}")
    try:
        return msgspec.convert(raw, kind)
    except msgspec.ValidationError as exc:
        raise DirectoryError(str(exc)) from None


def _refusal(status: int, error: str, message: str) -> web.Response:
    return json_response({"error": error, "message": message}, status)
