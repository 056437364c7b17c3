"""CancellerFeed: what reaches the echo canceller from the speaker's and the microphone's threads.

A lost device frame is fed to the canceller as silence, so the two streams stay in step; timing
jitter and untimed frames fill nothing, and a long outage is filled only so far. When the two
devices' clocks drift, the render reference reaches the canceller on the microphone's clock.

A recording canceller stands in for AEC3 in all but the last tests, which use the real one.
Every time is simulated, passed in as the seconds the device would have stamped.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pytest

from call.audio import SAMPLE_RATE, Samples, silence
from call.echo import EchoCanceller
from call.echo_feed import GAP_MAX_SECONDS, GAP_MIN_SECONDS, CancellerFeed

FRAME = 960  # a device's 20 ms frame
PERIOD = FRAME / SAMPLE_RATE
Side = Literal["capture", "render"]


class RecordingCanceller:
    """Keeps a copy of every frame it is given; returns the capture unchanged, as a new array."""

    def __init__(self) -> None:
        self.renders: list[Samples] = []
        self.captures: list[Samples] = []
        self.returned: list[Samples] = []
        self.delay_hints: list[int] = []

    def set_delay_hint_ms(self, delay_ms: int) -> None:
        self.delay_hints.append(delay_ms)

    def analyze_render(self, frame: Samples) -> None:
        self.renders.append(frame.copy())

    def process_capture(self, frame: Samples) -> Samples:
        self.captures.append(frame.copy())
        self.returned.append(frame.copy())
        return self.returned[-1]

    def fed(self, side: Side) -> Samples:
        frames = self.captures if side == "capture" else self.renders
        return np.concatenate(frames) if frames else silence(0)


def frame(number: int) -> Samples:
    """A frame no other frame and no silence looks like."""
    return np.full(FRAME, 1000 + number, dtype=np.int16)


def fed(side: Side, times: Sequence[float | None]) -> tuple[int, CancellerFeed]:
    """The samples the canceller got on one side from frames at these times, and the feed."""
    canceller = RecordingCanceller()
    feed = CancellerFeed(canceller)
    for number, at in enumerate(times):
        if side == "capture":
            feed.capture(frame(number), at)
        else:
            feed.render(frame(number), at)
    return len(canceller.fed(side)), feed


def on_time(count: int) -> list[float]:
    return [j * PERIOD for j in range(count)]


def filled(side: Side, times: Sequence[float | None]) -> tuple[int, CancellerFeed]:
    """The samples added for lost time: what the canceller got beyond frames at regular times.

    The render side passes through the resampler, which holds a few hundred samples back; the
    same frames on time show how many.
    """
    got, feed = fed(side, times)
    regular, _ = fed(side, on_time(len(times)))
    return got - regular, feed


def test_every_capture_frame_reaches_the_canceller_and_its_result_is_returned() -> None:
    canceller = RecordingCanceller()
    feed = CancellerFeed(canceller)
    for number, at in enumerate(on_time(5)):
        out = feed.capture(frame(number), at)
        assert out is canceller.returned[-1]
    assert [int(f[0]) for f in canceller.captures] == [1000, 1001, 1002, 1003, 1004]
    assert all(len(f) == FRAME for f in canceller.captures)
    feed.set_delay_hint_ms(80)
    assert canceller.delay_hints == [80]


def test_a_lost_capture_frame_is_fed_to_the_canceller_as_silence() -> None:
    canceller = RecordingCanceller()
    feed = CancellerFeed(canceller)
    feed.capture(frame(0), 0.0)
    feed.capture(frame(1), PERIOD)
    # The frame due at 40 ms was lost: the next comes 20 ms after the previous one ended.
    out = feed.capture(frame(2), 3 * PERIOD)
    fed = canceller.fed("capture")
    assert len(fed) == 4 * FRAME
    assert np.array_equal(fed[: 2 * FRAME], np.concatenate((frame(0), frame(1))))
    assert not fed[2 * FRAME : 3 * FRAME].any()  # the silence, just before the late frame
    assert np.array_equal(fed[3 * FRAME :], frame(2))
    assert np.array_equal(out, frame(2))  # what was lost is not sent on
    stats = feed.stats()
    assert (stats.capture_gaps, stats.render_gaps, stats.gap_ms) == (1, 0, 20)


def test_a_lost_render_frame_is_fed_to_the_canceller_as_silence() -> None:
    times = on_time(20)
    added, feed = filled("render", [*times[:10], *(at + PERIOD for at in times[10:])])
    assert added == FRAME
    stats = feed.stats()
    assert (stats.capture_gaps, stats.render_gaps, stats.gap_ms) == (0, 1, 20)
    # Through the resampler, 960 samples of silence in one run between two frames of 1000s, once
    # soxr's start (its first few samples) is past; its filter rings at the edges, so "silent"
    # is under half the frames' level.
    canceller = RecordingCanceller()
    feed = CancellerFeed(canceller)
    feed.render(frame(0), 0.0)
    feed.render(frame(0), 2 * PERIOD)
    feed.render(frame(0), 3 * PERIOD)
    silent = np.flatnonzero(np.abs(canceller.fed("render")[100:]) < 500)
    assert len(silent) == FRAME
    assert silent[-1] - silent[0] == FRAME - 1


@pytest.mark.parametrize("side", ["capture", "render"])
def test_timing_jitter_under_gap_min_seconds_fills_nothing(side: Side) -> None:
    late = 0.9 * GAP_MIN_SECONDS
    times = [j * PERIOD + (late if j % 2 else 0.0) for j in range(20)]
    added, feed = filled(side, times)
    assert added == 0
    assert feed.stats().gap_ms == 0


@pytest.mark.parametrize("side", ["capture", "render"])
def test_a_gap_longer_than_gap_max_seconds_is_filled_only_that_far(side: Side) -> None:
    times = on_time(20)
    added, feed = filled(side, [*times[:10], *(at + 2.0 for at in times[10:])])
    assert added == round(GAP_MAX_SECONDS * SAMPLE_RATE)
    stats = feed.stats()
    assert (stats.capture_gaps + stats.render_gaps, stats.gap_ms) == (1, GAP_MAX_SECONDS * 1000)


@pytest.mark.parametrize("side", ["capture", "render"])
def test_frames_without_a_time_never_fill(side: Side) -> None:
    added, feed = filled(side, [None] * 20)
    assert added == 0
    assert feed.stats().gap_ms == 0


@pytest.mark.parametrize("side", ["capture", "render"])
def test_an_untimed_frame_between_timed_ones_is_not_taken_for_lost_audio(side: Side) -> None:
    # PortAudio gives no time (None here) where the host API reports 0, frame by frame.
    added, feed = filled(side, [0.0, PERIOD, None, 3 * PERIOD, 4 * PERIOD])
    assert feed.stats().gap_ms == 0
    assert added == 0


def test_render_reaches_the_canceller_on_the_clock_of_a_microphone_200_ppm_fast() -> None:
    drift = 200e-6
    seconds = 20.0
    canceller = RecordingCanceller()
    feed = CancellerFeed(canceller)
    # Two clicks the speaker plays 14 s apart, after the drift is measured (3 s) and glided in.
    clicks = (250, 950)
    events = [(j * PERIOD, "render", j) for j in range(round(seconds / PERIOD))]
    events += [(j * PERIOD / (1 + drift), "capture", j) for j in range(round(seconds / PERIOD))]
    quiet = silence(FRAME)
    for at, side, j in sorted(events):
        if side == "render":
            played = quiet.copy()
            played[0] = 30_000 if j in clicks else 0
            feed.render(played, at)
        else:
            feed.capture(quiet, at)
    stats = feed.stats()
    assert stats.drift_ppm is not None
    assert abs(stats.drift_ppm - 200) < 2
    assert abs(stats.corrected_ppm - 200) < 2
    assert stats.gap_ms == 0
    # Between the clicks the microphone takes 14 s of its own samples, 134 more than the
    # speaker played; the canceller's reference holds as many as the microphone.
    reference = canceller.fed("render")
    middle = (clicks[0] + clicks[1]) * FRAME // 2
    spacing = middle + int(np.argmax(reference[middle:])) - int(np.argmax(reference[:middle]))
    played_between = (clicks[1] - clicks[0]) * FRAME
    # Uncorrected, the spacing would be what was played, 134 samples short.
    assert abs(spacing - played_between * (1 + drift)) < 2


def test_a_capture_frame_of_the_wrong_length_raises_value_error_from_the_real_canceller() -> None:
    feed = CancellerFeed(EchoCanceller())
    feed.render(silence(FRAME), 0.0)
    feed.capture(silence(FRAME), 0.0)
    with pytest.raises(ValueError, match="multiple of 10 ms"):
        feed.capture(silence(500), PERIOD)
    # The guard stopped it before the native module: the next frames go on as ever.
    feed.render(silence(FRAME), PERIOD)
    out = feed.capture(silence(FRAME), PERIOD + 500 / SAMPLE_RATE)
    assert out.shape == (FRAME,)
    assert out.dtype == np.int16


def test_a_speaker_period_of_any_length_reaches_the_real_canceller_in_whole_slices() -> None:
    # PortAudio asks for whatever its period is (here 512 samples), never a multiple of 10 ms.
    feed = CancellerFeed(EchoCanceller())
    for j in range(100):
        feed.render(silence(512), j * 512 / SAMPLE_RATE)
    out = feed.capture(silence(FRAME), 0.0)
    assert len(out) == FRAME
