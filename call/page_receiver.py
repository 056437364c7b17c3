"""Document pages and marks from the content channel: the kiosk side.

Reassembles each page, checks its hash, decodes it in a worker thread and hands the app the
exact pixels the sender rendered. It keeps the last `keep_pages` pages it received, as the
sender directs, so that a `ShowPage` shows one at once (docs/content-channel.md).

While the citizen is zoomed in, staff send sharper renders of the part they see (a `PageBegin`
with a `region`). Such a page is delivered only over the page on screen, and only while no other
page is on its way to the screen: it is a detail of what is shown, never a page of its own.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import assert_never

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
    Focus,
    ForgetPage,
    Marks,
    PageBegin,
    PageEnd,
    PageRejected,
    PageShown,
    Region,
    ShowPage,
    View,
    Viewer,
    deliver_to_app,
    encode_message,
    parse_from_peer,
)
from call.document import MAX_PAGE_PIXELS, DocumentError, PageFormat, decode_page

logger = logging.getLogger(__name__)

NOT_ON_SCREEN = "not on screen"  # why a region of a page that is not shown was dropped


@dataclass(frozen=True, slots=True)
class PageReady:
    """A page that arrived whole, verified and decoded: the exact pixels the sender rendered.

    With a `region`, the image is a sharper render of that part of the page on screen, to draw
    over that part while zoomed in.
    """

    doc_id: str
    page: int
    page_count: int
    transfer: int
    image: Image.Image
    region: Region | None = None  # None: a whole page


ContentEvent = PageReady | Marks | ClearMarks | DocumentClosed | Focus


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
        self._on_screen: tuple[str, int] | None = None  # (doc id, page) of the page last shown
        self._latest_region: int | None = None  # only the newest region transfer is shown
        self._stopped = False
        self._decoding: set[asyncio.Task[None]] = set()
        channel.on("message", self._on_channel_message)
        channel.on("close", self._on_channel_close)

    @property
    def kept_pages(self) -> int:
        """How many pages this viewer holds for a later `ShowPage`."""
        return len(self._kept)

    def announce_viewer(
        self,
        width: int,
        height: int,
        formats: Sequence[PageFormat] = tuple(PageFormat),
        mm_per_px: float | None = None,
    ) -> None:
        """Tell the sender the size pages are really drawn into (and the panel's pixel pitch in
        mm); call on open and on every change."""
        self._send(
            Viewer(
                width=width,
                height=height,
                formats=list(formats),
                keep_pages=self._keep_pages,
                mm_per_px=mm_per_px,
            )
        )

    def report_view(self, view: View) -> None:
        """Tell the sender what part of the page the citizen sees, once a zoom or pan settles."""
        self._send(view)

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
            case Marks() | ClearMarks() | Focus():
                deliver_to_app(self._on_event, message)
            case Viewer() | View() | PageShown() | PageRejected():
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
            " ahead" if begin.ahead else "" if begin.region is None else f" {begin.region}",
        )
        self._incoming = _Incoming(begin, bytearray())
        if begin.region is not None:
            # A detail of the page on screen: it must not make the viewer stop waiting for a
            # whole page it was asked to show.
            self._latest_region = begin.transfer
        elif not begin.ahead:
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
        if self._keep_pages > 0 and begin.region is None:
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
        page = PageReady(
            begin.doc_id, begin.page, begin.page_count, begin.transfer, image, begin.region
        )
        if begin.region is not None:
            self._show_region(page)
            return
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
        self._on_screen = (page.doc_id, page.page)
        logger.debug("content = transfer %d shown", page.transfer)
        deliver_to_app(self._on_event, page)
        self._send(PageShown(transfer=page.transfer))

    def _show_region(self, page: PageReady) -> None:
        # Shown only over its own page, when that page stays on screen (no other is on its way)
        # and no newer region came meanwhile; anything else is stale, not wrong.
        shown = (page.doc_id, page.page)
        wanted = self._wanted
        if shown != self._on_screen:
            reason = NOT_ON_SCREEN
        elif wanted is not None and (wanted.doc_id, wanted.page) != shown:
            reason = "another page is on its way"
        elif page.transfer != self._latest_region:
            reason = "a newer region came"
        else:
            logger.debug("content = region transfer %d shown", page.transfer)
            deliver_to_app(self._on_event, page)
            self._send(PageShown(transfer=page.transfer))
            return
        logger.debug("content = region transfer %d dropped: %s", page.transfer, reason)
        self._send(PageRejected(transfer=page.transfer, reason=reason))

    def _on_document_closed(self, closed: DocumentClosed) -> None:
        if self._incoming is not None and self._incoming.begin.doc_id == closed.doc_id:
            self._drop_incoming()
        if self._wanted is not None and self._wanted.doc_id == closed.doc_id:
            self._wanted = None
        if self._on_screen is not None and self._on_screen[0] == closed.doc_id:
            self._on_screen = None
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
    if begin.ahead and begin.region is not None:
        return "a region is never sent ahead"
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
