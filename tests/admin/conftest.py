"""A real hub on a known loopback port (so its origin can be allowed up front), and a browser."""

from __future__ import annotations

import shutil
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import aioice.ice
import pytest
from playwright.async_api import Page, async_playwright

from tests.signaling.conftest import RunningHub, start_hub

CHROMIUM = shutil.which("chromium")  # Debian's: Playwright cannot download one here


@pytest.fixture
async def page(hub: RunningHub) -> AsyncIterator[Page]:
    """A fresh browser page; the test fails if the page's script threw anything."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        context = await browser.new_context(
            viewport={"width": 1360, "height": 860}, locale="ja-JP", accept_downloads=True
        )
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("dialog", lambda dialog: dialog.accept())  # "delete this?" and the like
        yield page
        await browser.close()
        assert errors == []


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def start_admin_hub(tmp_path: Path, aiohttp_server: Any, **overrides: Any) -> RunningHub:
    """A hub on a port chosen first, so that its origin is allowed up front."""
    port = free_port()
    allowed = [f"http://127.0.0.1:{port}"]
    return await start_hub(
        tmp_path,
        aiohttp_server,
        **{"port": port, "allowed_origins": allowed, "login_failures_allowed": 3, **overrides},
    )


@pytest.fixture
async def hub(tmp_path: Path, aiohttp_server: Any) -> RunningHub:
    return await start_admin_hub(tmp_path, aiohttp_server)


def origin(hub: RunningHub) -> str:
    return hub.http


def password(hub: RunningHub, username: str) -> str:
    return next(a.password for a in hub.demo.accounts if a.username == username)


class AdminClient:
    """An HTTP client that signs in like the page does and sends the CSRF token with changes."""

    def __init__(self, hub: RunningHub, session: aiohttp.ClientSession) -> None:
        self.hub = hub
        self.http = session
        self.csrf = ""

    async def login(self, username: str, secret: str | None = None) -> aiohttp.ClientResponse:
        response = await self.http.post(
            f"{self.hub.http}/admin/api/login",
            json={"username": username, "password": secret or password(self.hub, username)},
            headers={"Origin": origin(self.hub)},
        )
        if response.status == 200:
            self.csrf = (await response.json())["csrf"]
        return response

    async def get(self, path: str) -> aiohttp.ClientResponse:
        return await self.http.get(f"{self.hub.http}/admin{path}")

    async def post(
        self, path: str, body: Any, *, csrf: str | None = None, origin_header: str | None = None
    ) -> aiohttp.ClientResponse:
        headers = {"Origin": origin_header or origin(self.hub), "X-CSRF-Token": csrf or self.csrf}
        return await self.http.post(f"{self.hub.http}/admin{path}", json=body, headers=headers)


@pytest.fixture
async def client(hub: RunningHub) -> AsyncIterator[AdminClient]:
    # unsafe: the cookie jar keeps cookies for an IP address host (127.0.0.1)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        yield AdminClient(hub, session)


@pytest.fixture
def loopback_ice(monkeypatch: pytest.MonkeyPatch) -> None:
    """Offer only 127.0.0.1 as a host candidate: aioice skips loopback, and tests need no LAN."""
    monkeypatch.setattr(aioice.ice, "get_host_addresses", lambda use_ipv4, use_ipv6: ["127.0.0.1"])
