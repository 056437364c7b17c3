"""Clock drift between a microphone and a speaker, and the resampling that takes it out.

A webcam's microphone and a monitor's speaker each run on their own crystal, tens to hundreds
of ppm apart. The echo canceller pairs what was played with what was captured sample for
sample, so at 100 ppm the echo slides 4.8 samples a second against its reference, and AEC3 keeps
re-finding it (docs/audio.md, "Drift"). Here each stream's rate is measured against one clock,
and the render reference is resampled onto the capture's clock before the canceller sees it.
What is played is never touched.

Sans-I/O: every call passes the time (`at`, seconds on the caller's monotonic clock) at which
the samples were captured or played; nothing here reads a clock or starts a thread.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Final

import numpy as np
import soxr  # type: ignore[import-untyped]

from call.audio import SAMPLE_RATE, Samples

WINDOW_SECONDS: Final = 60.0  # the rate is fitted over this much recent time
MIN_SPAN_SECONDS: Final = 2.0  # no estimate before this much
REFIT_EVERY: Final = 50  # frames between fits: once a second at 20 ms
# The ratio is applied once its standard error is below this: a wrong ratio would add drift.
TRUSTED_ERROR_PPM: Final = 5.0
MAX_DRIFT_PPM: Final = 1000.0  # beyond this the clocks are not merely drifting: something broke
CORRECTION_STEP_PPM: Final = 1.0  # a newer estimate closer than this leaves the resampler be
SLEW_SAMPLES: Final = SAMPLE_RATE  # a new ratio is glided into over a second


@dataclass(frozen=True, slots=True)
class Rate:
    samples_per_second: float
    error: float  # its standard error, in samples per second


class RateEstimator:
    """One stream's sample rate against the caller's clock: a least-squares line through
    (time, samples so far) over the last `WINDOW_SECONDS`."""

    def __init__(self) -> None:
        self._points: deque[tuple[float, int]] = deque()
        self._total = 0
        self._since_fit = 0
        self.rate: Rate | None = None

    def add(self, count: int, at: float) -> None:
        """`count` samples whose first was captured or played at `at`."""
        self._points.append((at, self._total))
        self._total += count
        while at - self._points[0][0] > WINDOW_SECONDS:
            self._points.popleft()
        self._since_fit += 1
        if self._since_fit >= REFIT_EVERY:
            self._since_fit = 0
            self.rate = _fit(self._points)


def _fit(points: deque[tuple[float, int]]) -> Rate | None:
    times = np.fromiter((t for t, _ in points), dtype=np.float64, count=len(points))
    counts = np.fromiter((n for _, n in points), dtype=np.float64, count=len(points))
    if len(points) < 3 or times[-1] - times[0] < MIN_SPAN_SECONDS:
        return None
    t = times - times.mean()
    spread = float(np.sum(t * t))
    slope = float(np.sum(t * (counts - counts.mean())) / spread)
    residuals = counts - counts.mean() - slope * t
    error = float(np.sqrt(np.sum(residuals * residuals) / (len(points) - 2) / spread))
    return Rate(slope, error)


@dataclass(frozen=True, slots=True)
class Drift:
    ppm: float  # how much faster the microphone's clock runs than the speaker's
    error_ppm: float

    @property
    def trusted(self) -> bool:
        return self.error_ppm < TRUSTED_ERROR_PPM and abs(self.ppm) <= MAX_DRIFT_PPM


class ClockDrift:
    """The microphone's rate over the speaker's, from both streams' samples and times."""

    def __init__(self) -> None:
        self.capture = RateEstimator()
        self.render = RateEstimator()

    def drift(self) -> Drift | None:
        mic, speaker = self.capture.rate, self.render.rate
        if mic is None or speaker is None:
            return None
        ratio = mic.samples_per_second / speaker.samples_per_second
        # Relative errors add, to first order.
        relative = mic.error / mic.samples_per_second + speaker.error / speaker.samples_per_second
        return Drift(ppm=(ratio - 1) * 1e6, error_ppm=relative * ratio * 1e6)


class RenderResampler:
    """The render stream moved onto the microphone's clock, in whole 10 ms slices.

    soxr's variable-rate mode glides from one ratio to the next, so a better estimate never
    makes a step in the reference the canceller has fitted its filter to. Until a trusted
    estimate exists the ratio is 1: the samples go through the same filter, so the reference's
    delay never changes when the correction starts.
    """

    def __init__(self, slice_samples: int) -> None:
        self._slice = slice_samples
        max_ratio = 1 + MAX_DRIFT_PPM * 1e-6
        # In variable-rate mode the rates given here fix the largest input/output ratio.
        self._stream = soxr.ResampleStream(
            SAMPLE_RATE * max_ratio, SAMPLE_RATE, 1, dtype="float32", quality="HQ", vr=True
        )
        self._stream.set_io_ratio(SAMPLE_RATE, SAMPLE_RATE)
        self._pending = np.zeros(0, dtype=np.float32)
        self.applied_ppm = 0.0

    def follow(self, drift: Drift | None) -> None:
        if drift is None or not drift.trusted:
            return
        if abs(drift.ppm - self.applied_ppm) < CORRECTION_STEP_PPM:
            return
        # A microphone faster by x ppm takes x ppm more samples of the same sound.
        self._stream.set_io_ratio(SAMPLE_RATE, SAMPLE_RATE * (1 + drift.ppm * 1e-6), SLEW_SAMPLES)
        self.applied_ppm = drift.ppm

    def resample(self, samples: Samples) -> list[Samples]:
        """The slices ready for the canceller after these samples; fewer or more than went in."""
        out = self._stream.resample_chunk(samples.astype(np.float32))
        pending = np.concatenate((self._pending, out))
        whole = len(pending) // self._slice * self._slice
        self._pending = pending[whole:]
        ready = np.clip(np.round(pending[:whole]), -32768, 32767).astype(np.int16)
        return [ready[i : i + self._slice] for i in range(0, whole, self._slice)]
