"""The aiortc tweaks, on two real peers in one process over loopback.

Each test that leans on an aiortc internal fails with "aiortc internals changed: ..." when an
upgrade moves it, so the upgrade is caught here rather than as blurry text in a city office.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from aiortc import (
    MediaStreamTrack,
    RTCBundlePolicy,
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpSender,
    RTCRtpTransceiver,
)
from aiortc.codecs.h264 import H264Encoder
from aiortc.codecs.vpx import MAX_BITRATE, Vp8Encoder
from aiortc.jitterbuffer import JitterBuffer
from aiortc.mediastreams import VIDEO_TIME_BASE
from aiortc.rtcrtpparameters import (
    RTCRtpCodecParameters,
    RTCRtpDecodingParameters,
    RTCRtpReceiveParameters,
    RTCRtpRtxParameters,
)
from aiortc.rtp import (
    RTCP_PSFB_APP,
    RTP_HISTORY_SIZE,
    RtcpPsfbPacket,
    RtcpSenderInfo,
    RtcpSrPacket,
    RtpPacket,
    pack_remb_fci,
)
from PIL import Image, ImageDraw

from call.audio_jitter import AudioJitterBuffer
from call.camera import CameraCapture, CameraSettings, CameraStatus
from call.pictures import cjk_font
from call.video_tuning import (
    AIORTC_INTERNALS,
    CONTENT_BITRATE,
    PacedSendRtp,
    PinnedVp8Encoder,
    enlarge_socket_buffers,
    pace_sender,
    pin_content_bitrate,
    route_retransmissions,
    sender_encoder,
    tune_audio_receiver,
    tune_camera_receiver,
    tune_content_transceiver,
)
from signaling.limits import TokenBucket

UNIT = 0.05  # seconds; every timeout here is a multiple of it
WAIT = 100 * UNIT
CONTENT_SIZE = (640, 360)
INTERNALS = "aiortc internals changed"


class StillTrack(MediaStreamTrack):
    """A page of Japanese text, sent as a video track at a few frames a second."""

    kind = "video"

    def __init__(self, size: tuple[int, int] = CONTENT_SIZE) -> None:
        super().__init__()
        page = Image.new("RGB", size, "white")
        draw = ImageDraw.Draw(page)
        for row in range(0, size[1] - 16, 18):
            draw.text(
                (4, row),
                "住民票の写しの交付申請書 記入例 令和7年" * 2,
                font=cjk_font(14),
                fill="black",
            )
        self.page = np.asarray(page)
        self._count = 0

    async def recv(self) -> av.VideoFrame:
        await asyncio.sleep(0.2)
        frame = av.VideoFrame.from_ndarray(self.page, format="rgb24")
        frame.pts, frame.time_base = self._count * 18000, VIDEO_TIME_BASE
        self._count += 1
        return frame


@dataclass
class Call:
    """A kiosk-to-staff call: camera and content on their own transceivers, max-bundle."""

    sender: RTCPeerConnection
    receiver: RTCPeerConnection
    camera: RTCRtpTransceiver
    content: RTCRtpTransceiver
    received: dict[str, list[av.VideoFrame]]
    arrived: asyncio.Event


def peer() -> RTCPeerConnection:
    return RTCPeerConnection(
        RTCConfiguration(iceServers=[], bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)
    )


async def negotiate(offerer: RTCPeerConnection, answerer: RTCPeerConnection) -> None:
    await offerer.setLocalDescription(await offerer.createOffer())
    await answerer.setRemoteDescription(offerer.localDescription)
    await answerer.setLocalDescription(await answerer.createAnswer())
    await offerer.setRemoteDescription(answerer.localDescription)


async def consume(
    track: MediaStreamTrack, into: list[av.VideoFrame], arrived: asyncio.Event
) -> None:
    while True:
        frame = await track.recv()
        assert isinstance(frame, av.VideoFrame)
        into.append(frame)
        arrived.set()


@pytest.fixture
async def camera(tmp_path: Path) -> AsyncIterator[CameraCapture]:
    settings = CameraSettings(device=str(tmp_path / "no-camera"), width=320, height=240)
    with CameraCapture(settings) as capture:
        yield capture


async def start_call(camera: CameraCapture, *, tune: bool) -> tuple[Call, list[asyncio.Task[Any]]]:
    sender, receiver = peer(), peer()
    camera_transceiver = sender.addTransceiver(camera.track(fps=15), direction="sendonly")
    content_transceiver = sender.addTransceiver(StillTrack(), direction="sendonly")
    if tune:
        tune_content_transceiver(content_transceiver)
    received: dict[str, list[av.VideoFrame]] = {}
    arrived = asyncio.Event()
    tasks: list[asyncio.Task[Any]] = []

    @receiver.on("track")
    def on_track(track: MediaStreamTrack) -> None:
        transceiver = next(t for t in receiver.getTransceivers() if t.receiver.track is track)
        assert transceiver.mid is not None
        frames = received.setdefault(transceiver.mid, [])
        tasks.append(asyncio.create_task(consume(track, frames, arrived)))

    await negotiate(sender, receiver)
    if tune:
        pace_sender(content_transceiver.sender)
    call = Call(sender, receiver, camera_transceiver, content_transceiver, received, arrived)
    return call, tasks


@pytest.fixture
async def tuned_call(camera: CameraCapture) -> AsyncIterator[Call]:
    call, tasks = await start_call(camera, tune=True)
    yield call
    for task in tasks:
        task.cancel()
    await asyncio.gather(call.sender.close(), call.receiver.close())
    await asyncio.gather(*tasks, return_exceptions=True)


async def wait_for_frames(call: Call, *mids: str, count: int = 2) -> None:
    async def enough() -> None:
        while not all(len(call.received.get(mid, [])) >= count for mid in mids):
            call.arrived.clear()
            await call.arrived.wait()

    try:
        await asyncio.wait_for(enough(), WAIT)
    except TimeoutError:
        counts = {mid: len(frames) for mid, frames in call.received.items()}
        pytest.fail(f"frames received per mid: {counts}, wanted {count} on {mids}")


async def apply_remb(sender: RTCRtpSender, bitrate: int) -> None:
    """Hand the sender a receiver's bandwidth estimate, the way it arrives over RTCP."""
    handle = getattr(sender, "_handle_rtcp_packet", None)
    assert handle is not None, f"{INTERNALS}: RTCRtpSender._handle_rtcp_packet is gone"
    fci = pack_remb_fci(bitrate, [sender._ssrc])
    await handle(RtcpPsfbPacket(fmt=RTCP_PSFB_APP, ssrc=0, media_ssrc=0, fci=fci))


def kernel_limit(name: str) -> int:
    return int(Path("/proc/sys/net/core", name).read_text())


# The attribute paths, checked on real objects


def test_every_internal_this_module_relies_on_is_named() -> None:
    attributes = {attribute for _, attribute, _ in AIORTC_INTERNALS}

    assert attributes == {
        "_RTCRtpReceiver__jitter_buffer",
        "_register_rtp_receiver",
        "_rtp_router",
        "_RTCRtpSender__encoder",
        "_Vp8Encoder__target_bitrate",
        "_connection",
        "_protocols",
        "_send_rtp",
        "_ssrc",
    }


async def test_the_sender_still_keeps_its_encoder_where_pinning_puts_one() -> None:
    pc = peer()
    transceiver = pc.addTransceiver("video", direction="sendonly")
    try:
        assert "_RTCRtpSender__encoder" in vars(transceiver.sender), (
            f"{INTERNALS}: RTCRtpSender no longer keeps its encoder in __encoder"
        )
        assert sender_encoder(transceiver.sender) is None
    finally:
        await pc.close()


async def test_an_audio_receiver_gets_the_jitter_buffer_that_loses_only_what_was_lost() -> None:
    pc = peer()
    transceiver = pc.addTransceiver("audio", direction="recvonly")
    try:
        assert isinstance(
            vars(transceiver.receiver).get("_RTCRtpReceiver__jitter_buffer"), JitterBuffer
        ), f"{INTERNALS}: RTCRtpReceiver no longer keeps its jitter buffer in __jitter_buffer"
        buffer = tune_audio_receiver(transceiver.receiver)
        assert vars(transceiver.receiver)["_RTCRtpReceiver__jitter_buffer"] is buffer
        assert isinstance(buffer, AudioJitterBuffer)
    finally:
        await pc.close()


async def test_a_camera_picture_lost_for_good_is_given_up_on_once_it_cannot_be_resent() -> None:
    pc = peer()
    transceiver = pc.addTransceiver("video", direction="recvonly")
    try:
        buffer = tune_camera_receiver(transceiver.receiver)
        assert vars(transceiver.receiver)["_RTCRtpReceiver__jitter_buffer"] is buffer
    finally:
        await pc.close()
    # Frames of four packets; packet 10 never comes, not even as a retransmission. The picture
    # comes back (with a keyframe request) once the sender's resend history is past it.
    stalled, asked = 0, False
    for number in (n for n in range(1000) if n != 10):
        sent = RtpPacket(sequence_number=number, timestamp=3000 * (number // 4))
        sent._data = b"x"  # type: ignore[attr-defined]  # as the receiver sets it
        pli, frame = buffer.add(sent)
        asked = asked or pli
        if number > 10:
            if frame is not None:
                break
            stalled += 1
    assert asked
    assert RTP_HISTORY_SIZE - 8 <= stalled <= RTP_HISTORY_SIZE  # aiortc's own waited for 512


async def test_retransmissions_reach_the_camera_though_content_shares_its_payload_types() -> None:
    pc = peer()
    camera = pc.addTransceiver("video", direction="recvonly")
    content = pc.addTransceiver("video", direction="recvonly")
    transport = camera.receiver.transport
    try:
        route_retransmissions(transport)
        route_retransmissions(transport)  # once is enough: a renegotiation calls it again
        codecs = [
            RTCRtpCodecParameters(mimeType="video/VP8", clockRate=90000, payloadType=97),
            RTCRtpCodecParameters(
                mimeType="video/rtx", clockRate=90000, payloadType=98, parameters={"apt": 97}
            ),
        ]
        for receiver, media, rtx in ((camera.receiver, 11, 12), (content.receiver, 21, 22)):
            # What RTCRtpReceiver.receive() registers when the connection comes up.
            transport._register_rtp_receiver(
                receiver,
                RTCRtpReceiveParameters(
                    codecs=codecs,
                    encodings=[
                        RTCRtpDecodingParameters(
                            ssrc=media, payloadType=97, rtx=RTCRtpRtxParameters(ssrc=rtx)
                        )
                    ],
                ),
            )
        router = transport._rtp_router
        # aiortc alone routes only the media SSRCs; payload type 98 has two receivers.
        assert router.route_rtp(RtpPacket(payload_type=97, ssrc=11)) is camera.receiver
        assert router.route_rtp(RtpPacket(payload_type=98, ssrc=12)) is camera.receiver
        assert router.route_rtp(RtpPacket(payload_type=98, ssrc=22)) is content.receiver
    finally:
        await pc.close()


def test_vp8_still_keeps_the_private_target_it_reads_for_its_buffer_size() -> None:
    assert "_Vp8Encoder__target_bitrate" in vars(Vp8Encoder()), (
        f"{INTERNALS}: Vp8Encoder no longer keeps __target_bitrate"
    )


async def test_the_ice_transport_still_exposes_its_sockets_after_gathering() -> None:
    pc = peer()
    transceiver = pc.addTransceiver("video", direction="sendonly")
    await pc.setLocalDescription(await pc.createOffer())
    try:
        ice = transceiver.sender.transport.transport
        connection = getattr(ice, "_connection", None)
        assert connection is not None, f"{INTERNALS}: RTCIceTransport._connection is gone"
        protocols = getattr(connection, "_protocols", None)
        assert protocols, f"{INTERNALS}: aioice Connection._protocols is gone or empty"
        assert all(p.transport.get_extra_info("socket") is not None for p in protocols), (
            f"{INTERNALS}: aioice host protocols no longer expose their socket"
        )
    finally:
        await pc.close()


async def test_every_rtp_packet_still_leaves_through_the_dtls_transports_send_rtp(
    tuned_call: Call,
) -> None:
    assert tuned_call.content.mid is not None
    transport = tuned_call.content.sender.transport
    hook = vars(transport).get("_send_rtp")
    assert isinstance(hook, PacedSendRtp)
    bucket = hook.buckets[tuned_call.content.sender._ssrc]

    await wait_for_frames(tuned_call, tuned_call.content.mid)

    assert bucket.taken > 0, (
        f"{INTERNALS}: content RTP no longer goes through RTCDtlsTransport._send_rtp, "
        "so the pacer sees nothing"
    )


async def test_the_sender_still_applies_remb_through_target_bitrate() -> None:
    pc = peer()
    sender = pc.addTransceiver("video", direction="sendonly").sender
    encoder = Vp8Encoder()
    vars(sender)["_RTCRtpSender__encoder"] = encoder
    try:
        await apply_remb(sender, 300_000)
    finally:
        await pc.close()

    assert encoder.target_bitrate == 300_000, (
        f"{INTERNALS}: REMB no longer reaches the encoder's target_bitrate, so the pinned "
        "encoder's guard against it is untested"
    )


# The pinned content encoder


def test_a_pinned_encoder_ignores_bitrate_changes_and_passes_aiortc_cap() -> None:
    encoder = PinnedVp8Encoder(CONTENT_BITRATE)

    encoder.target_bitrate = 300_000
    frame = av.VideoFrame.from_ndarray(StillTrack().page, format="rgb24")
    frame.pts, frame.time_base = 0, VIDEO_TIME_BASE
    payloads, _ = encoder.encode(frame)

    assert CONTENT_BITRATE > MAX_BITRATE
    assert encoder.target_bitrate == CONTENT_BITRATE
    assert encoder.codec is not None
    assert encoder.codec.bit_rate == CONTENT_BITRATE
    assert payloads


async def test_pinning_refuses_a_sender_already_encoding_another_codec() -> None:
    pc = peer()
    sender = pc.addTransceiver("video", direction="sendonly").sender
    vars(sender)["_RTCRtpSender__encoder"] = H264Encoder()
    try:
        with pytest.raises(ValueError, match="H264Encoder"):
            pin_content_bitrate(sender)
    finally:
        await pc.close()


async def test_the_content_transceiver_offers_only_vp8_and_the_camera_keeps_every_codec(
    camera: CameraCapture,
) -> None:
    pc = peer()
    pc.addTransceiver(camera.track(), direction="sendonly")
    tune_content_transceiver(pc.addTransceiver(StillTrack(), direction="sendonly"))
    try:
        offer = await pc.createOffer()
    finally:
        await pc.close()

    camera_section, content_section = offer.sdp.split("m=video")[1:]
    assert "H264/90000" in camera_section
    assert "VP8/90000" in content_section
    assert "H264" not in content_section


# Two peers on loopback


async def test_the_receiver_gets_camera_and_content_frames_over_one_bundle(
    tuned_call: Call, camera: CameraCapture
) -> None:
    camera_mid, content_mid = tuned_call.camera.mid, tuned_call.content.mid
    assert camera_mid is not None
    assert content_mid is not None

    await wait_for_frames(tuned_call, camera_mid, content_mid)

    assert camera.state is not None
    assert camera.state.status is CameraStatus.MISSING
    content = tuned_call.received[content_mid][-1]
    assert (content.width, content.height) == CONTENT_SIZE
    camera_frame = tuned_call.received[camera_mid][-1]
    assert (camera_frame.width, camera_frame.height) == (320, 240)


async def test_remb_moves_the_camera_bitrate_but_not_the_pinned_content(tuned_call: Call) -> None:
    assert tuned_call.camera.mid is not None
    assert tuned_call.content.mid is not None
    await wait_for_frames(tuned_call, tuned_call.camera.mid, tuned_call.content.mid)
    camera_sender, content_sender = tuned_call.camera.sender, tuned_call.content.sender

    for sender in (camera_sender, content_sender):
        await apply_remb(sender, 300_000)

    camera_encoder = sender_encoder(camera_sender)
    content_encoder = sender_encoder(content_sender)
    assert isinstance(camera_encoder, Vp8Encoder)
    assert not isinstance(camera_encoder, PinnedVp8Encoder)
    assert camera_encoder.target_bitrate == 300_000
    assert isinstance(content_encoder, PinnedVp8Encoder), (
        f"{INTERNALS}: the sender replaced the pinned encoder with its own"
    )
    assert content_encoder.target_bitrate == CONTENT_BITRATE


async def test_socket_buffers_grow_as_far_as_the_kernel_allows(tuned_call: Call) -> None:
    granted = enlarge_socket_buffers(tuned_call.sender, 4 * 1024 * 1024)

    assert granted
    if sys.platform == "linux":
        # Linux grants min(request, rmem_max / wmem_max) and reports it doubled.
        rmem_max, wmem_max = kernel_limit("rmem_max"), kernel_limit("wmem_max")
        for buffers in granted:
            assert buffers.receive == 2 * min(4 * 1024 * 1024, rmem_max)
            assert buffers.send == 2 * min(4 * 1024 * 1024, wmem_max)


@pytest.mark.skipif(sys.platform != "linux", reason="the rmem_max cap is Linux's")
async def test_socket_buffers_cut_by_the_kernel_are_logged(
    tuned_call: Call, caplog: pytest.LogCaptureFixture
) -> None:
    too_big = 2 * max(kernel_limit("rmem_max"), kernel_limit("wmem_max"))

    granted = enlarge_socket_buffers(tuned_call.sender, too_big)

    assert all(buffers.receive < 2 * too_big for buffers in granted)
    assert "socket buffers cut below" in caplog.text


# The pacer


def rtp(ssrc: int, sequence: int, size: int = 1000) -> bytes:
    packet = RtpPacket(payload_type=96, sequence_number=sequence, timestamp=0, ssrc=ssrc)
    packet.payload = bytes(size)
    return packet.serialize()


def test_a_token_bucket_lets_a_burst_through_then_spaces_packets() -> None:
    bucket = TokenBucket(rate=1000, burst=2000)

    delays = [bucket.delay(0.0, 1000) for _ in range(4)]

    assert delays == [0.0, 0.0, 1.0, 2.0]
    assert bucket.taken == 4000


def test_a_token_bucket_refills_while_idle_but_no_further_than_its_burst() -> None:
    bucket = TokenBucket(rate=1000, burst=2000)
    bucket.delay(0.0, 2000)

    assert bucket.delay(100.0, 2000) == 0.0
    assert bucket.delay(100.0, 1000) == 1.0


def test_the_pacer_holds_new_packets_of_its_senders_only() -> None:
    async def send(data: bytes) -> None:
        raise AssertionError("hold() never sends")

    paced = PacedSendRtp(send)
    paced.buckets[1] = TokenBucket(rate=1000, burst=1)
    other_ssrc = rtp(ssrc=2, sequence=1)
    info = RtcpSenderInfo(ntp_timestamp=0, rtp_timestamp=0, packet_count=0, octet_count=0)
    rtcp = bytes(RtcpSrPacket(ssrc=1, sender_info=info))

    first = paced.hold(rtp(ssrc=1, sequence=10), now=0.0)
    second = paced.hold(rtp(ssrc=1, sequence=11), now=0.0)
    retransmission = paced.hold(rtp(ssrc=1, sequence=10), now=0.0)

    assert 0 < first < second
    assert retransmission == 0.0
    assert paced.hold(other_ssrc, now=0.0) == 0.0
    assert paced.hold(rtcp, now=0.0) == 0.0
