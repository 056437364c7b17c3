"""Clock drift: each stream's rate fitted from its frames' times, the microphone's drift against
the speaker, and the resampler that moves the render reference onto the microphone's clock.

Every time here is simulated: frames are stamped with the seconds a device running at a given
rate would stamp them, so nothing depends on the machine's clock or speed.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from call.audio import SAMPLE_RATE, Samples
from call.clock_drift import (
    CORRECTION_STEP_PPM,
    MAX_DRIFT_PPM,
    MIN_SPAN_SECONDS,
    TRUSTED_ERROR_PPM,
    WINDOW_SECONDS,
    ClockDrift,
    Drift,
    RateEstimator,
    RenderResampler,
)

FRAME = 960  # a device's 20 ms frame
SLICE = 480  # the canceller's 10 ms, what CancellerFeed slices the render reference into
Times = npt.NDArray[np.float64]


def frame_times(rate: float, seconds: float, start: float = 0.0) -> Times:
    """When each frame of a device sampling at `rate` (on the caller's clock) begins."""
    count = int(seconds * rate / FRAME)
    times: Times = start + np.arange(count) * FRAME / rate
    return times


def feed(estimator: RateEstimator, times: Times) -> None:
    for at in times:
        estimator.add(FRAME, float(at))


def ppm(measured: float, true: float) -> float:
    return (measured / true - 1) * 1e6


def sine(start: int, count: int, hz: float = 440.0) -> Samples:
    """Samples `start` to `start + count` of a continuous sine at a quarter of full scale."""
    t = np.arange(start, start + count) / SAMPLE_RATE
    samples: Samples = np.round(8000 * np.sin(2 * np.pi * hz * t)).astype(np.int16)
    return samples


# RateEstimator


def test_no_rate_is_given_before_min_span_seconds_then_the_exact_rate_within_1_ppm() -> None:
    true = SAMPLE_RATE * (1 + 100e-6)
    estimator = RateEstimator()
    times = frame_times(true, 3.5)
    for at in times:
        estimator.add(FRAME, float(at))
        if at - times[0] < MIN_SPAN_SECONDS:
            assert estimator.rate is None, f"a rate from only {at:.2f} s of frames"
    assert estimator.rate is not None
    assert abs(ppm(estimator.rate.samples_per_second, true)) < 1


def test_with_1_ms_timestamp_jitter_the_reported_error_is_honest_and_shrinks() -> None:
    true = SAMPLE_RATE * (1 + 100e-6)
    jitter = 1e-3
    times = frame_times(true, 60.0)
    times += np.random.default_rng(7).normal(0, jitter, size=len(times))
    estimator = RateEstimator()
    errors = []
    fed = 0
    for frames in (250, len(times)):  # 5 s, then the whole 60 s window
        feed(estimator, times[fed:frames])
        fed = frames
        rate = estimator.rate
        assert rate is not None
        assert abs(rate.samples_per_second - true) < 4 * rate.error, (frames, rate)
        # Nor inflated: within a factor of 2 of least squares' own standard error for this
        # jitter, true rate x jitter / sqrt(sum of squared time deviations).
        fitted = times[:frames]
        expected = true * jitter / np.sqrt(np.sum((fitted - fitted.mean()) ** 2))
        assert expected / 2 < rate.error < 2 * expected, (frames, rate.error, expected)
        errors.append(rate.error)
    assert errors[1] < errors[0] / 10, errors


def test_points_older_than_the_window_are_forgotten_so_a_new_rate_is_followed() -> None:
    old, new = float(SAMPLE_RATE), SAMPLE_RATE * (1 + 500e-6)
    before = frame_times(old, 3.0)
    changed = before[-1] + FRAME / old
    estimator = RateEstimator()
    feed(estimator, before)
    after = frame_times(new, WINDOW_SECONDS + 2.0, start=changed)
    half = len(after) // 2
    feed(estimator, after[:half])
    assert estimator.rate is not None
    # Half a window after the change the old points still pull the fit off the new rate...
    assert abs(ppm(estimator.rate.samples_per_second, new)) > 5
    feed(estimator, after[half:])
    # ...and once they are older than the window they count for nothing.
    assert abs(ppm(estimator.rate.samples_per_second, new)) < 1


# ClockDrift and Drift


def test_no_drift_until_both_streams_have_a_rate() -> None:
    clocks = ClockDrift()
    assert clocks.drift() is None
    feed(clocks.capture, frame_times(SAMPLE_RATE, 3.0))
    assert clocks.capture.rate is not None
    assert clocks.drift() is None
    feed(clocks.render, frame_times(SAMPLE_RATE, 3.0))
    assert clocks.drift() is not None


def test_a_microphone_250_ppm_fast_against_an_exact_speaker_drifts_250_ppm() -> None:
    clocks = ClockDrift()
    feed(clocks.capture, frame_times(SAMPLE_RATE * (1 + 250e-6), 3.0))
    feed(clocks.render, frame_times(SAMPLE_RATE, 3.0))
    drift = clocks.drift()
    assert drift is not None
    assert abs(drift.ppm - 250) < 1
    assert drift.trusted


def test_a_drift_is_untrusted_while_its_error_is_at_least_trusted_error_ppm() -> None:
    assert Drift(ppm=100, error_ppm=TRUSTED_ERROR_PPM - 0.01).trusted
    assert not Drift(ppm=100, error_ppm=TRUSTED_ERROR_PPM).trusted
    # As measured: 3 s of frames with 1 ms of jitter leave tens of ppm of error.
    rng = np.random.default_rng(3)
    clocks = ClockDrift()
    for side, rate in ((clocks.capture, SAMPLE_RATE * (1 + 250e-6)), (clocks.render, SAMPLE_RATE)):
        times = frame_times(rate, 3.0)
        feed(side, times + rng.normal(0, 1e-3, size=len(times)))
    drift = clocks.drift()
    assert drift is not None
    assert drift.error_ppm >= TRUSTED_ERROR_PPM
    assert not drift.trusted


def test_a_drift_beyond_max_drift_ppm_is_untrusted_however_precise() -> None:
    assert Drift(ppm=MAX_DRIFT_PPM, error_ppm=0).trusted
    assert not Drift(ppm=MAX_DRIFT_PPM + 0.1, error_ppm=0).trusted
    assert not Drift(ppm=-MAX_DRIFT_PPM - 0.1, error_ppm=0).trusted
    clocks = ClockDrift()
    feed(clocks.capture, frame_times(SAMPLE_RATE * (1 + 1500e-6), 3.0))
    feed(clocks.render, frame_times(SAMPLE_RATE, 3.0))
    drift = clocks.drift()
    assert drift is not None
    assert abs(drift.ppm - 1500) < 1
    assert drift.error_ppm < TRUSTED_ERROR_PPM
    assert not drift.trusted


# RenderResampler


def resampled(resampler: RenderResampler, frames: int, start: int = 0) -> list[Samples]:
    """The slices out of `frames` 20 ms frames of the sine, from sample `start` of it."""
    out: list[Samples] = []
    for j in range(frames):
        out += resampler.resample(sine(start + j * FRAME, FRAME))
    return out


def test_without_a_trusted_drift_the_samples_pass_through_at_the_same_rate() -> None:
    resampler = RenderResampler(SLICE)
    resampler.follow(None)
    resampler.follow(Drift(ppm=100, error_ppm=TRUSTED_ERROR_PPM))  # not trusted
    first = np.concatenate(resampled(resampler, 50))
    rest = np.concatenate(resampled(resampler, 450, start=50 * FRAME))
    # Behind by soxr's delay and a partial slice, the same after 1 s and after 10 s.
    assert 0 < 50 * FRAME - len(first) < 2 * SLICE
    assert 500 * FRAME - (len(first) + len(rest)) == 50 * FRAME - len(first)
    out = np.concatenate((first, rest)).astype(np.float64)
    sent = sine(0, 500 * FRAME).astype(np.float64)
    # Aligned by the delay (found within one period of the sine), the sine is unchanged.
    skip, span = 4800, 96_000
    b = sent[skip : skip + span]
    lag = int(np.argmax([np.dot(out[skip + lag : skip + lag + span], b) for lag in range(110)]))
    a = out[skip + lag : skip + lag + span]
    assert np.dot(a, b) / np.sqrt(np.dot(a, a) * np.dot(b, b)) > 0.999
    assert abs(np.std(a) / np.std(b) - 1) < 0.01


def test_following_100_ppm_makes_100_ppm_more_samples_in_the_long_run() -> None:
    # 10-sample slices: the count is known to within 10 samples, 3.5 ppm of 60 s.
    resampler = RenderResampler(10)
    resampler.follow(Drift(ppm=+100, error_ppm=0.1))
    assert resampler.applied_ppm == 100
    slew = SAMPLE_RATE // FRAME  # the new ratio is glided into over the first second
    resampled(resampler, slew)
    measured = 60 * SAMPLE_RATE // FRAME
    after = sum(len(piece) for piece in resampled(resampler, measured, start=slew * FRAME))
    assert abs(ppm(after, measured * FRAME) - 100) < 5


def test_every_slice_has_exactly_the_size_given_whatever_goes_in() -> None:
    resampler = RenderResampler(SLICE)
    sizes: set[int] = set()
    position = 0
    for j, count in enumerate([1, 7, 333, 480, 960, 1024, 4800, 17] * 20):
        if j == 40:
            resampler.follow(Drift(ppm=-700, error_ppm=0.1))
        sizes.update(len(piece) for piece in resampler.resample(sine(position, count)))
        position += count
    assert sizes == {SLICE}


def test_an_estimate_within_the_correction_step_leaves_the_applied_ratio_alone() -> None:
    resampler = RenderResampler(SLICE)
    resampler.follow(Drift(ppm=100, error_ppm=0.1))
    resampler.follow(Drift(ppm=100 + 0.9 * CORRECTION_STEP_PPM, error_ppm=0.1))
    resampler.follow(Drift(ppm=100 - 0.9 * CORRECTION_STEP_PPM, error_ppm=0.1))
    assert resampler.applied_ppm == 100
    resampler.follow(Drift(ppm=100 + 1.5 * CORRECTION_STEP_PPM, error_ppm=0.1))
    assert resampler.applied_ppm == 100 + 1.5 * CORRECTION_STEP_PPM
