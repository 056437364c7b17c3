"""The admin API for staff messages: read by all, edited by admins, pushed live like the
directory (the consoles offer them, kiosks show them in the citizen's language).

``GET /staff-messages``; ``PUT /staff-messages/{id}`` ``{"texts": {"ja": …, …}}`` creates or
changes one; ``DELETE /staff-messages/{id}``; ``PUT /staff-message-order`` ``{"ids": [...]}``.
Refusals are directory_api's JSON errors.
"""

from __future__ import annotations

from typing import Any

import msgspec
from aiohttp import web

from signaling.admin import staff_message_edit
from signaling.admin.context import ADMIN, json_response
from signaling.admin.directory_api import Order, decode_body, run_edit
from signaling.directory import StaffMessage
from signaling.store.city import DirectoryEdit


class _Texts(msgspec.Struct, forbid_unknown_fields=True):
    texts: dict[str, str]


async def staff_messages(request: web.Request) -> web.Response:
    admin = request.config_dict[ADMIN]
    await admin.guard.require(request)
    return json_response((await admin.store.load_directory()).staff_messages)


async def put_staff_message(request: web.Request) -> web.Response:
    async def build() -> tuple[DirectoryEdit, Any]:
        body = await decode_body(request, _Texts, '{"texts": {"ja": ...}}')
        message = StaffMessage(id=request.match_info["message_id"], texts=body.texts)
        return staff_message_edit.put_message(message), message

    return await run_edit(request, build)


async def delete_staff_message(request: web.Request) -> web.Response:
    async def build() -> tuple[DirectoryEdit, Any]:
        return staff_message_edit.delete_message(request.match_info["message_id"]), {"ok": True}

    return await run_edit(request, build)


async def order_staff_messages(request: web.Request) -> web.Response:
    async def build() -> tuple[DirectoryEdit, Any]:
        order = await decode_body(request, Order, '{"ids": [...]}')
        return staff_message_edit.reorder_messages(order.ids), order

    return await run_edit(request, build)
