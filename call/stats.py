"""Call quality: RTT, loss, jitter, bitrate, fps and size per track, from aiortc's stats.

Every two seconds the session reads each transceiver's sender and receiver stats (the same
objects `RTCPeerConnection.getStats()` merges, but read per transceiver so that each belongs to a
known track: audio, camera video or content video) and hands them to `StatsSampler`, the
sans-I/O part here, which turns counters into rates. The result goes to the app and, as
`ReportStats`, to the hub for the admin page.

What aiortc 1.16 reports, and so what each number comes from:

- outbound: ``outbound-rtp`` (bytesSent, packetsSent) and, once the peer's RTCP receiver report
  came, ``remote-inbound-rtp`` (roundTripTime in seconds, fractionLost in 1/256, jitter);
- inbound: ``inbound-rtp`` (packetsReceived, packetsLost, jitter) and, once the peer's RTCP
  sender report came, ``remote-outbound-rtp`` (the peer's bytesSent with its own timestamp).
  aiortc's inbound-rtp has no bytesReceived, so the inbound bitrate is the peer's reported byte
  count over the peer's own clock, or bytesReceived when a newer aiortc provides it.
- jitter is in RTP timestamp units (48 kHz for Opus, 90 kHz for video), converted to ms here;
- aiortc reports no frame rate or size, so `FrameMeter`s count frames where they pass.

Any field may be missing (before the first RTCP report, or from another aiortc version): the
number is then None, never a guess. Counters that go backwards start a new baseline.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from signaling.protocol import ReportStats, TrackStats

AUDIO_CLOCK_RATE: Final = 48_000
VIDEO_CLOCK_RATE: Final = 90_000
STATS_INTERVAL: Final = 2.0  # seconds


class TrackKind(StrEnum):
    AUDIO = "audio"
    VIDEO = "video"  # the camera
    CONTENT = "content"  # screen share or document camera


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class FrameMeter:
    """Counts video frames where they pass, for the fps and size aiortc does not report."""

    __slots__ = ("frames", "height", "width")

    def __init__(self) -> None:
        self.frames = 0
        self.width: int | None = None
        self.height: int | None = None

    def count(self, width: int, height: int) -> None:
        self.frames += 1
        self.width = width
        self.height = height


@dataclass(frozen=True, slots=True)
class TrackReading:
    """One track's raw stats objects and frame count at one moment."""

    kind: TrackKind
    direction: Direction
    stats: Sequence[object]  # RTCStats objects from RTCRtpSender/RTCRtpReceiver.getStats()
    meter: FrameMeter | None = None

    @property
    def clock_rate(self) -> int:
        return AUDIO_CLOCK_RATE if self.kind is TrackKind.AUDIO else VIDEO_CLOCK_RATE


@dataclass(frozen=True, slots=True)
class CallStats:
    """One sample of a call's quality; `tracks` are the wire's TrackStats."""

    rtt_ms: float | None
    tracks: tuple[TrackStats, ...]
    audio_drift_ppm: float | None = None  # from the echo canceller's feed, where there is one

    def track(self, kind: TrackKind, direction: Direction) -> TrackStats | None:
        for track in self.tracks:
            if track.kind == kind and track.direction == direction:
                return track
        return None

    def report(self, session_id: str) -> ReportStats:
        return ReportStats(
            session_id=session_id,
            rtt_ms=self.rtt_ms,
            tracks=list(self.tracks),
            audio_drift_ppm=self.audio_drift_ppm,
        )


@dataclass(slots=True)
class _Counters:
    at: float
    bytes: int | None = None
    remote_bytes: int | None = None
    remote_at: float | None = None
    received: int | None = None
    lost: int | None = None
    frames: int | None = None


class StatsSampler:
    """Turns successive readings into rates; one per peer connection, since counters restart."""

    def __init__(self) -> None:
        self._previous: dict[tuple[TrackKind, Direction], _Counters] = {}

    def sample(self, now: float, readings: Sequence[TrackReading]) -> CallStats:
        """`now` is a monotonic time in seconds, taken when the readings were."""
        tracks: list[TrackStats] = []
        rtts: list[float] = []
        for reading in readings:
            by_type = _by_type(reading.stats)
            if reading.direction is Direction.OUTBOUND:
                track, rtt = self._outbound(now, reading, by_type)
                if rtt is not None:
                    rtts.append(rtt)
            else:
                track = self._inbound(now, reading, by_type)
            tracks.append(track)
        rtt_ms = round(1000 * sum(rtts) / len(rtts), 1) if rtts else None
        return CallStats(rtt_ms=rtt_ms, tracks=tuple(tracks))

    def _outbound(
        self, now: float, reading: TrackReading, by_type: dict[str, object]
    ) -> tuple[TrackStats, float | None]:
        sent = by_type.get("outbound-rtp")
        remote = by_type.get("remote-inbound-rtp")
        current = _Counters(now, bytes=_int(sent, "bytesSent"), frames=_frames(reading))
        previous = self._swap(reading, current)
        fraction_lost = _number(remote, "fractionLost")
        jitter = _number(remote, "jitter")
        track = TrackStats(
            kind=reading.kind,
            direction=reading.direction,
            bitrate_kbps=_per_second(current, previous, "bytes", 8e-3),
            packet_loss_percent=None if fraction_lost is None else _round(fraction_lost / 2.56),
            jitter_ms=None if jitter is None else _round(1000 * jitter / reading.clock_rate),
            **_video(reading, current, previous),
        )
        return track, _number(remote, "roundTripTime")

    def _inbound(self, now: float, reading: TrackReading, by_type: dict[str, object]) -> TrackStats:
        received = by_type.get("inbound-rtp")
        remote = by_type.get("remote-outbound-rtp")
        current = _Counters(
            now,
            bytes=_int(received, "bytesReceived"),
            remote_bytes=_int(remote, "bytesSent"),
            remote_at=_seconds(getattr(remote, "remoteTimestamp", None)),
            received=_int(received, "packetsReceived"),
            lost=_int(received, "packetsLost"),
            frames=_frames(reading),
        )
        previous = self._swap(reading, current)
        bitrate = _per_second(current, previous, "bytes", 8e-3)
        if bitrate is None and previous is not None and previous.remote_at is not None:
            # The peer's own count over the peer's own clock, from two of its sender reports.
            if current.remote_at is not None and current.remote_at > previous.remote_at:
                bitrate = _delta_rate(
                    current.remote_bytes,
                    previous.remote_bytes,
                    current.remote_at - previous.remote_at,
                    8e-3,
                )
        loss = None
        if previous is not None:
            got = _delta(current.received, previous.received)
            lost = _delta(current.lost, previous.lost)
            if got is not None and lost is not None and got + lost > 0:
                loss = _round(100 * lost / (got + lost))
        jitter = _number(received, "jitter")
        return TrackStats(
            kind=reading.kind,
            direction=reading.direction,
            bitrate_kbps=bitrate,
            packet_loss_percent=loss,
            jitter_ms=None if jitter is None else _round(1000 * jitter / reading.clock_rate),
            **_video(reading, current, previous),
        )

    def _swap(self, reading: TrackReading, current: _Counters) -> _Counters | None:
        key = (reading.kind, reading.direction)
        previous = self._previous.get(key)
        self._previous[key] = current
        if previous is not None and current.at <= previous.at:
            return None
        return previous


def _video(reading: TrackReading, current: _Counters, previous: _Counters | None) -> dict[str, Any]:
    meter = reading.meter
    if meter is None:
        return {}
    fps = _per_second(current, previous, "frames", 1.0)
    return {"fps": fps, "width": meter.width, "height": meter.height}


def _by_type(stats: Sequence[object]) -> dict[str, object]:
    found: dict[str, object] = {}
    for item in stats:
        kind = getattr(item, "type", None)
        if isinstance(kind, str):
            found.setdefault(kind, item)
    return found


def _frames(reading: TrackReading) -> int | None:
    return None if reading.meter is None else reading.meter.frames


def _number(item: object, name: str) -> float | None:
    value = getattr(item, name, None)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _int(item: object, name: str) -> int | None:
    value = _number(item, name)
    return None if value is None else int(value)


def _seconds(value: object) -> float | None:
    return value.timestamp() if isinstance(value, datetime.datetime) else None


def _delta(current: int | None, previous: int | None) -> int | None:
    if current is None or previous is None or current < previous:
        return None  # missing, or a counter that restarted
    return current - previous


def _delta_rate(
    current: int | None, previous: int | None, seconds: float, scale: float
) -> float | None:
    delta = _delta(current, previous)
    return None if delta is None or seconds <= 0 else _round(delta * scale / seconds)


def _per_second(
    current: _Counters, previous: _Counters | None, counter: str, scale: float
) -> float | None:
    """How fast `counter` grew since the previous sample, times `scale`."""
    if previous is None:
        return None
    return _delta_rate(
        getattr(current, counter), getattr(previous, counter), current.at - previous.at, scale
    )


def _round(value: float) -> float:
    return round(value, 1)
