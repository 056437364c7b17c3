"""Document pages and marks over one RTCDataChannel (docs/content-channel.md).

Version 1 of the content channel, which a browser client can implement from this summary:

- The channel is labelled ``"content"`` with protocol ``"madoguchi-content/1"``, ordered and
  reliable. Staff send pages and marks; the kiosk (the viewer) sends `Viewer`, `PageShown` and
  `PageRejected` back.
- Text messages are JSON objects tagged by ``"type"``; unknown fields are ignored. Marks inside
  a `Marks` message are tagged by ``"kind"``. Coordinates are fractions (0..1) of the page's
  width and height, so marks land on the same spot at any render size.
- Binary messages are page chunks: a 9-byte header, then the payload. The header is the kind
  (u8, 1 = page chunk), the transfer id (u32, big-endian) and the chunk index (u32, big-endian).
  A message is at most 256 KiB, aiortc's and Chromium's SCTP maximum.
- A page is ``PageBegin`` (with its byte size, chunk count and SHA-256), chunks 0..n-1 in order,
  then ``PageEnd``. The viewer checks the hash of the exact bytes before decoding. A new
  ``PageBegin`` or ``DocumentClosed`` supersedes whatever is in flight: latest wins, and chunks of
  a superseded transfer are dropped.
- Marks travel at once, even between the chunks of a page. A highlight or pen stroke replaces an
  earlier mark with the same id on that page, so a stroke being drawn is resent as it grows.

Both ends log and drop malformed or out-of-order input from the peer; nothing it sends raises.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import struct
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Final, TypeVar, assert_never

import msgspec
from aiortc import RTCDataChannel, RTCPeerConnection
from PIL import Image

from call.document import (
    MAX_PAGE_PIXELS,
    MAX_RENDER_SIDE,
    DocumentError,
    EncodedPage,
    PageFormat,
    decode_page,
)

logger = logging.getLogger(__name__)
_E = TypeVar("_E")

CHANNEL_LABEL: Final = "content"
CHANNEL_PROTOCOL: Final = "madoguchi-content/1"
MAX_MESSAGE_BYTES: Final = 256 * 1024
CHUNK_HEADER: Final = struct.Struct("!BII")
CHUNK_KIND_PAGE: Final = 1
MAX_CHUNK_PAYLOAD: Final = MAX_MESSAGE_BYTES - CHUNK_HEADER.size
MAX_PAGE_BYTES: Final = 32 * 1024 * 1024
# Backpressure: aiortc's send() queues without limit, so stop above HIGH_WATER and resume when
# the queue drains to LOW_WATER. At 3-6 MB/s one MiB is also the most a mark waits behind a page.
HIGH_WATER: Final = 1024 * 1024
LOW_WATER: Final = 256 * 1024
MAX_MARKS: Final = 256
MAX_POINTS: Final = 4096

Fraction = Annotated[float, msgspec.Meta(ge=0.0, le=1.0)]
Side = Annotated[int, msgspec.Meta(ge=1, le=MAX_RENDER_SIDE)]
TransferId = Annotated[int, msgspec.Meta(ge=0, le=0xFFFFFFFF)]
DocId = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
PageIndex = Annotated[int, msgspec.Meta(ge=0, le=100_000)]
MarkId = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Color = Annotated[str, msgspec.Meta(pattern=r"^#[0-9A-Fa-f]{6}([0-9A-Fa-f]{2})?$")]


class _Mark(msgspec.Struct, kw_only=True, tag_field="kind"):
    pass


class Pointer(_Mark, tag="pointer"):
    """Where staff point, shown until moved or hidden; transient, never part of the page."""

    x: Fraction
    y: Fraction
    visible: bool = True


class Highlight(_Mark, tag="highlight"):
    """A translucent rectangle over part of the page."""

    id: MarkId
    x: Fraction
    y: Fraction
    width: Fraction
    height: Fraction
    color: Color = "#FFEB3B80"


class PenStroke(_Mark, tag="pen"):
    """A freehand line; `width` is a fraction of the page width."""

    id: MarkId
    points: Annotated[list[tuple[Fraction, Fraction]], msgspec.Meta(max_length=MAX_POINTS)]
    color: Color = "#E53935"
    width: Annotated[float, msgspec.Meta(gt=0.0, le=0.05)] = 0.002


Mark = Pointer | Highlight | PenStroke


class _Message(msgspec.Struct, kw_only=True, tag_field="type"):
    pass


class PageBegin(_Message, tag="page_begin"):
    transfer: TransferId
    doc_id: DocId
    page: PageIndex  # from 0
    page_count: Annotated[int, msgspec.Meta(ge=1, le=100_000)]
    width: Side
    height: Side
    format: PageFormat
    size: Annotated[int, msgspec.Meta(ge=1, le=MAX_PAGE_BYTES)]
    chunks: Annotated[int, msgspec.Meta(ge=1)]
    sha256: Annotated[str, msgspec.Meta(pattern=r"^[0-9a-f]{64}$")]


class PageEnd(_Message, tag="page_end"):
    transfer: TransferId


class Marks(_Message, tag="marks"):
    doc_id: DocId
    page: PageIndex
    marks: Annotated[list[Mark], msgspec.Meta(max_length=MAX_MARKS)]


class ClearMarks(_Message, tag="clear_marks"):
    doc_id: DocId
    page: PageIndex


class DocumentClosed(_Message, tag="document_closed"):
    doc_id: DocId


class Viewer(_Message, tag="viewer"):
    """The viewer's display size, which pages are rendered to fit, and the formats it decodes."""

    width: Side
    height: Side
    formats: list[PageFormat] = msgspec.field(default_factory=lambda: list(PageFormat))


class PageShown(_Message, tag="page_shown"):
    transfer: TransferId


class PageRejected(_Message, tag="page_rejected"):
    transfer: TransferId
    reason: Annotated[str, msgspec.Meta(max_length=200)]


ContentMessage = (
    PageBegin | PageEnd | Marks | ClearMarks | DocumentClosed | Viewer | PageShown | PageRejected
)
_encoder: Final = msgspec.json.Encoder()
_decoder: Final[msgspec.json.Decoder[ContentMessage]] = msgspec.json.Decoder(ContentMessage)


def encode_message(message: ContentMessage) -> str:
    return _encoder.encode(message).decode()


def decode_message(text: str) -> ContentMessage:
    """Parse one text message; raises `msgspec.DecodeError` (or its `ValidationError`)."""
    return _decoder.decode(text)


def chunk_frame(transfer: int, index: int, payload: bytes) -> bytes:
    return CHUNK_HEADER.pack(CHUNK_KIND_PAGE, transfer, index) + payload


def create_content_channel(pc: RTCPeerConnection) -> RTCDataChannel:
    """Open the content channel on the offering side; the answerer gets it as "datachannel"."""
    return pc.createDataChannel(CHANNEL_LABEL, ordered=True, protocol=CHANNEL_PROTOCOL)


def is_content_channel(channel: RTCDataChannel) -> bool:
    return channel.label == CHANNEL_LABEL and channel.protocol == CHANNEL_PROTOCOL


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
    pages_sent: int = 0
    chunks_sent: int = 0
    pauses: int = 0
    peak_buffered: int = 0  # the channel's bufferedAmount right after our largest send


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
        self.viewer: Viewer | None = None
        self.stats = SenderStats()
        channel.bufferedAmountLowThreshold = low_water
        channel.on("bufferedamountlow", self._drained.set)
        channel.on("close", self._drained.set)  # so a paused transfer sees the close
        channel.on("message", self._on_channel_message)

    async def send_page(
        self, doc_id: str, page: int, page_count: int, encoded: EncodedPage
    ) -> TransferOutcome:
        """Send one page, superseding any page still in flight; returns once all is queued."""
        if self._channel.readyState != "open":
            return TransferOutcome.CLOSED
        self._transfer = transfer = (self._transfer + 1) & 0xFFFFFFFF
        self._sending_doc = doc_id
        self._drained.set()  # wake a superseded transfer that waits for the drain, so it ends
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
                sha256=hashlib.sha256(data).hexdigest(),
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
        self.stats.pages_sent += 1
        return TransferOutcome.SENT

    def send_marks(self, doc_id: str, page: int, marks: Sequence[Mark]) -> None:
        """Send marks now, ahead of any page chunks not yet queued."""
        self._send_text(Marks(doc_id=doc_id, page=page, marks=list(marks)))

    def clear_marks(self, doc_id: str, page: int) -> None:
        self._send_text(ClearMarks(doc_id=doc_id, page=page))

    def close_document(self, doc_id: str) -> None:
        """Tell the viewer to take the document down, stopping a page of it still in flight."""
        if self._sending_doc == doc_id:
            self._transfer = (self._transfer + 1) & 0xFFFFFFFF
            self._drained.set()
        self._send_text(DocumentClosed(doc_id=doc_id))

    def _send_text(self, message: ContentMessage) -> None:
        if self._channel.readyState != "open":
            logger.debug(
                "content > dropped %s: channel %s", type(message).__name__, self._channel.readyState
            )
            return
        self._channel.send(encode_message(message))

    def _on_channel_message(self, data: str | bytes) -> None:
        message = _parse_text(data, "viewer")
        match message:
            case Viewer():
                self.viewer = message
            case PageRejected():
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
            _deliver(self._on_event, message)


def _parse_text(data: str | bytes, peer: str) -> ContentMessage | None:
    if not isinstance(data, str):
        logger.warning("content < dropped %d unexpected binary bytes from the %s", len(data), peer)
        return None
    try:
        return decode_message(data)
    except msgspec.DecodeError as error:
        logger.warning("content < dropped a bad message from the %s: %s", peer, error)
        return None


def _deliver(callback: Callable[[_E], None], event: _E) -> None:
    # The app's callback runs inside aiortc's receive path; an exception escaping here would
    # tear down the SCTP association, so a bug in the app is logged instead.
    try:
        callback(event)
    except Exception:
        logger.exception("content = the app's event callback failed")


@dataclass(slots=True)
class _Incoming:
    begin: PageBegin
    data: bytearray
    next_index: int = 0


class PageReceiver:
    """Reassembles, verifies and decodes pages and passes marks on: the kiosk side.

    `on_event` is called on the engine's loop, in the order the sender sent, except that a page
    is delivered once decoded (in a worker thread), so marks sent after it may come first.
    """

    def __init__(
        self,
        channel: RTCDataChannel,
        on_event: Callable[[ContentEvent], None],
        *,
        max_page_pixels: int = MAX_PAGE_PIXELS,
    ) -> None:
        self._channel = channel
        self._on_event = on_event
        self._max_pixels = max_page_pixels
        self._incoming: _Incoming | None = None
        self._superseded: deque[int] = deque(maxlen=8)
        # Pages are numbered as they complete. A decode that finishes after a newer page was
        # shown, or after its document was closed, is stale: latest wins.
        self._completed = 0
        self._shown = 0
        self._closed: dict[str, int] = {}  # doc id -> pages completed when it was closed
        self._stopped = False
        self._decoding: set[asyncio.Task[None]] = set()
        channel.on("message", self._on_channel_message)
        channel.on("close", self._on_channel_close)

    def announce_viewer(
        self, width: int, height: int, formats: Sequence[PageFormat] = tuple(PageFormat)
    ) -> None:
        """Tell the sender the size to render pages at; call on open and on every change."""
        self._send(Viewer(width=width, height=height, formats=list(formats)))

    async def close(self) -> None:
        """Stop listening and delivering; decodes still running in threads are discarded."""
        if self._stopped:
            return
        self._channel.remove_listener("message", self._on_channel_message)
        self._channel.remove_listener("close", self._on_channel_close)
        self._drop_incoming()
        self._stopped = True
        for task in list(self._decoding):
            task.cancel()
        await asyncio.gather(*self._decoding, return_exceptions=True)

    def _on_channel_message(self, data: str | bytes) -> None:
        if isinstance(data, bytes):
            self._on_chunk(data)
            return
        message = _parse_text(data, "sender")
        match message:
            case PageBegin():
                self._on_page_begin(message)
            case PageEnd():
                self._on_page_end(message)
            case DocumentClosed():
                if self._incoming is not None and self._incoming.begin.doc_id == message.doc_id:
                    self._drop_incoming()
                self._closed[message.doc_id] = self._completed
                _deliver(self._on_event, message)
            case Marks() | ClearMarks():
                _deliver(self._on_event, message)
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
        else:
            logger.debug(
                "content < transfer %d: %s page %d", begin.transfer, begin.doc_id, begin.page
            )
            self._incoming = _Incoming(begin, bytearray())

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
        self._completed += 1
        task = asyncio.get_running_loop().create_task(
            self._decode(begin, bytes(incoming.data), self._completed)
        )
        self._decoding.add(task)
        task.add_done_callback(self._decoding.discard)

    async def _decode(self, begin: PageBegin, data: bytes, number: int) -> None:
        try:
            image = await asyncio.to_thread(_verify_and_decode, begin, data, self._max_pixels)
        except DocumentError as error:
            # The bytes arrived whole yet are wrong: a bug or tampering, not a network hiccup.
            self._reject(begin.transfer, str(error), logging.ERROR)
            return
        if self._stopped or number <= max(self._shown, self._closed.get(begin.doc_id, 0)):
            logger.debug("content = transfer %d superseded while decoding", begin.transfer)
            return
        self._shown = number
        logger.debug("content = transfer %d shown", begin.transfer)
        _deliver(
            self._on_event,
            PageReady(begin.doc_id, begin.page, begin.page_count, begin.transfer, image),
        )
        self._send(PageShown(transfer=begin.transfer))

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
