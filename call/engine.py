"""The call engine: the hub link, the devices and the current call, behind typed commands.

An `Engine` runs on one asyncio loop (the network thread, see call.bridge) and has no Qt in it,
so the apps, the tests, the benchmarks and `madoguchi-bot` all drive the same code.

- It owns the `Link` and reacts to the hub (docs/protocol.md): `session_started` builds a
  `CallSession`; relayed negotiation goes to it; `session_transferred` and `session_ended` close
  it; `peer_link_changed` (online) and a resumed `session_started` make it resend what the hub
  refused with `peer_unavailable`.
- It owns the devices (`Devices`): one camera capture shared by the self-view and every call,
  one microphone source, one speaker, the echo canceller. A call borrows fresh tracks from them
  and closing a call never closes a device. A missing device falls back to a test pattern,
  silence or a null speaker; the fault is an event, and a kiosk reports it with `report_status`.
- The media controls (microphone mute, camera pause, speaker volume) are engine-wide and
  work with or without a call; the end of a call turns the microphone and camera back on.
  The microphone's level (as sent) and the remote audio's (as received) come out ten times a
  second as `AudioLevel`, and who is speaking as `SpeakingChanged`, only on a change.
- Everything the app needs to know comes out through the `emit` callback as an `EngineEvent`;
  remote video is in the `remote_camera` and `remote_content` frame holders.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field, replace
from importlib import metadata
from typing import Any, Final

from call.audio_meter import AudioLevel, SpeakingChanged
from call.bridge import LatestFrame
from call.content_messages import Mark, Region, View, Viewer
from call.control_messages import (
    ContentKind,
    InkClear,
    Pad,
    QuickPhrase,
    TakePaper,
    Text,
    ink_message,
)
from call.control_messages import Phrase as PhraseMessage
from call.devices import DeviceChanged, Devices, MediaSettings
from call.document import MAX_RENDER_SIDE, Document
from call.link import (
    Credentials,
    Link,
    LinkConnected,
    LinkConnecting,
    LinkDisconnected,
    LinkEvent,
    LinkFailed,
    LinkState,
)
from call.page_sender import TransferOutcome
from call.peer import ContentTuning, PeerTuning
from call.screen import ScreenCapture, ScreenSettings
from call.session import CallSession, CallSettings, CallStatsUpdated, SessionEvent
from call.sharing import KEEP_PAGES, ContentSource, DocumentEvent, PaperSent
from call.video_tuning import CONTENT_BITRATE
from signaling import protocol as p

logger = logging.getLogger(__name__)

DEFAULT_VIEWER: Final = (1920, 1080)


def installed_version() -> str:
    """Madoguchi's version as installed, which the hub shows admins ("" when not installed)."""
    try:
        return metadata.version("madoguchi")
    except metadata.PackageNotFoundError:
        return ""


@dataclass(frozen=True, slots=True)
class EngineSettings:
    """How to reach the hub and how to run calls; one per program, from its settings file."""

    url: str
    app: str = "madoguchi"
    app_version: str = field(default_factory=installed_version)
    media: MediaSettings = field(default_factory=MediaSettings)
    call: CallSettings = field(default_factory=CallSettings)
    viewer_size: tuple[int, int] = DEFAULT_VIEWER  # a kiosk's page area until it announces one
    mm_per_px: float | None = None  # a kiosk panel's pixel pitch, so staff can judge text size
    # Document pages a kiosk keeps, so staff can send the next ones ahead; 0 sends every page
    # when it is shown, for a link too slow to carry pages nobody may look at.
    keep_pages: int = KEEP_PAGES
    content_bitrate: int = CONTENT_BITRATE  # bits/s, pinned for screen share and 書画カメラ
    # A CA (PEM) trusted besides the system's, for wss:// to the hub and turns:// to coturn:
    # a city's private CA.
    ca_file: str | None = None
    backoff_initial: float = 0.5
    backoff_max: float = 15.0


@dataclass(frozen=True, slots=True)
class LinkChanged:
    state: LinkState
    event: LinkEvent


@dataclass(frozen=True, slots=True)
class HubMessage:
    """A message from the hub for the app's screens (negotiation messages are not passed on)."""

    message: p.ServerMessage


EngineEvent = LinkChanged | HubMessage | DeviceChanged | AudioLevel | SpeakingChanged | SessionEvent


class Engine:
    """Plays a kiosk or a staff console: whichever the credentials log in as."""

    def __init__(
        self,
        settings: EngineSettings,
        credentials: Credentials,
        emit: Callable[[EngineEvent], None],
        *,
        tuning: PeerTuning | None = None,
    ) -> None:
        """`tuning` defaults to `ContentTuning` at the settings' content bitrate."""
        self.settings = settings
        self.remote_camera = LatestFrame("remote camera")
        self.remote_content = LatestFrame("remote content")
        self.devices = Devices(settings.media, self._device_changed, emit)
        self._emit = emit
        self._tuning = tuning or ContentTuning(settings.content_bitrate)
        self._link = Link(
            settings.url,
            credentials,
            app=settings.app,
            app_version=settings.app_version,
            backoff_initial=settings.backoff_initial,
            backoff_max=settings.backoff_max,
            ca_file=settings.ca_file,
        )
        self._call: CallSession | None = None
        self._viewer_size = settings.viewer_size  # what a kiosk draws pages into, as announced
        self._screen: ScreenCapture | None = None  # a screen share kept fitted to the viewer
        self._role: p.Role | None = None
        self._waiting: str | None = None  # a kiosk's queued session
        self._last_session: str | None = None  # for wrap-up and the survey
        self._activity = p.KioskActivity.IDLE
        self._pump: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[None]] = set()

    @property
    def call(self) -> CallSession | None:
        return self._call

    @property
    def welcome(self) -> p.Welcome | None:
        """The hub's last welcome: who we are logged in as."""
        return self._link.welcome

    @property
    def role(self) -> p.Role | None:
        """Known once the hub has welcomed us."""
        return self._role

    async def start(self) -> None:
        await self.devices.open()
        await self._link.start()
        self._pump = asyncio.get_running_loop().create_task(self._run_pump(), name="engine pump")

    async def close(self) -> None:
        """End the call, close the link and release the devices."""
        await self._end_call("the engine closed")
        await self._link.close()
        if self._pump is not None:
            await asyncio.wait([self._pump])
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        await self.devices.aclose()

    # --- Commands: the hub --------------------------------------------------------------------

    async def request_consultation(self, category_id: str, language: str) -> None:
        await self._send(p.RequestConsultation(category_id=category_id, language=language))

    async def cancel_request(self) -> None:
        await self._send(p.CancelRequest(session_id=_required(self._waiting, "not waiting")))

    async def accept(self, session_id: str) -> None:
        await self._send(p.Accept(session_id=session_id))

    async def accept_next(self) -> None:
        await self._send(p.AcceptNext())

    async def transfer(self, department_id: str, note: str = "") -> None:
        session_id = self._require_call().session_id
        await self._send(p.Transfer(session_id=session_id, department_id=department_id, note=note))

    async def hang_up(self, reason: p.EndReason = p.EndReason.COMPLETED) -> None:
        await self._send(p.HangUp(session_id=self._require_call().session_id, reason=reason))

    async def wrap_up(
        self, outcome_code: str, note: str = "", session_id: str | None = None
    ) -> None:
        session_id = _required(session_id or self._last_session, "no call to wrap up")
        await self._send(p.WrapUp(session_id=session_id, outcome_code=outcome_code, note=note))

    async def submit_survey(self, score: int, session_id: str | None = None) -> None:
        session_id = _required(session_id or self._last_session, "no call to rate")
        await self._send(p.SubmitSurvey(session_id=session_id, score=score))

    async def set_presence(self, presence: p.Presence) -> None:
        await self._send(p.SetPresence(presence=presence))

    async def set_activity(self, activity: p.KioskActivity) -> None:
        """A kiosk's screen, reported with its device health (docs/protocol.md report_status)."""
        self._activity = activity
        await self._report_status()

    # --- Commands: the devices ----------------------------------------------------------------

    async def set_microphone_muted(self, muted: bool) -> None:
        """Send silence instead of the microphone (the track and the echo canceller keep going)."""
        self.devices.microphone_muted = muted

    async def set_camera_paused(self, paused: bool) -> None:
        """Send a still "camera off" frame instead of the picture; the camera stays open."""
        self.devices.camera_paused = paused

    async def set_speaker_volume(self, volume: float) -> None:
        """0.0 (silent) to 1.0 (unity gain) in even steps of dB; raises ValueError outside."""
        self.devices.speaker_volume = volume

    # --- Commands: the call -------------------------------------------------------------------

    async def send_text(self, text: str, language: str = "ja") -> bool:
        """Show `text`, written in `language`, large on the kiosk; False if the call is not
        connected (not sent)."""
        return self._require_call().send_control(Text(text=text, language=language))

    async def send_phrase(self, phrase: QuickPhrase) -> bool:
        return self._require_call().send_control(PhraseMessage(phrase=phrase))

    async def send_ink(
        self, stroke_id: str, points: Sequence[tuple[float, float]], color: str | None = None
    ) -> bool:
        """A stroke on the writing pad, sent again as it grows (fractions of the pad, 0..1)."""
        return self._require_call().send_control(ink_message(stroke_id, points, color))

    async def clear_ink(self) -> bool:
        """Clear the whole writing pad, both sides' strokes."""
        return self._require_call().send_control(InkClear())

    async def set_pad_open(self, open: bool) -> bool:
        """Tell the other end the writing pad opened or closed (staff: ask the kiosk to open it)."""
        return self._require_call().send_control(Pad(open=open))

    async def ask_for_paper(self) -> bool:
        """Ask the kiosk for a still of the paper under its document camera (staff: 「撮影」)."""
        return self._require_call().send_control(TakePaper())

    async def send_paper(self) -> PaperSent:
        """Send staff a straightened still of the paper under the document camera (kiosk); see
        `Sharing.send_paper`. The app hears the outcome as a `PaperSent` event too."""
        return await self._require_call().sharing.send_paper()

    async def start_screen_share(self, settings: ScreenSettings | None = None) -> bool:
        """Share a window, region or monitor; raises ScreenCaptureError when there is none.

        With `settings.fit_viewer`, frames are fitted to the kiosk's content area as its
        content channel announced it, and fitted again whenever it announces a new size.
        """
        settings = settings or ScreenSettings()
        viewer = None if self._call is None else self._call.sharing.viewer
        if settings.fit_viewer and viewer is not None:
            settings = replace(settings, target=(viewer.width, viewer.height))
        capture = ScreenCapture(settings)
        await asyncio.to_thread(capture.start)
        self._screen = capture if settings.fit_viewer else None
        return await self.start_content(capture, ContentKind.SCREEN)

    async def start_content(self, source: ContentSource, kind: ContentKind) -> bool:
        """Share any capture on the content track; the call owns it from now and closes it."""
        call = self._call
        if call is None:
            await asyncio.to_thread(source.close)
            raise p.LocalProtocolError(p.ErrorCode.INVALID_STATE, "not in a call")
        return await call.sharing.start_content(source, kind)

    async def stop_content(self) -> None:
        await self._require_call().sharing.stop_content()

    async def show_document_page(
        self, document: Document, index: int, doc_id: str
    ) -> TransferOutcome:
        """Render page `index` at the kiosk's display size and send it losslessly (staff)."""
        sharing = self._require_call().sharing
        viewer = sharing.viewer
        size = DEFAULT_VIEWER if viewer is None else (viewer.width, viewer.height)
        return await sharing.show_document_page(document, index, doc_id, size)

    async def send_marks(self, doc_id: str, page: int, marks: list[Mark]) -> None:
        self._require_call().sharing.send_marks(doc_id, page, marks)

    async def clear_marks(self, doc_id: str, page: int) -> None:
        self._require_call().sharing.clear_marks(doc_id, page)

    async def focus(self, doc_id: str, page: int, box: tuple[float, float, float, float]) -> None:
        """Ask the kiosk to zoom so `box` (x, y, width, height: fractions of the page) fills its
        view; the whole page (0, 0, 1, 1) means back to fit (staff). Raises ValueError for a box
        that is not a part of the page."""
        x, y, width, height = box
        region = Region(x=x, y=y, width=width, height=height)
        self._require_call().sharing.focus(doc_id, page, region)

    async def announce_viewer(self, width: int, height: int) -> None:
        """The size the kiosk really draws pages into: remembered, announced now if a call's
        content channel is open, and at every later open (kiosk)."""
        if not (1 <= width <= MAX_RENDER_SIDE and 1 <= height <= MAX_RENDER_SIDE):
            raise ValueError(f"viewer size {width}x{height} outside 1..{MAX_RENDER_SIDE}")
        self._viewer_size = (width, height)
        if self._call is not None:
            self._call.sharing.announce_viewer(width, height)

    async def report_view(self, view: View) -> None:
        """Tell staff what part of the page the citizen sees, once a zoom or pan settles (kiosk)."""
        if self._call is not None:
            self._call.sharing.report_view(view)

    async def close_document(self, doc_id: str) -> None:
        self._require_call().sharing.close_document(doc_id)

    # --- The hub's messages -------------------------------------------------------------------

    async def _run_pump(self) -> None:
        async for event in self._link.events():
            try:
                await self._handle(event)
            except Exception:
                # One message handled wrongly must not stop the engine hearing the next.
                logger.exception("= handling %s failed", type(event).__name__)

    async def _handle(self, event: LinkEvent | p.ServerMessage) -> None:
        if isinstance(event, LinkConnecting | LinkConnected | LinkDisconnected | LinkFailed):
            self._emit(LinkChanged(self._link.state, event))
            if isinstance(event, LinkConnected):
                await self._connected(event.welcome)
            return
        call = self._call
        match event:
            case p.SdpOffer() | p.SdpAnswer() | p.IceCandidate() | p.EndOfCandidates():
                if call is not None and call.session_id == event.session_id:
                    call.receive(event)
                else:
                    logger.info("< %s for no current call; dropped", p.type_of(event))
                return  # negotiation is the engine's business, not the app's
            case p.Queued(session_id=session_id):
                self._waiting = session_id
            case p.SessionStarted(session_id=session_id, resumed=resumed):
                self._waiting = None
                if resumed and call is not None and call.session_id == session_id:
                    call.peer_reachable()
                else:
                    await self._end_call("a new session started")
                    self._start_call(event)
            case p.SessionTransferred(session_id=session_id):
                if call is not None and call.session_id == session_id:
                    await self._end_call("transferred")
                self._last_session = session_id
            case p.SessionEnded(session_id=session_id, reason=reason):
                if call is not None and call.session_id == session_id:
                    await self._end_call(f"session ended: {reason}")
                if self._waiting == session_id:
                    self._waiting = None
                self._last_session = session_id
            case p.PeerLinkChanged(session_id=session_id, online=True):
                if call is not None and call.session_id == session_id:
                    call.peer_reachable()
            case p.Error(code=p.ErrorCode.PEER_UNAVAILABLE, session_id=session_id):
                if call is not None and call.session_id == session_id:
                    call.relay_refused(event.ref_type)
            case _:
                pass
        self._emit(HubMessage(event))

    async def _connected(self, welcome: p.Welcome) -> None:
        self._role = welcome.role
        if not welcome.resumed:
            # A fresh start: the hub ended whatever we had (docs/protocol.md, Resume).
            self._waiting = None
            await self._end_call("the hub did not resume our session")
        await self._report_status()

    def _start_call(self, started: p.SessionStarted) -> None:
        self._call = CallSession(
            started,
            staff=self._role is not p.Role.KIOSK,
            media=self.devices,
            send=self._send,
            emit=self._session_event,
            remote_camera=self.remote_camera,
            remote_content=self.remote_content,
            settings=self.settings.call,
            tuning=self._tuning,
            viewer_size=self._viewer_size,
            keep_pages=self.settings.keep_pages,
            mm_per_px=self.settings.mm_per_px,
            ca_file=self.settings.ca_file,
        )
        self._call.start()

    async def _end_call(self, reason: str) -> None:
        call, self._call = self._call, None
        self._screen = None  # the call closes it
        if call is not None:
            await call.close(reason)
            self.devices.call_ended()
        self.remote_camera.clear()
        self.remote_content.clear()

    def _session_event(self, event: SessionEvent) -> None:
        if (
            isinstance(event, DocumentEvent)
            and isinstance(event.event, Viewer)
            and self._screen is not None
        ):
            self._screen.fit_to((event.event.width, event.event.height))
        if isinstance(event, CallStatsUpdated):
            echo = self.devices.echo_stats()
            if echo is not None:
                event = replace(event, stats=replace(event.stats, audio_drift_ppm=echo.drift_ppm))
            self._spawn(self._send_quietly(event.stats.report(event.session_id)))
        self._emit(event)

    def _device_changed(self, event: DeviceChanged) -> None:
        self._emit(event)
        self._spawn(self._report_status())

    async def _report_status(self) -> None:
        if self._role is not p.Role.KIOSK or self._link.state is not LinkState.CONNECTED:
            return
        health = self.devices.health
        await self._send_quietly(
            p.ReportStatus(
                activity=self._activity,
                camera=health.camera,
                microphone=health.microphone,
                speaker=health.speaker,
            )
        )

    # --- Plumbing -----------------------------------------------------------------------------

    async def _send(self, message: p.ClientMessage) -> None:
        await self._link.send(message)

    async def _send_quietly(self, message: p.ClientMessage) -> None:
        """For reports that matter only now: one lost while the link is down is not resent."""
        with contextlib.suppress(Exception):
            await self._link.send(message)

    def _require_call(self) -> CallSession:
        if self._call is None:
            raise p.LocalProtocolError(p.ErrorCode.INVALID_STATE, "not in a call")
        return self._call

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)


def _required(value: str | None, problem: str) -> str:
    if value is None:
        raise p.LocalProtocolError(p.ErrorCode.INVALID_STATE, problem)
    return value
