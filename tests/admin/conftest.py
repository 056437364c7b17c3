"""A real hub on a known loopback port (so its origin can be allowed up front), and a browser.

The helpers behind these fixtures are in admin_hub.py; the hub itself and loopback-only ICE
are in tests/fixtures/.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from playwright.async_api import Page, async_playwright

from tests.fixtures.hub import RunningHub

from .admin_hub import CHROMIUM, AdminClient, start_admin_hub


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


@pytest.fixture
async def hub(tmp_path: Path, aiohttp_server: Any) -> RunningHub:
    return await start_admin_hub(tmp_path, aiohttp_server)


@pytest.fixture
async def client(hub: RunningHub) -> AsyncIterator[AdminClient]:
    # unsafe: the cookie jar keeps cookies for an IP address host (127.0.0.1)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        yield AdminClient(hub, session)
