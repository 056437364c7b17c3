"""`EnginePort` and `MediaFeeds` on the real call engine (call.engine behind call.bridge).

Commands go out with `EngineBridge.command` and never block the GUI thread; a command that
fails is logged, and the hub's next state tells the controller what is true. The engine's
events land in a bounded outbox; `events_ready` (emitted on the network thread, delivered
queued on the GUI thread) tells the app to `drain()` them, translated into kiosk events.

The engine's media controls back the kiosk's: the volume - / + set the speaker volume, the
mute button the microphone switch; the microphone's `AudioLevel` feeds the ready screen's bar
(polled through `microphone_level`), and `SpeakingChanged` for either side becomes the kiosk's
`SpeakingChanged` (staff = the remote side, citizen = the local one). The document camera
(書画カメラ) is a second `CameraCapture` sent as the call's content track
(`ContentKind.DOCUMENT_CAMERA`).

Document pages show 1:1: the kiosk announces the size it really draws pages into
(`announce_viewer`, remembered for a new engine too) and reports what part of the page the
citizen sees (`report_view`); a sharper render of that part arrives as a `PageShown` with a
`region`, and staff's "look here" as `FocusRequested` (docs/content-channel.md).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import replace
from typing import Any, Final

import msgspec
import numpy as np
from PyQt6.QtCore import QObject, pyqtSignal

from call.audio_meter import SILENCE_DBFS, AudioLevel, AudioSide
from call.audio_meter import SpeakingChanged as EngineSpeakingChanged
from call.bridge import EngineBridge, EventOutbox
from call.camera import CameraCapture, CameraSettings
from call.camera_modes import CameraMode
from call.content_messages import ClearMarks, Focus, Marks, View
from call.content_messages import DocumentClosed as EngineDocumentClosed
from call.control_messages import ContentKind, QuickPhrase
from call.devices import Device, DeviceChanged, MediaSettings
from call.engine import Engine, EngineEvent, EngineSettings, HubMessage, LinkChanged
from call.frame_rate import MIN_LIVE_FPS
from call.link import Credentials, LinkConnected, LinkDisconnected, LinkFailed
from call.page_receiver import PageReady
from call.session import (
    CallSettings,
    CallState,
    CallStateChanged,
    InkCleared,
    InkReceived,
    PadChanged,
    PaperAsked,
    TextReceived,
)
from call.sharing import KEEP_PAGES, DocumentEvent, PaperSent, RemoteContentChanged
from kiosk.core import engine_port as k
from signaling import protocol as p

logger = logging.getLogger(__name__)

APP_NAME: Final = "madoguchi-kiosk"
_MEDIA = {
    CallState.CONNECTING: k.CallMedia.CONNECTING,
    CallState.CONNECTED: k.CallMedia.CONNECTED,
    CallState.RECONNECTING: k.CallMedia.RECONNECTING,
    CallState.LOST: k.CallMedia.LOST,
}
CAPABILITIES: Final = k.Capabilities(volume=True, mute=True, microphone_level=True)
LEVEL_FLOOR_DBFS: Final = -60.0  # the bar's empty end: room noise, well below speech
_Bridge = EngineBridge[Engine, EngineEvent]


class EngineAdapter(QObject):
    """The kiosk's engine: one `Engine` on its network thread, made anew after a refusal."""

    events_ready = pyqtSignal()

    def __init__(
        self,
        url: str,
        token: str,
        *,
        app_version: str = "",
        media: MediaSettings | None = None,
        call: CallSettings | None = None,
        ca_file: str | None = None,
        document_camera: str = "",
        document_camera_mode: CameraMode | None = None,
        keep_pages: int = KEEP_PAGES,
        mm_per_px: float | None = None,
        backoff_initial: float = 0.5,
        backoff_max: float = 15.0,
    ) -> None:
        """`mm_per_px` is the panel's pixel pitch, which staff use to judge its text size."""
        super().__init__()
        self._settings = EngineSettings(
            url=url,
            app=APP_NAME,
            app_version=app_version,
            media=media or MediaSettings(),
            call=call or CallSettings(),
            ca_file=ca_file,
            backoff_initial=backoff_initial,
            backoff_max=backoff_max,
            keep_pages=keep_pages,
            mm_per_px=mm_per_px,
        )
        self._token = token
        self._document_camera = document_camera
        self._document_camera_mode = document_camera_mode  # None: the best the device offers
        # The 書画カメラ while it is on, so the citizen sees what staff see (read from any thread).
        self._document_capture: CameraCapture | None = None
        self._outbox: EventOutbox[EngineEvent] = EventOutbox(on_ready=self.events_ready.emit)
        self._bridge: _Bridge | None = None
        self._health = {device: p.DeviceHealth.OK for device in Device}
        self._speaking = {AudioSide.LOCAL: False, AudioSide.REMOTE: False}
        self._microphone_dbfs = SILENCE_DBFS  # GUI thread only, set by drain

    @property
    def capabilities(self) -> k.Capabilities:
        return CAPABILITIES

    @property
    def engine(self) -> Engine | None:
        return None if self._bridge is None else self._bridge.engine

    def start(self) -> None:
        """Start the network thread and the engine; the link connects by itself."""
        credentials = Credentials(token=self._token)
        settings = self._settings  # with the viewer size last announced, for a new engine too
        bridge: _Bridge = EngineBridge(
            lambda emit: Engine(settings, credentials, emit), self._outbox
        )
        bridge.start()
        self._bridge = bridge

    def close(self) -> None:
        bridge, self._bridge = self._bridge, None
        if bridge is not None:
            bridge.close()

    # --- EnginePort -----------------------------------------------------------------------------

    def request_consultation(self, category_id: str, language: str) -> None:
        self._run("request_consultation", lambda e: e.request_consultation(category_id, language))

    def cancel_request(self) -> None:
        self._run("cancel_request", lambda e: e.cancel_request())

    def hang_up(self) -> None:
        self._run("hang_up", lambda e: e.hang_up())

    def submit_survey(self, session_id: str, score: int) -> None:
        self._run("submit_survey", lambda e: e.submit_survey(score, session_id))

    def send_phrase(self, phrase: QuickPhrase) -> None:
        self._run("send_phrase", lambda e: e.send_phrase(phrase))

    def set_activity(self, activity: p.KioskActivity) -> None:
        self._run("set_activity", lambda e: e.set_activity(activity))

    def set_volume(self, volume: float) -> None:
        self._run("set_volume", lambda e: e.set_speaker_volume(volume))

    def set_muted(self, muted: bool) -> None:
        self._run("set_muted", lambda e: e.set_microphone_muted(muted))

    def set_document_camera(self, on: bool) -> None:
        device = self._document_camera
        if not device:
            return

        async def switch(engine: Engine) -> None:
            if engine.call is None:
                return
            if not on:
                self._document_capture = None
                await engine.stop_content()
                return
            settings = CameraSettings(device=_device(device), min_fps=MIN_LIVE_FPS)
            capture = CameraCapture(settings.with_mode(self._document_camera_mode))
            await asyncio.to_thread(capture.start)
            self._document_capture = capture
            await engine.start_content(capture, ContentKind.DOCUMENT_CAMERA)

        self._run("set_document_camera", switch)

    def send_paper(self) -> None:
        self._run("send_paper", lambda e: e.send_paper())

    def send_ink(self, stroke_id: str, points: Sequence[tuple[float, float]]) -> None:
        stroke = list(points)  # a copy: the caller's list may grow on the GUI thread
        self._run("send_ink", lambda e: e.send_ink(stroke_id, stroke))

    def clear_ink(self) -> None:
        self._run("clear_ink", lambda e: e.clear_ink())

    def set_pad_open(self, open: bool) -> None:
        self._run("set_pad_open", lambda e: e.set_pad_open(open))

    def announce_viewer(self, width: int, height: int) -> None:
        self._settings = replace(self._settings, viewer_size=(width, height))
        self._run("announce_viewer", lambda e: e.announce_viewer(width, height))

    def report_view(
        self, doc_id: str, page: int, box: k.Box, width_px: int, height_px: int
    ) -> None:
        x, y, width, height = box
        fields = {"doc_id": doc_id, "page": page, "x": x, "y": y, "width": width}
        fields |= {"height": height, "width_px": width_px, "height_px": height_px}
        try:
            view = msgspec.convert(fields, View)
        except msgspec.ValidationError as error:  # a bug on this side: the view is not sent
            logger.warning("= report_view dropped: %s", error)
            return
        self._run("report_view", lambda e: e.report_view(view))

    def forget_citizen(self) -> None:
        self._document_capture = None
        engine = self.engine
        if engine is not None:  # the frame holders are thread-safe
            engine.remote_camera.clear()
            engine.remote_content.clear()

    def reconnect(self) -> None:
        """After a fatal refusal the link has stopped for good: a new engine tries again."""
        self.close()
        try:
            self.start()
        except (OSError, TimeoutError, RuntimeError) as error:
            logger.warning("= the engine did not start again: %s", error)

    # --- MediaFeeds ------------------------------------------------------------------------------

    def staff_frame(self) -> k.Image8 | None:
        engine = self.engine
        frame = None if engine is None else engine.remote_camera.latest()
        return None if frame is None else frame.rgb

    def content_frame(self) -> k.Image8 | None:
        engine = self.engine
        frame = None if engine is None else engine.remote_content.latest()
        return None if frame is None else frame.rgb

    def document_camera_frame(self) -> k.Image8 | None:
        capture = self._document_capture
        frame = None if capture is None else capture.latest_frame()
        return None if frame is None else frame.rgb()

    def self_frame(self) -> k.Image8 | None:
        engine = self.engine
        frame = None if engine is None else engine.devices.self_view()
        return None if frame is None else frame.rgb()

    def microphone_level(self) -> float | None:
        """The last level drained, from 0.0 at -60 dBFS to 1.0 at full scale."""
        if self._bridge is None:
            return None
        return min(1.0, max(0.0, 1.0 - self._microphone_dbfs / LEVEL_FLOOR_DBFS))

    # --- Events ----------------------------------------------------------------------------------

    def drain(self) -> list[k.KioskEvent]:
        """The events since the last drain, as the controller takes them."""
        events = (self._translate(event) for event in self._outbox.drain())
        return [event for event in events if event is not None]

    def _translate(self, event: EngineEvent) -> k.KioskEvent | None:
        match event:
            case LinkChanged(event=LinkConnected(welcome=welcome)):
                return k.HubConnected(
                    resumed=welcome.resumed, name=welcome.display_name, site_id=welcome.site_id
                )
            case LinkChanged(event=LinkDisconnected(reason=reason)):
                return k.HubDisconnected(reason)
            case LinkChanged(event=LinkFailed(code=code)):
                return k.HubRefused(code)
            case LinkChanged():
                return None
            case HubMessage(message=message):
                return message
            case DeviceChanged(device=device, health=health):
                self._health[device] = health
                return k.DevicesChanged(
                    camera=self._health[Device.CAMERA],
                    microphone=self._health[Device.MICROPHONE],
                    speaker=self._health[Device.SPEAKER],
                    document_camera=bool(self._document_camera),
                )
            case CallStateChanged(session_id=session_id, state=state):
                media = _MEDIA.get(state)
                return None if media is None else k.CallMediaChanged(session_id, media)
            case TextReceived(session_id=session_id, text=text, language=language):
                return k.StaffText(session_id, text, language)
            case InkReceived(session_id=session_id, stroke_id=stroke_id, points=points):
                return k.InkChanged(session_id, stroke_id, points, event.color)
            case InkCleared(session_id=session_id):
                return k.InkCleared(session_id)
            case PadChanged(session_id=session_id, open=is_open):
                return k.PadChanged(session_id, is_open)
            case RemoteContentChanged(kind=kind):
                return k.ScreenShareChanged(active=kind is ContentKind.SCREEN)
            case PaperAsked():
                return k.PaperAsked()
            case PaperSent(image=image, delivered=delivered):
                return k.PaperSent(image, delivered)
            case DocumentEvent(event=PageReady() as page):
                image = np.asarray(page.image.convert("RGB"), dtype=np.uint8)
                region = None if page.region is None else page.region.box
                return k.PageShown(page.doc_id, page.page, page.page_count, image, region)
            case DocumentEvent(event=Focus(doc_id=doc_id, page=page) as focus):
                return k.FocusRequested(doc_id, page, focus.box)
            case DocumentEvent(event=Marks(doc_id=doc_id, page=page, marks=marks)):
                return k.MarksChanged(doc_id, page, tuple(marks))
            case DocumentEvent(event=ClearMarks(doc_id=doc_id, page=page)):
                return k.MarksCleared(doc_id, page)
            case DocumentEvent(event=EngineDocumentClosed(doc_id=doc_id)):
                return k.DocumentClosed(doc_id)
            case AudioLevel(side=AudioSide.LOCAL, dbfs=dbfs):
                self._microphone_dbfs = dbfs
                return None
            case EngineSpeakingChanged(side=side, speaking=speaking):
                self._speaking[side] = speaking
                return k.SpeakingChanged(
                    staff=self._speaking[AudioSide.REMOTE],
                    citizen=self._speaking[AudioSide.LOCAL],
                )
            case _:
                return None  # stats, the viewer's own answers, phrases (staff hear those)

    def devices_now(self) -> k.DevicesChanged:
        """The device health as known, for the first screen."""
        return k.DevicesChanged(
            camera=self._health[Device.CAMERA],
            microphone=self._health[Device.MICROPHONE],
            speaker=self._health[Device.SPEAKER],
            document_camera=bool(self._document_camera),
        )

    # --- Plumbing --------------------------------------------------------------------------------

    def _run(self, name: str, fn: Callable[[Engine], Coroutine[Any, Any, Any]]) -> None:
        bridge = self._bridge
        if bridge is None:
            logger.info("= %s dropped: the engine is not running", name)
            return
        future = bridge.command(fn)
        future.add_done_callback(lambda done: _log_failure(name, done))


def _device(spec: str) -> int | str:
    return int(spec) if spec.isdigit() else spec


def _log_failure(name: str, future: concurrent.futures.Future[Any]) -> None:
    if future.cancelled():
        return
    error = future.exception()
    if error is not None:
        # Refused because the state moved on (a link down, a call already over): the hub's
        # next message brings the controller up to date, so this is only logged.
        logger.warning("= %s failed: %r", name, error)
