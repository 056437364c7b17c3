"""One call: the I/O around `call.call_machine.CallMachine`, which holds the rules.

The session owns what the machine may not touch: the `Peer` (rebuilt when the machine says so),
its control channel and data channels, the stats and video readers, and one timer. It feeds the
machine with `loop.time()` and carries out its actions (docs/call-engine.md §Call states):

- What the peer and the hub report is fed at once: the current peer up or lost (aiortc's and the
  control channel's callbacks), a relay refused, the other end reachable again, and `close`.
  Their state changes are emitted at once; the peer work they cause (a rebuild, a drop, a
  resend) waits its turn on the work task.
- Everything that touches the peer runs on one task, in order: the relays from the other end,
  that queued peer work, and the inputs that depend on where the peer's negotiation stands once
  the work before them is done: a renegotiation asked for, and the machine's timer (so giving up
  cannot race an offer). The peer work those cause runs there and then.
- Callbacks from aiortc only feed the machine, queue work or emit events.
- The machine's timer is one `loop.call_later`, set again to `get_timer()` after every input.
- The devices are kept across rebuilds: each new peer gets fresh tracks from the same camera
  capture and microphone source (aiortc stops a sender's track when its connection closes).
- What one end shows the other (content track, document pages) is `call.sharing.Sharing`,
  which the session tells about each new peer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Final, Protocol

import av
from aiortc import RTCDataChannel
from aiortc.exceptions import InternalError, InvalidAccessError, InvalidStateError, OperationError
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from call.bridge import LatestFrame
from call.call_machine import TRANSITIONS as TRANSITIONS
from call.call_machine import (
    CallMachine,
    DropPeer,
    NewPeer,
    Offer,
    OfferVerdict,
    PeerLost,
    Resend,
    StateChanged,
)
from call.call_machine import CallState as CallState
from call.call_machine import Trigger as Trigger
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
class _RenegotiationAsked:
    pass


@dataclass(frozen=True, slots=True)
class _Tick:
    """The machine's timer is due: `handle_timer` runs on the work task."""


_PeerWork = NewPeer | DropPeer | Offer | Resend
_Work = p.Relay | _PeerWork | _RenegotiationAsked | _Tick


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
        self._machine = CallMachine(
            offerer=self.offerer,
            connect_timeout=self.settings.connect_timeout,
            give_up_after=self.settings.give_up_after,
        )
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
        self._peer: Peer | None = None
        # The generation of the peer held, or last held; the machine's may be ahead of it.
        self._generation = 0
        self._control: ControlChannel | None = None
        self._sampler = StatsSampler()
        self._inbound = {TrackRole.CAMERA: FrameMeter(), TrackRole.CONTENT: FrameMeter()}
        self._work: asyncio.Queue[_Work] = asyncio.Queue()
        self._tasks: set[asyncio.Task[None]] = set()
        self._dismantling: set[asyncio.Task[None]] = set()
        self._last_sent: dict[str, p.Relay] = {}  # the messages themselves, for a resend
        self._timer: asyncio.TimerHandle | None = None
        self._timer_deadline: float | None = None
        self._tick_queued = False

    @property
    def state(self) -> CallState:
        return self._machine.state

    @property
    def peer(self) -> Peer | None:
        return self._peer

    def start(self) -> None:
        self._machine.start(self._loop.time())
        self._fed()
        for work in (self._run_work(), self._report_stats()):
            self._spawn(work)

    def receive(self, message: p.Relay) -> None:
        """A negotiation message from the other end, relayed by the hub."""
        self._work.put_nowait(message)

    def relay_refused(self, ref_type: str | None) -> None:
        """The hub answered `peer_unavailable` to one of our relays of type `ref_type`."""
        if ref_type is not None:
            self._machine.relay_refused(ref_type)
            self._fed()

    def peer_reachable(self) -> None:
        """The other end's link is back, or ours resumed: resend what did not get through, and
        an offer still unanswered (it may have been lost with the link that carried it)."""
        self._machine.peer_reachable()
        self._fed()

    def send_control(self, message: ControlMessage) -> bool:
        """Send on the control channel; False while there is none open (it is dropped)."""
        return self._control is not None and self._control.send(message)

    async def close(self, reason: str) -> None:
        """End this leg: the peer closes, the devices stay with the engine."""
        if self.state is CallState.ENDED:
            return
        self._machine.close(reason, self._loop.time())
        self._fed()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._close_peer()
        await asyncio.gather(*self._dismantling)
        await self.sharing.close()

    # --- The machine --------------------------------------------------------------------------

    def _fed(self) -> None:
        """After an input fed at once: state changes go out now, peer work waits its turn."""
        for action in self._machine.drain():
            if isinstance(action, StateChanged | PeerLost):
                self._report(action)
            else:
                self._work.put_nowait(action)
        self._schedule_timer()

    async def _fed_on_work_task(self) -> None:
        """After an input fed on the work task: its peer work runs now, in order."""
        for action in self._machine.drain():
            if isinstance(action, StateChanged | PeerLost):
                self._report(action)
            else:
                await self._do_peer_work(action)
        self._schedule_timer()

    def _report(self, action: StateChanged | PeerLost) -> None:
        match action:
            case StateChanged(state, reason, at):
                logger.info("%s = %s (%s)", self.session_id, state, reason)
                self._emit(CallStateChanged(self.session_id, state, reason, at))
            case PeerLost(generation, reason):
                logger.warning("%s = peer #%d lost: %s", self.session_id, generation, reason)

    def _schedule_timer(self) -> None:
        if self._tick_queued:
            return  # the tick sets the timer again once it has run
        deadline = self._machine.get_timer()
        if deadline == self._timer_deadline:
            return
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._timer_deadline = deadline
        if deadline is not None:
            delay = max(0.0, deadline - self._loop.time())
            self._timer = self._loop.call_later(delay, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        self._timer_deadline = None
        self._tick_queued = True
        self._work.put_nowait(_Tick())

    def _peer_lost(self, generation: int, reason: str) -> None:
        self._machine.peer_lost(generation, reason, self._loop.time())
        self._fed()

    def _negotiation_failed(self, exc: Exception) -> None:
        # Like a loss the peer reported: the rebuild waits behind what is already queued.
        self._peer_lost(self._generation, f"negotiation failed: {exc}")

    # --- The work task ------------------------------------------------------------------------

    async def _run_work(self) -> None:
        while True:
            work = await self._work.get()
            try:
                await self._do(work)
            except _AIORTC_ERRORS as exc:
                # Bad SDP or a candidate from the other end, or a peer that broke under us.
                logger.warning("%s = %s failed: %r", self.session_id, type(work).__name__, exc)
                if isinstance(work, p.SdpOffer | p.SdpAnswer):
                    self._negotiation_failed(exc)

    async def _do(self, work: _Work) -> None:
        match work:
            case NewPeer() | DropPeer() | Offer() | Resend():
                await self._do_peer_work(work)
            case _Tick():
                self._tick_queued = False
                self._machine.handle_timer(self._loop.time())
                await self._fed_on_work_task()
            case _RenegotiationAsked():
                self._machine.renegotiation_asked()
                await self._fed_on_work_task()
            case p.SdpOffer(sdp=sdp):
                await self._on_offer(sdp)
            case p.SdpAnswer(sdp=sdp):
                peer = self._peer
                if peer is None or not self._machine.awaits_answer(self._generation):
                    logger.info("%s < an answer nothing waits for; dropped", self.session_id)
                    return
                await peer.accept_answer(sdp)
                self._machine.answer_applied(self._generation, peer.remote_ufrag, self._loop.time())
                self._fed()
            case p.IceCandidate(candidate=candidate, sdp_mid=mid, sdp_mline_index=index):
                if self._peer is not None:
                    await self._peer.add_remote_candidate(candidate, mid, index)
            case p.EndOfCandidates():
                if self._peer is not None:
                    await self._peer.end_of_remote_candidates()

    async def _do_peer_work(self, work: _PeerWork) -> None:
        try:
            match work:
                case NewPeer(generation, reason):
                    if self._machine.wants_peer(generation):  # not after giving up
                        logger.info("%s = new peer connection: %s", self.session_id, reason)
                        await self._close_peer()
                        await self._offer(self._new_peer(generation))
                case DropPeer(reason=reason):
                    if not self._machine.wants_peer(self._generation):
                        if self._peer is not None:
                            logger.info("%s = dropping the peer: %s", self.session_id, reason)
                        await self._close_peer()
                case Offer(generation):
                    if self._peer is not None and generation == self._generation:
                        logger.info("%s = renegotiating", self.session_id)
                        await self._offer(self._peer)
                case Resend(generation, kinds):
                    if generation == self._generation:
                        for kind in kinds:
                            if (message := self._last_sent.get(kind)) is not None:
                                await self._send(message)
        except _AIORTC_ERRORS as exc:
            logger.warning("%s = %s failed: %r", self.session_id, type(work).__name__, exc)
            if isinstance(work, NewPeer):
                self._negotiation_failed(exc)
            elif isinstance(work, Offer):
                self._machine.offer_failed(work.generation)

    async def _offer(self, peer: Peer) -> None:
        sdp = await peer.create_offer()
        await self._send(p.SdpOffer(session_id=self.session_id, sdp=sdp))
        await self._send(p.EndOfCandidates(session_id=self.session_id))

    async def _on_offer(self, sdp: str) -> None:
        verdict = self._machine.offer_arrived(ice_ufrag(sdp), self._loop.time())
        generation = self._machine.generation
        await self._fed_on_work_task()
        match verdict:
            case OfferVerdict.DROPPED:
                logger.warning("%s < an offer not expected; dropped (no glare)", self.session_id)
                return
            case OfferVerdict.NEW_PEER:
                if self._peer is not None:  # the machine has let it go already
                    await self._close_peer()
                peer = self._new_peer(generation)
            case OfferVerdict.RENEGOTIATION:
                if self._peer is None:
                    return
                peer = self._peer
        answer = await peer.accept_offer(sdp)
        await self._send(p.SdpAnswer(session_id=self.session_id, sdp=answer))
        await self._send(p.EndOfCandidates(session_id=self.session_id))

    async def _send(self, message: p.Relay) -> None:
        kind, generation = p.type_of(message), self._generation
        self._last_sent[kind] = message
        self._machine.relay_sent(generation, kind)
        try:
            await self._send_relay(message)
        except LinkDown as exc:
            logger.info("%s > %s not sent (%s); resent when reachable", self.session_id, kind, exc)
            self._machine.relay_unsent(generation, kind)

    # --- Peers --------------------------------------------------------------------------------

    def _new_peer(self, generation: int) -> Peer:
        self._generation = generation
        self._last_sent.clear()
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
                    self._peer_lost(generation, f"the peer connection {state}")

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
                lambda reason: self._peer_lost(generation, reason),
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
        peer, control = self._peer, self._control
        if peer is None or control is None:
            return
        if peer.pc.connectionState == "connected" and control.open:
            self._machine.peer_up(self._generation, self._loop.time())
            self._fed()

    # --- Timers and readers -------------------------------------------------------------------

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
                logger.info("%s < renegotiation asked: %s", self.session_id, reason)
                self._work.put_nowait(_RenegotiationAsked())
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
