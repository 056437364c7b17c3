"""One RTCPeerConnection for one call, negotiated the Madoguchi way (docs/call-engine.md).

- Only the staff end offers (docs/protocol.md: `session_started.you_offer`), so there is no
  glare. The offer carries, in this order: audio (sendrecv), camera video (sendrecv), content
  video (sendrecv, no track until someone shares), then the "control" and "content" data
  channels, which the offerer creates and the answerer receives as "datachannel" events.
  The answerer maps m-lines by that order: the first audio, the first video (camera), the second
  video (content); it sets anything else inactive.
- Bundle is `max-bundle`: with aiortc's default "balanced", a browser answering an offer of two
  video tracks never sends the second (aiortc issue #1414).
- ICE servers come from the hub. The STUN ones become `RTCIceServer`s, in a list that is always
  explicit: aiortc falls back to Google's public STUN server only when it is None, and an empty
  list means host candidates only. The TURN ones go to call.relays, which gathers a relay from
  every one of them (aiortc would use only the first).
- Local ICE is half-trickle: aiortc gathers every candidate inside setLocalDescription, so the
  description is sent after it, followed by end-of-candidates. Remote candidates may trickle in.
- Sharing replaces the content sender's track (None → a `ContentFeed` → None), so the camera is
  never renegotiated or disturbed.
- `close` gives up waiting after a timeout: RTCPeerConnection.close() can hang on a dead path.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar, Final, Protocol

import av
from aiortc import (
    RTCBundlePolicy,
    RTCConfiguration,
    RTCDataChannel,
    RTCIceCandidate,
    RTCIceServer,
    RTCPeerConnection,
    RTCRtpTransceiver,
    RTCSessionDescription,
)
from aiortc.mediastreams import (
    VIDEO_CLOCK_RATE,
    VIDEO_TIME_BASE,
    MediaStreamError,
    MediaStreamTrack,
)
from aiortc.sdp import candidate_from_sdp
from av.frame import Frame
from av.packet import Packet

from call import relays, video_tuning
from call.control_channel import create_control_channel
from call.data_channels import create_content_channel, create_paper_channel
from call.stats import FrameMeter
from signaling.protocol import IceServer

logger = logging.getLogger(__name__)

CLOSE_TIMEOUT: Final = 3.0  # seconds
_UFRAG: Final = re.compile(r"^a=ice-ufrag:(\S+)", re.MULTILINE)


class TrackRole(StrEnum):
    AUDIO = "audio"
    CAMERA = "camera"
    CONTENT = "content"


def rtc_configuration(ice_servers: Sequence[IceServer]) -> RTCConfiguration:
    """The hub's STUN servers as aiortc's configuration, with max-bundle (TURN: call.relays)."""
    servers = [
        RTCIceServer(urls=list(server.urls), username=server.username, credential=server.credential)
        for server in relays.without_turn(ice_servers)
    ]
    # Always a list, never None: None would make aiortc add stun.l.google.com.
    return RTCConfiguration(iceServers=servers, bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)


def ice_ufrag(sdp: str) -> str | None:
    """The first ICE username fragment in a description: it changes when the peer is new."""
    match = _UFRAG.search(sdp)
    return None if match is None else match.group(1)


def parse_candidate(
    candidate: str, sdp_mid: str | None, sdp_mline_index: int | None
) -> RTCIceCandidate | None:
    """A trickled candidate as aiortc's; None for the end-of-candidates (an empty string).

    Raises ValueError for a malformed one.
    """
    text = candidate.strip()
    if text.startswith("a="):
        text = text[2:]
    if text.startswith("candidate:"):
        text = text[len("candidate:") :]
    if not text:
        return None
    try:
        parsed = candidate_from_sdp(text)
    except (AssertionError, ValueError, IndexError) as exc:  # aiortc asserts on the field count
        raise ValueError(f"malformed ICE candidate {candidate!r}") from exc
    parsed.sdpMid = sdp_mid
    parsed.sdpMLineIndex = sdp_mline_index
    if sdp_mid is None and sdp_mline_index is None:
        parsed.sdpMLineIndex = 0  # bundled: everything rides on the first m-line
    return parsed


class PeerTuning(Protocol):
    """Hooks for the tweaks that reach into aiortc (call.video_tuning), at the moments they need."""

    def content_transceiver(
        self, transceiver: RTCRtpTransceiver
    ) -> None: ...  # before offer/answer
    def gathered(self, pc: RTCPeerConnection) -> None: ...  # after setLocalDescription
    def negotiated(self, content: RTCRtpTransceiver) -> None: ...  # both descriptions set


class ContentTuning:
    """call.video_tuning for a Madoguchi peer: sharp, paced content and roomy ICE sockets.

    The content sender gets VP8 with its own encoder pinned at `bitrate` (REMB cannot blur the
    text) and a pacer, so a keyframe does not leave as one burst; every ICE socket gets 4 MiB
    buffers. The camera keeps aiortc's adaptive encoder. An aiortc that moved the internals
    these rely on costs the sharpness, not the call: the error is logged.
    """

    def __init__(self, bitrate: int = video_tuning.CONTENT_BITRATE) -> None:
        self.bitrate = bitrate

    def content_transceiver(self, transceiver: RTCRtpTransceiver) -> None:
        try:
            video_tuning.tune_content_transceiver(transceiver, self.bitrate)
        except video_tuning.AiortcInternalsError:
            logger.exception("= content left at aiortc's defaults")

    def gathered(self, pc: RTCPeerConnection) -> None:
        try:
            video_tuning.enlarge_socket_buffers(pc)
        except video_tuning.AiortcInternalsError:
            logger.exception("= ICE socket buffers left at the system's defaults")

    def negotiated(self, content: RTCRtpTransceiver) -> None:
        try:
            video_tuning.pace_sender(content.sender, self.bitrate)
        except video_tuning.AiortcInternalsError:
            logger.exception("= content sender left unpaced")


@dataclass(frozen=True, slots=True)
class RemoteTrackArrived:
    role: TrackRole
    track: MediaStreamTrack


@dataclass(frozen=True, slots=True)
class ChannelArrived:
    channel: RTCDataChannel


@dataclass(frozen=True, slots=True)
class ConnectionChanged:
    state: str  # RTCPeerConnection.connectionState


PeerEvent = RemoteTrackArrived | ChannelArrived | ConnectionChanged


class MeteredTrack(MediaStreamTrack):
    """Passes another track's frames through, counting them for the stats."""

    def __init__(self, inner: MediaStreamTrack, meter: FrameMeter) -> None:
        super().__init__()
        self.kind = inner.kind
        self._inner = inner
        self._meter = meter

    async def recv(self) -> Frame | Packet[Any]:
        frame = await self._inner.recv()
        if isinstance(frame, av.VideoFrame):
            self._meter.count(frame.width, frame.height)
        return frame

    def stop(self) -> None:
        super().stop()
        self._inner.stop()


class ContentFeed(MediaStreamTrack):
    """The only track the content sender ever gets; sources come and go behind it.

    aiortc's sender stops for good when its track raises MediaStreamError (a screen capture
    that failed, a source closed while a frame was awaited), and it awaits `recv` on whatever
    track it had when the frame was asked for. So the sender only ever sees this feed: a source
    that ends makes the feed idle (and calls `on_source_ended`), and an idle feed waits for the
    next source. Timestamps follow this feed's own clock, so they never go backwards between
    shares, which a browser's jitter buffer would not forgive.
    """

    kind = "video"

    def __init__(self, meter: FrameMeter) -> None:
        super().__init__()
        self.meter = meter
        self.on_source_ended: Callable[[], None] | None = None
        self._source: MediaStreamTrack | None = None
        self._attached = asyncio.Event()
        self._origin: float | None = None
        self._last_pts = -1

    @property
    def source(self) -> MediaStreamTrack | None:
        return self._source

    def attach(self, source: MediaStreamTrack) -> None:
        if self._source is not None:
            self._source.stop()
        self._source = source
        self._attached.set()

    def detach(self) -> None:
        if self._source is not None:
            self._source.stop()
        self._source = None
        self._attached.clear()

    def stop(self) -> None:
        super().stop()
        self.detach()
        self._attached.set()  # wake a waiting recv, which then sees the feed has ended

    async def recv(self) -> av.VideoFrame:
        while True:
            if self.readyState != "live":
                raise MediaStreamError
            source = self._source
            if source is None:
                self._attached.clear()
                await self._attached.wait()
                continue
            try:
                frame = await source.recv()
            except MediaStreamError:
                if source is self._source:
                    logger.info("= content source ended")
                    self.detach()
                    if self.on_source_ended is not None:
                        self.on_source_ended()
                continue
            if source is not self._source or not isinstance(frame, av.VideoFrame):
                continue  # detached while we waited: drop the stale frame
            now = time.monotonic()
            if self._origin is None:
                self._origin = now
            pts = max(round((now - self._origin) * VIDEO_CLOCK_RATE), self._last_pts + 1)
            self._last_pts = pts
            frame.pts = pts
            frame.time_base = VIDEO_TIME_BASE
            self.meter.count(frame.width, frame.height)
            return frame


class Peer:
    """One RTCPeerConnection with the transceivers and channels of a Madoguchi call."""

    # Closes that outlived their timeout, kept referenced until they finish.
    _closing: ClassVar[set[asyncio.Task[None]]] = set()

    def __init__(
        self,
        *,
        name: str,
        offerer: bool,
        ice_servers: Sequence[IceServer],
        audio: MediaStreamTrack,
        camera: MediaStreamTrack,
        on_event: Callable[[PeerEvent], None],
        tuning: PeerTuning | None = None,
        close_timeout: float = CLOSE_TIMEOUT,
        ca_file: str | None = None,
    ) -> None:
        """`ca_file`: a CA (PEM) to trust for `turns:` besides the system's."""
        self.name = name
        self.close_timeout = close_timeout
        self.offerer = offerer
        self.pc = RTCPeerConnection(rtc_configuration(ice_servers))
        self.relays = relays.Relays(relays.turn_servers(ice_servers), relays.tls_context(ca_file))
        self.camera_meter = FrameMeter()
        self.content_meter = FrameMeter()
        self.content = ContentFeed(self.content_meter)
        self.remote_ufrag: str | None = None
        self.control_channel: RTCDataChannel | None = None
        self.content_channel: RTCDataChannel | None = None
        self.paper_channel: RTCDataChannel | None = None
        self._audio = audio
        self._camera = MeteredTrack(camera, self.camera_meter)
        self._on_event = on_event
        self._tuning = tuning
        self._closed = False
        self._transceivers: dict[TrackRole, RTCRtpTransceiver] = {}
        self._mapped = offerer
        self._local_attached = False
        self.pc.on("track", self._on_track)
        self.pc.on("datachannel", self._on_datachannel)
        self.pc.on("connectionstatechange", self._on_connection_state)
        if offerer:
            for role, kind in (
                (TrackRole.AUDIO, "audio"),
                (TrackRole.CAMERA, "video"),
                (TrackRole.CONTENT, "video"),
            ):
                self._transceivers[role] = self.pc.addTransceiver(kind, direction="sendrecv")
            self._attach_local()
            self.control_channel = create_control_channel(self.pc)
            self.content_channel = create_content_channel(self.pc)
            self.paper_channel = create_paper_channel(self.pc)

    def __repr__(self) -> str:
        return f"<Peer {self.name} {self.pc.connectionState}>"

    async def create_offer(self) -> str:
        """The offer with every local candidate in it (half-trickle)."""
        self.relays.install(self.pc)
        await self.pc.setLocalDescription(await self.pc.createOffer())
        return self._gathered()

    async def accept_offer(self, sdp: str) -> str:
        """Apply a remote offer and return the answer, every local candidate in it."""
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
        self.remote_ufrag = ice_ufrag(sdp)
        if not self._local_attached:
            self._map_offered_transceivers()
            self._attach_local()
        self.relays.install(self.pc)
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        answer = self._gathered()
        self._negotiated()
        return answer

    async def accept_answer(self, sdp: str) -> None:
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="answer"))
        self.remote_ufrag = ice_ufrag(sdp)
        self._negotiated()

    async def add_remote_candidate(
        self, candidate: str, sdp_mid: str | None, sdp_mline_index: int | None
    ) -> None:
        """Add a trickled candidate, or the end of them; raises ValueError when malformed."""
        await self.pc.addIceCandidate(parse_candidate(candidate, sdp_mid, sdp_mline_index))

    async def end_of_remote_candidates(self) -> None:
        await self.pc.addIceCandidate(None)

    def start_content(self, source: MediaStreamTrack) -> bool:
        """Send `source` on the content track; False if the peer negotiated none."""
        transceiver = self._transceivers.get(TrackRole.CONTENT)
        if transceiver is None:
            return False
        self.content.attach(source)
        transceiver.sender.replaceTrack(self.content)
        return True

    def stop_content(self) -> None:
        transceiver = self._transceivers.get(TrackRole.CONTENT)
        self.content.detach()
        if transceiver is not None:
            transceiver.sender.replaceTrack(None)

    def transceiver(self, role: TrackRole) -> RTCRtpTransceiver | None:
        return self._transceivers.get(role)

    async def close(self) -> None:
        """Stop the local tracks and close; gives up waiting after `close_timeout` seconds."""
        if self._closed:
            return
        self._closed = True
        # Stopping first ends the senders' reads now, even if close() hangs: a microphone
        # source read by an old and a new sender at once would halve both.
        for track in (self._audio, self._camera, self.content):
            track.stop()
        task = asyncio.ensure_future(self.pc.close())
        done, _ = await asyncio.wait({task}, timeout=self.close_timeout)
        if not done:
            logger.warning(
                "%s = close still running after %.1f s; leaving it", self.name, self.close_timeout
            )
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)
        elif task.exception() is not None:
            logger.warning("%s = close failed: %r", self.name, task.exception())

    def _attach_local(self) -> None:
        self._local_attached = True
        audio = self._transceivers.get(TrackRole.AUDIO)
        camera = self._transceivers.get(TrackRole.CAMERA)
        if audio is not None:
            audio.sender.replaceTrack(self._audio)
            audio.direction = "sendrecv"
            try:
                video_tuning.tune_audio_receiver(audio.receiver)
            except video_tuning.AiortcInternalsError:
                logger.exception("= received audio left in aiortc's jitter buffer")
        if camera is not None:
            camera.sender.replaceTrack(self._camera)
            camera.direction = "sendrecv"
            try:
                video_tuning.tune_camera_receiver(camera.receiver)
            except video_tuning.AiortcInternalsError:
                logger.exception("= received camera left in aiortc's jitter buffer")
        content = self._transceivers.get(TrackRole.CONTENT)
        if content is not None:
            content.direction = "sendrecv"
            if self._tuning is not None:
                self._tuning.content_transceiver(content)

    def _map_offered_transceivers(self) -> None:
        if self._mapped:
            return
        self._mapped = True
        videos = 0
        for transceiver in self.pc.getTransceivers():
            role: TrackRole | None = None
            if transceiver.kind == "audio" and TrackRole.AUDIO not in self._transceivers:
                role = TrackRole.AUDIO
            elif transceiver.kind == "video" and videos < 2:
                role = (TrackRole.CAMERA, TrackRole.CONTENT)[videos]
                videos += 1
            if role is None:
                logger.warning(
                    "%s = unexpected %s m-line; set inactive", self.name, transceiver.kind
                )
                transceiver.direction = "inactive"
            else:
                self._transceivers[role] = transceiver

    def _gathered(self) -> str:
        if self._tuning is not None:
            self._tuning.gathered(self.pc)
        return self.pc.localDescription.sdp

    def _negotiated(self) -> None:
        camera = self._transceivers.get(TrackRole.CAMERA)
        if camera is not None:
            try:
                video_tuning.route_retransmissions(camera.receiver.transport)  # bundled: all
            except video_tuning.AiortcInternalsError:
                logger.exception("= retransmissions left unrouted")
        content = self._transceivers.get(TrackRole.CONTENT)
        if self._tuning is not None and content is not None:
            self._tuning.negotiated(content)

    def _role_of(self, track: MediaStreamTrack) -> TrackRole | None:
        for role, transceiver in self._transceivers.items():
            if transceiver.receiver.track is track:
                return role
        return None

    def _on_track(self, track: MediaStreamTrack) -> None:
        # The answerer hears of tracks inside setRemoteDescription, before accept_offer maps.
        self._map_offered_transceivers()
        role = self._role_of(track)
        if role is None:
            logger.warning("%s < a %s track with no role; ignored", self.name, track.kind)
            return
        self._on_event(RemoteTrackArrived(role, track))

    def _on_datachannel(self, channel: RTCDataChannel) -> None:
        self._on_event(ChannelArrived(channel))

    def _on_connection_state(self) -> None:
        logger.info("%s = %s", self.name, self.pc.connectionState)
        if self.pc.connectionState == "connected":
            relay = self.relays.in_use(self.pc)
            logger.info("%s = media via %s", self.name, relay.url if relay else "a direct path")
        self._on_event(ConnectionChanged(self.pc.connectionState))
