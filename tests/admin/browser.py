"""Helpers for driving the admin page in a browser; the `page` fixture is in conftest.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.fixtures.hub import RunningHub
from tests.participant import UNIT

from .admin_hub import CHROMIUM, password

needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium")
# Set to a folder (docs/screenshots/admin) to refresh the committed screenshots.
SCREENSHOTS = os.environ.get("MADOGUCHI_ADMIN_SCREENSHOTS")
WAIT_MS = UNIT * 2000  # the page refreshes at least every 5 s, even if a push was early


async def sign_in(page: Page, hub: RunningHub, username: str = "admin") -> None:
    await page.goto(f"{hub.http}/admin/")
    await page.fill("#login-form [name=username]", username)
    await page.fill("#login-form [name=password]", password(hub, username))
    await page.click("#login-form button")
    await expect(page.locator("#live-status")).to_have_text("ライブ", timeout=WAIT_MS)


async def shot(page: Page, name: str) -> None:
    """Save the whole page as docs/screenshots/admin/<name>.png when asked to."""
    if SCREENSHOTS:
        await page.evaluate("window.scrollTo(0, 0)")  # else the sticky bar lands mid-page
        await page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)
