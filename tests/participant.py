"""A headless participant for tests: a real Link to a real hub, with an inbox to wait on."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import aiohttp

from call.link import Credentials, Link, LinkConnected, LinkEvent
from signaling import protocol as p

T = TypeVar("T")

# One scalable unit for every wait in the integration tests (MADOGUCHI_TEST_TIME_SCALE=3 on a
# slow machine). Waits end as soon as the awaited message arrives.
UNIT = 5.0 * float(os.environ.get("MADOGUCHI_TEST_TIME_SCALE", "1"))


class Participant:
    """Plays a kiosk or a staff console over the real protocol."""

    def __init__(self, url: str, credentials: Credentials) -> None:
        self.link = Link(url, credentials, app="test", backoff_initial=0.05, backoff_max=0.5)
        self.inbox: list[p.ServerMessage | LinkEvent] = []
        self._arrived = asyncio.Condition()
        self._reader: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Participant:
        await self.link.start()
        self._reader = asyncio.create_task(self._read())
        self.welcome = (await self.expect(LinkConnected)).welcome
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.link.close()
        if self._reader is not None:
            await self._reader

    async def _read(self) -> None:
        async for event in self.link.events():
            async with self._arrived:
                self.inbox.append(event)
                self._arrived.notify_all()

    async def send(self, message: p.ClientMessage) -> None:
        await self.link.send(message)

    async def expect(self, kind: type[T], within: float = UNIT, **fields: Any) -> T:
        """Wait for, remove and return the first message of ``kind`` with these field values."""

        def find() -> T | None:
            for index, item in enumerate(self.inbox):
                if isinstance(item, kind) and all(getattr(item, k) == v for k, v in fields.items()):
                    del self.inbox[index]
                    return item
            return None

        async with asyncio.timeout(within), self._arrived:
            while (found := find()) is None:
                await self._arrived.wait()
            return found

    async def quiet(self, kind: type[Any], seconds: float = 0.3) -> None:
        """Assert that no message of ``kind`` arrives for a while (used sparingly)."""
        await asyncio.sleep(seconds)
        assert not [m for m in self.inbox if isinstance(m, kind)], self.inbox


async def eventually(check: Callable[[], Awaitable[bool]], within: float = UNIT) -> None:
    """Poll ``check`` until it holds: for state seen only by asking (HTTP, the store)."""
    async with asyncio.timeout(within):
        while not await check():  # noqa: ASYNC110  # nothing to wait on but the answer
            await asyncio.sleep(0.05)


async def history_written(http: str) -> None:
    """Wait until the hub at ``http`` has stored every history event it has made.

    The hub writes history behind its replies, in batches: a client can hear SessionEnded or
    WrapUpSaved a moment before the store has it. An event is queued before its reply goes
    out, so once the store backlog reads 0, everything a client has heard of is stored.
    """

    async def written() -> bool:
        async with http_session.get(f"{http}/metrics") as response:
            text = await response.text()
        return "\nmadoguchi_store_backlog_events 0.0\n" in text

    async with aiohttp.ClientSession() as http_session:
        await eventually(written, within=4 * UNIT)
