"""One echo canceller fed by two device threads: continuously, and on one clock.

AEC3 fits a filter from what the speaker played (render) to what the microphone heard
(capture), so it needs both streams whole and in step. Two things break that in the field, and
both are taken out here, before the canceller (docs/audio.md, "The capture path"):

- **Gaps.** A frame the device dropped (an overflow, an OS stall) shifts one stream against
  the other by 20 ms, and AEC3 takes seconds to find the echo again. Each call says when its
  first sample was captured or played; when that is later than the samples so far account for,
  the missing time is fed to the canceller as silence, so the streams stay aligned.
- **Drift.** The render stream is resampled onto the microphone's clock (`call.clock_drift`).

`render` runs on the speaker's thread, `capture` on the microphone's; the canceller locks its
own calls, and the state here is each side's own, apart from the drift both write.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Final, Protocol

import numpy as np

from call.audio import FRAME_SAMPLES, SAMPLE_RATE, Samples, silence
from call.clock_drift import ClockDrift, Drift, RateEstimator, RenderResampler

SLICE_SAMPLES: Final = SAMPLE_RATE // 100  # the canceller's 10 ms
# A shorter shortfall is a device's timing jitter, not lost audio.
GAP_MIN_SECONDS: Final = 0.5 * FRAME_SAMPLES / SAMPLE_RATE
# A longer gap is filled only this far: beyond it the canceller re-finds the echo anyway.
GAP_MAX_SECONDS: Final = 0.5


class Canceller(Protocol):
    """An echo canceller taking 10 ms slices or whole multiples (`call.echo.EchoCanceller`)."""

    def set_delay_hint_ms(self, delay_ms: int) -> None: ...
    def analyze_render(self, frame: Samples) -> None: ...
    def process_capture(self, frame: Samples) -> Samples: ...


@dataclass(frozen=True, slots=True)
class EchoStats:
    drift_ppm: float | None  # the microphone's clock against the speaker's; None until measured
    corrected_ppm: float  # what the render reference is resampled by
    capture_gaps: int  # times the microphone lost audio, filled with silence for the canceller
    render_gaps: int  # times the speaker did
    gap_ms: float  # all the filled time, both sides


class _Timeline:
    """When the next sample of one stream is due, from the samples so far."""

    def __init__(self) -> None:
        self.next_at: float | None = None
        self.gaps = 0
        self.gap_samples = 0

    def missing(self, count: int, at: float | None) -> int:
        """The samples lost before these, in whole 10 ms slices; 0 without a time."""
        if at is None:
            # Untimed, but still audio in its place: the next timed frame is due after it.
            if self.next_at is not None:
                self.next_at += count / SAMPLE_RATE
            return 0
        expected, self.next_at = self.next_at, at + count / SAMPLE_RATE
        if expected is None or at - expected < GAP_MIN_SECONDS:
            return 0
        lost = min(at - expected, GAP_MAX_SECONDS)
        slices = round(lost * SAMPLE_RATE / SLICE_SAMPLES)
        self.gaps += 1
        self.gap_samples += slices * SLICE_SAMPLES
        return slices * SLICE_SAMPLES


class CancellerFeed:
    """Feeds the canceller what the speaker plays and cleans what the microphone captures."""

    def __init__(self, canceller: Canceller) -> None:
        self._canceller = canceller
        self._drift = ClockDrift()
        self._drift_lock = threading.Lock()
        self._resampler = RenderResampler(SLICE_SAMPLES)
        self._played = _Timeline()
        self._captured = _Timeline()

    def set_delay_hint_ms(self, delay_ms: int) -> None:
        self._canceller.set_delay_hint_ms(delay_ms)

    def render(self, samples: Samples, at: float | None) -> None:
        """On the speaker's thread: `samples` are played from `at` (None when unknown)."""
        samples, at = _with_gap_filled(self._played, samples, at)
        drift = self._measured(self._drift.render, len(samples), at)
        self._resampler.follow(drift)
        for piece in self._resampler.resample(samples):
            self._canceller.analyze_render(piece)

    def capture(self, samples: Samples, at: float | None) -> Samples:
        """On the microphone's thread: `samples`, captured from `at`, with the echo removed."""
        filled, at = _with_gap_filled(self._captured, samples, at)
        self._measured(self._drift.capture, len(filled), at)
        lost = len(filled) - len(samples)
        if lost:
            self._canceller.process_capture(filled[:lost])  # what was lost, as silence
        return self._canceller.process_capture(samples)

    def stats(self) -> EchoStats:
        with self._drift_lock:
            drift = self._drift.drift()
        return EchoStats(
            drift_ppm=None if drift is None else drift.ppm,
            corrected_ppm=self._resampler.applied_ppm,
            capture_gaps=self._captured.gaps,
            render_gaps=self._played.gaps,
            gap_ms=(self._captured.gap_samples + self._played.gap_samples) * 1000 / SAMPLE_RATE,
        )

    def _measured(self, side: RateEstimator, count: int, at: float | None) -> Drift | None:
        if at is None:
            return None  # a device without timestamps: its drift cannot be measured
        with self._drift_lock:
            side.add(count, at)
            return self._drift.drift()


def _with_gap_filled(
    timeline: _Timeline, samples: Samples, at: float | None
) -> tuple[Samples, float | None]:
    """The samples preceded by silence for any audio lost before them, and when that began."""
    lost = timeline.missing(len(samples), at)
    if not lost or at is None:
        return samples, at
    filled: Samples = np.concatenate((silence(lost), samples))
    return filled, at - lost / SAMPLE_RATE
