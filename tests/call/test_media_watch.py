"""The media watch turns sampled counters into what a person saw: gaps, freezes, fps."""

from __future__ import annotations

import pytest

from call.media_watch import MediaWatch


def feed(watch: MediaWatch, samples: list[tuple[float, int, float]]) -> None:
    for now, frames, audio in samples:
        watch.sample(now, frames, audio)
    watch.finish()


def test_a_steady_stream_has_no_freeze() -> None:
    watch = MediaWatch(started=100.0)
    feed(watch, [(100.0 + i / 10, i, i / 10) for i in range(1, 31)])
    assert watch.max_frame_gap == pytest.approx(0.1)
    assert watch.max_audio_gap == pytest.approx(0.1)
    assert watch.freezes == []
    assert watch.frames_per_second[1] == 10


def test_a_blackout_is_one_freeze_with_its_start_and_length() -> None:
    watch = MediaWatch(started=0.0)
    samples = [(t / 10, t, t / 10) for t in range(1, 21)]  # 2 s of media
    samples += [(2.0 + t / 10, 20, 2.0) for t in range(1, 31)]  # 3 s of nothing
    samples += [(5.1, 21, 2.1), (5.2, 22, 2.2)]
    feed(watch, samples)
    assert watch.max_frame_gap == pytest.approx(3.1)
    assert [(f.start, f.seconds) for f in watch.freezes] == [(2.0, 3.1)]
    assert watch.max_audio_gap == pytest.approx(3.1)
    assert watch.frames_per_second[3] == 0


def test_a_picture_still_frozen_at_the_end_counts_once() -> None:
    watch = MediaWatch(started=0.0)
    feed(watch, [(0.1, 1, 0.1), (0.2, 2, 0.2), (1.5, 2, 0.2)])
    watch.finish()
    assert [(f.start, f.seconds) for f in watch.freezes] == [(0.2, 1.3)]


def test_time_before_the_first_frame_is_not_a_freeze() -> None:
    watch = MediaWatch(started=0.0)
    feed(watch, [(0.1, 0, 0.0), (2.0, 0, 0.0), (2.1, 1, 0.1), (2.2, 2, 0.2)])
    assert watch.freezes == []
    assert watch.max_frame_gap == pytest.approx(0.1)
