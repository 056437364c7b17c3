"""The admin API for outcome codes: read by all, edited by admins, pushed live like the directory.

``GET /outcome-codes``; ``PUT /outcome-codes/{code}`` ``{"names": {"ja": …, …}}`` creates or
renames one; ``DELETE /outcome-codes/{code}`` (409 for the last one); ``PUT /outcome-code-order``
``{"codes": [...]}``. Refusals are directory_api's JSON errors.
"""

from __future__ import annotations

from typing import Any

import msgspec
from aiohttp import web

from signaling.admin import outcome_edit
from signaling.admin.context import ADMIN, json_response
from signaling.admin.directory_api import decode_body, run_edit
from signaling.directory import OutcomeCode
from signaling.store.city import DirectoryEdit


class _Names(msgspec.Struct, forbid_unknown_fields=True):
    names: dict[str, str]


class _Order(msgspec.Struct, forbid_unknown_fields=True):
    codes: list[str]


async def outcome_codes(request: web.Request) -> web.Response:
    admin = request.config_dict[ADMIN]
    await admin.guard.require(request)
    return json_response((await admin.store.load_directory()).outcome_codes)


async def put_outcome_code(request: web.Request) -> web.Response:
    async def build() -> tuple[DirectoryEdit, Any]:
        body = await decode_body(request, _Names, '{"names": {"ja": ...}}')
        outcome = OutcomeCode(code=request.match_info["code"], names=body.names)
        return outcome_edit.put_outcome(outcome), outcome

    return await run_edit(request, build)


async def delete_outcome_code(request: web.Request) -> web.Response:
    async def build() -> tuple[DirectoryEdit, Any]:
        return outcome_edit.delete_outcome(request.match_info["code"]), {"ok": True}

    return await run_edit(request, build)


async def order_outcome_codes(request: web.Request) -> web.Response:
    async def build() -> tuple[DirectoryEdit, Any]:
        order = await decode_body(request, _Order, '{"codes": [...]}')
        return outcome_edit.reorder_outcomes(order.codes), order

    return await run_edit(request, build)
