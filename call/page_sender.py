"""Document pages and marks onto the content channel, with backpressure: the staff side.

The wire format is in `call.content_messages` and docs/content-channel.md. A page is sent whole
with its hash, one transfer at a time, latest wins. When the viewer keeps pages
(`Viewer.keep_pages`), the sender remembers which it holds, sends the pages the app expects next
ahead while the channel is idle, and shows a kept page with one small `ShowPage`.

A region (a sharper render of the part of the page the citizen zoomed into) waits until the
page on screen is answered, so it never supersedes a page to show; it does supersede a page
ahead, which then goes again after it. `Focus` and marks go at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from aiortc import RTCDataChannel

from call.content_messages import (
    MAX_CHUNK_PAYLOAD,
    MAX_KEEP_PAGES,
    ClearMarks,
    ContentMessage,
    DocumentClosed,
    Focus,
    ForgetPage,
    Mark,
    Marks,
    PageBegin,
    PageEnd,
    PageRejected,
    PageShown,
    Region,
    ShowPage,
    View,
    Viewer,
    ViewerEvent,
    chunk_frame,
    deliver_to_app,
    encode_message,
    parse_from_peer,
)
from call.document import EncodedPage

logger = logging.getLogger(__name__)

# Backpressure: aiortc's send() queues without limit, so stop above HIGH_WATER and resume when
# the queue drains to LOW_WATER. At 3-6 MB/s one MiB is also the most a mark waits behind a page.
HIGH_WATER: Final = 1024 * 1024
LOW_WATER: Final = 256 * 1024
# A region waits for the page on screen to be shown, but not forever: a viewer that never
# answers (an old one, a lost message) still gets the detail.
REGION_WAITS_AT_MOST: Final = 3.0


class TransferOutcome(StrEnum):
    SENT = "sent"
    SUPERSEDED = "superseded"
    CLOSED = "closed"


@dataclass(slots=True)
class SenderStats:
    pages_sent: int = 0  # whole transfers, shown or ahead
    pages_sent_ahead: int = 0
    pages_shown_kept: int = 0  # flips that sent only a ShowPage
    regions_sent: int = 0  # sharper renders of a part of the page on screen
    chunks_sent: int = 0
    pauses: int = 0
    peak_buffered: int = 0  # the channel's bufferedAmount right after our largest send


_PageKey = tuple[str, int, str]  # doc id, page, sha256 of the encoded bytes


@dataclass(frozen=True, slots=True)
class OutgoingPage:
    """A page of a document, encoded, as it goes to the viewer."""

    doc_id: str
    page: int
    page_count: int
    encoded: EncodedPage


class PageSender:
    """Sends pages and marks on the content channel with backpressure: the staff side."""

    def __init__(
        self,
        channel: RTCDataChannel,
        on_event: Callable[[ViewerEvent], None] | None = None,
        *,
        high_water: int = HIGH_WATER,
        low_water: int = LOW_WATER,
        chunk_size: int = MAX_CHUNK_PAYLOAD,
    ) -> None:
        if not 0 <= low_water < high_water:
            raise ValueError("need 0 <= low_water < high_water, or a pause never ends")
        if not 1 <= chunk_size <= MAX_CHUNK_PAYLOAD:
            raise ValueError(f"chunk_size must be 1..{MAX_CHUNK_PAYLOAD}")
        self._channel = channel
        self._on_event = on_event
        self._high_water = high_water
        self._chunk_size = chunk_size
        self._transfer = 0  # the latest transfer; any older one still sending stops
        self._sending_doc: str | None = None
        self._drained = asyncio.Event()
        # Pages the viewer holds or is receiving to keep, oldest first, as the viewer will see
        # them: the sender decides what it forgets, so both ends agree without asking.
        self._kept: OrderedDict[_PageKey, int] = OrderedDict()
        self._in_flight: _PageKey | None = None  # kept if it completes, gone if superseded
        self._shown_in_flight = 0  # pages to show now, still sending: pages ahead wait for them
        self._no_page_shown_in_flight = asyncio.Event()
        self._no_page_shown_in_flight.set()
        self._regions_asked = 0  # a region waiting to go gives way to a newer one
        self._no_region_in_flight = asyncio.Event()
        self._no_region_in_flight.set()
        self._region_transfers: deque[int] = deque(maxlen=16)  # their answers are ours alone
        self._ahead: list[OutgoingPage] = []
        self._ahead_task: asyncio.Task[None] | None = None
        self.last_shown: int | None = None  # transfer of the page last asked to be shown
        self._answered: deque[int] = deque(maxlen=16)  # transfers the viewer showed or rejected
        self._answer_arrived = asyncio.Event()
        self.viewer: Viewer | None = None
        self.stats = SenderStats()
        channel.bufferedAmountLowThreshold = low_water
        channel.on("bufferedamountlow", self._drained.set)
        channel.on("close", self._on_close)
        channel.on("message", self._on_channel_message)

    @property
    def keep_pages(self) -> int:
        """How many pages the viewer keeps for a later flip; 0 until it says."""
        return 0 if self.viewer is None else min(self.viewer.keep_pages, MAX_KEEP_PAGES)

    async def send_page(
        self, doc_id: str, page: int, page_count: int, encoded: EncodedPage
    ) -> TransferOutcome:
        """Show one page, superseding any page still in flight; returns once all is queued.

        A page the viewer holds is shown with one small message.
        """
        if self._channel.readyState != "open":
            return TransferOutcome.CLOSED
        key = (doc_id, page, encoded.sha256)
        kept = self._kept.get(key)
        if kept is not None:
            self._kept.move_to_end(key)
            self._send_text(ShowPage(transfer=kept))
            self.last_shown = kept
            self.stats.pages_shown_kept += 1
            return TransferOutcome.SENT
        self._shown_in_flight += 1
        self._no_page_shown_in_flight.clear()
        try:
            return await self._send_whole(key, page_count, encoded, ahead=False)
        finally:
            self._shown_in_flight -= 1
            if self._shown_in_flight == 0:
                self._no_page_shown_in_flight.set()

    async def send_region(
        self,
        doc_id: str,
        page: int,
        page_count: int,
        region: Region,
        encoded: EncodedPage,
        *,
        within: float = REGION_WAITS_AT_MOST,
    ) -> TransferOutcome:
        """Send a sharper render of `region` of the page on screen; returns once all is queued.

        It waits until no page to show is in flight and the viewer has answered for the last
        one (or `within` seconds passed); a newer region asked for meanwhile supersedes it.
        """
        self._regions_asked += 1
        asked = self._regions_asked
        while True:
            await self._no_page_shown_in_flight.wait()
            if self.last_shown is not None:
                await self.answered(self.last_shown, within)
            if asked != self._regions_asked:
                return TransferOutcome.SUPERSEDED
            if self._no_page_shown_in_flight.is_set():
                break  # else a page to show started meanwhile: it goes first
        if self._channel.readyState != "open":
            return TransferOutcome.CLOSED
        self._no_region_in_flight.clear()
        try:
            key = (doc_id, page, encoded.sha256)
            outcome = await self._send_whole(key, page_count, encoded, ahead=False, region=region)
        finally:
            self._no_region_in_flight.set()
        if outcome is TransferOutcome.SENT:
            self.stats.regions_sent += 1
        return outcome

    def send_focus(self, doc_id: str, page: int, region: Region) -> None:
        """Ask the viewer to zoom so `region` of the page fills its view; goes at once."""
        x, y, width, height = region.box
        self._send_text(Focus(doc_id=doc_id, page=page, x=x, y=y, width=width, height=height))

    def send_ahead(self, doc_id: str, page_count: int, pages: Mapping[int, EncodedPage]) -> None:
        """Send these pages (by index, most likely first) for the viewer to keep, one at a time
        while no page to show is in flight; replaces the pages asked for before.

        Does nothing unless the viewer keeps pages. A flip to one of them is then instant.
        """
        room = self.keep_pages - 1  # the page on screen stays
        if room <= 0 or self._channel.readyState != "open":
            return
        self._ahead = [OutgoingPage(doc_id, page, page_count, e) for page, e in pages.items()]
        del self._ahead[room:]
        if self._ahead_task is None or self._ahead_task.done():
            self._ahead_task = asyncio.get_running_loop().create_task(self._send_pages_ahead())

    async def answered(self, transfer: int, within: float) -> bool:
        """Wait until the viewer has shown or rejected `transfer`; False after `within` s."""
        try:
            async with asyncio.timeout(within):
                while transfer not in self._answered:
                    self._answer_arrived.clear()
                    await self._answer_arrived.wait()
        except TimeoutError:
            return False
        return True

    def cancel_ahead(self) -> None:
        """Send no more pages ahead; one in flight goes on, since it may be the next flip."""
        self._ahead.clear()

    def send_marks(self, doc_id: str, page: int, marks: Sequence[Mark]) -> None:
        """Send marks now, ahead of any page chunks not yet queued."""
        self._send_text(Marks(doc_id=doc_id, page=page, marks=list(marks)))

    def clear_marks(self, doc_id: str, page: int) -> None:
        self._send_text(ClearMarks(doc_id=doc_id, page=page))

    def close_document(self, doc_id: str) -> None:
        """Tell the viewer to take the document down, stopping a page of it still in flight."""
        if self._sending_doc == doc_id:
            self._supersede()
        self._ahead = [page for page in self._ahead if page.doc_id != doc_id]
        for key in [key for key in self._kept if key[0] == doc_id]:
            del self._kept[key]  # the viewer drops them on `DocumentClosed`
        self._send_text(DocumentClosed(doc_id=doc_id))

    async def close(self) -> None:
        """Stop sending pages ahead (the channel itself belongs to the peer)."""
        self._ahead.clear()
        if self._ahead_task is not None:
            self._ahead_task.cancel()
            await asyncio.gather(self._ahead_task, return_exceptions=True)

    async def _send_pages_ahead(self) -> None:
        while self._ahead:
            # Pages to show and regions of the page on screen go first.
            while not self._idle_for_ahead:
                await self._no_page_shown_in_flight.wait()
                await self._no_region_in_flight.wait()
            if not self._ahead:
                return
            ahead = self._ahead.pop(0)
            key = (ahead.doc_id, ahead.page, ahead.encoded.sha256)
            if key in self._kept:
                continue
            outcome = await self._send_whole(key, ahead.page_count, ahead.encoded, ahead=True)
            if outcome is TransferOutcome.SUPERSEDED and not self._no_region_in_flight.is_set():
                self._ahead.insert(0, ahead)  # a region took over: this page goes after it
                continue
            if outcome is not TransferOutcome.SENT:
                return  # closed, or a page to show took over: the app asks again after it
            self.stats.pages_sent_ahead += 1

    async def _send_whole(
        self,
        key: _PageKey,
        page_count: int,
        encoded: EncodedPage,
        *,
        ahead: bool,
        region: Region | None = None,
    ) -> TransferOutcome:
        doc_id, page, sha256 = key
        self._supersede()
        transfer = self._transfer
        self._sending_doc = doc_id
        if region is not None:
            self._region_transfers.append(transfer)  # never kept, never the page shown
        elif self.keep_pages > 0:
            self._keep(key, transfer)
        if not ahead and region is None:
            self.last_shown = transfer
        data = encoded.data
        chunks = -(-len(data) // self._chunk_size)
        self._send_text(
            PageBegin(
                transfer=transfer,
                doc_id=doc_id,
                page=page,
                page_count=page_count,
                width=encoded.width,
                height=encoded.height,
                format=encoded.format,
                size=len(data),
                chunks=chunks,
                sha256=sha256,
                ahead=ahead,
                region=region,
            )
        )
        for index in range(chunks):
            while self._channel.bufferedAmount > self._high_water:
                self.stats.pauses += 1
                self._drained.clear()
                await self._drained.wait()
                if self._transfer != transfer or self._channel.readyState != "open":
                    break
            if self._transfer != transfer:
                return TransferOutcome.SUPERSEDED
            if self._channel.readyState != "open":
                return TransferOutcome.CLOSED
            start = index * self._chunk_size
            self._channel.send(chunk_frame(transfer, index, data[start : start + self._chunk_size]))
            self.stats.chunks_sent += 1
            self.stats.peak_buffered = max(self.stats.peak_buffered, self._channel.bufferedAmount)
        self._send_text(PageEnd(transfer=transfer))
        self._sending_doc = None
        self._in_flight = None
        self.stats.pages_sent += 1
        return TransferOutcome.SENT

    @property
    def _idle_for_ahead(self) -> bool:
        return self._no_page_shown_in_flight.is_set() and self._no_region_in_flight.is_set()

    def _supersede(self) -> None:
        """Start a new transfer: the one in flight stops, and the viewer drops it."""
        self._transfer = (self._transfer + 1) & 0xFFFFFFFF
        self._drained.set()  # wake a superseded transfer that waits for the drain, so it ends
        if self._in_flight is not None:
            self._kept.pop(self._in_flight, None)
            self._in_flight = None

    def _keep(self, key: _PageKey, transfer: int) -> None:
        self._kept[key] = transfer
        self._in_flight = key
        while len(self._kept) > self.keep_pages:
            _, oldest = self._kept.popitem(last=False)
            self._send_text(ForgetPage(transfer=oldest))

    def _forget_transfer(self, transfer: int) -> None:
        for key, kept in list(self._kept.items()):
            if kept == transfer:
                del self._kept[key]

    def _send_text(self, message: ContentMessage) -> None:
        if self._channel.readyState != "open":
            logger.debug(
                "content > dropped %s: channel %s", type(message).__name__, self._channel.readyState
            )
            return
        self._channel.send(encode_message(message))

    def _answer(self, transfer: int) -> None:
        self._answered.append(transfer)
        self._answer_arrived.set()

    def _on_close(self) -> None:
        self._kept.clear()
        self._ahead.clear()
        self._drained.set()  # so a paused transfer sees the close

    def _on_channel_message(self, data: str | bytes) -> None:
        message = parse_from_peer(data, "viewer")
        match message:
            case Viewer():
                self.viewer = message
                # A viewer that keeps fewer pages now forgets its oldest; so does the sender.
                while len(self._kept) > self.keep_pages:
                    self._kept.popitem(last=False)
            case PageShown() | PageRejected() if message.transfer in self._region_transfers:
                # A region dropped because the page moved on is stale, not a fault; the app
                # hears about its pages only. Nobody awaits a region's answer, and recording it
                # would push the page on screen's answer out of `_answered`.
                logger.debug("content < region transfer %d answered: %r", message.transfer, message)
                return
            case PageRejected():
                # The viewer does not hold a page it rejected, whatever the reason.
                self._forget_transfer(message.transfer)
                self._answer(message.transfer)
                logger.warning(
                    "content < transfer %d rejected: %s", message.transfer, message.reason
                )
            case PageShown():
                self._answer(message.transfer)
            case View():
                pass
            case None:
                return
            case _:
                logger.warning("content < unexpected %s from the viewer", type(message).__name__)
                return
        if self._on_event is not None:
            deliver_to_app(self._on_event, message)
