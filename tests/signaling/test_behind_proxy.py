"""The hub behind a reverse proxy: real addresses for audit and limits, https for the cookie.

The test client plays the proxy: it connects from loopback and sends the headers nginx would.
"""

from __future__ import annotations

import stat
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import aiohttp
from websockets.asyncio.client import connect

from signaling import protocol as p
from signaling.app import create_app
from signaling.settings import Settings
from signaling.store import AuditEntry
from tests.fixtures.hub import RunningHub

from .test_app_limits import closed_with, hello

HubFactory = Callable[..., Coroutine[Any, Any, RunningHub]]
LOOPBACK_PROXY = ["127.0.0.1/32"]
ORIGIN = "http://127.0.0.1:8765"


async def audit(hub: RunningHub) -> list[AuditEntry]:
    store = await hub.store()
    try:
        return await store.list_audit()
    finally:
        await store.close()


async def kiosk_hello(hub: RunningHub, headers: dict[str, str]) -> p.ServerMessage:
    async with connect(hub.url, additional_headers=headers) as ws:
        return await hello(ws, token=hub.kiosk().token)


async def test_a_trusted_proxys_forwarded_address_is_audited(hub_factory: HubFactory) -> None:
    hub = await hub_factory(trusted_proxies=LOOPBACK_PROXY)
    welcome = await kiosk_hello(hub, {"X-Forwarded-For": "198.51.100.7, 192.0.2.10"})
    assert isinstance(welcome, p.Welcome)
    logins = [e for e in await audit(hub) if e.action == "login"]
    assert [e.ip for e in logins] == ["192.0.2.10"]


async def test_without_trust_the_forwarded_header_is_ignored(hub: RunningHub) -> None:
    welcome = await kiosk_hello(hub, {"X-Forwarded-For": "192.0.2.10"})
    assert isinstance(welcome, p.Welcome)
    logins = [e for e in await audit(hub) if e.action == "login"]
    assert [e.ip for e in logins] == ["127.0.0.1"]


async def test_metrics_are_open_to_loopback_by_default(hub: RunningHub) -> None:
    async with aiohttp.ClientSession() as http, http.get(f"{hub.http}/metrics") as response:
        assert response.status == 200


async def test_metrics_are_refused_outside_metrics_allow(hub_factory: HubFactory) -> None:
    hub = await hub_factory(metrics_allow=["192.0.2.0/24"])
    async with aiohttp.ClientSession() as http, http.get(f"{hub.http}/metrics") as response:
        assert response.status == 403
        assert "metrics_allow" in await response.text()


async def test_metrics_allow_applies_to_the_client_behind_a_trusted_proxy(
    hub_factory: HubFactory,
) -> None:
    hub = await hub_factory(metrics_allow=["192.0.2.0/24"], trusted_proxies=LOOPBACK_PROXY)
    async with aiohttp.ClientSession() as http:
        for client, status in (("192.0.2.5", 200), ("203.0.113.1", 403)):
            headers = {"X-Forwarded-For": client}
            async with http.get(f"{hub.http}/metrics", headers=headers) as response:
                assert response.status == status, client


async def admin_cookie(hub: RunningHub, headers: dict[str, str]) -> str:
    account = next(a for a in hub.demo.accounts if a.username == "admin")
    body = {"username": "admin", "password": account.password}
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{hub.http}/admin/api/login", json=body, headers={"Origin": ORIGIN, **headers}
        ) as response,
    ):
        assert response.status == 200
        return response.headers["Set-Cookie"]


async def test_the_admin_cookie_is_secure_when_the_proxy_says_https(
    hub_factory: HubFactory,
) -> None:
    hub = await hub_factory(trusted_proxies=LOOPBACK_PROXY)
    cookie = await admin_cookie(
        hub, {"X-Forwarded-For": "192.0.2.20", "X-Forwarded-Proto": "https"}
    )
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    logins = [e for e in await audit(hub) if e.action == "login"]
    assert [e.ip for e in logins] == ["192.0.2.20"]


async def test_an_untrusted_claim_of_https_does_not_make_the_cookie_secure(
    hub: RunningHub,
) -> None:
    # Not a safety issue either way, but the hub must not believe what anyone says.
    cookie = await admin_cookie(hub, {"X-Forwarded-Proto": "https"})
    assert "Secure" not in cookie


async def test_a_client_reconnecting_too_often_is_closed_with_the_reason(
    hub_factory: HubFactory,
) -> None:
    hub = await hub_factory(reconnect_burst=2, reconnects_per_minute=1)
    for _ in range(2):
        assert isinstance(await kiosk_hello(hub, {}), p.Welcome)
    async with connect(hub.url) as ws:
        error = await hello(ws, token=hub.kiosk().token)
        assert isinstance(error, p.Error)
        assert error.code is p.ErrorCode.RATE_LIMITED
        assert error.message == "reconnecting too often; try again in 60 s"
        await closed_with(ws, 4429, "rate_limited")
    # Another kiosk is not held up by the first one.
    async with connect(hub.url) as ws:
        assert isinstance(await hello(ws, token=hub.kiosk(1).token), p.Welcome)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_the_data_is_created_for_the_hubs_user_only(
    tmp_path: Path, aiohttp_server: Any
) -> None:
    var = tmp_path / "new" / "var"
    settings = Settings(var_dir=str(var), port=0)
    server = await aiohttp_server(create_app(settings), host="127.0.0.1")
    assert mode(var) == 0o700
    assert mode(var / "madoguchi.db") == 0o600
    assert mode(var / "madoguchi.db-wal") == 0o600
    await server.close()  # the state file is written at shutdown, and at every change
    assert mode(var / "switchboard-state.json") == 0o600
