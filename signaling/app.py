"""The hub's aiohttp application: one WebSocket endpoint, /healthz, /metrics and /admin/."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import math
import secrets
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Final

from aiohttp import WSMsgType, web
from aiohttp.typedefs import Handler

from signaling import password_change
from signaling import protocol as p
from signaling.admin.app import mount_admin
from signaling.auth import Authenticator, ice_servers
from signaling.city_file import import_city_file
from signaling.forwarded import Network, ProxyTrust, parse_address, parse_networks, within
from signaling.hub import Connection, Hub
from signaling.limits import AddressLimit, TokenBucket
from signaling.outcome_codes import ensure_outcome_codes
from signaling.production import check_files, check_settings, check_store
from signaling.settings import Settings
from signaling.state_file import StateFile
from signaling.store import Store, StoreError
from signaling.switchboard import Switchboard

logger = logging.getLogger("madoguchi.app")

# A WebSocket ping after this many idle seconds finds a dead TCP connection (a NAT that forgot
# it); the client's pong, or anything it sends, counts as a sign of life (Hub.admit).
HEARTBEAT_SECONDS: Final = 20

SETTINGS = web.AppKey("settings", Settings)
STORE = web.AppKey("store", Store)
HUB = web.AppKey("hub", Hub)
AUTHENTICATOR = web.AppKey("authenticator", Authenticator)
PROXY_TRUST = web.AppKey("proxy_trust", ProxyTrust)
METRICS_ALLOW = web.AppKey("metrics_allow", tuple[Network, ...])
ADDRESS_LIMIT = web.AppKey("address_limit", AddressLimit)

STATE_FILE = "switchboard-state.json"  # signaling/state_file.py
FULL_COLLECTION_SECONDS = 3600
_NEVER = 1_000_000  # gen-1 collections before an automatic full one: in practice never


def create_app(settings: Settings) -> web.Application:
    """The hub; raises SettingsError when production mode refuses a setting."""
    check_settings(settings)
    app = web.Application(middlewares=[_real_client])
    app[SETTINGS] = settings
    app[PROXY_TRUST] = ProxyTrust(parse_networks(settings.trusted_proxies), settings.proxy_header)
    app[METRICS_ALLOW] = parse_networks(settings.metrics_allow)
    app[ADDRESS_LIMIT] = AddressLimit(
        settings.max_connections_per_address,
        settings.address_reconnects_per_minute,
        settings.address_reconnect_burst,
    )
    app.cleanup_ctx.append(_hub_context)
    app.on_shutdown.append(_going_away)
    app.router.add_get("/ws", websocket_at_the_door)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    mount_admin(app, settings, lambda: (app[STORE], app[HUB], app[AUTHENTICATOR]))
    password_change.add_route(app, lambda: app[AUTHENTICATOR], settings.allowed_origins)
    return app


def server_options(settings: Settings) -> dict[str, Any]:
    """aiohttp server options for ``run_app`` or a test server: the settings the app cannot apply.

    aiohttp closes a connection that has no complete request after ``keepalive_timeout``, from
    the moment it opens: that is the handshake deadline for silent sockets and slow headers.

    aiohttp rounds every timer longer than ``timeout_ceil_threshold`` up to a whole second, so
    the heartbeats of all the clients that connected within one second went out together: after
    a restart, thousands of pings in one loop turn each second for as long as the storm had
    lasted, and every relayed message waiting behind them (40-100 ms at 5,500 clients; the
    bare relay had the same). Not rounding the heartbeat spreads them as the clients came.
    """
    return {
        "keepalive_timeout": settings.handshake_timeout_seconds,
        "timeout_ceil_threshold": HEARTBEAT_SECONDS,
    }


async def _hub_context(app: web.Application) -> AsyncIterator[None]:
    """Open the store, build the switchboard (restoring a snapshot), and shut down in order."""
    settings = app[SETTINGS]
    city = _prepare(settings)
    store = await Store.open(settings.database_url)
    try:
        await check_store(settings, store)
    except BaseException:
        await store.close()
        raise
    if city is not None:
        # Only when the file is new or changed; it never stops the hub (signaling/city_file.py).
        await import_city_file(store, city)
    # A wrap-up needs an outcome code: a city that has none yet gets the default set.
    await ensure_outcome_codes(store, actor="hub", now=time.time())
    switchboard = Switchboard(
        await store.load_directory(),
        grace_seconds=settings.grace_seconds,
        ice_servers=lambda user, now: ice_servers(settings, user, now),
        new_session_id=lambda: uuid.uuid4().hex,
        new_resume_token=lambda: secrets.token_urlsafe(24),
    )
    state_file = StateFile(Path(settings.var_dir) / STATE_FILE)
    await _restore(switchboard, store, state_file)
    # Consultations that no restored session carries on can never end now: end them.
    live = [session.id for session in switchboard.sessions()]
    await store.end_unfinished_consultations(
        at=time.time(), reason=p.EndReason.NETWORK_LOST, keep=live
    )
    hub = Hub(
        switchboard,
        store,
        service_level_seconds=settings.service_level_seconds,
        state_file=state_file,
    )
    app[STORE], app[HUB] = store, hub
    app[AUTHENTICATOR] = Authenticator(store, settings)
    hub.start()
    housekeeping = asyncio.create_task(_housekeeping(hub, store, settings), name="housekeeping")
    logger.info("hub ready on %s:%s with %s", settings.host, settings.port, store.dialect)
    yield
    housekeeping.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await housekeeping
    await hub.flush_history()
    hub.save_state()  # what the clients were told last, and no history left to replay
    await store.close()


def _prepare(settings: Settings) -> str | None:
    """Start-up file work: the var folder; the city file's path when one is configured."""
    # Only the hub's user may look inside: the database, snapshot and backups are personal data.
    Path(settings.var_dir).mkdir(mode=0o700, parents=True, exist_ok=True)
    check_files(settings)
    return settings.city_file


def schedule_full_collections() -> None:
    """Let the hub, not the allocator, decide when a full garbage collection runs.

    A full collection walks every object of every connection: about 300 ms at 5,500
    connections on the reference machine, stalling every message behind it (the p99 in
    docs/performance.md). Young generations still run automatically; the full one runs from
    housekeeping once per FULL_COLLECTION_SECONDS. Process-wide, so only the hub's main calls it.
    """
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, _NEVER)


async def _housekeeping(hub: Hub, store: Store, settings: Settings) -> None:
    """Expire sessions, drop clients an admin disabled, purge history past retention, and
    serve directory edits made outside this hub (`madoguchi-admin`)."""
    retention = settings.history_retention_days * 86400
    last_full_collection = time.monotonic()
    while True:
        await asyncio.sleep(settings.housekeeping_seconds)
        if time.monotonic() - last_full_collection >= FULL_COLLECTION_SECONDS:
            gc.collect()
            last_full_collection = time.monotonic()
        now = time.time()
        try:
            await store.delete_expired_sessions(now)
            await store.purge_consultations(before=now - retention, actor="hub", now=now)
            disabled = {k.id for k in await store.list_kiosks() if k.disabled}
            disabled |= {a.id for a in await store.list_accounts() if a.disabled}
            await hub.pick_up_directory()
        except StoreError as exc:
            logger.error("housekeeping skipped: %s", exc)
            continue
        for connection in hub.connected():
            if connection.principal.id in disabled:
                hub.send_error(connection, p.ErrorCode.ACCOUNT_DISABLED, "disabled by an admin")
                hub.close(connection, p.ErrorCode.ACCOUNT_DISABLED)


async def _going_away(app: web.Application) -> None:
    await app[HUB].close_clients()


async def _restore(switchboard: Switchboard, store: Store, state_file: StateFile) -> None:
    """Pick up where the last hub left off, after a restart or a crash, so calls and queues go
    on; the history it had not stored yet is stored now. The file stays until the next change
    replaces it: a crash right after this start must find it again."""
    try:
        saved = state_file.read()
        if saved is not None:
            switchboard.restore(saved.switchboard, time.time())
    except (OSError, ValueError) as exc:  # msgspec's DecodeError is a ValueError
        logger.error("ignoring an unreadable switchboard state %s: %s", state_file.path, exc)
        state_file.path.replace(state_file.path.with_suffix(".unreadable"))
        return
    if saved is None:
        return
    await store.apply(saved.history)  # idempotent: some may be stored already
    logger.info(
        "restored the switchboard from %s: %d sessions, %d history events",
        state_file.path,
        len(switchboard.sessions()),
        len(saved.history),
    )


async def healthz(request: web.Request) -> web.Response:
    hub = request.app[HUB]
    healthy = hub.store_healthy and hub.state_saved
    body = {
        "status": "ok" if healthy else "degraded",
        "store_backlog": hub.store_backlog,
        "state_saved": hub.state_saved,
    }
    return web.json_response(body, status=200 if healthy else 503)


@web.middleware
async def _real_client(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Behind a trusted proxy, the request's remote and scheme become the real client's."""
    client = request.config_dict[PROXY_TRUST].client(
        request.remote, request.scheme, request.headers
    )
    if (client.address, client.scheme) != (request.remote, request.scheme):
        request = request.clone(remote=client.address, scheme=client.scheme)
    return await handler(request)


async def metrics(request: web.Request) -> web.Response:
    allowed: tuple[Network, ...] = request.app[METRICS_ALLOW]
    address = parse_address(request.remote or "")
    if address is None or not within(address, allowed):
        logger.warning("refused /metrics to %s", request.remote)
        raise web.HTTPForbidden(text="/metrics is not open to this address (metrics_allow)")
    return web.Response(
        body=request.app[HUB].metrics.render(), content_type="text/plain", charset="utf-8"
    )


async def websocket_at_the_door(request: web.Request) -> web.StreamResponse:
    """Per-address limits (docs/protocol.md, Limits) before anything is spent on the client."""
    limit, address, now = request.app[ADDRESS_LIMIT], request.remote or "unknown", time.time()
    refusal = limit.admit(address, now)
    if refusal is not None:
        if limit.should_log(address, now):  # once a minute per address, however hard it tries
            logger.warning("refused WebSockets from %s: %s", address, refusal.reason)
        raise web.HTTPTooManyRequests(
            text=refusal.reason, headers={"Retry-After": str(math.ceil(refusal.retry_after))}
        )
    try:
        return await websocket(request)
    finally:
        limit.release(address)


async def websocket(request: web.Request) -> web.StreamResponse:
    """One client: hello first, then messages into the switchboard (docs/protocol.md)."""
    settings = request.app[SETTINGS]
    origin = request.headers.get("Origin")
    if origin is not None and origin not in settings.allowed_origins:
        # Browsers always send Origin; native clients never do.
        logger.warning("refused a WebSocket from origin %r", origin)
        raise web.HTTPForbidden(text=f"origin {origin} is not allowed")
    # No compression: nothing can be inflated past the frame cap.
    # autoping off: _serve answers pings itself and counts pongs as signs of life (Hub.admit).
    ws = web.WebSocketResponse(
        max_msg_size=settings.max_frame_bytes,
        compress=False,
        heartbeat=HEARTBEAT_SECONDS,
        autoping=False,
    )
    try:
        await ws.prepare(request)
    except ConnectionResetError:
        # It gave up waiting (a reconnect storm): nothing to log. The half-started WebSocket
        # response cannot be finished (aiohttp would log "Call .prepare() first"); this one's
        # write fails quietly, and the access log says what happened, as nginx's 499 does.
        return web.Response(status=499, reason="Client Closed Request")
    hub = request.app[HUB]
    hello = await _read_hello(ws, settings)
    if hello is None:
        return ws
    ip = request.remote or "unknown"
    try:
        principal, issued = await request.app[AUTHENTICATOR].authenticate(hello, ip, time.time())
    except p.RemoteProtocolError as exc:
        await _refuse(ws, exc.code, exc.message)
        return ws
    except StoreError as exc:  # the client retries with backoff; nothing was attached
        logger.error("could not check a hello from %s: %s", ip, exc)
        await _refuse(ws, p.ErrorCode.INTERNAL_ERROR, "the hub cannot reach its database")
        return ws
    try:
        connection = await hub.admit(
            ws, principal, hello.resume_token, issued, hello.app_version, address=ip
        )
    except p.RemoteProtocolError as exc:  # already_connected: a live twin holds this kiosk
        await _refuse(ws, exc.code, exc.message)
        return ws
    if isinstance(request.transport, asyncio.Transport):
        connection.transport = request.transport
    try:
        await _serve(ws, hub, connection, settings)
    finally:
        await hub.detach(connection)
    return ws


async def _read_hello(ws: web.WebSocketResponse, settings: Settings) -> p.Hello | None:
    try:
        async with asyncio.timeout(settings.hello_timeout_seconds):
            frame = await ws.receive()
    except TimeoutError:
        await _refuse(ws, p.ErrorCode.HELLO_TIMEOUT, "send hello within the time limit")
        return None
    if frame.type is not WSMsgType.TEXT:
        if frame.type is WSMsgType.BINARY:
            await _refuse(ws, p.ErrorCode.BAD_MESSAGE, "frames are JSON text")
        return None  # closed, or too large (aiohttp has closed it with 1009)
    try:
        message = p.decode_client(frame.data)
    except p.RemoteProtocolError as exc:
        await _refuse(ws, exc.code, exc.message)
        return None
    if not isinstance(message, p.Hello):
        await _refuse(ws, p.ErrorCode.HELLO_REQUIRED, "the first message must be hello")
        return None
    if message.protocol_version != p.PROTOCOL_VERSION:
        await _refuse(
            ws,
            p.ErrorCode.UNSUPPORTED_VERSION,
            f"this hub speaks protocol {p.PROTOCOL_VERSION}",
        )
        return None
    return message


async def _refuse(ws: web.WebSocketResponse, code: p.ErrorCode, message: str) -> None:
    """Before a connection is attached: say why, then close with the matching code."""
    logger.info("> refused: %s %s", code, message)
    try:
        await ws.send_frame(p.encode(p.Error(code=code, message=message)), WSMsgType.TEXT)
    except ConnectionResetError:  # it gave up first (a reconnect storm): nobody to tell
        return
    await ws.close(code=p.CLOSE_CODES.get(code, 4400), message=code.value.encode())


async def _serve(
    ws: web.WebSocketResponse, hub: Hub, connection: Connection, settings: Settings
) -> None:
    bucket = TokenBucket(settings.rate_limit_per_second, settings.rate_limit_burst, time.time())
    refused = 0
    async for frame in ws:
        hub.heard(connection)
        if frame.type is WSMsgType.PING:
            await ws.pong(frame.data)
            continue
        if frame.type is not WSMsgType.TEXT:
            if frame.type is WSMsgType.BINARY:
                hub.send_error(connection, p.ErrorCode.BAD_MESSAGE, "frames are JSON text")
            continue
        if not bucket.take(time.time()):
            refused += 1
            hub.send_error(connection, p.ErrorCode.RATE_LIMITED, "slow down; message dropped")
            if refused > settings.rate_limit_burst:  # not backing off at all: cut it off
                hub.close(connection, p.ErrorCode.RATE_LIMITED)
                return
            continue
        refused = 0
        try:
            message = p.decode_client(frame.data)
        except p.RemoteProtocolError as exc:
            hub.send_error(connection, exc.code, exc.message)
            continue
        hub.receive(connection, message)
