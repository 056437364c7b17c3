"""Document pages and marks on the content channel: `PageSender` (staff), `PageReceiver` (kiosk).

The wire format is in `call.content_messages` and docs/content-channel.md. A page is sent whole
and verified by its hash, one transfer at a time, latest wins. When the viewer keeps pages
(`Viewer.keep_pages`), both ends remember the pages that crossed, and the sender sends the pages
the app expects next ahead of time while the channel is idle; a flip to a page the viewer holds
is then one small `ShowPage` message instead of megabytes (design.md, "Document pages").
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final, assert_never

from aiortc import RTCDataChannel
from PIL import Image

from call.content_messages import (
    CHUNK_HEADER,
    CHUNK_KIND_PAGE,
    MAX_CHUNK_PAYLOAD,
    MAX_KEEP_PAGES,
    NOT_HELD,
    ClearMarks,
    ContentMessage,
    DocumentClosed,
    ForgetPage,
    Mark,
    Marks,
    PageBegin,
    PageEnd,
    PageRejected,
    PageShown,
    ShowPage,
    Viewer,
    chunk_frame,
    deliver_to_app,
    encode_message,
    parse_from_peer,
)
from call.document import MAX_PAGE_PIXELS, DocumentError, EncodedPage, PageFormat, decode_page

logger = logging.getLogger(__name__)

# Backpressure: aiortc's send() queues without limit, so stop above HIGH_WATER and resume when
# the queue drains to LOW_WATER. At 3-6 MB/s one MiB is also the most a mark waits behind a page.
HIGH_WATER: Final = 1024 * 1024
LOW_WATER: Final = 256 * 1024


@dataclass(frozen=True, slots=True)
class PageReady:
    """A page that arrived whole, verified and decoded: the exact pixels the sender rendered."""

    doc_id: str
    page: int
    page_count: int
    transfer: int
    image: Image.Image


ContentEvent = PageReady | Marks | ClearMarks | DocumentClosed
ViewerEvent = Viewer | PageShown | PageRejected


class TransferOutcome(StrEnum):
    SENT = "sent"
    SUPERSEDED = "superseded"
    CLOSED = "closed"


@dataclass(slots=True)
class SenderStats:
    pages_sent: int = 0  # whole transfers, shown or ahead
    pages_sent_ahead: int = 0
    pages_shown_kept: int = 0  # flips that sent only a ShowPage
    chunks_sent: int = 0
    pauses: int = 0
    peak_buffered: int = 0  # the channel's bufferedAmount right after our largest send


_PageKey = tuple[str, int, str]  # doc id, page, sha256 of the encoded bytes


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
        self._ahead: list[tuple[str, int, int, EncodedPage]] = []
        self._ahead_task: asyncio.Task[None] | None = None
        self.last_shown: int | None = None  # transfer of the page last asked to be shown
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
        key = (doc_id, page, hashlib.sha256(encoded.data).hexdigest())
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

    def send_ahead(self, doc_id: str, page_count: int, pages: Mapping[int, EncodedPage]) -> None:
        """Send these pages (by index, most likely first) for the viewer to keep, one at a time
        while no page to show is in flight; replaces the pages asked for before.

        Does nothing unless the viewer keeps pages. A flip to one of them is then instant.
        """
        room = self.keep_pages - 1  # the page on screen stays
        if room <= 0 or self._channel.readyState != "open":
            return
        self._ahead = [(doc_id, page, page_count, encoded) for page, encoded in pages.items()]
        del self._ahead[room:]
        if self._ahead_task is None or self._ahead_task.done():
            self._ahead_task = asyncio.get_running_loop().create_task(self._send_pages_ahead())

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
        self._ahead = [page for page in self._ahead if page[0] != doc_id]
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
            await self._no_page_shown_in_flight.wait()
            if not self._ahead:
                return
            doc_id, page, page_count, encoded = self._ahead.pop(0)
            key = (doc_id, page, hashlib.sha256(encoded.data).hexdigest())
            if key in self._kept:
                continue
            if await self._send_whole(key, page_count, encoded, ahead=True) is not (
                TransferOutcome.SENT
            ):
                return  # closed, or a page to show took over: the app asks again after it
            self.stats.pages_sent_ahead += 1

    async def _send_whole(
        self, key: _PageKey, page_count: int, encoded: EncodedPage, *, ahead: bool
    ) -> TransferOutcome:
        doc_id, page, sha256 = key
        self._supersede()
        transfer = self._transfer
        self._sending_doc = doc_id
        if self.keep_pages > 0:
            self._keep(key, transfer)
        if not ahead:
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

    def _on_close(self) -> None:
        self._kept.clear()
        self._ahead.clear()
        self._drained.set()  # so a paused transfer sees the close

    def _on_channel_message(self, data: str | bytes) -> None:
        message = parse_from_peer(data, "viewer")
        match message:
            case Viewer():
                if self.viewer is not None and message.keep_pages < len(self._kept):
                    # The viewer keeps fewer pages now: forget the oldest like it does.
                    self.viewer = message
                    while len(self._kept) > self.keep_pages:
                        self._kept.popitem(last=False)
                self.viewer = message
            case PageRejected():
                # The viewer does not hold a page it rejected, whatever the reason.
                self._forget_transfer(message.transfer)
                logger.warning(
                    "content < transfer %d rejected: %s", message.transfer, message.reason
                )
            case PageShown():
                pass
            case None:
                return
            case _:
                logger.warning("content < unexpected %s from the viewer", type(message).__name__)
                return
        if self._on_event is not None:
            deliver_to_app(self._on_event, message)


@dataclass(slots=True)
class _Incoming:
    begin: PageBegin
    data: bytearray
    next_index: int = 0


@dataclass(slots=True)
class _Kept:
    begin: PageBegin
    page: PageReady | None = None  # None while it decodes


class PageReceiver:
    """Reassembles, verifies and decodes pages, keeps some, and passes marks on: the kiosk side.

    `on_event` is called on the engine's loop, in the order the sender sent, except that a page
    is delivered once decoded (in a worker thread), so marks sent after it may come first.
    """

    def __init__(
        self,
        channel: RTCDataChannel,
        on_event: Callable[[ContentEvent], None],
        *,
        max_page_pixels: int = MAX_PAGE_PIXELS,
        keep_pages: int = 0,
    ) -> None:
        if not 0 <= keep_pages <= MAX_KEEP_PAGES:
            raise ValueError(f"keep_pages must be 0..{MAX_KEEP_PAGES}")
        self._channel = channel
        self._on_event = on_event
        self._max_pixels = max_page_pixels
        self._keep_pages = keep_pages
        self._incoming: _Incoming | None = None
        self._superseded: deque[int] = deque(maxlen=8)
        # The page to show next: latest wins, so a page that completes or decodes after another
        # was asked for, or after its document was closed, is not shown.
        self._wanted: PageBegin | None = None
        self._kept: OrderedDict[int, _Kept] = OrderedDict()  # by transfer, oldest first
        self._stopped = False
        self._decoding: set[asyncio.Task[None]] = set()
        channel.on("message", self._on_channel_message)
        channel.on("close", self._on_channel_close)

    @property
    def kept_pages(self) -> int:
        """How many pages this viewer holds for a later `ShowPage`."""
        return len(self._kept)

    def announce_viewer(
        self, width: int, height: int, formats: Sequence[PageFormat] = tuple(PageFormat)
    ) -> None:
        """Tell the sender the size to render pages at; call on open and on every change."""
        self._send(
            Viewer(width=width, height=height, formats=list(formats), keep_pages=self._keep_pages)
        )

    async def close(self) -> None:
        """Stop listening and delivering; decodes still running in threads are discarded."""
        if self._stopped:
            return
        self._channel.remove_listener("message", self._on_channel_message)
        self._channel.remove_listener("close", self._on_channel_close)
        self._drop_incoming()
        self._stopped = True
        self._kept.clear()
        for task in list(self._decoding):
            task.cancel()
        await asyncio.gather(*self._decoding, return_exceptions=True)

    def _on_channel_message(self, data: str | bytes) -> None:
        if isinstance(data, bytes):
            self._on_chunk(data)
            return
        message = parse_from_peer(data, "sender")
        match message:
            case PageBegin():
                self._on_page_begin(message)
            case PageEnd():
                self._on_page_end(message)
            case ShowPage():
                self._on_show_page(message.transfer)
            case ForgetPage():
                self._kept.pop(message.transfer, None)
            case DocumentClosed():
                self._on_document_closed(message)
            case Marks() | ClearMarks():
                deliver_to_app(self._on_event, message)
            case Viewer() | PageShown() | PageRejected():
                logger.warning("content < unexpected %s from the sender", type(message).__name__)
            case None:
                pass
            case _:
                assert_never(message)

    def _on_page_begin(self, begin: PageBegin) -> None:
        # Any PageBegin means the sender gave up the previous transfer, valid or not.
        self._drop_incoming()
        problem = _begin_problem(begin, self._max_pixels)
        if problem is not None:
            self._reject(begin.transfer, problem)
            return
        logger.debug(
            "content < transfer %d: %s page %d%s",
            begin.transfer,
            begin.doc_id,
            begin.page,
            " ahead" if begin.ahead else "",
        )
        self._incoming = _Incoming(begin, bytearray())
        if not begin.ahead:
            self._wanted = begin

    def _on_chunk(self, frame: bytes) -> None:
        if len(frame) <= CHUNK_HEADER.size:
            logger.warning("content < dropped a binary message of %d bytes", len(frame))
            return
        kind, transfer, index = CHUNK_HEADER.unpack_from(frame)
        incoming = self._incoming
        if kind != CHUNK_KIND_PAGE:
            logger.warning("content < dropped a binary message of unknown kind %d", kind)
        elif incoming is None or transfer != incoming.begin.transfer:
            self._log_not_in_flight(transfer, f"chunk {index}")
        elif index != incoming.next_index:
            self._incoming = None
            self._reject(transfer, f"chunk {index} where {incoming.next_index} was due")
        elif len(incoming.data) + len(frame) - CHUNK_HEADER.size > incoming.begin.size:
            self._incoming = None
            self._reject(transfer, "more bytes than announced")
        else:
            incoming.data += memoryview(frame)[CHUNK_HEADER.size :]
            incoming.next_index += 1

    def _on_page_end(self, end: PageEnd) -> None:
        incoming = self._incoming
        if incoming is None or end.transfer != incoming.begin.transfer:
            self._log_not_in_flight(end.transfer, "the end")
            return
        self._incoming = None
        begin = incoming.begin
        if incoming.next_index != begin.chunks or len(incoming.data) != begin.size:
            self._reject(begin.transfer, f"ended after {len(incoming.data)} of {begin.size} bytes")
            return
        if self._keep_pages > 0:
            # Filed now, in the sender's order, so both ends forget the same oldest page.
            self._kept[begin.transfer] = _Kept(begin)
            while len(self._kept) > self._keep_pages:
                transfer, _ = self._kept.popitem(last=False)
                logger.warning("content = forgot transfer %d the sender did not", transfer)
        task = asyncio.get_running_loop().create_task(self._decode(begin, bytes(incoming.data)))
        self._decoding.add(task)
        task.add_done_callback(self._decoding.discard)

    async def _decode(self, begin: PageBegin, data: bytes) -> None:
        try:
            image = await asyncio.to_thread(_verify_and_decode, begin, data, self._max_pixels)
        except DocumentError as error:
            # The bytes arrived whole yet are wrong: a bug or tampering, not a network hiccup.
            self._kept.pop(begin.transfer, None)
            self._reject(begin.transfer, str(error), logging.ERROR)
            return
        if self._stopped:
            return
        page = PageReady(begin.doc_id, begin.page, begin.page_count, begin.transfer, image)
        kept = self._kept.get(begin.transfer)
        if kept is not None:
            kept.page = page
        if self._wanted is not None and self._wanted.transfer == begin.transfer:
            self._show(page)
        else:
            logger.debug("content = transfer %d not shown: a later one is wanted", begin.transfer)

    def _on_show_page(self, transfer: int) -> None:
        kept = self._kept.get(transfer)
        incoming = self._incoming
        if kept is not None:
            self._kept.move_to_end(transfer)
            self._wanted = kept.begin
            if kept.page is not None:
                self._show(kept.page)
            # else: shown when its decode finishes
        elif incoming is not None and incoming.begin.transfer == transfer:
            self._wanted = incoming.begin  # shown once it arrives and decodes
        else:
            self._reject(transfer, NOT_HELD)

    def _show(self, page: PageReady) -> None:
        self._wanted = None
        logger.debug("content = transfer %d shown", page.transfer)
        deliver_to_app(self._on_event, page)
        self._send(PageShown(transfer=page.transfer))

    def _on_document_closed(self, closed: DocumentClosed) -> None:
        if self._incoming is not None and self._incoming.begin.doc_id == closed.doc_id:
            self._drop_incoming()
        if self._wanted is not None and self._wanted.doc_id == closed.doc_id:
            self._wanted = None
        for transfer in [t for t, kept in self._kept.items() if kept.begin.doc_id == closed.doc_id]:
            del self._kept[transfer]
        deliver_to_app(self._on_event, closed)

    def _drop_incoming(self) -> None:
        if self._incoming is not None:
            logger.debug("content = transfer %d superseded", self._incoming.begin.transfer)
            self._superseded.append(self._incoming.begin.transfer)
            self._incoming = None

    def _log_not_in_flight(self, transfer: int, what: str) -> None:
        # Chunks of a superseded transfer were queued before the sender knew: expected.
        level = logging.DEBUG if transfer in self._superseded else logging.WARNING
        logger.log(level, "content < dropped %s of transfer %d, not in flight", what, transfer)

    def _reject(self, transfer: int, reason: str, level: int = logging.WARNING) -> None:
        logger.log(level, "content < rejected transfer %d: %s", transfer, reason)
        self._send(PageRejected(transfer=transfer, reason=reason[:200]))

    def _send(self, message: ContentMessage) -> None:
        if self._channel.readyState == "open":
            self._channel.send(encode_message(message))

    def _on_channel_close(self) -> None:
        self._drop_incoming()
        self._kept.clear()


def _begin_problem(begin: PageBegin, max_pixels: int) -> str | None:
    if begin.page >= begin.page_count:
        return f"page {begin.page} of only {begin.page_count}"
    if not -(-begin.size // MAX_CHUNK_PAYLOAD) <= begin.chunks <= begin.size:
        return f"{begin.chunks} chunks cannot carry {begin.size} bytes"
    if begin.width * begin.height > max_pixels:
        return f"page of {begin.width}x{begin.height} is too large"
    return None


def _verify_and_decode(begin: PageBegin, data: bytes, max_pixels: int) -> Image.Image:
    # Runs in a worker thread: hashing and decoding a page take milliseconds of CPU each.
    if hashlib.sha256(data).hexdigest() != begin.sha256:
        raise DocumentError("sha256 mismatch")
    image = decode_page(data, begin.format, max_pixels=max_pixels)
    if image.size != (begin.width, begin.height):
        raise DocumentError(
            f"decoded {image.width}x{image.height}, announced {begin.width}x{begin.height}"
        )
    return image
