"""Every tweak that reaches into aiortc's internals, in one place (docs/video.md, The tweaks).

aiortc 1.16 sends text badly. Its VP8 encoder starts at 500 kbps, follows the receiver's REMB
estimate and is clamped to 1.5 Mbps, which at 1080p leaves a page of 12 px Japanese at
23-28 dB PSNR. And it has no pacer: a 1080p keyframe leaves as one burst of a hundred packets or
more, which overflows default UDP socket buffers. The fixes:

- `tune_content_transceiver` gives only the content sender (screen share, document camera) VP8
  and its own encoder with a pinned target bitrate that REMB cannot move. The camera sender
  keeps aiortc's adaptive encoder.
- `enlarge_socket_buffers` raises SO_RCVBUF and SO_SNDBUF on a peer connection's ICE sockets.
- `pace_sender` spreads a sender's new RTP packets out at a few times its bitrate, as
  libwebrtc's pacer does, so a keyframe no longer leaves as one burst.
- `tune_audio_receiver` gives an audio receiver `call.audio_jitter.AudioJitterBuffer` in place
  of aiortc's, which drops about five packets of good audio for every one the network loses.
- `route_retransmissions` routes each receiver's retransmissions (RTX) to it. aiortc routes an
  incoming packet by its SSRC, registering only the media SSRC, and falls back on the payload
  type only when one receiver has it; the camera and content m-lines share theirs, so every
  retransmission was dropped, and on a lossy line each lost packet froze the picture until the
  next keyframe.
- `tune_camera_receiver` makes the camera receiver give up on a lost packet after 128 packets
  rather than 512. 128 is as far back as the sender keeps packets to retransmit (and as far as
  the receiver asks for them), so a packet lost twice never comes after that; waiting on for
  512 froze the picture for 4 s at a time on a lossy line, before the keyframe request.

What each relies on is named in `AIORTC_INTERNALS`; tests/call/test_video_tuning.py checks each
path against real objects, so an aiortc upgrade that moves one fails there, loudly, first.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final, Protocol

from aiortc import RTCPeerConnection, RTCRtpReceiver, RTCRtpSender, RTCRtpTransceiver
from aiortc.codecs.base import Encoder
from aiortc.codecs.vpx import Vp8Encoder
from aiortc.jitterbuffer import JitterBuffer
from aiortc.rtcdtlstransport import RTCDtlsTransport
from aiortc.rtcicetransport import RTCIceTransport
from aiortc.rtcrtpparameters import RTCRtpReceiveParameters
from aiortc.rtp import RTP_HISTORY_SIZE, is_rtcp
from aiortc.utils import uint16_gt

from call.audio_jitter import AudioJitterBuffer
from signaling.limits import TokenBucket

logger = logging.getLogger(__name__)

CONTENT_BITRATE: Final = 3_000_000  # bits/s; enough for 1080p text at the 4:2:0 ceiling
SOCKET_BUFFER_BYTES: Final = 4 * 1024 * 1024
PACING_FACTOR: Final = 2.5  # libwebrtc's default: send at 2.5 times the target bitrate
PACING_BURST_BYTES: Final = 16 * 1300  # sent at once before pacing starts: 16 full packets

# The private attributes used here, as (owner, attribute, what for).
_SENDER_ENCODER: Final = "_RTCRtpSender__encoder"
_VP8_TARGET: Final = "_Vp8Encoder__target_bitrate"
_RECEIVER_JITTER: Final = "_RTCRtpReceiver__jitter_buffer"
_REGISTER_RECEIVER: Final = "_register_rtp_receiver"
AIORTC_INTERNALS: Final = (
    ("aiortc.RTCRtpSender", _SENDER_ENCODER, "the encoder, made lazily on the first frame"),
    ("aiortc.codecs.vpx.Vp8Encoder", _VP8_TARGET, "the target, read for libvpx's bufsize"),
    ("aiortc.RTCIceTransport", "_connection", "the aioice Connection"),
    ("aioice.Connection", "_protocols", "one StunProtocol per local candidate"),
    ("aiortc.RTCDtlsTransport", "_send_rtp", "the one way out for every RTP packet"),
    ("aiortc.RTCRtpSender", "_ssrc", "the sender's media SSRC"),
    ("aiortc.RTCRtpReceiver", _RECEIVER_JITTER, "the jitter buffer each RTP packet goes into"),
    ("aiortc.RTCDtlsTransport", _REGISTER_RECEIVER, "where a receiver's SSRCs are routed"),
    ("aiortc.RTCDtlsTransport", "_rtp_router", "the router, whose ssrc_table routes RTP"),
)


class _Socket(Protocol):
    """The part of asyncio's TransportSocket used here."""

    def setsockopt(self, level: int, option: int, value: int, /) -> None: ...
    def getsockopt(self, level: int, option: int, /) -> int: ...
    def getsockname(self) -> Any: ...


class AiortcInternalsError(RuntimeError):
    """An aiortc upgrade moved something this module reaches into."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"aiortc internals changed: {detail} (see call/video_tuning.py)")


class PinnedVp8Encoder(Vp8Encoder):
    """aiortc's VP8 encoder at a fixed target bitrate, deaf to REMB and past its 1.5 Mbps cap."""

    def __init__(self, bitrate: int) -> None:
        super().__init__()
        if bitrate <= 0:
            raise ValueError(f"bitrate must be positive, not {bitrate}")
        if not hasattr(self, _VP8_TARGET):
            raise AiortcInternalsError(f"Vp8Encoder has no {_VP8_TARGET}")
        self._pinned = bitrate
        # The parent reads its private copy for libvpx's rate-control buffer size.
        setattr(self, _VP8_TARGET, bitrate)

    @property
    def target_bitrate(self) -> int:
        return self._pinned

    @target_bitrate.setter
    def target_bitrate(self, bitrate: int) -> None:
        # REMB from the receiver lands here (RTCRtpSender._handle_rtcp_packet): ignore it.
        del bitrate


def prefer_vp8(transceiver: RTCRtpTransceiver) -> None:
    """Offer or accept only VP8 (and its RTX) on this transceiver; aiortc's H.264 smears text."""
    codecs = [
        codec
        for codec in RTCRtpSender.getCapabilities(transceiver.kind).codecs
        if codec.mimeType.lower() in ("video/vp8", "video/rtx")
    ]
    if not any(codec.mimeType.lower() == "video/vp8" for codec in codecs):
        raise AiortcInternalsError("VP8 is no longer among the video capabilities")
    transceiver.setCodecPreferences(codecs)


def sender_encoder(sender: RTCRtpSender) -> Encoder | None:
    """The sender's current encoder, or None before its first frame (or after it stopped)."""
    if _SENDER_ENCODER not in vars(sender):
        raise AiortcInternalsError(f"RTCRtpSender has no {_SENDER_ENCODER}")
    encoder: Encoder | None = vars(sender)[_SENDER_ENCODER]
    return encoder


def pin_content_bitrate(sender: RTCRtpSender, bitrate: int = CONTENT_BITRATE) -> PinnedVp8Encoder:
    """Give this sender its own VP8 encoder at `bitrate`; call before its first frame.

    The sender builds an encoder only when it has none, so a pinned one put in first is kept
    for the life of the sender. The transceiver must negotiate VP8 (see `prefer_vp8`).
    """
    current = sender_encoder(sender)
    if current is not None and not isinstance(current, Vp8Encoder):
        raise ValueError(f"the sender already encodes with {type(current).__name__}, not VP8")
    encoder = PinnedVp8Encoder(bitrate)
    setattr(sender, _SENDER_ENCODER, encoder)
    return encoder


def tune_content_transceiver(
    transceiver: RTCRtpTransceiver, bitrate: int = CONTENT_BITRATE
) -> PinnedVp8Encoder:
    """Make a content transceiver VP8-only with a pinned bitrate; call before negotiating."""
    prefer_vp8(transceiver)
    return pin_content_bitrate(transceiver.sender, bitrate)


class _RegisterWithRetransmissions:
    """Stands in for a DTLS transport's `_register_rtp_receiver`: routes RTX SSRCs too."""

    def __init__(self, register: Callable[[Any, RTCRtpReceiveParameters], None], router: Any):
        self.register = register
        self.router = router

    def __call__(self, receiver: Any, parameters: RTCRtpReceiveParameters) -> None:
        self.register(receiver, parameters)
        for encoding in parameters.encodings:
            if encoding.rtx is not None:
                # The receiver unwraps it to the media SSRC itself (its own RTX map).
                self.router.ssrc_table[encoding.rtx.ssrc] = receiver


def route_retransmissions(transport: RTCDtlsTransport) -> None:
    """Route the RTX SSRC of every receiver on `transport` to that receiver; call once the
    descriptions are set (receivers register when the connection comes up). Idempotent."""
    register = vars(transport).get(_REGISTER_RECEIVER)
    if isinstance(register, _RegisterWithRetransmissions):
        return
    register = getattr(transport, _REGISTER_RECEIVER, None)
    router = getattr(transport, "_rtp_router", None)
    if not callable(register) or not isinstance(getattr(router, "ssrc_table", None), dict):
        raise AiortcInternalsError("RTCDtlsTransport._register_rtp_receiver or its router")
    vars(transport)[_REGISTER_RECEIVER] = _RegisterWithRetransmissions(register, router)


def tune_camera_receiver(receiver: RTCRtpReceiver) -> JitterBuffer:
    """Make a camera receiver give up on a lost packet once no retransmission can come for it;
    call before media flows. A frame must fit in the buffer, and a 720p keyframe (tens of
    packets) does; the content receiver, whose 1080p keyframes may not, keeps aiortc's."""
    if not isinstance(vars(receiver).get(_RECEIVER_JITTER), JitterBuffer):
        raise AiortcInternalsError(f"RTCRtpReceiver has no {_RECEIVER_JITTER}")
    buffer = JitterBuffer(capacity=RTP_HISTORY_SIZE, is_video=True)
    setattr(receiver, _RECEIVER_JITTER, buffer)
    return buffer


def tune_audio_receiver(receiver: RTCRtpReceiver) -> AudioJitterBuffer:
    """Give an audio receiver `AudioJitterBuffer`; call before media flows (before connecting).

    The receiver passes every RTP packet to its jitter buffer's `add` and decodes what comes
    back, so the replacement keeps that one method's contract.
    """
    if not isinstance(vars(receiver).get(_RECEIVER_JITTER), JitterBuffer):
        raise AiortcInternalsError(f"RTCRtpReceiver has no {_RECEIVER_JITTER}")
    buffer = AudioJitterBuffer()
    setattr(receiver, _RECEIVER_JITTER, buffer)
    return buffer


@dataclass(frozen=True, slots=True)
class SocketBuffers:
    """What the kernel granted one ICE socket; Linux reports double the request, capped."""

    address: tuple[str, int]
    receive: int
    send: int


def socket_buffers(pc: RTCPeerConnection) -> list[SocketBuffers]:
    """The buffer sizes the kernel reports for each host ICE socket, as they stand."""
    return [_buffers_of(sock) for sock in _ice_sockets(pc)]


def enlarge_socket_buffers(
    pc: RTCPeerConnection, size: int = SOCKET_BUFFER_BYTES
) -> list[SocketBuffers]:
    """Ask for `size`-byte UDP buffers on every host ICE socket; call after setLocalDescription.

    Linux grants min(size, net.core.rmem_max / wmem_max) and reports twice that, so raising
    those sysctls is a deploy step (docs/video.md). TURN relay sockets are not reached.
    """
    granted = []
    for sock in _ice_sockets(pc):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, size)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, size)
        granted.append(_buffers_of(sock))
    # Linux reports twice what it grants (the rest covers its bookkeeping).
    reported = 2 * size if sys.platform == "linux" else size
    for buffers in granted:
        if min(buffers.receive, buffers.send) < reported:
            logger.warning("= socket buffers cut below %d bytes: %s", size, buffers)
    return granted


def _buffers_of(sock: _Socket) -> SocketBuffers:
    return SocketBuffers(
        address=sock.getsockname()[:2],
        receive=sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF),
        send=sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF),
    )


def _ice_transports(pc: RTCPeerConnection) -> list[RTCIceTransport]:
    transports: dict[int, RTCIceTransport] = {}
    for transceiver in pc.getTransceivers():
        ice = transceiver.sender.transport.transport
        transports[id(ice)] = ice
    if pc.sctp is not None:
        ice = pc.sctp.transport.transport
        transports[id(ice)] = ice
    return list(transports.values())


def _ice_sockets(pc: RTCPeerConnection) -> list[_Socket]:
    sockets: list[_Socket] = []
    for ice in _ice_transports(pc):
        connection = getattr(ice, "_connection", None)
        protocols = getattr(connection, "_protocols", None)
        if connection is None or not isinstance(protocols, list):
            raise AiortcInternalsError("RTCIceTransport._connection._protocols is gone")
        for protocol in protocols:
            transport = getattr(protocol, "transport", None)
            if transport is None:
                raise AiortcInternalsError("an aioice StunProtocol has no transport")
            sock = transport.get_extra_info("socket")
            if sock is not None:  # None for a TURN relay, whose socket aioice hides
                sockets.append(sock)
    return sockets


# ---------------------------------------------------------------------------------------------
# The pacer: a `signaling.limits.TokenBucket` per paced SSRC, holding each new packet its wait.


SendRtp = Callable[[bytes], Awaitable[None]]


class PacedSendRtp:
    """Stands in for a DTLS transport's `_send_rtp`: paces new packets of chosen SSRCs.

    Only packets with a sequence number newer than any seen are held. Retransmissions reuse old
    numbers (or go on the RTX SSRC), and they are sent from the transport's receive loop in
    answer to a NACK, which a wait here would stall for every track.
    """

    def __init__(self, send: SendRtp) -> None:
        self.send = send
        self.buckets: dict[int, TokenBucket] = {}
        self._newest: dict[int, int] = {}

    async def __call__(self, data: bytes) -> None:
        wait = self.hold(data, time.monotonic())
        if wait > 0:
            await asyncio.sleep(wait)
        await self.send(data)

    def hold(self, data: bytes, now: float) -> float:
        """How long to hold this serialized packet, charging it to its SSRC's bucket."""
        if len(data) < 12 or is_rtcp(data):
            return 0.0
        ssrc = int.from_bytes(data[8:12], "big")
        bucket = self.buckets.get(ssrc)
        sequence = int.from_bytes(data[2:4], "big")
        newest = self._newest.get(ssrc)
        if bucket is None or (newest is not None and not uint16_gt(sequence, newest)):
            return 0.0
        self._newest[ssrc] = sequence
        return bucket.delay(now, len(data))


def pace_sender(
    sender: RTCRtpSender,
    bitrate: int = CONTENT_BITRATE,
    *,
    factor: float = PACING_FACTOR,
    burst: int = PACING_BURST_BYTES,
) -> TokenBucket:
    """Send this sender's new packets at `factor` x `bitrate` at most; call after negotiating.

    Negotiation may swap a sender's transport for the bundle's, so the hook goes on the
    transport the sender has once the answer is applied.
    """
    transport: RTCDtlsTransport = sender.transport
    send = vars(transport).get("_send_rtp")
    if not isinstance(send, PacedSendRtp):
        if not callable(getattr(transport, "_send_rtp", None)):
            raise AiortcInternalsError("RTCDtlsTransport._send_rtp is gone")
        send = PacedSendRtp(transport._send_rtp)
        vars(transport)["_send_rtp"] = send
    if not isinstance(vars(sender).get("_ssrc"), int):
        raise AiortcInternalsError("RTCRtpSender._ssrc is gone")
    bucket = TokenBucket(factor * bitrate / 8, burst)
    send.buckets[sender._ssrc] = bucket
    return bucket
