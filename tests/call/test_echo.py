"""The echo canceller: its guards against the native module, and how well it cancels.

The quality tests run the simulated kiosk room of bench/echo_cancellation.py (a 60 ms delay, a
150 ms reverberant tail, a -70 dBFS noise floor) frame by frame through the real AEC3, so every
time below is seconds of audio, not of the wall clock. `python -m bench.echo_cancellation` prints
the same measurements in full.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from bench.echo_cancellation import (
    DoubleTalk,
    FarEndOnly,
    measure_double_talk,
    measure_far_end_only,
)
from call.audio import FRAME_SAMPLES
from call.echo import EchoCanceller
from call.synthetic_audio import SpeechLikeSource


@pytest.fixture(scope="module")
def far_end_only() -> FarEndOnly:
    return measure_far_end_only(seconds=10.0, settle_s=3.0)


@pytest.fixture(scope="module")
def double_talk() -> DoubleTalk:
    return measure_double_talk(converge_s=6.0, talk_s=6.0)


def test_echo_is_reduced_by_at_least_35_db_once_converged(far_end_only: FarEndOnly) -> None:
    # Measured: 57 dB with noise suppression on, 45 dB with AEC3 alone.
    assert far_end_only.steady.erle_db >= 35, far_end_only.steady


def test_erle_holds_at_35_db_within_3_seconds_of_audio(far_end_only: FarEndOnly) -> None:
    # Measured: 10 and 20 dB from the very first window, because AEC3 suppresses hard until its
    # filter fits; 40 dB from 0.9 s.
    for threshold in (10, 20, 35):
        since = far_end_only.converged_s[threshold]
        assert since is not None, f"ERLE never held above {threshold} dB"
        assert since <= 3.0, f"ERLE held above {threshold} dB only from {since} s"


def test_near_end_survives_double_talk_at_15_db_or_more_over_residual_echo(
    double_talk: DoubleTalk,
) -> None:
    # Measured: 20.8 dB, against 5.1 dB at the microphone without cancellation.
    assert double_talk.near_snr_db >= 15, double_talk
    assert double_talk.near_snr_db > double_talk.baseline_snr_db + 6, double_talk


def test_near_end_is_ducked_by_less_than_10_db_in_double_talk(double_talk: DoubleTalk) -> None:
    # Measured: 2.2 dB.
    assert double_talk.ducking_db > -10, double_talk


@pytest.mark.parametrize("samples", [0, 1, 336, 479, 959, 961, 1000])
def test_a_capture_frame_not_a_whole_multiple_of_10_ms_raises_value_error(samples: int) -> None:
    canceller = EchoCanceller()
    with pytest.raises(ValueError, match="multiple of 10 ms"):
        canceller.process_capture(np.zeros(samples, dtype=np.int16))


@pytest.mark.parametrize("samples", [0, 1, 336, 479, 959, 961, 1000])
def test_a_render_frame_not_a_whole_multiple_of_10_ms_raises_value_error(samples: int) -> None:
    canceller = EchoCanceller()
    with pytest.raises(ValueError, match="multiple of 10 ms"):
        canceller.analyze_render(np.zeros(samples, dtype=np.int16))


def test_the_process_survives_a_bad_frame_size() -> None:
    # Unguarded, this frame aborts the interpreter with a Rust panic (exit status 134), which
    # is why it runs in a child process rather than in the test runner.
    script = textwrap.dedent(
        """
        import numpy as np
        from call.echo import EchoCanceller
        canceller = EchoCanceller()
        try:
            canceller.process_capture(np.zeros(336, dtype=np.int16))
        except ValueError:
            print("raised")
        print(len(canceller.process_capture(np.zeros(960, dtype=np.int16))))
        """
    )
    child = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(__file__).parents[2],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert child.returncode == 0, child.stderr
    assert child.stdout.split() == ["raised", "960"]


@pytest.mark.parametrize(
    "frame",
    [
        np.zeros(960, dtype=np.float32),
        np.zeros(960, dtype=np.int32),
        np.zeros((480, 2), dtype=np.int16),
    ],
    ids=["float32", "int32", "stereo"],
)
def test_a_frame_that_is_not_mono_int16_raises_value_error(frame: npt.NDArray[Any]) -> None:
    canceller = EchoCanceller()
    with pytest.raises(ValueError, match="int16"):
        canceller.process_capture(frame)
    with pytest.raises(ValueError, match="int16"):
        canceller.analyze_render(frame)


@pytest.mark.parametrize("samples", [480, 960, 1920])
def test_frames_of_any_whole_multiple_of_10_ms_are_processed_to_the_same_length(
    samples: int,
) -> None:
    canceller = EchoCanceller()
    canceller.analyze_render(np.zeros(samples, dtype=np.int16))
    out = canceller.process_capture(np.ones(samples, dtype=np.int16))
    assert out.dtype == np.int16
    assert out.shape == (samples,)


def test_the_capture_frame_passed_in_is_left_untouched() -> None:
    canceller = EchoCanceller()
    frame = SpeechLikeSource(seed=4).read()
    before = frame.copy()
    canceller.process_capture(frame)
    assert np.array_equal(frame, before)


@pytest.mark.parametrize("delay_ms", [-1, 501, 10_000])
def test_a_delay_hint_outside_0_to_500_ms_raises_value_error(delay_ms: int) -> None:
    canceller = EchoCanceller()
    with pytest.raises(ValueError, match="0-500 ms"):
        canceller.set_delay_hint_ms(delay_ms)
    with pytest.raises(ValueError, match="0-500 ms"):
        EchoCanceller(delay_hint_ms=delay_ms)


@pytest.mark.parametrize("delay_ms", [0, 60, 500])
def test_a_delay_hint_within_0_to_500_ms_is_accepted(delay_ms: int) -> None:
    EchoCanceller(delay_hint_ms=delay_ms).set_delay_hint_ms(delay_ms)


def test_render_and_capture_can_be_fed_from_different_threads() -> None:
    canceller = EchoCanceller()
    far, near = SpeechLikeSource(seed=5), SpeechLikeSource(seed=6)
    failures: list[BaseException] = []

    def render() -> None:
        try:
            for _ in range(200):
                canceller.analyze_render(far.read())
        except BaseException as exc:  # handed to the test thread, which fails on it
            failures.append(exc)

    speaker = threading.Thread(target=render)
    speaker.start()
    outputs = [canceller.process_capture(near.read()) for _ in range(200)]
    speaker.join()
    assert failures == []
    assert all(out.shape == (FRAME_SAMPLES,) for out in outputs)
