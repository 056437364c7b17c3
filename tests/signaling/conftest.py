"""A real hub on a loopback port, with the demo city open around the clock."""

from __future__ import annotations

import os
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import msgspec
import pytest
from aiohttp.test_utils import TestServer

from call.link import Credentials
from signaling.app import create_app, server_options
from signaling.demo import DemoCredentials, seed_demo
from signaling.directory import ALWAYS_OPEN, Directory, load_directory
from signaling.settings import Settings
from signaling.store import Store

ALWAYS = ALWAYS_OPEN


def always_open_demo_city() -> Directory:
    text = resources.files("signaling").joinpath("demo_city.toml").read_bytes()
    city = load_directory(text)
    return msgspec.structs.replace(
        city, departments=[msgspec.structs.replace(d, hours=ALWAYS) for d in city.departments]
    )


@dataclass
class RunningHub:
    settings: Settings
    demo: DemoCredentials
    server: TestServer
    start: Callable[[], Coroutine[Any, Any, TestServer]]

    @property
    def url(self) -> str:
        return f"ws://{self.server.host}:{self.server.port}/ws"

    @property
    def http(self) -> str:
        return f"http://{self.server.host}:{self.server.port}"

    def kiosk(self, n: int = 0) -> Credentials:
        return Credentials(token=self.demo.kiosks[n].token)

    def staff(self, username: str) -> Credentials:
        account = next(a for a in self.demo.accounts if a.username == username)
        return Credentials(username=username, password=account.password)

    async def restart(self) -> None:
        """Stop the hub gracefully and start it again on the same port and data."""
        await self.server.close()
        self.server = await self.start()

    async def store(self) -> Store:
        return await Store.open(self.settings.database_url)


async def start_hub(
    tmp_path: Path, aiohttp_server: Any, *, seed_directory: bool = True, **overrides: Any
) -> RunningHub:
    """A hub with the demo accounts and kiosks (and the always-open demo city unless not
    `seed_directory`), on `overrides["port"]` if given; a restart comes back on the same port."""
    settings = Settings(**{"var_dir": str(tmp_path / "var"), "port": 0, **overrides})
    os.makedirs(settings.var_dir, exist_ok=True)
    store = await Store.open(settings.database_url)
    try:
        demo = await seed_demo(store)
        if seed_directory:
            await store.replace_directory(always_open_demo_city(), actor="test", now=0)
    finally:
        await store.close()
    port = [settings.port or None]

    async def start() -> TestServer:
        server: TestServer = await aiohttp_server(
            create_app(settings), host="127.0.0.1", port=port[0], **server_options(settings)
        )
        port[:] = [server.port]
        return server

    return RunningHub(settings=settings, demo=demo, server=await start(), start=start)


@pytest.fixture
async def hub_factory(
    tmp_path: Path, aiohttp_server: Any
) -> Callable[..., Coroutine[Any, Any, RunningHub]]:
    async def make(**overrides: Any) -> RunningHub:
        return await start_hub(tmp_path, aiohttp_server, **overrides)

    return make


@pytest.fixture
async def hub(hub_factory: Callable[..., Coroutine[Any, Any, RunningHub]]) -> RunningHub:
    return await hub_factory()
