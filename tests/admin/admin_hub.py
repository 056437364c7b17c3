"""The admin side of a test hub, for the admin tests and tests/signaling/test_city_file.py.

A hub on a port chosen up front (so its origin can be allowed before it starts), an HTTP client
that signs in like the admin page does, and the browser the page tests drive. The fixtures that
use them (`hub`, `client`, `page`) are in conftest.py.
"""

from __future__ import annotations

import shutil
import socket
from pathlib import Path
from typing import Any

import aiohttp

from tests.fixtures.hub import RunningHub, start_hub

CHROMIUM = shutil.which("chromium")  # Debian's: Playwright cannot download one here


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
