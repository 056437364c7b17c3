"""Turning aiortc's stats into rates: pure tests on aiortc's own stats objects, then a real call."""

from __future__ import annotations

import asyncio
import datetime

import av
import numpy as np
from aiortc import RTCConfiguration, RTCPeerConnection
from aiortc.mediastreams import MediaStreamTrack, VideoStreamTrack
from aiortc.stats import (
    RTCInboundRtpStreamStats,
    RTCOutboundRtpStreamStats,
    RTCRemoteInboundRtpStreamStats,
    RTCRemoteOutboundRtpStreamStats,
    RTCTransportStats,
)

from call.stats import CallStats, Direction, FrameMeter, StatsSampler, TrackKind, TrackReading
from signaling.protocol import ReportStats, TrackStats
from tests.participant import UNIT

T0 = datetime.datetime(2026, 4, 1, 9, 0, tzinfo=datetime.UTC)


def outbound(bytes_sent: int, packets: int = 100) -> RTCOutboundRtpStreamStats:
    return RTCOutboundRtpStreamStats(
        timestamp=T0, type="outbound-rtp", id="o", ssrc=1, kind="video", transportId="t",
        packetsSent=packets, bytesSent=bytes_sent, trackId="x",
    )  # fmt: skip


def remote_inbound(rtt: float, fraction_lost: int, jitter: int) -> RTCRemoteInboundRtpStreamStats:
    return RTCRemoteInboundRtpStreamStats(
        timestamp=T0, type="remote-inbound-rtp", id="ri", ssrc=1, kind="video", transportId="t",
        packetsReceived=90, packetsLost=10, jitter=jitter, roundTripTime=rtt,
        fractionLost=fraction_lost,
    )  # fmt: skip


def inbound(received: int, lost: int, jitter: int = 0) -> RTCInboundRtpStreamStats:
    return RTCInboundRtpStreamStats(
        timestamp=T0, type="inbound-rtp", id="i", ssrc=2, kind="audio", transportId="t",
        packetsReceived=received, packetsLost=lost, jitter=jitter,
    )  # fmt: skip


def remote_outbound(bytes_sent: int, at: float) -> RTCRemoteOutboundRtpStreamStats:
    return RTCRemoteOutboundRtpStreamStats(
        timestamp=T0, type="remote-outbound-rtp", id="ro", ssrc=2, kind="audio", transportId="t",
        packetsSent=10, bytesSent=bytes_sent, remoteTimestamp=T0 + datetime.timedelta(seconds=at),
    )  # fmt: skip


def transport() -> RTCTransportStats:
    return RTCTransportStats(
        timestamp=T0, type="transport", id="t", packetsSent=1, packetsReceived=1, bytesSent=1,
        bytesReceived=1, iceRole="controlling", dtlsState="connected",
    )  # fmt: skip


def only(stats: CallStats) -> TrackStats:
    assert len(stats.tracks) == 1
    return stats.tracks[0]


def test_the_outbound_bitrate_comes_from_the_bytes_sent_between_samples() -> None:
    sampler = StatsSampler()
    first = sampler.sample(10.0, [TrackReading(TrackKind.VIDEO, Direction.OUTBOUND, [outbound(0)])])
    assert only(first).bitrate_kbps is None  # nothing to compare with yet
    second = sampler.sample(
        12.0, [TrackReading(TrackKind.VIDEO, Direction.OUTBOUND, [outbound(250_000), transport()])]
    )
    assert only(second).bitrate_kbps == 1000.0  # 250 kB in 2 s


def test_rtt_loss_and_jitter_come_from_the_peers_receiver_report() -> None:
    stats = StatsSampler().sample(
        0.0,
        [
            TrackReading(
                TrackKind.VIDEO,
                Direction.OUTBOUND,
                [outbound(1), remote_inbound(rtt=0.042, fraction_lost=64, jitter=900)],
            )
        ],
    )
    track = only(stats)
    assert stats.rtt_ms == 42.0
    assert track.packet_loss_percent == 25.0  # 64/256
    assert track.jitter_ms == 10.0  # 900 ticks of the 90 kHz video clock


def test_audio_jitter_is_read_on_the_48_khz_clock() -> None:
    stats = StatsSampler().sample(
        0.0, [TrackReading(TrackKind.AUDIO, Direction.INBOUND, [inbound(10, 0, jitter=480)])]
    )
    assert only(stats).jitter_ms == 10.0


def test_the_inbound_bitrate_is_the_senders_own_count_over_its_own_clock() -> None:
    sampler = StatsSampler()
    reading = TrackKind.AUDIO, Direction.INBOUND
    sampler.sample(0.0, [TrackReading(*reading, [inbound(0, 0), remote_outbound(1_000, at=5.0)])])
    stats = sampler.sample(
        2.0, [TrackReading(*reading, [inbound(100, 0), remote_outbound(5_000, at=6.0)])]
    )
    assert only(stats).bitrate_kbps == 32.0  # 4 kB in the 1 s between two sender reports


def test_inbound_loss_is_the_share_of_packets_lost_since_the_last_sample() -> None:
    sampler = StatsSampler()
    reading = TrackKind.AUDIO, Direction.INBOUND
    sampler.sample(0.0, [TrackReading(*reading, [inbound(1000, 5)])])
    stats = sampler.sample(2.0, [TrackReading(*reading, [inbound(1095, 10)])])
    assert only(stats).packet_loss_percent == 5.0  # 5 lost of 100


def test_counters_that_restart_give_no_number_rather_than_a_negative_one() -> None:
    sampler = StatsSampler()
    reading = TrackKind.VIDEO, Direction.OUTBOUND
    sampler.sample(0.0, [TrackReading(*reading, [outbound(9_000_000)])])
    stats = sampler.sample(2.0, [TrackReading(*reading, [outbound(1_000)])])
    assert only(stats).bitrate_kbps is None


def test_missing_stats_give_missing_numbers() -> None:
    sampler = StatsSampler()
    reading = TrackReading(TrackKind.CONTENT, Direction.INBOUND, [object(), transport()])
    sampler.sample(0.0, [reading])
    stats = sampler.sample(2.0, [reading])
    assert stats.rtt_ms is None
    assert only(stats) == TrackStats(kind="content", direction="inbound")


def test_frame_rate_and_size_come_from_a_frame_meter() -> None:
    meter = FrameMeter()
    sampler = StatsSampler()
    reading = TrackReading(TrackKind.VIDEO, Direction.INBOUND, [], meter)
    sampler.sample(0.0, [reading])
    for _ in range(30):
        meter.count(640, 480)
    track = only(sampler.sample(2.0, [reading]))
    assert (track.fps, track.width, track.height) == (15.0, 640, 480)


def test_a_sample_becomes_the_hubs_report_stats() -> None:
    stats = CallStats(rtt_ms=12.5, tracks=(TrackStats(kind="audio", direction="inbound"),))
    assert stats.report("s-1") == ReportStats(
        session_id="s-1", rtt_ms=12.5, tracks=[TrackStats(kind="audio", direction="inbound")]
    )
    assert stats.track(TrackKind.AUDIO, Direction.INBOUND) is stats.tracks[0]
    assert stats.track(TrackKind.VIDEO, Direction.INBOUND) is None


class Colour(VideoStreamTrack):
    async def recv(self) -> av.VideoFrame:
        pts, time_base = await self.next_timestamp()
        frame = av.VideoFrame.from_ndarray(np.full((120, 160, 3), 90, np.uint8), format="rgb24")
        frame.pts, frame.time_base = pts, time_base
        return frame


async def test_a_real_call_yields_a_bitrate_and_a_round_trip_time(loopback_ice: None) -> None:
    a = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    b = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    sender = a.addTransceiver(Colour(), "sendonly")
    got: asyncio.Queue[MediaStreamTrack] = asyncio.Queue()
    b.on("track", got.put_nowait)
    await a.setLocalDescription(await a.createOffer())
    await b.setRemoteDescription(a.localDescription)
    await b.setLocalDescription(await b.createAnswer())
    await a.setRemoteDescription(b.localDescription)
    track = await asyncio.wait_for(got.get(), UNIT)
    sampler = StatsSampler()
    stats = None
    try:
        async with asyncio.timeout(3 * UNIT):
            # aiortc sends RTCP every 0.5-1.5 s; the RTT needs one receiver report.
            while stats is None or stats.rtt_ms is None or not only(stats).bitrate_kbps:
                await track.recv()
                reading = list((await sender.sender.getStats()).values())
                now = asyncio.get_running_loop().time()
                stats = sampler.sample(
                    now, [TrackReading(TrackKind.VIDEO, Direction.OUTBOUND, reading)]
                )
                await asyncio.sleep(UNIT / 10)
    finally:
        await a.close()
        await b.close()
    assert stats.rtt_ms is not None
    assert 0 <= stats.rtt_ms < 1000
    bitrate = only(stats).bitrate_kbps
    assert bitrate is not None
    assert bitrate > 0
