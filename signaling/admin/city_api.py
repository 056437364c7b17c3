"""The admin API for the city's shape: wards, sites and services, and which site a kiosk is at.

Reads need an admin or supervisor session; changes need an admin (guard.py). Each change is
stored with its audit entry; a ward, site or service edit also goes out to every kiosk and
console as the new directory (directory_api.run_edit). Refusals are JSON, as in directory_api.
"""

from __future__ import annotations

import time
from typing import Any

import msgspec
from aiohttp import web

from signaling.admin import city_shape_edit
from signaling.admin.api import ward_kiosk
from signaling.admin.context import ADMIN, json_response
from signaling.admin.directory_api import run_edit
from signaling.directory import DirectoryError, Service, Site, Ward
from signaling.store import NotFoundError, StoreError
from signaling.store.city import DirectoryEdit


async def wards(request: web.Request) -> web.Response:
    admin = request.config_dict[ADMIN]
    scope = (await admin.access(await admin.guard.require(request))).scope
    city = await admin.store.load_directory()
    return json_response([w for w in city.wards if scope.whole_city or w.id == scope.ward_id])


async def sites(request: web.Request) -> web.Response:
    admin = request.config_dict[ADMIN]
    scope = (await admin.access(await admin.guard.require(request))).scope
    city = await admin.store.load_directory()
    return json_response([s for s in city.sites if scope.sees_site(s.id)])


async def services(request: web.Request) -> web.Response:
    admin = request.config_dict[ADMIN]
    await admin.guard.require(request)
    return json_response((await admin.store.load_directory()).services)


async def put_ward(request: web.Request) -> web.Response:
    return await _put(request, Ward, request.match_info["ward_id"])


async def put_site(request: web.Request) -> web.Response:
    return await _put(request, Site, request.match_info["site_id"])


async def put_service(request: web.Request) -> web.Response:
    return await _put(request, Service, request.match_info["service_id"])


async def delete_ward(request: web.Request) -> web.Response:
    async def build() -> tuple[DirectoryEdit, Any]:
        return city_shape_edit.delete_ward(request.match_info["ward_id"]), {"ok": True}

    return await run_edit(request, build)


async def delete_site(request: web.Request) -> web.Response:
    async def build() -> tuple[DirectoryEdit, Any]:
        return city_shape_edit.delete_site(request.match_info["site_id"]), {"ok": True}

    return await run_edit(request, build)


async def delete_service(request: web.Request) -> web.Response:
    async def build() -> tuple[DirectoryEdit, Any]:
        return city_shape_edit.delete_service(request.match_info["service_id"]), {"ok": True}

    return await run_edit(request, build)


async def _put(
    request: web.Request, kind: type[Ward | Site | Service], entry_id: str
) -> web.Response:
    async def build() -> tuple[DirectoryEdit, Any]:
        try:
            raw = msgspec.json.decode(await request.read())
        except msgspec.DecodeError as exc:
            raise DirectoryError(f"the body is not JSON: {exc}") from None
        entry = city_shape_edit.parse(kind, raw, entry_id)
        return city_shape_edit.put(entry), entry

    return await run_edit(request, build)


class _KioskSite(msgspec.Struct, forbid_unknown_fields=True):
    site_id: str | None


async def put_kiosk_site(request: web.Request) -> web.Response:
    """Place a kiosk at a site ({"site_id": null}: nowhere); its next login carries it.

    A ward supervisor moves their ward's kiosks between their ward's sites (scope.py).
    """
    admin = request.config_dict[ADMIN]
    user = await admin.guard.require(request)
    access = await admin.access(user)
    await ward_kiosk(admin, access, request.match_info["kiosk_id"])
    try:
        body = msgspec.json.decode(await request.read(), type=_KioskSite)
    except msgspec.DecodeError as exc:
        return _refusal(400, "invalid", f'the body must be {{"site_id": "..." or null}}: {exc}')
    if not access.manages_city and not access.scope.sees_site(body.site_id):
        # Unknown or another ward's, alike: nothing to learn about other wards' sites.
        return _refusal(403, "forbidden", "a ward's kiosk goes to one of that ward's sites")
    try:
        kiosk = await admin.store.set_kiosk_site(
            request.match_info["kiosk_id"],
            body.site_id,
            actor=user.account.id,
            now=time.time(),
            ip=request.remote or "unknown",
        )
    except NotFoundError as exc:
        return _refusal(404, "not_found", str(exc))
    except StoreError as exc:
        return _refusal(503, "store_unavailable", str(exc))
    return json_response(kiosk)


def _refusal(status: int, error: str, message: str) -> web.Response:
    return json_response({"error": error, "message": message}, status)
