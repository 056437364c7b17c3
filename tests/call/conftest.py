"""Fixtures for the call engine's tests: a real hub, ICE pinned to loopback, and content calls.

`call` and `keeping` are a page sender and receiver on a real content channel (the helpers are
in test_document_share.py); `keeping`'s kiosk keeps pages and has announced its viewer.

The hub is the one from tests/signaling/conftest.py (a real aiohttp server and SQLite store with
the demo city open around the clock), seeded here with just one staff member and one kiosk: the
full demo seed hashes five argon2 passwords, seconds per test on a busy machine.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from functools import cache
from pathlib import Path
from typing import Any

import aioice.ice
import pytest

from call.content_messages import Viewer
from signaling.app import create_app
from signaling.auth import hash_password
from signaling.demo import DEMO_ACCOUNTS, DemoCredentials, DemoKiosk
from signaling.settings import Settings
from signaling.store import Store
from tests.call.test_document_share import Call, next_of, open_call
from tests.signaling.conftest import RunningHub, always_open_demo_city

KEEP = 3  # pages the `keeping` call's kiosk keeps
STAFF = "tanaka"  # 市民課 and 税務課 in the demo city
KIOSK = DemoKiosk(name="中央公民館", location="1階ロビー")


@cache
def _password_hash(password: str) -> str:
    return hash_password(password)


async def seed_one_of_each(settings: Settings) -> DemoCredentials:
    """The demo city, one staff member (tanaka) and one kiosk, in `settings`' store."""
    os.makedirs(settings.var_dir, exist_ok=True)
    account = next(a for a in DEMO_ACCOUNTS if a.username == STAFF)
    store = await Store.open(settings.database_url)
    try:
        await store.replace_directory(always_open_demo_city(), actor="test", now=0)
        await store.create_account(
            account.username,
            account.display_name,
            account.role,
            _password_hash(account.password),
            account.departments,
            actor="test",
            now=0,
        )
        kiosk, token = await store.create_kiosk(KIOSK.name, KIOSK.location, actor="test", now=0)
    finally:
        await store.close()
    return DemoCredentials(
        accounts=(account,),
        kiosks=(
            DemoKiosk(name=kiosk.name, location=kiosk.location, kiosk_id=kiosk.id, token=token),
        ),
    )


@pytest.fixture
async def hub(tmp_path: Path, aiohttp_server: Any) -> RunningHub:
    """A real hub with the demo city, one staff member (tanaka) and one kiosk."""
    settings = Settings(var_dir=str(tmp_path / "var"), port=0)
    demo = await seed_one_of_each(settings)
    port: list[int] = []

    async def start() -> Any:
        server = await aiohttp_server(create_app(settings), port=port[0] if port else None)
        port[:] = [server.port]
        return server

    return RunningHub(settings=settings, demo=demo, server=await start(), start=start)


@pytest.fixture
async def call(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Call]:
    """A `PageSender` and a `PageReceiver` on the two ends of a real content channel."""
    async with open_call(monkeypatch) as opened:
        yield opened


@pytest.fixture
async def keeping(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Call]:
    """A call whose kiosk keeps the last `KEEP` pages, with its viewer announced."""
    async with open_call(monkeypatch, keep_pages=KEEP) as opened:
        opened.kiosk.announce_viewer(800, 600)
        await next_of(opened.viewer_events, Viewer)
        assert opened.staff.keep_pages == KEEP
        yield opened


@pytest.fixture
def loopback_ice(monkeypatch: pytest.MonkeyPatch) -> None:
    """Offer only 127.0.0.1 as a host candidate: aioice skips loopback, and tests need no LAN."""
    monkeypatch.setattr(aioice.ice, "get_host_addresses", lambda use_ipv4, use_ipv6: ["127.0.0.1"])
