"""The admin sub-app at /admin/: the page, its JSON API and the live WebSocket."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import msgspec
from aiohttp import WSMsgType, web

from signaling.admin import (
    accounts_api,
    api,
    city_api,
    directory_api,
    outcomes_api,
    readings_api,
    reports_api,
    staff_messages_api,
)
from signaling.admin.context import ADMIN, AdminContext
from signaling.admin.guard import Guard
from signaling.admin.live_state import LiveState
from signaling.admin.same_site import same_site_changes
from signaling.auth import Authenticator
from signaling.hub import Hub
from signaling.settings import Settings
from signaling.store import Store, StoreError

logger = logging.getLogger("madoguchi.admin")

STATIC = Path(__file__).parent / "static"
PUSH_INTERVAL_SECONDS = 0.5  # at most two snapshots a second, however busy the hub
REFRESH_SECONDS = 5.0  # durations and waits move even when nothing happens

HubParts = Callable[[], tuple[Store, Hub, Authenticator]]


def mount_admin(app: web.Application, settings: Settings, parts: HubParts) -> None:
    """Serve the admin page under /admin/ once the hub ``parts`` exist (they start first)."""
    app.add_subapp("/admin/", create_admin_app())

    async def context(app: web.Application) -> AsyncIterator[None]:
        store, hub, authenticator = parts()
        live = LiveState()
        hub.add_listener(live.observe)
        guard = Guard(store, settings.allowed_origins, secrets.token_bytes(32))
        app[ADMIN] = AdminContext(settings, store, hub, authenticator, live, guard)
        yield

    app.cleanup_ctx.append(context)


def create_admin_app() -> web.Application:
    admin = web.Application(middlewares=[same_site_changes])
    r = admin.router
    r.add_get("/", index)
    r.add_get("/live", live)
    r.add_post("/api/login", api.login)
    r.add_post("/api/logout", api.logout)
    r.add_get("/api/me", api.me)
    r.add_get("/api/overview", reports_api.overview)
    r.add_get("/api/snapshot", reports_api.live_snapshot)
    r.add_get("/api/history", reports_api.history)
    r.add_get("/api/history.csv", reports_api.history_csv)
    r.add_get("/api/directory", api.directory)
    r.add_get("/api/departments", directory_api.departments)
    r.add_put("/api/department-order", directory_api.order_departments)
    r.add_put("/api/departments/{department_id}", directory_api.put_department)
    r.add_delete("/api/departments/{department_id}", directory_api.delete_department)
    r.add_get("/api/categories", directory_api.categories)
    r.add_put("/api/category-order", directory_api.order_categories)
    r.add_put("/api/categories/{category_id}", directory_api.put_category)
    r.add_delete("/api/categories/{category_id}", directory_api.delete_category)
    r.add_get("/api/kiosks", api.kiosks)
    r.add_post("/api/kiosks", api.create_kiosk)
    r.add_post("/api/kiosks/{kiosk_id}/disabled", api.set_kiosk_disabled)
    r.add_get("/api/accounts", api.accounts)
    r.add_post("/api/accounts", api.create_account)
    r.add_post("/api/accounts/{account_id}/password", api.set_password)
    r.add_post("/api/accounts/{account_id}/disabled", api.set_account_disabled)
    r.add_put("/api/accounts/{account_id}", accounts_api.update_account)
    r.add_get("/api/outcome-codes", outcomes_api.outcome_codes)
    r.add_put("/api/outcome-code-order", outcomes_api.order_outcome_codes)
    r.add_put("/api/outcome-codes/{code}", outcomes_api.put_outcome_code)
    r.add_delete("/api/outcome-codes/{code}", outcomes_api.delete_outcome_code)
    # Languages: staff messages and the city's readings (staff_messages_api.py, readings_api.py).
    r.add_get("/api/staff-messages", staff_messages_api.staff_messages)
    r.add_put("/api/staff-message-order", staff_messages_api.order_staff_messages)
    r.add_put("/api/staff-messages/{message_id}", staff_messages_api.put_staff_message)
    r.add_delete("/api/staff-messages/{message_id}", staff_messages_api.delete_staff_message)
    r.add_get("/api/readings", readings_api.readings)
    r.add_put("/api/readings", readings_api.put_readings)
    # The city's shape (city_api.py).
    r.add_get("/api/wards", city_api.wards)
    r.add_put("/api/wards/{ward_id}", city_api.put_ward)
    r.add_delete("/api/wards/{ward_id}", city_api.delete_ward)
    r.add_get("/api/sites", city_api.sites)
    r.add_put("/api/sites/{site_id}", city_api.put_site)
    r.add_delete("/api/sites/{site_id}", city_api.delete_site)
    r.add_get("/api/services", city_api.services)
    r.add_put("/api/services/{service_id}", city_api.put_service)
    r.add_delete("/api/services/{service_id}", city_api.delete_service)
    r.add_put("/api/kiosks/{kiosk_id}/site", city_api.put_kiosk_site)
    r.add_get("/api/audit", api.audit)
    r.add_static("/static/", STATIC)
    admin.on_response_prepare.append(_security_headers)
    return admin


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    # Nothing here is ever framed or loaded from elsewhere.
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Cache-Control", "no-store")


async def index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "index.html")


async def live(request: web.Request) -> web.StreamResponse:
    """Push a snapshot now, then after each change (throttled), until the page goes away."""
    admin = request.config_dict[ADMIN]
    admin.guard.check_origin(request)  # a browser always sends Origin on a WebSocket
    await admin.guard.require(request)
    ws = web.WebSocketResponse(heartbeat=20, compress=False)
    await ws.prepare(request)
    changed = asyncio.Event()
    stop_watching = admin.live.watch(changed.set)
    reader = asyncio.create_task(_read_until_closed(ws))
    try:
        while not ws.closed:
            changed.clear()
            if not await _push(ws, request, admin):
                break
            waiter = asyncio.create_task(changed.wait())
            await asyncio.wait(
                {waiter, reader}, timeout=REFRESH_SECONDS, return_when="FIRST_COMPLETED"
            )
            waiter.cancel()
            if reader.done():
                break
            await asyncio.sleep(PUSH_INTERVAL_SECONDS)
    finally:
        stop_watching()
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader
        await ws.close()
    return ws


async def _push(ws: web.WebSocketResponse, request: web.Request, admin: AdminContext) -> bool:
    # Checked on every push, so a disabled or logged-out user stops seeing the city at once.
    try:
        user = await admin.guard.user(request)
        if user is None:
            await ws.close(code=4401, message=b"signed out")
            return False
        # Re-scoped each time too: a supervisor placed at another ward's site sees it next push.
        snapshot = await admin.snapshot((await admin.access(user)).scope)
    except StoreError as exc:
        logger.error("admin snapshot skipped: %s", exc)
        return True
    try:
        await ws.send_str(msgspec.json.encode(snapshot).decode())
    except ConnectionError:
        return False
    return True


async def _read_until_closed(ws: web.WebSocketResponse) -> None:
    async for frame in ws:
        if frame.type is WSMsgType.ERROR:
            return
