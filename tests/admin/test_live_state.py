"""The admin page's live state: latest kiosk health, call quality trends, last seen."""

from __future__ import annotations

from signaling import events
from signaling.admin.live_state import TREND_SAMPLES, LiveState
from signaling.protocol import DeviceHealth, EndReason, KioskActivity, Role, TrackStats


def stats(at: float, rtt: float = 40.0) -> events.CallStatsReported:
    tracks = (
        TrackStats(
            kind="video", direction="inbound", fps=25, bitrate_kbps=800, packet_loss_percent=1
        ),
        TrackStats(kind="audio", direction="inbound", bitrate_kbps=40, packet_loss_percent=3),
        TrackStats(kind="video", direction="outbound", fps=30, bitrate_kbps=900),
    )
    return events.CallStatsReported("s1", Role.KIOSK, "k1", rtt, tracks, at)


def test_a_stats_report_is_summarised_from_what_that_end_receives() -> None:
    live = LiveState()
    live.observe(stats(10.0))
    quality = live.quality["s1"][Role.KIOSK][-1]
    assert (quality.rtt_ms, quality.loss_percent, quality.fps, quality.bitrate_kbps) == (
        40.0,
        3,
        25,
        840,
    )
    assert live.last_seen["k1"] == 10.0


def test_the_trend_is_bounded_and_forgotten_when_the_consultation_ends() -> None:
    live = LiveState()
    for n in range(TREND_SAMPLES + 5):
        live.observe(stats(float(n)))
    assert len(live.quality["s1"][Role.KIOSK]) == TREND_SAMPLES
    live.observe(events.ConsultationEnded("s1", EndReason.COMPLETED, 99.0, 1, 2, 0, True))
    assert "s1" not in live.quality


def test_the_latest_kiosk_status_is_kept_and_watchers_hear_of_every_change() -> None:
    live = LiveState()
    heard: list[int] = []
    stop = live.watch(lambda: heard.append(live.version))
    ok = DeviceHealth.OK
    live.observe(events.KioskStatusReported("k1", KioskActivity.IDLE, ok, ok, ok, 1.0))
    live.observe(
        events.KioskStatusReported("k1", KioskActivity.FAULT, DeviceHealth.FAULT, ok, ok, 2.0)
    )
    stop()
    live.observe(events.PrincipalOffline(Role.KIOSK, "k1", 3.0))
    assert live.kiosk_status["k1"].camera is DeviceHealth.FAULT
    assert heard == [1, 2]
    assert live.last_seen["k1"] == 3.0
