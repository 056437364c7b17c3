"""Fixtures for the call engine's tests: a real hub, and ICE pinned to loopback.

The hub is the one from tests/signaling/conftest.py (a real aiohttp server and SQLite store with
the demo city open around the clock), seeded here with just one staff member and one kiosk: the
full demo seed hashes five argon2 passwords, seconds per test on a busy machine.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

import aioice.ice
import pytest

from signaling.app import create_app
from signaling.auth import hash_password
from signaling.demo import DEMO_ACCOUNTS, DemoCredentials, DemoKiosk
from signaling.settings import Settings
from signaling.store import Store
from tests.signaling.conftest import RunningHub, always_open_demo_city

STAFF = "tanaka"  # 市民課 and 税務課 in the demo city
KIOSK = DemoKiosk(name="中央公民館", location="1階ロビー")


@cache
def _password_hash(password: str) -> str:
    return hash_password(password)


@pytest.fixture
async def hub(tmp_path: Path, aiohttp_server: Any) -> RunningHub:
    """A real hub with the demo city, one staff member (tanaka) and one kiosk."""
    settings = Settings(var_dir=str(tmp_path / "var"), port=0)
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
    demo = DemoCredentials(
        accounts=(account,),
        kiosks=(
            DemoKiosk(name=kiosk.name, location=kiosk.location, kiosk_id=kiosk.id, token=token),
        ),
    )
    port: list[int] = []

    async def start() -> Any:
        server = await aiohttp_server(create_app(settings), port=port[0] if port else None)
        port[:] = [server.port]
        return server

    return RunningHub(settings=settings, demo=demo, server=await start(), start=start)


@pytest.fixture
def loopback_ice(monkeypatch: pytest.MonkeyPatch) -> None:
    """Offer only 127.0.0.1 as a host candidate: aioice skips loopback, and tests need no LAN."""
    monkeypatch.setattr(aioice.ice, "get_host_addresses", lambda use_ipv4, use_ipv6: ["127.0.0.1"])
