"""Group commit and group lookup: many small queries that each wait, in a few round trips.

A burst of logins after a restart writes one audit entry each. One transaction per entry means
one commit (an fsync on SQLite) per login, taken in turn: about 4 ms each, so 5,500 kiosks
queue for 20 s. Here the entries handed in while one batch is being written go together in the
next: the first login of a burst is written at once, and the hundreds that arrive during its
commit share the next one. Every caller still returns only once its own entry is committed,
so the audit trail is as durable as before, and a crash loses nothing that a client was told.

Each login also looks up its token. A query costs the hub's one thread far more than the
lookup itself (SQLAlchemy, then hops to the driver's thread and back), so `GroupLookup` does
the same for reads: the tokens asked for while one query runs are looked up together in the
next, each caller getting what the database holds when its query runs, as before.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Generic, TypeVar

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


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


class GroupLookup(Generic[K, V]):
    """Looks keys up with ``fetch`` (one query for many keys), batching concurrent callers.

    ``fetch`` gets distinct keys, at most ``max_keys`` at once, and returns what it found; a
    key it leaves out is not there (None). If it raises, every caller of that batch gets the
    error, as each would have from its own query.
    """

    def __init__(
        self,
        fetch: Callable[[list[K]], Awaitable[dict[K, V]]],
        name: str,
        max_keys: int = 500,
    ) -> None:
        self._fetch = fetch
        self._name = name
        self._max_keys = max_keys
        self._pending: dict[K, list[asyncio.Future[V | None]]] = {}
        self._reader: asyncio.Task[None] | None = None

    async def get(self, key: K) -> V | None:
        future: asyncio.Future[V | None] = asyncio.get_running_loop().create_future()
        future.add_done_callback(_retrieve)
        self._pending.setdefault(key, []).append(future)
        if self._reader is None or self._reader.done():
            self._reader = asyncio.create_task(self._read_batches(), name=self._name)
        return await future

    async def _read_batches(self) -> None:
        while self._pending:
            keys = list(itertools.islice(self._pending, self._max_keys))
            waiting = {key: self._pending.pop(key) for key in keys}
            try:
                found = await self._fetch(keys)
            except Exception as exc:
                for futures in waiting.values():
                    for future in futures:
                        _settle(future, exc)
                continue
            for key, futures in waiting.items():
                for future in futures:
                    if not future.done():
                        future.set_result(found.get(key))


def _retrieve(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()


def _settle(future: asyncio.Future[Any], error: Exception | None) -> None:
    if future.done():
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(error)
