"""Group commit: many small writes that each wait for their commit, in a few transactions.

A burst of logins after a restart writes one audit entry each. One transaction per entry means
one commit (an fsync on SQLite) per login, taken in turn: about 4 ms each, so 5,500 kiosks
queue for 20 s. Here the entries handed in while one batch is being written go together in the
next: the first login of a burst is written at once, and the hundreds that arrive during its
commit share the next one. Every caller still returns only once its own entry is committed,
so the audit trail is as durable as before, and a crash loses nothing that a client was told.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")


class GroupCommit(Generic[T]):
    """Writes items in order, in batches, with ``write`` (one transaction per call).

    If a batch of several fails, its items are tried again one by one, so one bad item (too
    big for a nearly full disk) does not take the others down with it; each caller gets its
    own item's outcome, as if it had written alone.
    """

    def __init__(self, write: Callable[[list[T]], Awaitable[None]], name: str) -> None:
        self._write = write
        self._name = name
        self._pending: list[tuple[T, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def submit(self, item: T) -> None:
        """Returns once ``item`` is committed; raises what its write raised."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        future.add_done_callback(_retrieve)  # no "exception never retrieved" if nobody waits
        self._pending.append((item, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_batches(), name=self._name)
        # Shielded: a caller that gives up (its client left) does not unqueue its item.
        await asyncio.shield(future)

    async def drain(self) -> None:
        """Wait until everything submitted so far is written (or has failed)."""
        while self._writer is not None and not self._writer.done():
            await asyncio.wait([self._writer])

    async def _write_batches(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                await self._write([item for item, _ in batch])
            except Exception as exc:
                if len(batch) == 1:
                    _settle(batch[0][1], exc)
                    continue
                for item, future in batch:
                    try:
                        await self._write([item])
                    except Exception as alone:
                        _settle(future, alone)
                    else:
                        _settle(future, None)
                continue
            for _, future in batch:
                _settle(future, None)


def _retrieve(future: asyncio.Future[None]) -> None:
    if not future.cancelled():
        future.exception()


def _settle(future: asyncio.Future[None], error: Exception | None) -> None:
    if future.done():
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(error)
