"""What one end shows the other during a call, kept across peer rebuilds.

Two things travel besides the camera (docs/video.md; docs/content-channel.md):

- The **content video track**: a screen share from staff, or a kiosk's document camera. Starting
  and stopping replaces the content sender's track (`Peer.start_content` / `stop_content`), and
  each change is announced on the control channel (`content_started` / `content_stopped`), since
  an empty track and a stalled one look alike from the other end.
- **Document pages and marks** over the "content" data channel (call.content_messages): staff send
  with a `PageSender`, the kiosk receives with a `PageReceiver` and announces its display size.
  Once a page is on its way, its neighbours are rendered into a `PageCache` and sent ahead to
  the kiosk, which keeps the last `KEEP_PAGES` pages, so a flip to a neighbour shows a page the
  kiosk already holds. They wait until the kiosk shows the page, which has the CPU and the
  channel first. Pages are rendered for the size the kiosk really draws them at, so they show
  1:1; when it announces a new size, the page on screen is rendered and sent again.
- **The citizen's paper** over the "paper" data channel: the same messages the other way. On
  the citizen's tap or staff's 「撮影」 (`take_paper`), the kiosk takes the document camera's
  newest full-resolution frame, finds the sheet in it, straightens it and evens its light
  (call.paper) and sends it with a `PageSender`; staff receive it with a `PageReceiver`.
  Neither end writes it anywhere.
- **Sharp zoom**: the kiosk reports what part of the page the citizen sees (`View`), and staff
  send that part rendered again at the kiosk's scale (call.page_detail). Staff can ask the kiosk
  to zoom to a box (`focus`).

`Sharing` belongs to one `CallSession` and outlives its peers: when the session builds a new
peer, the shared source gets a new track on it, is announced again, and the last page shown is
sent again, so a rebuild costs the citizen a pause, not the document.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Protocol

from aiortc import RTCDataChannel
from aiortc.mediastreams import MediaStreamTrack
from PIL import Image

from call.bridge import LatestFrame
from call.camera import CameraCapture
from call.content_messages import NOT_HELD, Mark, PageRejected, Region, View, Viewer, ViewerEvent
from call.control_messages import ContentKind, ContentStarted, ContentStopped, ControlMessage
from call.document import Document, DocumentError, EncodedPage, encode_page
from call.frames import Image8
from call.page_cache import PageCache
from call.page_detail import DetailRequest, PageDetail, ShownPage
from call.page_receiver import ContentEvent, PageReady, PageReceiver
from call.page_sender import OutgoingPage, PageSender, TransferOutcome
from call.paper import still_to_send
from call.peer import Peer

logger = logging.getLogger(__name__)

# The page on screen, both neighbours sent ahead, and two more, so paging back and forth over a
# few pages never sends one twice. A decoded 1080p page is 2-6 MB of the kiosk's memory.
KEEP_PAGES: Final = 5
NEIGHBOURS: Final = (1, -1)  # sent ahead in this order: staff flip forward far more often
AHEAD_AFTER_AT_MOST: Final = 3.0  # seconds: a page slow to arrive does not hold its neighbours
# How long a still may take to cross before the kiosk says it did not arrive: half a MB takes
# several seconds on a 1 Mbit/s link shared with the call's video.
PAPER_ANSWER_WITHIN: Final = 30.0


class ContentSource(Protocol):
    """A screen or document-camera capture: `CameraCapture` and `ScreenCapture` both fit."""

    def track(self) -> MediaStreamTrack: ...
    def close(self) -> None: ...  # blocking: joins the capture thread


@dataclass(frozen=True, slots=True)
class RemoteContentChanged:
    session_id: str
    kind: ContentKind | None  # None: the other end stopped sharing


@dataclass(frozen=True, slots=True)
class LocalContentEnded:
    session_id: str
    reason: str  # our content source stopped by itself (a screen capture error)


@dataclass(frozen=True, slots=True)
class DocumentEvent:
    session_id: str
    event: ContentEvent | ViewerEvent  # pages and marks (kiosk), viewer answers (staff)


@dataclass(frozen=True, slots=True)
class PaperReceived:
    """A still of the citizen's paper, the exact pixels the kiosk straightened (staff)."""

    session_id: str
    paper_id: str
    image: Image.Image


@dataclass(frozen=True, slots=True)
class PaperSent:
    """What the kiosk sent of the paper, to show the citizen (kiosk)."""

    session_id: str
    paper_id: str  # "" when nothing went
    image: Image8 | None  # as staff receive it; None: the document camera gave no picture
    straightened: bool  # False: no sheet was found, and the whole frame went
    delivered: bool  # staff's end has it; False: the channel closed or it did not answer in time


SharingEvent = RemoteContentChanged | LocalContentEnded | DocumentEvent | PaperReceived | PaperSent


class Sharing:
    """The content track and document pages of one call, on whichever peer is current."""

    def __init__(
        self,
        session_id: str,
        *,
        staff: bool,
        emit: Callable[[SharingEvent], None],
        remote_content: LatestFrame,
        viewer_size: tuple[int, int],
        keep_pages: int = KEEP_PAGES,
        mm_per_px: float | None = None,
    ) -> None:
        self._session_id = session_id
        self._staff = staff
        self._emit = emit
        self._remote_content = remote_content
        self._viewer_size = viewer_size
        self._mm_per_px = mm_per_px
        self._keep_pages = keep_pages
        self._peer: Peer | None = None
        self._send_control: Callable[[ControlMessage], bool] = lambda message: False
        self._content: tuple[ContentSource, ContentKind] | None = None
        self._remote_kind: ContentKind | None = None
        self._pages: PageSender | None = None
        self._viewer: PageReceiver | None = None
        self._paper_out: PageSender | None = None  # the citizen's stills (kiosk)
        self._paper_in: PageReceiver | None = None  # (staff)
        self._papers_sent = 0
        self._last_page: OutgoingPage | None = None
        self._sending: set[asyncio.Task[TransferOutcome]] = set()
        self._sending_ahead: asyncio.Task[None] | None = None
        self._rendered = PageCache()
        self._shown: ShownPage | None = None  # the page last asked for, from its document
        self._detail = PageDetail(session_id, self._send_region)

    @property
    def local_kind(self) -> ContentKind | None:
        return None if self._content is None else self._content[1]

    @property
    def remote_kind(self) -> ContentKind | None:
        return self._remote_kind

    @property
    def viewer(self) -> Viewer | None:
        """The kiosk's display as it announced it on the content channel (staff side)."""
        return None if self._pages is None else self._pages.viewer

    # --- The session tells us about its peers -------------------------------------------------

    def peer_created(self, peer: Peer) -> None:
        self._peer = peer
        if self._content is not None:
            peer.start_content(self._content[0].track())

    def control_opened(self, send: Callable[[ControlMessage], bool]) -> None:
        self._send_control = send
        if self._content is not None:
            send(ContentStarted(kind=self._content[1]))

    def content_channel_opened(self, channel: RTCDataChannel) -> None:
        if self._staff:
            self._pages = PageSender(channel, self._emit_document)
            if self._last_page is not None:
                self._spawn_send(self._last_page)  # the kiosk's viewer is new: it kept nothing
        else:
            self._viewer = PageReceiver(channel, self._emit_document, keep_pages=self._keep_pages)
            self._viewer.announce_viewer(*self._viewer_size, mm_per_px=self._mm_per_px)

    def paper_channel_opened(self, channel: RTCDataChannel) -> None:
        if self._staff:
            self._paper_in = PageReceiver(channel, self._paper_arrived)
        else:
            self._paper_out = PageSender(channel)

    async def send_paper(self) -> PaperSent:
        """Take the document camera's newest full-resolution frame, find the paper in it,
        straighten it, even its light, and send it losslessly; returns, and emits, once staff
        have it or it failed. Nothing goes when the document camera is off or shows no picture
        of its own (kiosk)."""
        content = self._content
        source = (
            None if content is None or content[1] is not ContentKind.DOCUMENT_CAMERA else content[0]
        )
        frame = source.latest_frame() if isinstance(source, CameraCapture) else None
        if frame is None or frame.synthetic:
            nothing = PaperSent(self._session_id, "", None, False, False)
            self._emit(nothing)
            return nothing
        still = await asyncio.to_thread(still_to_send, frame.rgb())
        encoded = await asyncio.to_thread(encode_page, Image.fromarray(still.image))
        self._papers_sent += 1
        paper_id = f"paper-{self._papers_sent}"
        sender = self._paper_out
        delivered = False
        if sender is not None:
            outcome = await sender.send_page(paper_id, 0, 1, encoded)
            if outcome is TransferOutcome.SENT and sender.last_shown is not None:
                delivered = await sender.answered(sender.last_shown, PAPER_ANSWER_WITHIN)
        if not delivered:
            logger.warning("%s = %s not delivered", self._session_id, paper_id)
        sent = PaperSent(self._session_id, paper_id, still.image, still.cropped, delivered)
        self._emit(sent)
        return sent

    def _paper_arrived(self, event: ContentEvent) -> None:
        if isinstance(event, PageReady) and event.region is None:
            self._emit(PaperReceived(self._session_id, event.doc_id, event.image))

    def announce_viewer(self, width: int, height: int) -> None:
        """The size the kiosk really draws pages into: announced now and at every open (kiosk)."""
        self._viewer_size = (width, height)
        if self._viewer is not None:
            self._viewer.announce_viewer(width, height, mm_per_px=self._mm_per_px)

    def report_view(self, view: View) -> None:
        """Tell staff what part of the page the citizen sees (kiosk); dropped without a channel."""
        if self._viewer is not None:
            self._viewer.report_view(view)

    async def peer_closed(self) -> None:
        pages, viewer, paper_out, paper_in = (
            self._pages,
            self._viewer,
            self._paper_out,
            self._paper_in,
        )
        self._peer, self._pages, self._viewer = None, None, None
        self._paper_out, self._paper_in = None, None
        self._send_control = lambda message: False
        for sender in (pages, paper_out):
            if sender is not None:
                await sender.close()
        for receiver in (viewer, paper_in):
            if receiver is not None:
                await receiver.close()
        self._remote_stopped()

    def on_control(self, message: ContentStarted | ContentStopped) -> None:
        match message:
            case ContentStarted(kind=kind):
                if kind not in ContentKind.__members__.values():
                    logger.warning("%s < unknown content kind %r", self._session_id, kind)
                    return
                self._remote_kind = ContentKind(kind)
                self._emit(RemoteContentChanged(self._session_id, self._remote_kind))
            case ContentStopped():
                self._remote_stopped()

    # --- The content track --------------------------------------------------------------------

    async def start_content(self, source: ContentSource, kind: ContentKind) -> bool:
        """Share `source`, replacing any earlier one; this takes ownership of it.

        False when the current peer has no content track (it is shared once one has).
        """
        await self.stop_content()
        self._content = (source, kind)
        if self._peer is None or not self._peer.start_content(source.track()):
            return False
        self._send_control(ContentStarted(kind=kind))
        return True

    async def stop_content(self) -> None:
        content, self._content = self._content, None
        if content is None:
            return
        if self._peer is not None:
            self._peer.stop_content()
        self._send_control(ContentStopped())
        await asyncio.to_thread(content[0].close)

    async def source_ended(self, peer: Peer) -> None:
        """The current peer's content feed saw its source end by itself."""
        if peer is not self._peer or self._content is None:
            return
        # A screen capture says why it stopped (e.g. the shared window closed); others do not.
        reason = getattr(self._content[0], "ended_because", None)
        await self.stop_content()
        self._emit(LocalContentEnded(self._session_id, reason or "the content source stopped"))

    # --- Document pages -----------------------------------------------------------------------

    async def show_document_page(
        self, document: Document, index: int, doc_id: str, size: tuple[int, int]
    ) -> TransferOutcome:
        """Show page `index` encoded for a display of `size` in a format the kiosk accepts, then
        send its neighbours ahead (staff)."""
        viewer = self.viewer
        formats = None if viewer is None else viewer.formats
        self._cancel_sending_ahead()  # the last page's neighbours may not be this one's
        shown = ShownPage(doc_id, index, document.page_count, document, size)
        self._shown = shown
        self._detail.page_shown(shown)
        encoded = await self._rendered.page(doc_id, document, index, size, formats)
        if self._shown is not shown:
            return TransferOutcome.SUPERSEDED  # a later flip overtook this one while it rendered
        return await self.show_page(doc_id, index, document.page_count, encoded)

    async def show_page(
        self, doc_id: str, page: int, page_count: int, encoded: EncodedPage
    ) -> TransferOutcome:
        """Send a page (staff); it is sent again to a rebuilt peer.

        CLOSED means the content channel is not open yet: the page goes as soon as it opens.
        """
        self._last_page = OutgoingPage(doc_id, page, page_count, encoded)
        if self._shown is not None and (self._shown.doc_id, self._shown.index) != (doc_id, page):
            self._shown = None  # a page from elsewhere: no document to render a region from
            self._detail.page_shown(None)
        if self._pages is None:
            return TransferOutcome.CLOSED
        outcome = await self._pages.send_page(doc_id, page, page_count, encoded)
        shown = self._shown
        if (
            outcome is TransferOutcome.SENT
            and shown is not None
            and (shown.doc_id, shown.index) == (doc_id, page)
        ):
            # This page of a document is on screen, first shown or shown again to a rebuilt
            # peer: its neighbours go ahead.
            self._cancel_sending_ahead()  # an earlier send of this page may have started one
            self._sending_ahead = asyncio.get_running_loop().create_task(
                self._send_neighbours_ahead(shown)
            )
        return outcome

    def send_marks(self, doc_id: str, page: int, marks: list[Mark]) -> None:
        if self._pages is not None:
            self._pages.send_marks(doc_id, page, marks)

    def clear_marks(self, doc_id: str, page: int) -> None:
        if self._pages is not None:
            self._pages.clear_marks(doc_id, page)

    def focus(self, doc_id: str, page: int, region: Region) -> None:
        """Ask the kiosk to zoom so `region` of the page fills its view (staff)."""
        if self._pages is not None:
            self._pages.send_focus(doc_id, page, region)

    def close_document(self, doc_id: str) -> None:
        self._cancel_sending_ahead()
        self._rendered.forget(doc_id)
        if self._last_page is not None and self._last_page.doc_id == doc_id:
            self._last_page = None
        if self._shown is not None and self._shown.doc_id == doc_id:
            self._shown = None
            self._detail.page_shown(None)
        if self._pages is not None:
            self._pages.close_document(doc_id)

    async def close(self) -> None:
        """At the end of the call: stop sharing and forget the page."""
        ahead, self._sending_ahead = self._sending_ahead, None
        tasks = [*self._sending, *([ahead] if ahead is not None else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._detail.close()
        await self._rendered.close()
        await self.peer_closed()
        await self.stop_content()
        self._last_page = None
        self._shown = None

    def _remote_stopped(self) -> None:
        if self._remote_kind is not None:
            self._remote_kind = None
            self._remote_content.clear()
            self._emit(RemoteContentChanged(self._session_id, None))

    def _emit_document(self, event: ContentEvent | ViewerEvent) -> None:
        if (
            isinstance(event, PageRejected)
            and event.reason == NOT_HELD
            and self._pages is not None
            and event.transfer == self._pages.last_shown
            and self._last_page is not None
        ):
            # The kiosk does not hold a page it was asked to show (it keeps fewer than it said):
            # send that page in full instead.
            logger.info("%s = the kiosk did not hold the page; sending it again", self._session_id)
            self._spawn_send(self._last_page)
            return
        if isinstance(event, Viewer):
            self._viewer_announced(event)
        elif isinstance(event, View):
            viewer = self.viewer
            self._detail.viewed(event, None if viewer is None else viewer.formats)
        self._emit(DocumentEvent(self._session_id, event))

    def _viewer_announced(self, viewer: Viewer) -> None:
        # The kiosk draws pages into a new size (a layout change, large text): the page on screen
        # is rendered again for it, so it stays 1:1, and renders for the old size are dropped.
        size = (viewer.width, viewer.height)
        self._rendered.keep_only_size(size)
        shown = self._shown
        if shown is not None and shown.size != size:
            logger.info("%s = the kiosk draws pages at %dx%d now", self._session_id, *size)
            task = asyncio.get_running_loop().create_task(self._show_again(shown, size))
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)

    async def _show_again(self, shown: ShownPage, size: tuple[int, int]) -> TransferOutcome:
        try:
            return await self.show_document_page(shown.document, shown.index, shown.doc_id, size)
        except DocumentError as error:  # closed meanwhile, say: the next flip tells staff
            logger.info("%s = page %d not shown again: %s", self._session_id, shown.index, error)
            return TransferOutcome.SUPERSEDED

    async def _send_region(self, request: DetailRequest, encoded: EncodedPage) -> TransferOutcome:
        pages, shown = self._pages, request.shown
        if pages is None:
            return TransferOutcome.CLOSED
        return await pages.send_region(
            shown.doc_id, shown.index, shown.page_count, request.region, encoded
        )

    async def _send_neighbours_ahead(self, shown: ShownPage) -> None:
        # Rendering competes with the page's transfer for this process's CPU (the SCTP stack is
        # Python), so the neighbours wait until the kiosk has the page: a cold flip is a third
        # faster (docs/performance.md).
        pages = self._pages
        if pages is not None and pages.last_shown is not None:
            await pages.answered(pages.last_shown, within=AHEAD_AFTER_AT_MOST)
        document, index, doc_id, size = shown.document, shown.index, shown.doc_id, shown.size
        viewer = self.viewer  # by now it has announced itself, also on a rebuilt peer
        formats = None if viewer is None else viewer.formats
        ahead: dict[int, EncodedPage] = {}
        for step in NEIGHBOURS:
            neighbour = index + step
            if not 0 <= neighbour < document.page_count:
                continue
            try:
                ahead[neighbour] = await self._rendered.page(
                    doc_id, document, neighbour, size, formats
                )
            except DocumentError as error:
                logger.debug("%s = page %d not sent ahead: %s", self._session_id, neighbour, error)
                continue
            if self._pages is None:
                return
            # Each page goes as soon as it is rendered; the sender skips what the kiosk holds.
            self._pages.send_ahead(doc_id, document.page_count, ahead)

    def _cancel_sending_ahead(self) -> None:
        if self._sending_ahead is not None:
            self._sending_ahead.cancel()
            self._sending_ahead = None
        if self._pages is not None:
            self._pages.cancel_ahead()

    def _spawn_send(self, page: OutgoingPage) -> None:
        task = asyncio.get_running_loop().create_task(
            self.show_page(page.doc_id, page.page, page.page_count, page.encoded)
        )
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)
