"""What one end shows the other during a call, kept across peer rebuilds.

Two things travel besides the camera (design.md, "Content"):

- The **content video track**: a screen share from staff, or a kiosk's document camera. Starting
  and stopping replaces the content sender's track (`Peer.start_content` / `stop_content`), and
  each change is announced on the control channel (`content_started` / `content_stopped`), since
  an empty track and a stalled one look alike from the other end.
- **Document pages and marks** over the "content" data channel (call.document_share): staff send
  with a `PageSender`, the kiosk receives with a `PageReceiver` and announces its display size.
  Staff pages come encoded from a `PageCache`, which renders the neighbours of each page ahead.

`Sharing` belongs to one `CallSession` and outlives its peers: when the session builds a new
peer, the shared source gets a new track on it, is announced again, and the last page shown is
sent again, so a rebuild costs the citizen a pause, not the document.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from aiortc import RTCDataChannel
from aiortc.mediastreams import MediaStreamTrack

from call.bridge import LatestFrame
from call.control_channel import ContentKind, ContentStarted, ContentStopped, ControlMessage
from call.document import Document, EncodedPage
from call.document_share import (
    ContentEvent,
    Mark,
    PageReceiver,
    PageSender,
    TransferOutcome,
    Viewer,
    ViewerEvent,
)
from call.page_cache import PageCache
from call.peer import Peer

logger = logging.getLogger(__name__)


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


SharingEvent = RemoteContentChanged | LocalContentEnded | DocumentEvent


@dataclass(frozen=True, slots=True)
class _Page:
    doc_id: str
    page: int
    page_count: int
    encoded: EncodedPage


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
    ) -> None:
        self._session_id = session_id
        self._staff = staff
        self._emit = emit
        self._remote_content = remote_content
        self._viewer_size = viewer_size
        self._peer: Peer | None = None
        self._send_control: Callable[[ControlMessage], bool] = lambda message: False
        self._content: tuple[ContentSource, ContentKind] | None = None
        self._remote_kind: ContentKind | None = None
        self._pages: PageSender | None = None
        self._viewer: PageReceiver | None = None
        self._last_page: _Page | None = None
        self._sending: set[asyncio.Task[TransferOutcome]] = set()
        self.pages_ahead = PageCache()

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
                page = self._last_page
                self._spawn_send(page)
        else:
            self._viewer = PageReceiver(channel, self._emit_document)
            self._viewer.announce_viewer(*self._viewer_size)

    async def peer_closed(self) -> None:
        viewer = self._viewer
        self._peer, self._pages, self._viewer = None, None, None
        self._send_control = lambda message: False
        if viewer is not None:
            await viewer.close()
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
        await self.stop_content()
        self._emit(LocalContentEnded(self._session_id, "the content source stopped"))

    # --- Document pages -----------------------------------------------------------------------

    async def encoded_page(
        self, document: Document, index: int, doc_id: str, size: tuple[int, int]
    ) -> EncodedPage:
        """Page `index` encoded for a display of `size` in a format the kiosk accepts (staff)."""
        viewer = self.viewer
        formats = None if viewer is None else viewer.formats
        return await self.pages_ahead.page(doc_id, document, index, size, formats)

    async def show_page(
        self, doc_id: str, page: int, page_count: int, encoded: EncodedPage
    ) -> TransferOutcome:
        """Send a page (staff); it is sent again to a rebuilt peer.

        CLOSED means the content channel is not open yet: the page goes as soon as it opens.
        """
        self._last_page = _Page(doc_id, page, page_count, encoded)
        if self._pages is None:
            return TransferOutcome.CLOSED
        return await self._pages.send_page(doc_id, page, page_count, encoded)

    def send_marks(self, doc_id: str, page: int, marks: list[Mark]) -> None:
        if self._pages is not None:
            self._pages.send_marks(doc_id, page, marks)

    def clear_marks(self, doc_id: str, page: int) -> None:
        if self._pages is not None:
            self._pages.clear_marks(doc_id, page)

    def close_document(self, doc_id: str) -> None:
        self.pages_ahead.forget(doc_id)
        if self._last_page is not None and self._last_page.doc_id == doc_id:
            self._last_page = None
        if self._pages is not None:
            self._pages.close_document(doc_id)

    async def close(self) -> None:
        """At the end of the call: stop sharing and forget the page."""
        for task in list(self._sending):
            task.cancel()
        await asyncio.gather(*self._sending, return_exceptions=True)
        await self.pages_ahead.close()
        await self.peer_closed()
        await self.stop_content()
        self._last_page = None

    def _remote_stopped(self) -> None:
        if self._remote_kind is not None:
            self._remote_kind = None
            self._remote_content.clear()
            self._emit(RemoteContentChanged(self._session_id, None))

    def _emit_document(self, event: ContentEvent | ViewerEvent) -> None:
        self._emit(DocumentEvent(self._session_id, event))

    def _spawn_send(self, page: _Page) -> None:
        task = asyncio.get_running_loop().create_task(
            self.show_page(page.doc_id, page.page, page.page_count, page.encoded)
        )
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)
