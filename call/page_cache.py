"""Encoded document pages, so a flip to a page rendered before skips render and encode.

Staff page through a document in order. While they talk about one page, `call.sharing` renders
and encodes its neighbours (the next, then the previous) through this cache, in worker threads,
and sends them ahead to the kiosk. The cache keeps a few encoded pages, least recently used
first out, keyed by document, page, kiosk display size and accepted formats. A page asked for
while it renders is awaited, not rendered twice (docs/content-channel.md).

A page is about 2 MB encoded at 1080p, so the cache holds a few pages, not a document.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from call.document import Document, EncodedPage, PageFormat, encode_page

logger = logging.getLogger(__name__)

# The page shown, both neighbours, and the page before last, so flipping back and forth between
# two pages never renders again.
CAPACITY: Final = 4

Render = Callable[[Document, int, tuple[int, int], tuple[PageFormat, ...] | None], EncodedPage]


def render_encoded(
    document: Document, index: int, size: tuple[int, int], formats: tuple[PageFormat, ...] | None
) -> EncodedPage:
    """Render and encode one page; synchronous CPU work, for a worker thread."""
    image = document.render_page(index, size)
    return encode_page(image) if formats is None else encode_page(image, formats)


@dataclass(frozen=True, slots=True)
class PageKey:
    doc_id: str
    document: Document  # by identity: the same doc id reopened is another file
    index: int
    size: tuple[int, int]
    formats: tuple[PageFormat, ...] | None


class PageCache:
    """Encoded pages of the documents one call shows, with their neighbours rendered ahead."""

    def __init__(self, render: Render = render_encoded, *, capacity: int = CAPACITY) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self._render = render
        self._capacity = capacity
        self._pages: OrderedDict[PageKey, EncodedPage] = OrderedDict()
        self._pending: dict[PageKey, asyncio.Task[EncodedPage]] = {}

    def __len__(self) -> int:
        return len(self._pages)

    async def page(
        self,
        doc_id: str,
        document: Document,
        index: int,
        size: tuple[int, int],
        formats: Sequence[PageFormat] | None = None,
    ) -> EncodedPage:
        """Page `index` encoded for a display of `size`, rendered now unless it was before."""
        key = PageKey(doc_id, document, index, size, None if formats is None else tuple(formats))
        encoded = self._pages.get(key)
        if encoded is None:
            task = self._pending.get(key) or self._start(key)
            # Shielded: a flip given up by its caller still leaves the page for the next one.
            encoded = await asyncio.shield(task)
        else:
            self._pages.move_to_end(key)
        return encoded

    def forget(self, doc_id: str) -> None:
        """Drop the pages of a closed document, and those of it still rendering once done."""
        for key in [key for key in self._pages if key.doc_id == doc_id]:
            del self._pages[key]
        # A thread cannot be stopped, and a flip may be awaiting its page, so renders under way
        # are not cancelled: they finish (or fail on the closed file) and their pages are dropped.
        for key in [key for key in self._pending if key.doc_id == doc_id]:
            del self._pending[key]

    def keep_only_size(self, size: tuple[int, int]) -> None:
        """Drop the pages rendered for any other viewer size: the kiosk draws at `size` now."""
        for key in [key for key in self._pages if key.size != size]:
            del self._pages[key]
        for key in [key for key in self._pending if key.size != size]:
            del self._pending[key]  # finishes in its thread, then dropped (see `forget`)

    async def settled(self) -> None:
        """Wait until no page is being rendered."""
        while self._pending:
            await asyncio.wait(list(self._pending.values()))
            await asyncio.sleep(0)  # let the done callbacks file the pages

    async def close(self) -> None:
        """Drop every page and stop rendering, at the end of the call."""
        pending = list(self._pending.values())
        self._pending.clear()
        self._pages.clear()
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    def _start(self, key: PageKey) -> asyncio.Task[EncodedPage]:
        task = asyncio.get_running_loop().create_task(
            asyncio.to_thread(self._render, key.document, key.index, key.size, key.formats)
        )
        self._pending[key] = task
        task.add_done_callback(lambda done: self._finished(key, done))
        return task

    def _finished(self, key: PageKey, task: asyncio.Task[EncodedPage]) -> None:
        wanted = self._pending.get(key) is task  # not forgotten or closed meanwhile
        if wanted:
            del self._pending[key]
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            # Whoever awaits the page sees the error.
            logger.debug("= page %d of %s not rendered: %s", key.index, key.doc_id, error)
            return
        if not wanted:
            return
        self._pages[key] = task.result()
        self._pages.move_to_end(key)
        while len(self._pages) > self._capacity:
            self._pages.popitem(last=False)
