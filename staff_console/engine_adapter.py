"""The real call engine behind `EnginePort`: call.engine on its network thread, via call.bridge.

Commands go out with `EngineBridge.command` and never block the GUI thread. The engine's events
land in a bounded outbox; `events_ready` (emitted on the network thread, delivered queued on
the GUI thread) tells the app to `drain()` them, translated into the console's own events.
A new engine is made for each login, since the engine's link owns the credentials.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from PyQt6.QtCore import QObject, pyqtSignal

from call import account
from call.audio_meter import AudioLevel, AudioSide
from call.audio_meter import SpeakingChanged as EngineSpeakingChanged
from call.bridge import EngineBridge, EventOutbox
from call.content_messages import (
    Highlight,
    Mark,
    PageRejected,
    PageShown,
    PenStroke,
    Pointer,
    View,
    Viewer,
)
from call.devices import Device, DeviceChanged, MediaSettings
from call.document import Document, open_document, still_document
from call.engine import Engine, EngineEvent, EngineSettings, HubMessage, LinkChanged
from call.link import Credentials, LinkConnected, LinkDisconnected, LinkFailed
from call.screen import WINDOW_CLOSED, Region, ScreenSettings
from call.session import (
    CallSettings,
    CallState,
    CallStateChanged,
    CallStatsUpdated,
    PaperAsked,
    PhraseReceived,
    TextReceived,
)
from call.session import InkCleared as EngineInkCleared
from call.session import InkReceived as EngineInkReceived
from call.session import PadChanged as EnginePadChanged
from call.sharing import DocumentEvent, LocalContentEnded, PaperReceived, PaperSent
from call.sharing import RemoteContentChanged as EngineContentChanged
from signaling import protocol as p
from staff_console.core.engine_port import (
    CallPhase,
    CallPhaseChanged,
    CallQuality,
    CameraHealth,
    CitizenSpeaking,
    CitizenViewChanged,
    CommandFailed,
    ConsoleEvent,
    HighlightMark,
    HubConnected,
    HubDisconnected,
    HubRefused,
    InkChanged,
    InkCleared,
    PadChanged,
    PageDelivered,
    PageMark,
    PaperArrived,
    PasswordRefused,
    PenMark,
    PhraseHeard,
    PointerMark,
    RemoteContentChanged,
    Rgb,
    ScreenArea,
    SharingEnded,
    TextHeard,
    ViewerChanged,
)

logger = logging.getLogger(__name__)

_PHASES = {
    CallState.CONNECTING: CallPhase.CONNECTING,
    CallState.CONNECTED: CallPhase.CONNECTED,
    CallState.RECONNECTING: CallPhase.RECONNECTING,
    CallState.LOST: CallPhase.LOST,
}
_Event = EngineEvent | ConsoleEvent
STAFF_INK = "#005AFF"  # CUD blue (0, 90, 255): staff's ink on the kiosk's writing pad
_Bridge = EngineBridge[Engine, _Event]


class EngineAdapter(QObject):
    """`EnginePort` and `FrameSource` on the real engine; one engine per login."""

    events_ready = pyqtSignal()
    _password_changed = pyqtSignal(str, str, str)  # server, username, the new password

    def __init__(
        self,
        *,
        app_version: str = "",
        media: MediaSettings | None = None,
        call: CallSettings | None = None,
        ca_file: str | None = None,
        backoff_initial: float = 0.5,
        backoff_max: float = 15.0,
    ) -> None:
        """`ca_file`: a city's private CA (PEM), trusted for the hub and TURN over TLS."""
        super().__init__()
        self._app_version = app_version
        self._ca_file = ca_file
        self._media = media or MediaSettings()
        self._call = call or CallSettings()
        self._backoff = (backoff_initial, backoff_max)
        self._bridge: _Bridge | None = None
        self._outbox: EventOutbox[_Event] = EventOutbox(on_ready=self.events_ready.emit)
        self._documents: dict[str, Document] = {}  # touched on the network thread only
        self._last_page: tuple[str, int] | None = None
        # The citizen's stills of this call, by paper id, only in memory (GUI thread).
        self._papers: dict[str, Image.Image] = {}
        self._password_changed.connect(self.login)  # queued onto the GUI thread

    @property
    def engine(self) -> Engine | None:
        return None if self._bridge is None else self._bridge.engine

    # --- EnginePort: the session ------------------------------------------------------------------

    def login(self, server: str, username: str, password: str) -> None:
        self.logout()
        settings = EngineSettings(
            url=server,
            app="madoguchi-console",
            app_version=self._app_version,
            media=self._media,
            call=self._call,
            ca_file=self._ca_file,
            backoff_initial=self._backoff[0],
            backoff_max=self._backoff[1],
        )
        try:
            credentials = Credentials(username=username, password=password)
            bridge: _Bridge = EngineBridge(
                lambda emit: Engine(settings, credentials, emit), self._outbox
            )
            bridge.start()
        except (ValueError, OSError, TimeoutError) as error:  # a bad URL, no network thread
            logger.warning("= cannot start the engine for %s: %s", server, error)
            self._outbox.put(HubRefused(p.ErrorCode.BAD_MESSAGE, str(error)))
            return
        self._bridge = bridge

    def change_password(self, server: str, username: str, password: str, new_password: str) -> None:
        self.logout()

        def change() -> None:  # a plain HTTPS request, off the GUI thread
            try:
                account.change_password(
                    server, username, password, new_password, ca_file=self._ca_file
                )
            except account.PasswordChangeError as refused:
                logger.warning("= password change refused: %s", refused.reason)
                self._outbox.put(PasswordRefused(refused.reason, refused.message))
                return
            logger.info("= the temporary password was replaced; logging in")
            self._password_changed.emit(server, username, new_password)

        threading.Thread(target=change, name="password-change", daemon=True).start()

    def logout(self) -> None:
        bridge, self._bridge = self._bridge, None
        if bridge is not None:
            bridge.close()
        self._documents.clear()

    def set_presence(self, presence: p.Presence) -> None:
        self._run("set_presence", lambda e: e.set_presence(presence))

    def accept(self, session_id: str) -> None:
        self._run("accept", lambda e: e.accept(session_id))

    def accept_next(self) -> None:
        self._run("accept_next", lambda e: e.accept_next())

    def transfer(self, department_id: str, note: str) -> None:
        self._run("transfer", lambda e: e.transfer(department_id, note))

    def hang_up(self) -> None:
        self._run("hang_up", lambda e: e.hang_up())

    def wrap_up(self, session_id: str, outcome_code: str, note: str) -> None:
        self._run("wrap_up", lambda e: e.wrap_up(outcome_code, note, session_id))

    # --- EnginePort: the call ---------------------------------------------------------------------

    def send_text(self, text: str, language: str = "ja") -> None:
        self._run("send_text", lambda e: e.send_text(text, language))

    def show_page(self, path: Path, doc_id: str, page: int) -> None:
        self._last_page = (doc_id, page)

        async def show(engine: Engine) -> None:
            document = self._documents.get(doc_id)
            if document is None:
                document = await asyncio.to_thread(open_document, path)
                self._documents[doc_id] = document
            await engine.show_document_page(document, page, doc_id)

        self._run("show_page", show)

    def send_marks(self, doc_id: str, page: int, marks: Sequence[PageMark]) -> None:
        wire = [_wire_mark(mark) for mark in marks]
        self._run("send_marks", lambda e: e.send_marks(doc_id, page, wire))

    def clear_marks(self, doc_id: str, page: int) -> None:
        self._run("clear_marks", lambda e: e.clear_marks(doc_id, page))

    def close_document(self, doc_id: str) -> None:
        async def close(engine: Engine) -> None:
            document = self._documents.pop(doc_id, None)
            if document is not None:
                document.close()
            if engine.call is not None:
                await engine.close_document(doc_id)

        self._run("close_document", close)

    def focus(self, doc_id: str, page: int, box: tuple[float, float, float, float]) -> None:
        self._run("focus", lambda e: e.focus(doc_id, page, box))

    def ask_for_paper(self) -> None:
        self._run("ask_for_paper", lambda e: e.ask_for_paper())

    def show_paper(self, paper_id: str) -> None:
        image = self._papers.get(paper_id)
        if image is None:
            self._outbox.put(CommandFailed("show_paper", f"no paper {paper_id} in this call"))
            return
        self._last_page = (paper_id, 0)

        async def show(engine: Engine) -> None:
            document = self._documents.get(paper_id)
            if document is None:
                document = still_document(image, paper_id)
                self._documents[paper_id] = document
            await engine.show_document_page(document, 0, paper_id)

        self._run("show_paper", show)

    def send_ink(self, stroke_id: str, points: Sequence[tuple[float, float]]) -> None:
        stroke = list(points)  # a copy: the caller's list may grow on the GUI thread
        self._run("send_ink", lambda e: e.send_ink(stroke_id, stroke, STAFF_INK))

    def clear_ink(self) -> None:
        self._run("clear_ink", lambda e: e.clear_ink())

    def set_pad_open(self, open: bool) -> None:
        self._run("set_pad_open", lambda e: e.set_pad_open(open))

    def share_screen(self, area: ScreenArea) -> None:
        region = None if area.region is None else Region(*area.region)
        # Fitted to the kiosk's content area, so the kiosk draws the share 1:1.
        settings = ScreenSettings(
            monitor=area.monitor, region=region, window=area.window, fit_viewer=True
        )

        async def share(engine: Engine) -> None:
            try:
                started = await engine.start_screen_share(settings)
            except Exception as error:  # the capture could not start: say so, stay in the call
                self._outbox.put(SharingEnded(str(error)))
                return
            if not started:
                self._outbox.put(SharingEnded("not connected"))

        self._run("share_screen", share)

    def stop_sharing(self) -> None:
        self._run("stop_sharing", lambda e: e.stop_content())

    def set_muted(self, muted: bool) -> None:
        self._run("set_muted", lambda e: e.set_microphone_muted(muted))

    def set_camera_enabled(self, enabled: bool) -> None:
        self._run("set_camera_enabled", lambda e: e.set_camera_paused(not enabled))

    # --- FrameSource -----------------------------------------------------------------------------

    def remote_camera(self) -> Rgb | None:
        engine = self.engine
        frame = None if engine is None else engine.remote_camera.latest()
        return None if frame is None else frame.rgb

    def remote_content(self) -> Rgb | None:
        engine = self.engine
        frame = None if engine is None else engine.remote_content.latest()
        return None if frame is None else frame.rgb

    def self_view(self) -> Rgb | None:
        engine = self.engine
        frame = None if engine is None else engine.devices.self_view()
        return None if frame is None else frame.rgb()

    # --- Events ----------------------------------------------------------------------------------

    def drain(self) -> list[ConsoleEvent | p.ServerMessage]:
        """The events that arrived since the last drain, as the controller takes them."""
        translated: list[ConsoleEvent | p.ServerMessage] = []
        for event in self._outbox.drain():
            console = self._translate(event)
            if console is not None:
                translated.append(console)
        return translated

    def _translate(self, event: _Event) -> ConsoleEvent | p.ServerMessage | None:
        match event:
            case LinkChanged(event=LinkConnected(welcome=welcome)):
                return HubConnected(welcome)
            case LinkChanged(event=LinkDisconnected(reason=reason)):
                return HubDisconnected(reason)
            case LinkChanged(event=LinkFailed(code=code, message=message)):
                return HubRefused(code, message)
            case LinkChanged():
                return None
            case HubMessage(message=message):
                if isinstance(message, p.SessionEnded | p.SessionTransferred):
                    self._last_page = None
                    self._forget_papers()
                return message
            case DeviceChanged(device=Device.CAMERA, health=health, message=message):
                return CameraHealth(health, message)
            case DeviceChanged():
                return None
            case CallStateChanged(session_id=session_id, state=state, reason=reason):
                phase = _PHASES.get(state)
                return None if phase is None else CallPhaseChanged(session_id, phase, reason)
            case CallStatsUpdated(session_id=session_id, stats=stats):
                return CallQuality(session_id, stats.rtt_ms, stats.tracks)
            case TextReceived(session_id=session_id, text=text):
                return TextHeard(session_id, text)
            case PhraseReceived(session_id=session_id, phrase=phrase):
                return PhraseHeard(session_id, phrase.value)
            case EngineInkReceived(session_id=session_id, stroke_id=stroke_id, points=points):
                return InkChanged(session_id, stroke_id, points, event.color)
            case EngineInkCleared(session_id=session_id):
                return InkCleared(session_id)
            case EnginePadChanged(session_id=session_id, open=is_open):
                return PadChanged(session_id, is_open)
            case EngineContentChanged(session_id=session_id, kind=kind):
                return RemoteContentChanged(session_id, None if kind is None else kind.value)
            case LocalContentEnded(reason=reason):
                return SharingEnded(reason, window_closed=reason == WINDOW_CLOSED)
            case DocumentEvent(event=PageShown() | PageRejected() as answer):
                if self._last_page is None:
                    return None
                doc_id, page = self._last_page
                if isinstance(answer, PageShown):
                    return PageDelivered(doc_id, page, True)
                return PageDelivered(doc_id, page, False, answer.reason)
            case DocumentEvent(event=Viewer(width=width, height=height, mm_per_px=mm_per_px)):
                return ViewerChanged(width, height, mm_per_px)
            case DocumentEvent(event=View() as view):
                return CitizenViewChanged(
                    view.doc_id, view.page, view.box, view.width_px, view.height_px
                )
            case DocumentEvent():
                return None
            case PaperReceived(session_id=session_id, paper_id=paper_id, image=image):
                self._papers[paper_id] = image
                return PaperArrived(session_id, paper_id, np.asarray(image, dtype=np.uint8))
            case PaperAsked() | PaperSent():
                return None  # only kiosks are asked, and send
            case EngineSpeakingChanged(side=AudioSide.REMOTE, speaking=speaking):
                return CitizenSpeaking(speaking)
            case AudioLevel() | EngineSpeakingChanged():
                return None  # the console shows no meters, nor its own voice
            case _:
                return event  # already a console event (from a command's outcome)

    def _forget_papers(self) -> None:
        """The call is over: its stills go from memory, here and on the network thread."""
        papers = list(self._papers)
        self._papers.clear()

        async def close(engine: Engine) -> None:
            for paper_id in papers:
                document = self._documents.pop(paper_id, None)
                if document is not None:
                    document.close()

        if papers:
            self._run("forget_papers", close)

    def _run(self, name: str, fn: Callable[[Engine], Coroutine[Any, Any, Any]]) -> None:
        bridge = self._bridge
        if bridge is None:
            self._outbox.put(CommandFailed(name, "not logged in"))
            return
        future = bridge.command(fn)
        future.add_done_callback(lambda done: self._on_command_done(name, done))

    def _on_command_done(self, name: str, future: concurrent.futures.Future[Any]) -> None:
        if future.cancelled():
            return
        error = future.exception()
        if error is not None:
            logger.warning("= %s failed: %r", name, error)
            self._outbox.put(CommandFailed(name, str(error) or type(error).__name__))


def _wire_mark(mark: PageMark) -> Mark:
    match mark:
        case PointerMark(x=x, y=y, visible=visible):
            return Pointer(x=x, y=y, visible=visible)
        case HighlightMark(id=mark_id, x=x, y=y, width=width, height=height):
            return Highlight(id=mark_id, x=x, y=y, width=width, height=height)
        case PenMark(id=mark_id, points=points):
            return PenStroke(id=mark_id, points=list(points))
