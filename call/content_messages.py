"""The content channel's wire format, version 1 (docs/content-channel.md).

A browser client can implement it from this summary:

- The channel is labelled ``"content"`` with protocol ``"madoguchi-content/1"``, ordered and
  reliable. Staff send pages, marks and `Focus`; the kiosk (the viewer) sends `Viewer`, `View`,
  `PageShown` and `PageRejected` back.
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
- A viewer that announces ``keep_pages`` > 0 keeps that many of the last pages it received,
  decoded, and shows one again on ``ShowPage``. The sender may then send pages ahead
  (``PageBegin`` with ``ahead``: keep, do not show), so a flip to the next page moves a few bytes
  instead of megabytes. The sender says what to drop (``ForgetPage``), so both ends agree on what
  is kept; a ``ShowPage`` for a page the viewer does not hold is rejected as "not held".
- A ``PageBegin`` with a ``region`` is a sharper render of that part of the page on screen, drawn
  over it while the viewer is zoomed (``View`` says what the citizen sees). It is never kept,
  never shown alone, dropped unless its page is on screen, and never supersedes a whole page in
  flight. ``Focus`` asks the viewer to zoom to a box of the page.
- Marks travel at once, even between the chunks of a page. A highlight or pen stroke replaces an
  earlier mark with the same id on that page, so a stroke being drawn is resent as it grows.

Both ends log and drop malformed or out-of-order input from the peer; nothing it sends raises.
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Callable
from typing import Annotated, Final, TypeVar

import msgspec

from call.document import MAX_RENDER_SIDE, PageFormat

logger = logging.getLogger(__name__)
_E = TypeVar("_E")

CHANNEL_LABEL: Final = "content"
PAPER_CHANNEL_LABEL: Final = "paper"  # the same messages, sent by the kiosk
CHANNEL_PROTOCOL: Final = "madoguchi-content/1"
MAX_MESSAGE_BYTES: Final = 256 * 1024
CHUNK_HEADER: Final = struct.Struct("!BII")
CHUNK_KIND_PAGE: Final = 1
MAX_CHUNK_PAYLOAD: Final = MAX_MESSAGE_BYTES - CHUNK_HEADER.size
MAX_PAGE_BYTES: Final = 32 * 1024 * 1024
MAX_MARKS: Final = 256
MAX_POINTS: Final = 4096
MAX_KEEP_PAGES: Final = 8  # decoded pages are up to 8192x8192: a viewer bounds its memory
# A box's far edge may overshoot the page by float rounding (0.1 + 0.9 > 1.0) and still be on it.
BOX_SLACK: Final = 1e-6
NOT_HELD: Final = "not held"  # the reason a ShowPage for a page not sent ahead is rejected

Fraction = Annotated[float, msgspec.Meta(ge=0.0, le=1.0)]
Side = Annotated[int, msgspec.Meta(ge=1, le=MAX_RENDER_SIDE)]
TransferId = Annotated[int, msgspec.Meta(ge=0, le=0xFFFFFFFF)]
DocId = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
PageIndex = Annotated[int, msgspec.Meta(ge=0, le=100_000)]
MarkId = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Color = Annotated[str, msgspec.Meta(pattern=r"^#[0-9A-Fa-f]{6}([0-9A-Fa-f]{2})?$")]
Extent = Annotated[float, msgspec.Meta(gt=0.0, le=1.0)]  # a box's width or height, as a fraction
MmPerPx = Annotated[float, msgspec.Meta(ge=0.01, le=2.0)]


def box_problem(x: float, y: float, width: float, height: float) -> str | None:
    """Why a box of page fractions is not a part of the page, or None when it is."""
    if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
        return f"box origin ({x}, {y}) is off the page"
    if not (0.0 < width <= 1.0 and 0.0 < height <= 1.0):
        return f"box of {width}x{height} has no area or exceeds the page"
    if x + width > 1.0 + BOX_SLACK or y + height > 1.0 + BOX_SLACK:
        return f"box ({x}, {y}, {width}, {height}) extends past the page"
    return None


class _Box:
    """What every box of page fractions has (`Region`, `Focus`, `View`): its check and its tuple.

    A plain mixin, not a Struct, so each message keeps its own field order on the wire.
    """

    __slots__ = ()
    x: float
    y: float
    width: float
    height: float

    def __post_init__(self) -> None:
        # msgspec runs this on decode too, turning the ValueError into a ValidationError.
        problem = box_problem(self.x, self.y, self.width, self.height)
        if problem is not None:
            raise ValueError(problem)

    @property
    def box(self) -> tuple[float, float, float, float]:
        return (self.x, self.y, self.width, self.height)


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


class Region(msgspec.Struct, _Box, kw_only=True, frozen=True):
    """A part of the page, in fractions of its width and height from the top-left corner."""

    x: Fraction
    y: Fraction
    width: Extent
    height: Extent


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
    ahead: bool = False  # keep it for a later `ShowPage` instead of showing it
    region: Region | None = None  # None: the whole page; else a sharper render of this part


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


class ShowPage(_Message, tag="show_page"):
    """Show a page sent ahead: at once if it is in, or as soon as its transfer completes."""

    transfer: TransferId


class ForgetPage(_Message, tag="forget_page"):
    """Drop a page sent ahead; the sender will not ask to show it."""

    transfer: TransferId


class _PageBox(_Message, _Box):
    """A box of one page of a document; its fields go on the wire in this order."""

    doc_id: DocId
    page: PageIndex
    x: Fraction
    y: Fraction
    width: Extent
    height: Extent


class Focus(_PageBox, tag="focus"):
    """Look here: the viewer zooms so this box of the page fills its view (the whole page: fit)."""


class Viewer(_Message, tag="viewer"):
    """The size the viewer really draws pages into, which pages are rendered to fit, the formats
    it decodes, how many received pages it keeps for a `ShowPage` (0: none, send every page in
    full), and its panel's pixel pitch, so staff can tell how large its text looks."""

    width: Side
    height: Side
    formats: list[PageFormat] = msgspec.field(default_factory=lambda: list(PageFormat))
    keep_pages: Annotated[int, msgspec.Meta(ge=0, le=MAX_KEEP_PAGES)] = 0
    mm_per_px: MmPerPx | None = None


class View(_PageBox, tag="view"):
    """The part of the page the citizen sees now (clamped to the page) and the viewer pixels it
    is drawn at; sent when a page is shown and when a zoom or pan settles."""

    width_px: Side
    height_px: Side

    @property
    def zoomed(self) -> bool:
        """Whether the citizen sees less than the whole page."""
        return self.width < 1.0 - BOX_SLACK or self.height < 1.0 - BOX_SLACK


class PageShown(_Message, tag="page_shown"):
    transfer: TransferId


class PageRejected(_Message, tag="page_rejected"):
    transfer: TransferId
    reason: Annotated[str, msgspec.Meta(max_length=200)]


ContentMessage = (
    PageBegin
    | PageEnd
    | ShowPage
    | ForgetPage
    | Marks
    | ClearMarks
    | DocumentClosed
    | Focus
    | Viewer
    | View
    | PageShown
    | PageRejected
)
ViewerEvent = Viewer | PageShown | PageRejected | View  # what the viewer tells the sender's app
_encoder: Final = msgspec.json.Encoder()
_decoder: Final[msgspec.json.Decoder[ContentMessage]] = msgspec.json.Decoder(ContentMessage)


def encode_message(message: ContentMessage) -> str:
    return _encoder.encode(message).decode()


def decode_message(text: str) -> ContentMessage:
    """Parse one text message; raises `msgspec.DecodeError` (or its `ValidationError`)."""
    return _decoder.decode(text)


def chunk_frame(transfer: int, index: int, payload: bytes) -> bytes:
    return CHUNK_HEADER.pack(CHUNK_KIND_PAGE, transfer, index) + payload


def parse_from_peer(data: str | bytes, peer: str) -> ContentMessage | None:
    """A text message from the peer, or None (logged) when it is binary or malformed."""
    if not isinstance(data, str):
        logger.warning("content < dropped %d unexpected binary bytes from the %s", len(data), peer)
        return None
    try:
        return decode_message(data)
    except msgspec.DecodeError as error:
        logger.warning("content < dropped a bad message from the %s: %s", peer, error)
        return None


def deliver_to_app(callback: Callable[[_E], None], event: _E) -> None:
    """Call the app back from inside aiortc's receive path.

    An exception escaping there would tear down the SCTP association, so a bug in the app is
    logged instead.
    """
    try:
        callback(event)
    except Exception:
        logger.exception("content = the app's event callback failed")
