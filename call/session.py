"""One call: a `Peer`, rebuilt when its path dies, its control channel, timers and stats.

The rules (docs/call-engine.md §Session states):

- The states are a table, `TRANSITIONS`. A call starts CONNECTING and is CONNECTED once the
  peer connection is connected and the control channel is open. A peer that goes silent (no
  control message for `loss_timeout`), fails, closes under us or does not connect within
  `connect_timeout` is dropped: the staff end (the offerer) builds a new RTCPeerConnection and
  offers again; the kiosk closes its own and answers the next offer. A CONNECTED call is then
  RECONNECTING, and LOST if no new peer connects within `give_up_after`. aiortc has no ICE
  restart, so a new peer connection is the only way back.
- The devices are kept across rebuilds: each new peer gets fresh tracks from the same camera
  capture and microphone source (aiortc stops a sender's track when its connection closes).
- A kiosk tells a renegotiation (same ICE ufrag as the current remote description) from a
  rebuilt peer (a new ufrag) by the offer alone.
- Negotiation messages refused with `peer_unavailable`, or not sent because our own link was
  down, are sent again when the hub says the other end is back, or when our link resumes; so is
  an offer still unanswered then, which may have gone into a link that died before it was read.
- A new peer's connect clock starts when its answer is applied (the kiosk: when it answers), not
  when the offer goes. After an outage the answer can be held up for seconds behind TCP's
  backed-off retransmissions on the hub link; a second offer made meanwhile would be answered
  with the first one's answer, for a peer the kiosk has already closed. Until the answer comes,
  `give_up_after` bounds the attempt.
- Everything that touches the peer runs on one task, in order: incoming relays, rebuilds,
  renegotiations and giving up. Callbacks from aiortc only queue work or emit events.
- What one end shows the other (content track, document pages) is `call.sharing.Sharing`,
  which the session tells about each new peer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final, Protocol

import av
from aiortc import RTCDataChannel
from aiortc.exceptions import InternalError, InvalidAccessError, InvalidStateError, OperationError
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from call.bridge import LatestFrame
from call.control_channel import ControlChannel, is_control_channel
from call.control_messages import (
    ContentStarted,
    ContentStopped,
    ControlMessage,
    Heartbeat,
    Ink,
    InkClear,
    Pad,
    Phrase,
    QuickPhrase,
    RequestOffer,
    TakePaper,
    Text,
)
from call.data_channels import is_content_channel, is_paper_channel
from call.link import LinkDown
from call.peer import (
    ChannelArrived,
    ConnectionChanged,
    Peer,
    PeerEvent,
    PeerTuning,
    RemoteTrackArrived,
    TrackRole,
    ice_ufrag,
)
from call.sharing import KEEP_PAGES, Sharing, SharingEvent
from call.stats import CallStats, Direction, FrameMeter, StatsSampler, TrackKind, TrackReading
from signaling import protocol as p

logger = logging.getLogger(__name__)


class CallState(StrEnum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    LOST = "lost"
    ENDED = "ended"


class Trigger(StrEnum):
    UP = "up"  # the current peer is connected and its control channel open
    DOWN = "down"  # the current peer died
    GIVE_UP = "give_up"  # no peer connected within give_up_after
    OFFER = "offer"  # a new offer arrived for a lost call
    CLOSE = "close"  # the session ended, or was transferred


TRANSITIONS: Final[dict[tuple[CallState, Trigger], CallState]] = {
    (CallState.CONNECTING, Trigger.UP): CallState.CONNECTED,
    (CallState.CONNECTING, Trigger.DOWN): CallState.CONNECTING,
    (CallState.CONNECTING, Trigger.GIVE_UP): CallState.LOST,
    (CallState.CONNECTED, Trigger.DOWN): CallState.RECONNECTING,
    (CallState.RECONNECTING, Trigger.UP): CallState.CONNECTED,
    (CallState.RECONNECTING, Trigger.DOWN): CallState.RECONNECTING,
    (CallState.RECONNECTING, Trigger.GIVE_UP): CallState.LOST,
    (CallState.LOST, Trigger.OFFER): CallState.RECONNECTING,
    **{(state, Trigger.CLOSE): CallState.ENDED for state in CallState if state != CallState.ENDED},
}
# Resent in this order once the other end is reachable again.
_RESEND_ORDER: Final = ("sdp_offer", "sdp_answer", "end_of_candidates")
_AIORTC_ERRORS: Final = (
    ValueError,
    InternalError,
    InvalidAccessError,
    InvalidStateError,
    OperationError,
)


@dataclass(frozen=True, slots=True)
class CallSettings:
    """The call's timers, in seconds; tests shorten them."""

    heartbeat_interval: float = 1.0
    loss_timeout: float = 5.0
    connect_timeout: float = 10.0
    give_up_after: float = 20.0
    stats_interval: float = 2.0
    close_timeout: float = 3.0


class CallMedia(Protocol):
    """The devices a call borrows: a fresh track per peer, and where remote audio goes."""

    def audio_track(self) -> MediaStreamTrack: ...
    def camera_track(self) -> MediaStreamTrack: ...
    def play_audio(self, track: MediaStreamTrack) -> None: ...


@dataclass(frozen=True, slots=True)
class CallStateChanged:
    session_id: str
    state: CallState
    reason: str
    at: float  # time.monotonic()


@dataclass(frozen=True, slots=True)
class CallStatsUpdated:
    session_id: str
    stats: CallStats


@dataclass(frozen=True, slots=True)
class TextReceived:
    session_id: str
    text: str
    language: str = "ja"  # the kiosk language it is written in


@dataclass(frozen=True, slots=True)
class PhraseReceived:
    session_id: str
    phrase: QuickPhrase


@dataclass(frozen=True, slots=True)
class InkReceived:
    """A stroke on the writing pad from the other end; it replaces their stroke `stroke_id`."""

    session_id: str
    stroke_id: str
    points: tuple[tuple[float, float], ...]
    color: str | None


@dataclass(frozen=True, slots=True)
class InkCleared:
    session_id: str


@dataclass(frozen=True, slots=True)
class PadChanged:
    session_id: str
    open: bool


@dataclass(frozen=True, slots=True)
class PaperAsked:
    """Staff asked for a still of the paper under the document camera (kiosk)."""

    session_id: str


SessionEvent = (
    CallStateChanged
    | CallStatsUpdated
    | TextReceived
    | PhraseReceived
    | InkReceived
    | InkCleared
    | PadChanged
    | PaperAsked
    | SharingEvent
)


@dataclass(frozen=True, slots=True)
class _Connect:
    generation: int  # the peer being replaced; 0 for the first
    reason: str


@dataclass(frozen=True, slots=True)
class _Drop:
    generation: int
    reason: str


@dataclass(frozen=True, slots=True)
class _Renegotiate:
    pass


@dataclass(frozen=True, slots=True)
class _Resend:
    pass


@dataclass(frozen=True, slots=True)
class _GiveUp:
    pass


_Work = p.Relay | _Connect | _Drop | _Renegotiate | _Resend | _GiveUp


class CallSession:
    """The media side of one session, from `SessionStarted` to the end of this leg."""

    def __init__(
        self,
        started: p.SessionStarted,
        *,
        staff: bool,
        media: CallMedia,
        send: Callable[[p.Relay], Awaitable[None]],
        emit: Callable[[SessionEvent], None],
        remote_camera: LatestFrame,
        remote_content: LatestFrame,
        settings: CallSettings | None = None,
        tuning: PeerTuning | None = None,
        viewer_size: tuple[int, int] = (1920, 1080),
        keep_pages: int = KEEP_PAGES,
        mm_per_px: float | None = None,
        ca_file: str | None = None,
    ) -> None:
        """`ca_file`: a CA (PEM) to trust for `turns:` besides the system's (call.relays)."""
        self.session_id = started.session_id
        self.offerer = started.you_offer
        self.settings = settings or CallSettings()
        self.state = CallState.CONNECTING
        self._ice_servers = list(started.ice_servers)
        self._media = media
        self._send_relay = send
        self._emit = emit
        self._remote_camera = remote_camera
        self._remote_content = remote_content
        self._tuning = tuning
        self._ca_file = ca_file
        self.sharing = Sharing(
            self.session_id,
            staff=staff,
            emit=emit,
            remote_content=remote_content,
            viewer_size=viewer_size,
            keep_pages=keep_pages,
            mm_per_px=mm_per_px,
        )
        self._loop = asyncio.get_running_loop()
        self._give_up_at = self._loop.time() + self.settings.give_up_after
        self._attempt_deadline: float | None = None
        self._peer: Peer | None = None
        self._generation = 0
        self._peer_failed = False
        self._control: ControlChannel | None = None
        self._sampler = StatsSampler()
        self._inbound = {TrackRole.CAMERA: FrameMeter(), TrackRole.CONTENT: FrameMeter()}
        self._work: asyncio.Queue[_Work] = asyncio.Queue()
        self._tasks: set[asyncio.Task[None]] = set()
        self._dismantling: set[asyncio.Task[None]] = set()
        self._last_sent: dict[str, p.Relay] = {}
        self._unsent: set[str] = set()

    @property
    def peer(self) -> Peer | None:
        return self._peer

    def start(self) -> None:
        self._emit(
            CallStateChanged(self.session_id, self.state, "the call started", self._loop.time())
        )
        for work in (self._run_work(), self._supervise(), self._report_stats()):
            self._spawn(work)
        if self.offerer:
            self._work.put_nowait(_Connect(0, "the call started"))

    def receive(self, message: p.Relay) -> None:
        """A negotiation message from the other end, relayed by the hub."""
        self._work.put_nowait(message)

    def relay_refused(self, ref_type: str | None) -> None:
        """The hub answered `peer_unavailable` to one of our relays of type `ref_type`."""
        if ref_type in self._last_sent:
            self._unsent.add(ref_type)

    def peer_reachable(self) -> None:
        """The other end's link is back, or ours resumed: resend what did not get through, and
        an offer still unanswered (it may have been lost with the link that carried it)."""
        if self._unsent or self._unanswered:
            self._work.put_nowait(_Resend())

    @property
    def _unanswered(self) -> bool:
        peer = self._peer
        return self.offerer and peer is not None and peer.pc.signalingState == "have-local-offer"

    def send_control(self, message: ControlMessage) -> bool:
        """Send on the control channel; False while there is none open (it is dropped)."""
        return self._control is not None and self._control.send(message)

    async def close(self, reason: str) -> None:
        """End this leg: the peer closes, the devices stay with the engine."""
        if self.state is CallState.ENDED:
            return
        self._trigger(Trigger.CLOSE, reason)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._close_peer()
        await asyncio.gather(*self._dismantling)
        await self.sharing.close()

    # --- The work task ------------------------------------------------------------------------

    async def _run_work(self) -> None:
        while True:
            work = await self._work.get()
            try:
                await self._do(work)
            except _AIORTC_ERRORS as exc:
                # Bad SDP or a candidate from the other end, or a peer that broke under us.
                logger.warning("%s = %s failed: %r", self.session_id, type(work).__name__, exc)
                if isinstance(work, _Connect | p.SdpOffer | p.SdpAnswer):
                    self._lost(self._generation, f"negotiation failed: {exc}")

    async def _do(self, work: _Work) -> None:
        match work:
            case _Connect(generation, reason):
                if generation == self._generation and self._waiting:
                    await self._connect(reason)
            case _Drop(generation, reason):
                if generation == self._generation:
                    logger.info("%s = dropping the peer: %s", self.session_id, reason)
                    await self._close_peer()
            case _Renegotiate():
                if self._peer is not None and self._peer.pc.signalingState == "stable":
                    await self._offer(self._peer)
            case _GiveUp():
                if self._waiting and self._loop.time() >= self._give_up_at:
                    self._trigger(
                        Trigger.GIVE_UP, f"not connected for {self.settings.give_up_after} s"
                    )
                    await self._close_peer()
            case _Resend():
                if self._unanswered:
                    self._unsent.update(k for k in _RESEND_ORDER if k in self._last_sent)
                for kind in _RESEND_ORDER:
                    if kind in self._unsent:
                        self._unsent.discard(kind)
                        await self._send(self._last_sent[kind])
            case p.SdpOffer(sdp=sdp):
                await self._on_offer(sdp)
            case p.SdpAnswer(sdp=sdp):
                peer = self._peer
                if peer is None or peer.pc.signalingState != "have-local-offer":
                    logger.info("%s < an answer nothing waits for; dropped", self.session_id)
                    return
                await peer.accept_answer(sdp)
                if self.state is not CallState.CONNECTED:  # a renegotiation has no deadline
                    self._attempt_deadline = self._loop.time() + self.settings.connect_timeout
            case p.IceCandidate(candidate=candidate, sdp_mid=mid, sdp_mline_index=index):
                if self._peer is not None:
                    await self._peer.add_remote_candidate(candidate, mid, index)
            case p.EndOfCandidates():
                if self._peer is not None:
                    await self._peer.end_of_remote_candidates()

    async def _connect(self, reason: str) -> None:
        """Offerer: replace the peer with a new one and offer it."""
        logger.info("%s = new peer connection: %s", self.session_id, reason)
        await self._close_peer()
        await self._offer(self._new_peer())

    async def _offer(self, peer: Peer) -> None:
        sdp = await peer.create_offer()
        self._attempt_deadline = None  # the clock starts with the answer (module docstring)
        await self._send(p.SdpOffer(session_id=self.session_id, sdp=sdp))
        await self._send(p.EndOfCandidates(session_id=self.session_id))

    async def _on_offer(self, sdp: str) -> None:
        peer = self._peer
        same = peer is not None and not self._peer_failed and peer.remote_ufrag == ice_ufrag(sdp)
        if self.offerer and not (same and peer is not None and peer.pc.signalingState == "stable"):
            logger.warning("%s < an offer while we offer; dropped (no glare)", self.session_id)
            return
        if peer is None or not same:
            if peer is not None:
                self._lost(self._generation, "the other end made a new peer connection")
                await self._close_peer()
            self._trigger(Trigger.OFFER, "a new offer")
            peer = self._new_peer()
            self._attempt_deadline = self._loop.time() + self.settings.connect_timeout
        answer = await peer.accept_offer(sdp)
        await self._send(p.SdpAnswer(session_id=self.session_id, sdp=answer))
        await self._send(p.EndOfCandidates(session_id=self.session_id))

    async def _send(self, message: p.Relay) -> None:
        kind = p.type_of(message)
        self._last_sent[kind] = message
        try:
            await self._send_relay(message)
        except LinkDown as exc:
            logger.info("%s > %s not sent (%s); resent when reachable", self.session_id, kind, exc)
            self._unsent.add(kind)

    # --- Peers --------------------------------------------------------------------------------

    def _new_peer(self) -> Peer:
        self._generation += 1
        generation = self._generation
        self._peer_failed = False
        self._last_sent.clear()
        self._unsent.clear()
        self._sampler = StatsSampler()
        self._inbound = {TrackRole.CAMERA: FrameMeter(), TrackRole.CONTENT: FrameMeter()}
        peer = Peer(
            name=f"{self.session_id[:8]}#{generation}",
            offerer=self.offerer,
            ice_servers=self._ice_servers,
            audio=self._media.audio_track(),
            camera=self._media.camera_track(),
            on_event=lambda event: self._on_peer_event(generation, event),
            tuning=self._tuning,
            close_timeout=self.settings.close_timeout,
            ca_file=self._ca_file,
        )
        peer.content.on_source_ended = lambda: self._spawn(self.sharing.source_ended(peer))
        self._peer = peer
        self.sharing.peer_created(peer)
        for channel in (peer.control_channel, peer.content_channel, peer.paper_channel):
            if channel is not None:
                self._adopt_channel(generation, channel)
        return peer

    async def _close_peer(self) -> None:
        peer, control = self._peer, self._control
        self._peer, self._control = None, None
        self._attempt_deadline = None
        # Shielded: a call closing while its work task replaces a peer cancels that task, and
        # the peer it was closing must still be closed, or its sockets outlive the call.
        dismantle = self._loop.create_task(self._dismantle(peer, control))
        self._dismantling.add(dismantle)
        dismantle.add_done_callback(self._dismantling.discard)
        await asyncio.shield(dismantle)

    async def _dismantle(self, peer: Peer | None, control: ControlChannel | None) -> None:
        if control is not None:
            await control.close()
        await self.sharing.peer_closed()
        if peer is not None:
            await peer.close()

    def _on_peer_event(self, generation: int, event: PeerEvent) -> None:
        if generation != self._generation or self._peer is None:
            return
        match event:
            case RemoteTrackArrived(role, track):
                if role is TrackRole.AUDIO:
                    self._media.play_audio(track)
                else:
                    self._spawn(self._read_video(generation, role, track))
            case ChannelArrived(channel):
                self._adopt_channel(generation, channel)
            case ConnectionChanged(state):
                if state == "connected":
                    self._maybe_up()
                elif state in ("failed", "closed"):
                    self._lost(generation, f"the peer connection {state}")

    def _adopt_channel(self, generation: int, channel: RTCDataChannel) -> None:
        def opened() -> None:
            if generation == self._generation:
                self._channel_opened(generation, channel)

        if channel.readyState == "open":
            opened()
        else:
            channel.on("open", opened)

    def _channel_opened(self, generation: int, channel: RTCDataChannel) -> None:
        if is_control_channel(channel):
            self._control = ControlChannel(
                channel,
                self._on_control,
                lambda reason: self._lost(generation, reason),
                interval=self.settings.heartbeat_interval,
                timeout=self.settings.loss_timeout,
            )
            self._control.start()  # its first heartbeat goes at once
            self.sharing.control_opened(self._control.send)
            self._maybe_up()
        elif is_content_channel(channel):
            channel.on("message", lambda data: self._peer_spoke(generation))
            self.sharing.content_channel_opened(channel)
        elif is_paper_channel(channel):
            channel.on("message", lambda data: self._peer_spoke(generation))
            self.sharing.paper_channel_opened(channel)
        else:
            logger.warning("%s < unknown data channel %r", self.session_id, channel.label)

    def _peer_spoke(self, generation: int) -> None:
        if generation == self._generation and self._control is not None:
            self._control.peer_spoke()

    def _maybe_up(self) -> None:
        peer = self._peer
        if peer is None or self._control is None or self._peer_failed:
            return
        if peer.pc.connectionState == "connected" and self._control.open:
            self._attempt_deadline = None
            self._trigger(Trigger.UP, "connected")

    @property
    def _waiting(self) -> bool:
        """Whether a peer is being set up: the give-up clock runs."""
        return self.state in (CallState.CONNECTING, CallState.RECONNECTING)

    def _lost(self, generation: int, reason: str) -> None:
        if generation != self._generation or self._peer_failed:
            return
        if self.state in (CallState.LOST, CallState.ENDED):
            return
        self._peer_failed = True
        logger.warning("%s = peer #%d lost: %s", self.session_id, generation, reason)
        if self.state is CallState.CONNECTED:
            self._give_up_at = self._loop.time() + self.settings.give_up_after
        self._trigger(Trigger.DOWN, reason)
        work = _Connect if self.offerer else _Drop
        self._work.put_nowait(work(generation, reason))

    def _trigger(self, trigger: Trigger, reason: str) -> None:
        new = TRANSITIONS.get((self.state, trigger))
        if new is None:
            return
        if new is CallState.RECONNECTING and self.state is CallState.LOST:
            self._give_up_at = self._loop.time() + self.settings.give_up_after
        changed = new is not self.state
        self.state = new
        if changed:
            logger.info("%s = %s (%s)", self.session_id, new, reason)
            self._emit(CallStateChanged(self.session_id, new, reason, self._loop.time()))

    # --- Timers and readers -------------------------------------------------------------------

    async def _supervise(self) -> None:
        while True:
            await asyncio.sleep(self.settings.heartbeat_interval / 2)
            now = self._loop.time()
            if self._waiting and now >= self._give_up_at:
                self._work.put_nowait(_GiveUp())  # on the work task, so no offer races it
            elif self._attempt_deadline is not None and now >= self._attempt_deadline:
                self._attempt_deadline = None
                self._lost(self._generation, f"not connected in {self.settings.connect_timeout} s")

    async def _report_stats(self) -> None:
        while True:
            await asyncio.sleep(self.settings.stats_interval)
            peer = self._peer
            if peer is None or self.state is not CallState.CONNECTED:
                continue
            readings = await self._readings(peer)
            if peer is self._peer:
                stats = self._sampler.sample(self._loop.time(), readings)
                self._emit(CallStatsUpdated(self.session_id, stats))

    async def _readings(self, peer: Peer) -> list[TrackReading]:
        readings = []
        for role, kind, out_meter in (
            (TrackRole.AUDIO, TrackKind.AUDIO, None),
            (TrackRole.CAMERA, TrackKind.VIDEO, peer.camera_meter),
            (TrackRole.CONTENT, TrackKind.CONTENT, peer.content_meter),
        ):
            transceiver = peer.transceiver(role)
            if transceiver is None:
                continue
            if role is not TrackRole.CONTENT or self.sharing.local_kind is not None:
                sent = list((await transceiver.sender.getStats()).values())
                readings.append(TrackReading(kind, Direction.OUTBOUND, sent, out_meter))
            if role is not TrackRole.CONTENT or self.sharing.remote_kind is not None:
                got = list((await transceiver.receiver.getStats()).values())
                readings.append(TrackReading(kind, Direction.INBOUND, got, self._inbound.get(role)))
        return readings

    async def _read_video(self, generation: int, role: TrackRole, track: MediaStreamTrack) -> None:
        # Always drain: aiortc's receive queue is unbounded. Only the newest frame is kept.
        holder = self._remote_camera if role is TrackRole.CAMERA else self._remote_content
        meter = self._inbound[role]
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            if not isinstance(frame, av.VideoFrame):
                continue
            # The peer's camera keeps coming while its data channels wait out a retransmission
            # (aiortc's SCTP backs off for seconds when a busy machine drops a packet).
            self._peer_spoke(generation)
            meter.count(frame.width, frame.height)
            if role is TrackRole.CAMERA or self.sharing.remote_kind is not None:
                holder.put(frame)

    # --- Channels -----------------------------------------------------------------------------

    def _on_control(self, message: ControlMessage) -> None:
        match message:
            case Text(text=text, language=language):
                self._emit(TextReceived(self.session_id, text, language))
            case Phrase(phrase=phrase):
                if phrase in QuickPhrase.__members__.values():
                    self._emit(PhraseReceived(self.session_id, QuickPhrase(phrase)))
                else:
                    logger.warning("%s < unknown quick phrase %r", self.session_id, phrase)
            case Ink(id=stroke_id, points=points, color=color):
                self._emit(InkReceived(self.session_id, stroke_id, tuple(points), color))
            case InkClear():
                self._emit(InkCleared(self.session_id))
            case Pad(open=is_open):
                self._emit(PadChanged(self.session_id, is_open))
            case TakePaper():
                if not self.offerer:  # only staff ask the kiosk
                    self._emit(PaperAsked(self.session_id))
            case ContentStarted() | ContentStopped():
                self.sharing.on_control(message)
            case RequestOffer(reason=reason):
                if self.offerer:
                    logger.info("%s < renegotiation asked: %s", self.session_id, reason)
                    self._work.put_nowait(_Renegotiate())
            case Heartbeat():
                pass

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = self._loop.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error(
                "%s = %s crashed", self.session_id, task.get_name(), exc_info=task.exception()
            )
