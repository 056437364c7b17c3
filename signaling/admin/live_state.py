"""What the admin page shows live that the switchboard does not keep: stats, health, last seen.

Fed synchronously from the hub's event stream (``Hub.add_listener``). Pure and bounded: a
short trend per call end, dropped when the consultation ends.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from signaling import events
from signaling.protocol import Role

TREND_SAMPLES = 30  # one a 2 s stats report: the last minute


@dataclass(frozen=True, slots=True)
class Quality:
    """One end's view of a call, summarised from one stats report."""

    at: float
    rtt_ms: float | None
    loss_percent: float | None  # the worst inbound track
    fps: float | None  # inbound camera video
    bitrate_kbps: float | None  # everything received
    audio_drift_ppm: float | None = None  # the end's microphone against its speaker


def summarise(report: events.CallStatsReported) -> Quality:
    inbound = [t for t in report.tracks if t.direction == "inbound"]
    losses = [t.packet_loss_percent for t in inbound if t.packet_loss_percent is not None]
    fps = [t.fps for t in inbound if t.kind == "video" and t.fps is not None]
    rates = [t.bitrate_kbps for t in inbound if t.bitrate_kbps is not None]
    return Quality(
        at=report.at,
        rtt_ms=report.rtt_ms,
        loss_percent=max(losses) if losses else None,
        fps=fps[0] if fps else None,
        bitrate_kbps=sum(rates) if rates else None,
        audio_drift_ppm=report.audio_drift_ppm,
    )


class LiveState:
    """Latest kiosk health and call quality, and a version that changes with every event."""

    def __init__(self) -> None:
        self.version = 0
        self.kiosk_status: dict[str, events.KioskStatusReported] = {}
        self.last_seen: dict[str, float] = {}  # principal id -> last event from or about it
        self.quality: dict[str, dict[Role, deque[Quality]]] = {}
        self._watchers: list[Callable[[], None]] = []

    def watch(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call ``callback`` after every change; returns the function that stops it."""
        self._watchers.append(callback)
        return lambda: self._watchers.remove(callback)

    def observe(self, event: events.Event) -> None:
        match event:
            case events.KioskStatusReported():
                self.kiosk_status[event.kiosk_id] = event
                self.last_seen[event.kiosk_id] = event.at
            case events.CallStatsReported():
                ends = self.quality.setdefault(event.session_id, {})
                ends.setdefault(event.role, deque(maxlen=TREND_SAMPLES)).append(summarise(event))
                self.last_seen[event.principal_id] = event.at
            case events.PrincipalOnline() | events.PrincipalOffline():
                self.last_seen[event.principal_id] = event.at
            case events.ConsultationEnded():
                self.quality.pop(event.session_id, None)
            case (
                events.ConsultationRequested()
                | events.LegQueued()
                | events.LegAnswered()
                | events.LegOverflowed()
                | events.LegEnded()
                | events.WrapUpRecorded()
                | events.SurveyRecorded()
            ):
                pass
        self.version += 1
        for callback in list(self._watchers):
            callback()
