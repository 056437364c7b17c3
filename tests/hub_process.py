"""The hub as an operator runs it: `python -m signaling`, a process of its own."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp

from call.link import Credentials
from signaling.demo import DemoCredentials, seed_demo
from signaling.store import Store
from tests.fixtures.hub import always_open_demo_city
from tests.participant import UNIT, eventually


async def seed_var_dir(var_dir: Path) -> DemoCredentials:
    """A var folder with the demo city, open around the clock, for a hub to start on."""
    store = await Store.open(f"sqlite+aiosqlite:///{var_dir}/madoguchi.db")
    try:
        demo = await seed_demo(store)
        await store.replace_directory(always_open_demo_city(), actor="test", now=0)
    finally:
        await store.close()
    return demo


def demo_staff(demo: DemoCredentials, username: str) -> Credentials:
    account = next(a for a in demo.accounts if a.username == username)
    return Credentials(username=username, password=account.password)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class HubProcess:
    """Started and stopped as systemd would (SIGTERM), or killed (SIGKILL) as a crash would;
    a restart listens on the same port, so clients find it again."""

    def __init__(self, var_dir: Path, log: Path | None = None) -> None:
        self.port = free_port()
        self.var_dir = var_dir
        self.env = {
            **os.environ,
            "MADOGUCHI_VAR_DIR": str(var_dir),
            # Test loads are faster than any person: let them through.
            "MADOGUCHI_RATE_LIMIT_PER_SECOND": "10000",
            "MADOGUCHI_RATE_LIMIT_BURST": "10000",
        }
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        output = self.log.open("ab") if self.log is not None else None
        try:
            self.process = await asyncio.to_thread(
                subprocess.Popen,
                [sys.executable, "-m", "signaling", "--host", "127.0.0.1", f"--port={self.port}"],
                env=self.env,
                stdout=output,
                stderr=output,
            )
        finally:
            if output is not None:
                output.close()  # the child has its own copy
        await eventually(self.healthy, within=6 * UNIT)

    async def healthy(self) -> bool:
        assert self.process is not None
        assert self.process.poll() is None, "the hub exited"
        try:
            async with (
                aiohttp.ClientSession() as http,
                http.get(f"http://127.0.0.1:{self.port}/healthz") as response,
            ):
                return response.status == 200
        except aiohttp.ClientConnectionError:
            return False

    async def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.to_thread(self.process.wait, 6 * UNIT)
        except subprocess.TimeoutExpired:
            self.process.kill()  # never leave a hub behind, but say it did not stop
            await asyncio.to_thread(self.process.wait)
            raise
        assert self.process.returncode == 0

    async def kill(self) -> None:
        """kill -9: no shutdown code runs, nothing is flushed or saved."""
        assert self.process is not None
        assert self.process.poll() is None
        self.process.kill()
        await asyncio.to_thread(self.process.wait)
