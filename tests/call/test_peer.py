"""Peers and call sessions between two real aiortc peers on loopback, relayed in memory.

These tests stand in for the hub with an in-memory relay, so they can make the other end
unreachable at will; tests/call/test_engine.py runs the same code through a real hub.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import av
import pytest
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from aiortc.rtcicetransport import RTCIceGatherer

from call.bridge import LatestFrame
from call.camera import SYNTHETIC_CAMERA, CameraCapture, CameraSettings
from call.control_messages import RequestOffer
from call.devices import Devices, MediaSettings
from call.peer import (
    ChannelArrived,
    ConnectionChanged,
    ContentFeed,
    Peer,
    PeerEvent,
    RemoteTrackArrived,
    TrackRole,
    ice_ufrag,
    parse_candidate,
    rtc_configuration,
)
from call.relays import turn_servers
from call.session import CallSession, CallSettings, CallState, CallStateChanged, SessionEvent
from call.stats import FrameMeter
from signaling import protocol as p
from tests.participant import UNIT

E = TypeVar("E")
WAIT = 2 * UNIT
SMALL = CameraSettings(width=160, height=120, fps=10)
TIMERS = CallSettings(
    heartbeat_interval=UNIT / 20,
    loss_timeout=UNIT * 6 / 20,
    connect_timeout=UNIT,
    give_up_after=2 * UNIT,
    stats_interval=UNIT / 10,
    close_timeout=UNIT / 5,
)


def synthetic_camera(**overrides: Any) -> CameraCapture:
    settings = dataclasses.replace(SMALL, device=SYNTHETIC_CAMERA, **overrides)
    capture = CameraCapture(settings)
    capture.start()
    return capture


# --- Configuration and parsing ---------------------------------------------------------------


def test_an_empty_ice_server_list_gathers_host_candidates_only() -> None:
    configuration = rtc_configuration([])
    assert configuration.iceServers == []
    assert RTCIceGatherer(configuration.iceServers)._connection.stun_server is None
    # What the explicit list prevents: aiortc's own default is Google's public STUN server.
    assert RTCIceGatherer(None)._connection.stun_server is not None


def test_the_hubs_stun_reaches_aiortc_and_its_turn_credentials_the_relays() -> None:
    servers = [
        p.IceServer(urls=["stun:stun.city.example:3478"]),
        p.IceServer(
            urls=["turn:turn.city.example:3478?transport=udp"], username="1:k", credential="c"
        ),
    ]
    connection = RTCIceGatherer(rtc_configuration(servers).iceServers)._connection
    assert connection.stun_server == ("stun.city.example", 3478)
    assert connection.turn_server is None  # call.relays gathers from every TURN server
    (turn,) = turn_servers(servers)
    assert (turn.host, turn.port, turn.username, turn.password) == (
        "turn.city.example",
        3478,
        "1:k",
        "c",
    )


def test_a_browser_candidate_parses_with_its_prefix_and_mid() -> None:
    line = (
        "candidate:842163049 1 udp 1677729535 203.0.113.7 46154 typ srflx"
        " raddr 10.0.0.2 rport 46154"
    )
    candidate = parse_candidate(line, "0", 0)
    assert candidate is not None
    assert (candidate.ip, candidate.port, candidate.type) == ("203.0.113.7", 46154, "srflx")
    assert (candidate.relatedAddress, candidate.sdpMid) == ("10.0.0.2", "0")


def test_an_empty_candidate_means_the_end_of_candidates() -> None:
    assert parse_candidate("", "0", 0) is None


def test_a_malformed_candidate_raises_value_error() -> None:
    with pytest.raises(ValueError, match="malformed"):
        parse_candidate("candidate:1 1 udp", None, None)


def test_the_ice_ufrag_is_read_from_a_description() -> None:
    assert ice_ufrag("v=0\r\na=ice-ufrag:Ab3x\r\na=ice-pwd:zzz\r\n") == "Ab3x"
    assert ice_ufrag("v=0\r\n") is None


# --- Two peers -------------------------------------------------------------------------------


@dataclass
class Side:
    peer: Peer
    events: asyncio.Queue[PeerEvent] = field(default_factory=asyncio.Queue)
    tracks: dict[TrackRole, MediaStreamTrack] = field(default_factory=dict)

    async def next_track(self, role: TrackRole) -> MediaStreamTrack:
        async with asyncio.timeout(WAIT):
            while role not in self.tracks:
                event = await self.events.get()
                if isinstance(event, RemoteTrackArrived):
                    self.tracks[event.role] = event.track
        return self.tracks[role]


class Null(MediaStreamTrack):
    kind = "audio"

    async def recv(self) -> av.AudioFrame:
        await asyncio.sleep(0.02)
        frame = av.AudioFrame(format="s16", layout="mono", samples=960)
        for plane in frame.planes:
            plane.update(bytes(plane.buffer_size))
        frame.sample_rate = 48000
        frame.pts = None
        return frame


@pytest.fixture
async def camera() -> AsyncIterator[CameraCapture]:
    capture = synthetic_camera()
    yield capture
    await asyncio.to_thread(capture.close)


def make_side(name: str, *, offerer: bool, camera: CameraCapture) -> Side:
    events: asyncio.Queue[PeerEvent] = asyncio.Queue()
    peer = Peer(
        name=name,
        offerer=offerer,
        ice_servers=[],
        audio=Null(),
        camera=camera.track(),
        on_event=events.put_nowait,
        close_timeout=UNIT / 5,
    )
    return Side(peer, events)


@pytest.fixture
async def pair(loopback_ice: None, camera: CameraCapture) -> AsyncIterator[tuple[Side, Side]]:
    staff = make_side("staff", offerer=True, camera=camera)
    kiosk = make_side("kiosk", offerer=False, camera=camera)
    answer = await kiosk.peer.accept_offer(await staff.peer.create_offer())
    await staff.peer.accept_answer(answer)
    yield staff, kiosk
    await staff.peer.close()
    await kiosk.peer.close()


async def frames_from(track: MediaStreamTrack, count: int) -> list[av.VideoFrame]:
    frames = []
    async with asyncio.timeout(WAIT):
        while len(frames) < count:
            frame = await track.recv()
            assert isinstance(frame, av.VideoFrame)
            frames.append(frame)
    return frames


async def test_the_offer_lists_audio_camera_and_content_then_the_channels(
    pair: tuple[Side, Side],
) -> None:
    staff, kiosk = pair
    offer = staff.peer.pc.localDescription.sdp
    kinds = [line.split()[0] for line in offer.splitlines() if line.startswith("m=")]
    assert kinds == ["m=audio", "m=video", "m=video", "m=application"]
    assert "a=group:BUNDLE 0 1 2 3" in offer
    assert "a=end-of-candidates" in offer  # half-trickle: every local candidate is in the SDP
    directions = [t.direction for t in kiosk.peer.pc.getTransceivers()]
    assert directions == ["sendrecv", "sendrecv", "sendrecv"]
    channels = set()
    async with asyncio.timeout(WAIT):
        while len(channels) < 2:
            event = await kiosk.events.get()
            if isinstance(event, ChannelArrived):
                channels.add((event.channel.label, event.channel.protocol))
    assert channels == {("control", "madoguchi-control/1"), ("content", "madoguchi-content/1")}


async def test_each_end_gets_the_others_camera_in_its_role(pair: tuple[Side, Side]) -> None:
    staff, kiosk = pair
    for side in (staff, kiosk):
        frames = await frames_from(await side.next_track(TrackRole.CAMERA), 2)
        assert (frames[-1].width, frames[-1].height) == (160, 120)


async def test_sharing_replaces_the_content_track_and_leaves_the_camera_alone(
    pair: tuple[Side, Side],
) -> None:
    staff, kiosk = pair
    camera_track = await kiosk.next_track(TrackRole.CAMERA)
    content_track = await kiosk.next_track(TrackRole.CONTENT)
    camera_sender = staff.peer.transceiver(TrackRole.CAMERA)
    assert camera_sender is not None
    camera_before = camera_sender.sender.track
    screen = synthetic_camera(width=320, height=240, fps=5)
    try:
        assert staff.peer.start_content(screen.track())
        content = await frames_from(content_track, 2)
        assert (content[-1].width, content[-1].height) == (320, 240)
        staff.peer.stop_content()
        assert staff.peer.transceiver(TrackRole.CONTENT).sender.track is None  # type: ignore[union-attr]
        assert camera_sender.sender.track is camera_before
        await frames_from(camera_track, 3)
    finally:
        await asyncio.to_thread(screen.close)


async def test_a_content_source_that_dies_leaves_the_sender_ready_for_the_next(
    pair: tuple[Side, Side],
) -> None:
    staff, kiosk = pair
    content_track = await kiosk.next_track(TrackRole.CONTENT)
    ended = asyncio.Event()
    staff.peer.content.on_source_ended = ended.set
    first = synthetic_camera(width=160, height=120, fps=5)
    staff.peer.start_content(first.track())
    await frames_from(content_track, 1)
    await asyncio.to_thread(first.close)  # ends its track with MediaStreamError
    await asyncio.wait_for(ended.wait(), WAIT)
    second = synthetic_camera(width=240, height=160, fps=5)
    try:
        staff.peer.start_content(second.track())
        async with asyncio.timeout(WAIT):
            while (await frames_from(content_track, 1))[0].width != 240:
                pass
    finally:
        await asyncio.to_thread(second.close)


async def test_the_content_feed_keeps_its_timestamps_rising_across_sources() -> None:
    feed = ContentFeed(FrameMeter())
    pts = []
    for _ in range(2):
        source = synthetic_camera(fps=10)
        feed.attach(source.track())
        for _ in range(3):
            frame = await asyncio.wait_for(feed.recv(), WAIT)
            pts.append(frame.pts)
        feed.detach()
        await asyncio.to_thread(source.close)
    feed.stop()
    assert pts == sorted(set(pts))
    assert feed.meter.frames == 6
    with pytest.raises(MediaStreamError):
        await feed.recv()


async def test_a_close_that_hangs_is_given_up_after_the_timeout(
    loopback_ice: None, camera: CameraCapture
) -> None:
    side = make_side("stuck", offerer=True, camera=camera)
    hang = asyncio.Event()

    async def never_closes() -> None:
        await hang.wait()

    real_close = side.peer.pc.close
    side.peer.pc.close = never_closes  # type: ignore[method-assign]
    await asyncio.wait_for(side.peer.close(), UNIT)
    hang.set()
    await real_close()


async def test_a_trickled_candidate_and_the_end_of_candidates_are_accepted(
    loopback_ice: None, camera: CameraCapture
) -> None:
    staff = make_side("staff", offerer=True, camera=camera)
    kiosk = make_side("kiosk", offerer=False, camera=camera)
    offer = await staff.peer.create_offer()
    # A browser would send the description first, then each candidate on its own.
    lines = offer.splitlines()
    candidates = [line[2:] for line in lines if line.startswith("a=candidate:")]
    stripped = "\r\n".join(
        line for line in lines if not line.startswith(("a=candidate:", "a=end-of-candidates"))
    )
    answer = await kiosk.peer.accept_offer(stripped + "\r\n")
    await staff.peer.accept_answer(answer)
    for candidate in candidates:
        await kiosk.peer.add_remote_candidate(candidate, "0", 0)
    await kiosk.peer.end_of_remote_candidates()
    async with asyncio.timeout(WAIT):
        while kiosk.peer.pc.connectionState != "connected":
            event = await kiosk.events.get()
            assert not (isinstance(event, ConnectionChanged) and event.state == "failed")
    await staff.peer.close()
    await kiosk.peer.close()


# --- Two call sessions, relayed in memory -----------------------------------------------------


class Relay:
    """Stands in for the hub between two sessions; `online` is the kiosk's link."""

    def __init__(self) -> None:
        self.staff: CallSession | None = None
        self.kiosk: CallSession | None = None
        self.kiosk_online = True
        self.refused: list[str] = []
        self.delivered: list[str] = []
        self.lose_offers = False  # into a kiosk link that dies before reading them
        self.delay = 0.0  # seconds each message takes, as behind TCP's backoff after an outage
        self._changed = asyncio.Condition()
        self._late: set[asyncio.Task[None]] = set()

    async def wait_for(self, check: Callable[[], bool]) -> None:
        async with asyncio.timeout(WAIT), self._changed:
            await self._changed.wait_for(check)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def sender(self, to_kiosk: bool) -> Callable[[p.Relay], Any]:
        async def send(message: p.Relay) -> None:
            target = self.kiosk if to_kiosk else self.staff
            source = self.staff if to_kiosk else self.kiosk
            assert target is not None
            assert source is not None
            if not self.kiosk_online:
                self.refused.append(p.type_of(message))
                source.relay_refused(p.type_of(message))  # the hub's peer_unavailable
            elif self.lose_offers and isinstance(message, p.SdpOffer):
                pass
            elif self.delay:
                late = asyncio.get_running_loop().create_task(self._later(target, message))
                self._late.add(late)
                late.add_done_callback(self._late.discard)
            else:
                self.delivered.append(p.type_of(message))
                target.receive(message)
            await self._notify()

        return send

    async def _later(self, target: CallSession, message: p.Relay) -> None:
        await asyncio.sleep(self.delay)
        self.delivered.append(p.type_of(message))
        target.receive(message)
        await self._notify()


@dataclass
class Ends:
    staff: CallSession
    kiosk: CallSession
    relay: Relay
    staff_events: asyncio.Queue[SessionEvent]
    kiosk_events: asyncio.Queue[SessionEvent]


async def state_reached(
    events: asyncio.Queue[SessionEvent], state: CallState, quiet: float | None = None
) -> None:
    """Wait for `state`; with `quiet`, check instead that no state change comes for that long."""
    if quiet is not None:
        await asyncio.sleep(quiet)
        changes = [e for e in _drain(events) if isinstance(e, CallStateChanged)]
        assert changes == [], changes
        return
    async with asyncio.timeout(WAIT):
        while True:
            event = await events.get()
            if isinstance(event, CallStateChanged) and event.state is state:
                return


def _drain(events: asyncio.Queue[SessionEvent]) -> list[SessionEvent]:
    drained = []
    while not events.empty():
        drained.append(events.get_nowait())
    return drained


@pytest.fixture
async def ends(loopback_ice: None) -> AsyncIterator[Ends]:
    media = MediaSettings(synthetic=True, camera=SMALL)
    staff_devices = Devices(media, lambda change: None)
    kiosk_devices = Devices(media, lambda change: None)
    await staff_devices.open()
    await kiosk_devices.open()
    relay = Relay()
    queues: tuple[asyncio.Queue[SessionEvent], asyncio.Queue[SessionEvent]] = (
        asyncio.Queue(),
        asyncio.Queue(),
    )
    sessions = []
    for you_offer, devices, queue in (
        (True, staff_devices, queues[0]),
        (False, kiosk_devices, queues[1]),
    ):
        started = p.SessionStarted(
            session_id="s-1",
            kiosk=p.KioskInfo(kiosk_id="k", name="k", location="l"),
            staff=p.StaffInfo(staff_id="s", display_name="s", department_id="shimin"),
            category_id="juminhyo",
            language="ja",
            you_offer=you_offer,
        )
        sessions.append(
            CallSession(
                started,
                staff=you_offer,
                media=devices,
                send=relay.sender(to_kiosk=you_offer),
                emit=queue.put_nowait,
                remote_camera=LatestFrame("camera"),
                remote_content=LatestFrame("content"),
                settings=TIMERS,
            )
        )
    relay.staff, relay.kiosk = sessions
    yield Ends(sessions[0], sessions[1], relay, *queues)
    for session in sessions:
        await session.close("the test ended")
    for devices in (staff_devices, kiosk_devices):
        await devices.aclose()


async def test_an_offer_refused_while_the_kiosk_is_away_is_sent_once_it_is_back(
    ends: Ends,
) -> None:
    ends.relay.kiosk_online = False
    ends.kiosk.start()
    ends.staff.start()
    await ends.relay.wait_for(lambda: "end_of_candidates" in ends.relay.refused)
    assert ends.relay.refused == ["sdp_offer", "end_of_candidates"]
    ends.relay.kiosk_online = True
    ends.staff.peer_reachable()  # the hub's peer_link_changed {online: true}
    await state_reached(ends.staff_events, CallState.CONNECTED)
    await state_reached(ends.kiosk_events, CallState.CONNECTED)


async def test_an_answer_held_up_past_the_connect_timeout_still_connects_its_peer(
    ends: Ends,
) -> None:
    # After an outage the offer and the answer can each take seconds; a second offer made
    # meanwhile would get the first one's answer. The connect clock starts with the answer.
    ends.relay.delay = 0.7 * TIMERS.connect_timeout
    ends.kiosk.start()
    ends.staff.start()
    await state_reached(ends.staff_events, CallState.CONNECTED)
    await state_reached(ends.kiosk_events, CallState.CONNECTED)
    assert ends.relay.delivered.count("sdp_offer") == 1


async def test_an_offer_lost_with_the_kiosk_link_is_sent_again_when_the_kiosk_is_back(
    ends: Ends,
) -> None:
    ends.relay.lose_offers = True
    ends.kiosk.start()
    ends.staff.start()
    await ends.relay.wait_for(lambda: "end_of_candidates" in ends.relay.delivered)
    assert "sdp_offer" not in ends.relay.delivered
    offered = ends.staff.peer
    ends.relay.lose_offers = False
    ends.staff.peer_reachable()  # the hub's peer_link_changed {online: true}
    await state_reached(ends.staff_events, CallState.CONNECTED)
    await state_reached(ends.kiosk_events, CallState.CONNECTED)
    # The same offer of the same peer, not a rebuild after a timeout.
    assert ends.staff.peer is offered
    assert ends.relay.delivered.count("sdp_offer") == 1


async def test_a_kiosk_renegotiates_on_the_same_peer_when_it_asks_for_an_offer(
    ends: Ends,
) -> None:
    ends.kiosk.start()
    ends.staff.start()
    await state_reached(ends.kiosk_events, CallState.CONNECTED)
    await state_reached(ends.staff_events, CallState.CONNECTED)
    kiosk_pc = ends.kiosk.peer.pc  # type: ignore[union-attr]
    assert ends.relay.delivered.count("sdp_answer") == 1
    assert ends.kiosk.send_control(RequestOffer(reason="test"))
    await ends.relay.wait_for(lambda: ends.relay.delivered.count("sdp_answer") == 2)
    # No state change follows: the answer lands on the same peer and the call stays up.
    await state_reached(ends.staff_events, CallState.CONNECTED, quiet=UNIT / 5)
    assert ends.relay.delivered.count("sdp_offer") == 2
    assert ends.kiosk.peer is not None
    assert ends.kiosk.peer.pc is kiosk_pc
    assert ends.staff.peer.pc.signalingState == "stable"  # type: ignore[union-attr]
    assert (ends.kiosk.state, ends.staff.state) == (CallState.CONNECTED, CallState.CONNECTED)
