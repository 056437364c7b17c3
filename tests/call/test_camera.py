"""The camera capture: a real OpenCV capture of a missing device or of a short video file.

There is no camera on the test machines, which is the "missing" case. A video file opened as the
device plays real frames through OpenCV, then ends, which is the "fault" case.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from aiortc.mediastreams import MediaStreamError

from call.camera import (
    PAUSED_FPS,
    SYNTHETIC_CAMERA,
    CameraCapture,
    CameraSettings,
    CameraState,
    CameraStatus,
    fit_within,
)
from call.camera_modes import CameraMode, fourcc_text, parse_camera_mode
from call.frame_rate import MIN_LIVE_FPS, FrameRateGovernor
from call.frames import CapturedFrame, FrameSlot, FrameSlotClosed
from call.pictures import SyntheticPattern, paused_frame

UNIT = 0.05  # seconds; every timeout here is a multiple of it
WAIT = 100 * UNIT
SMALL = {"width": 160, "height": 120}
FILE_COLOUR_BGR = (200, 40, 10)


class StatusLog:
    """Collects states from the capture thread, and lets a test wait for one."""

    def __init__(self) -> None:
        self.states: list[CameraState] = []
        self._changed = threading.Condition()

    def __call__(self, state: CameraState) -> None:
        with self._changed:
            self.states.append(state)
            self._changed.notify_all()

    def wait_for(self, predicate: Callable[[list[CameraStatus]], bool]) -> None:
        def matched() -> bool:
            return predicate([state.status for state in self.states])

        with self._changed:
            if not self._changed.wait_for(matched, WAIT):
                pytest.fail(f"camera states never matched; got {self.states}")


def wait_for_frame(
    capture: CameraCapture, predicate: Callable[[CapturedFrame], bool] = lambda _: True
) -> CapturedFrame:
    deadline = time.monotonic() + WAIT
    while (latest := capture.latest_frame()) is None or not predicate(latest):
        if time.monotonic() > deadline:
            pytest.fail(f"no such frame in time; the latest is {latest}")
        time.sleep(UNIT / 5)
    return latest


def write_video(path: Path, frames: int) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 30, (160, 120))
    assert writer.isOpened(), "OpenCV cannot write MJPG here"
    for _ in range(frames):
        writer.write(np.full((120, 160, 3), FILE_COLOUR_BGR, dtype=np.uint8))
    writer.release()
    return path


def pts_of(video: av.VideoFrame) -> int:
    assert video.pts is not None, "a frame without a presentation time"
    return video.pts


def frame(number: int) -> CapturedFrame:
    return CapturedFrame(np.full((2, 2, 3), number, dtype=np.uint8), timestamp=float(number))


# The frame slot


async def test_a_slow_consumer_gets_the_newest_frame_not_a_backlog() -> None:
    slot = FrameSlot()
    for number in range(1, 6):
        slot.put(frame(number))

    sequence, newest = await slot.next_after(0)

    assert (sequence, newest.timestamp) == (5, 5.0)


async def test_a_consumer_waits_for_a_frame_put_from_another_thread() -> None:
    slot = FrameSlot()
    slot.put(frame(1))
    waiting = asyncio.create_task(slot.next_after(1))
    await asyncio.sleep(UNIT)
    assert not waiting.done()

    threading.Thread(target=slot.put, args=(frame(2),)).start()

    sequence, newest = await asyncio.wait_for(waiting, WAIT)
    assert (sequence, newest.timestamp) == (2, 2.0)


async def test_closing_a_slot_wakes_its_waiting_consumers() -> None:
    slot = FrameSlot()
    waiting = asyncio.create_task(slot.next_after(0))
    await asyncio.sleep(0)

    slot.close()

    with pytest.raises(FrameSlotClosed):
        await asyncio.wait_for(waiting, WAIT)


# The test pattern


def test_the_test_pattern_moves_but_keeps_its_label_in_place() -> None:
    pattern = SyntheticPattern(320, 240, "no camera / カメラなし")

    first, later = pattern.render(0.0), pattern.render(1.0)

    assert first.shape == later.shape == (240, 320, 3)
    assert not np.array_equal(first, later)
    label_rows = slice(240 // 3 - 5, 240 // 3 + 5)
    assert np.array_equal(first[label_rows, 100:220], later[label_rows, 100:220])
    assert (first[label_rows] == 255).any(), "the label's white text is missing"


# The capture


def test_without_a_camera_the_capture_reports_missing_and_sends_the_test_pattern(
    tmp_path: Path,
) -> None:
    log = StatusLog()
    settings = CameraSettings(device=str(tmp_path / "no-such-camera"), **SMALL)

    with CameraCapture(settings, on_status=log) as capture:
        log.wait_for(lambda statuses: statuses == [CameraStatus.MISSING])
        latest = wait_for_frame(capture)

    assert latest.synthetic
    assert latest.image.shape == (120, 160, 3)
    assert capture.state == CameraState(CameraStatus.MISSING, log.states[0].message)
    assert "no-such-camera" in log.states[0].message


def test_the_test_pattern_by_choice_opens_nothing_and_reports_no_fault(
    caplog: pytest.LogCaptureFixture,
) -> None:
    log = StatusLog()
    settings = CameraSettings(device=SYNTHETIC_CAMERA, **SMALL)

    with CameraCapture(settings, on_status=log) as capture:
        first = wait_for_frame(capture)
        wait_for_frame(capture, lambda frame: frame.timestamp > first.timestamp)

    assert first.synthetic
    assert capture.state is None
    assert log.states == []
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]


def test_a_camera_that_stops_delivering_is_a_fault_and_the_test_pattern_takes_over(
    tmp_path: Path,
) -> None:
    log = StatusLog()
    video = write_video(tmp_path / "camera.avi", frames=10)
    settings = CameraSettings(
        device=str(video), stall_timeout=2 * UNIT, reopen_interval=WAIT * 10, **SMALL
    )

    with CameraCapture(settings, on_status=log) as capture:
        log.wait_for(lambda statuses: CameraStatus.OK in statuses)
        first = wait_for_frame(capture)
        log.wait_for(lambda statuses: statuses == [CameraStatus.OK, CameraStatus.FAULT])
        wait_for_frame(capture, lambda latest: latest.synthetic)

    assert not first.synthetic
    mean_colour = first.image.reshape(-1, 3).mean(axis=0)
    assert np.allclose(mean_colour, FILE_COLOUR_BGR, atol=12), mean_colour
    assert "stopped delivering" in log.states[1].message


def test_a_faulty_camera_is_reopened_and_reported_ok_again(tmp_path: Path) -> None:
    log = StatusLog()
    video = write_video(tmp_path / "camera.avi", frames=3)
    settings = CameraSettings(
        device=str(video), stall_timeout=UNIT, reopen_interval=2 * UNIT, **SMALL
    )

    with CameraCapture(settings, on_status=log):
        log.wait_for(lambda s: s[:3] == [CameraStatus.OK, CameraStatus.FAULT, CameraStatus.OK])


def test_a_self_view_gets_read_only_bgr_and_a_fresh_rgb_copy(tmp_path: Path) -> None:
    settings = CameraSettings(device=str(tmp_path / "none"), **SMALL)
    with CameraCapture(settings) as capture:
        latest = wait_for_frame(capture)

    rgb = latest.rgb()

    assert not latest.image.flags.writeable
    assert rgb.flags.writeable
    assert np.array_equal(rgb, latest.image[:, :, ::-1])


# Tracks


async def test_a_track_sends_frames_stamped_from_capture_time_on_a_90_khz_clock(
    tmp_path: Path,
) -> None:
    settings = CameraSettings(device=str(tmp_path / "none"), fps=20, **SMALL)
    with CameraCapture(settings) as capture:
        track = capture.track()
        started = time.monotonic()
        frames = [await asyncio.wait_for(track.recv(), WAIT) for _ in range(4)]
        elapsed = time.monotonic() - started
        track.stop()

    pts = [pts_of(video) for video in frames]
    assert pts[0] == 0
    assert pts == sorted(set(pts))
    assert all(video.time_base == Fraction(1, 90000) for video in frames)
    assert (frames[0].width, frames[0].height) == (160, 120)
    # Capture times lie within the span over which the frames were received.
    assert pts[-1] / 90000 <= elapsed


async def test_a_track_asked_for_fewer_fps_skips_frames_rather_than_queueing_them(
    tmp_path: Path,
) -> None:
    settings = CameraSettings(device=str(tmp_path / "none"), fps=30, **SMALL)
    with CameraCapture(settings) as capture:
        track = capture.track(fps=5)
        frames = [await asyncio.wait_for(track.recv(), WAIT) for _ in range(3)]
        track.stop()

    gaps = np.diff([pts_of(video) for video in frames]) / 90000
    # Each frame is the newest when it fell due, so it is at most one 30 fps capture interval
    # (plus the capture thread's jitter) older than that; load only makes gaps longer.
    assert (gaps >= 1 / 5 - 2 / 30).all(), gaps


async def test_stopping_a_track_leaves_the_capture_and_other_tracks_running(
    tmp_path: Path,
) -> None:
    settings = CameraSettings(device=str(tmp_path / "none"), **SMALL)
    with CameraCapture(settings) as capture:
        call_track, other_track = capture.track(), capture.track()
        await asyncio.wait_for(call_track.recv(), WAIT)

        call_track.stop()
        before = capture.latest_frame()
        for _ in range(2):  # the first may be the frame that was already there
            await asyncio.wait_for(other_track.recv(), WAIT)
        after = capture.latest_frame()

        with pytest.raises(MediaStreamError):
            await call_track.recv()
        assert before is not None
        assert after is not None
        assert after.timestamp > before.timestamp
        other_track.stop()


async def test_closing_the_capture_ends_every_track(tmp_path: Path) -> None:
    capture = CameraCapture(CameraSettings(device=str(tmp_path / "none"), **SMALL))
    capture.start()
    track = capture.track()
    await asyncio.wait_for(track.recv(), WAIT)

    capture.close()

    with pytest.raises(MediaStreamError):
        await asyncio.wait_for(track.recv(), WAIT)
    assert track.readyState == "ended"


def test_a_paused_capture_sends_the_still_frame_at_the_picture_size_then_the_picture_again(
    tmp_path: Path,
) -> None:
    settings = CameraSettings(device=str(tmp_path / "no-such-camera"), **SMALL)
    with CameraCapture(settings) as capture:
        live = wait_for_frame(capture)
        capture.paused = True
        still = wait_for_frame(capture, lambda latest: latest.paused)
        capture.paused = False
        again = wait_for_frame(capture, lambda latest: not latest.paused)

    assert not live.paused
    assert np.array_equal(still.image, paused_frame(160, 120))
    assert float(still.image.mean()) < 20  # black but for the small label
    assert float(live.image.mean()) > 60
    assert again.image.shape == (120, 160, 3)


def test_a_paused_capture_sends_its_still_frame_only_a_few_times_a_second(
    tmp_path: Path,
) -> None:
    settings = CameraSettings(device=str(tmp_path / "no-such-camera"), fps=30, **SMALL)
    with CameraCapture(settings) as capture:
        capture.paused = True
        first = wait_for_frame(capture, lambda latest: latest.paused)
        second = wait_for_frame(capture, lambda latest: latest.timestamp > first.timestamp)
    assert second.timestamp - first.timestamp >= 1 / PAUSED_FPS


# Modes (the probe itself is in test_camera_modes.py)


def test_a_mode_setting_reads_best_or_a_size_with_an_optional_rate_and_format() -> None:
    assert parse_camera_mode("best") is None
    assert parse_camera_mode(" Best ") is None
    assert parse_camera_mode("1280x720") == CameraMode(1280, 720, 30)
    assert parse_camera_mode("1920x1080@15") == CameraMode(1920, 1080, 15)
    assert parse_camera_mode("1920x1080@7.5 mjpg") == CameraMode(1920, 1080, 7.5, "MJPG")
    assert str(CameraMode(1920, 1080, 30, "MJPG")) == "1920x1080@30 MJPG"


@pytest.mark.parametrize("junk", ["", "1080p", "1920*1080", "1920x1080@", "x720", "1920x1080 M"])
def test_a_mode_setting_that_is_not_one_says_what_one_looks_like(junk: str) -> None:
    with pytest.raises(ValueError, match="WIDTHxHEIGHT"):
        parse_camera_mode(junk)


def test_a_mode_at_zero_fps_is_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        parse_camera_mode("1920x1080@0")


def test_a_mode_without_a_format_asks_for_mjpg_and_none_asks_for_the_best() -> None:
    base = CameraSettings(device=2)

    exact = base.with_mode(CameraMode(1280, 720, 15))
    best = base.with_mode(None)

    assert (exact.width, exact.height, exact.fps, exact.fourcc, exact.best) == (
        1280,
        720,
        15,
        "MJPG",
        False,
    )
    assert best.best
    assert best.device == 2
    assert not base.best  # a face camera asks for nothing new
    assert base.fourcc == ""


def test_a_fourcc_reads_back_as_text_and_nothing_as_empty() -> None:
    assert fourcc_text(cv2.VideoWriter.fourcc(*"MJPG")) == "MJPG"
    assert fourcc_text(0.0) == ""
    assert fourcc_text(-1.0) == ""


def test_live_sizes_fit_1080p_with_the_aspect_kept_and_smaller_ones_are_left_alone() -> None:
    assert fit_within((3840, 2160), (1920, 1080)) == (1920, 1080)
    assert fit_within((3264, 2448), (1920, 1080)) == (1440, 1080)
    assert fit_within((2592, 1944), (1920, 1080)) == (1440, 1080)
    assert fit_within((1920, 1080), (1920, 1080)) == (1920, 1080)
    assert fit_within((640, 480), (1920, 1080)) == (640, 480)


# The frame-rate governor (pure: the track passes it the time its consumer held each frame)


def test_the_governor_allows_the_full_rate_until_it_knows_better() -> None:
    governor = FrameRateGovernor(30)
    assert governor.fps == 30
    governor.consumed(0.010)  # 10 ms a frame: well inside 33 ms
    assert governor.fps == 30


def test_the_governor_lowers_the_rate_when_the_encoder_takes_longer_than_a_frame() -> None:
    governor = FrameRateGovernor(30, headroom=0.8, smoothing=1.0)

    governor.consumed(0.080)  # 80 ms a frame: 12.5 fps flat out

    assert governor.fps == pytest.approx(10.0)  # leaves a fifth of the time free


def test_the_governor_never_goes_below_its_floor_and_recovers_when_encoding_is_quick_again() -> (
    None
):
    governor = FrameRateGovernor(30, smoothing=0.5)
    for _ in range(10):
        governor.consumed(2.0)  # a keyframe storm on a starved CPU
    assert governor.fps == MIN_LIVE_FPS
    for _ in range(20):
        governor.consumed(0.005)
    assert governor.fps == 30


def test_the_governor_smooths_one_slow_frame() -> None:
    governor = FrameRateGovernor(30, smoothing=0.2)
    for _ in range(10):
        governor.consumed(0.010)

    governor.consumed(0.200)  # one keyframe

    assert governor.fps > 15


@pytest.mark.parametrize("bad", [{"ceiling": 0}, {"headroom": 0}, {"smoothing": 1.5}])
def test_a_governor_with_a_nonsense_setting_is_refused(bad: dict[str, float]) -> None:
    settings: dict[str, float] = {"ceiling": 30} | bad
    with pytest.raises(ValueError, match="governor"):
        FrameRateGovernor(**settings)


async def test_a_track_whose_consumer_is_slow_asks_for_fewer_frames(tmp_path: Path) -> None:
    settings = CameraSettings(device=SYNTHETIC_CAMERA, fps=30, min_fps=MIN_LIVE_FPS, **SMALL)
    held = 0.1  # the "encoder" takes this long per frame: at most 8 fps leaves it headroom
    with CameraCapture(settings) as capture:
        track = capture.track()
        assert track.governor is not None
        assert track.governor.fps == 30
        for _ in range(8):
            await asyncio.wait_for(track.recv(), WAIT)
            await asyncio.sleep(held)
        track.stop()

    # Load only makes the consumer slower, so this bound holds on a busy machine too.
    assert track.governor is not None
    assert track.governor.fps <= track.governor.headroom / held + 1e-9
    assert track.governor.fps >= MIN_LIVE_FPS


def test_a_face_camera_track_has_no_governor_and_keeps_its_rate() -> None:
    # Lip-reading needs the rate (EN 301 549: 20 fps or more); only a document camera trades it.
    with CameraCapture(CameraSettings(device=SYNTHETIC_CAMERA, fps=30, **SMALL)) as capture:
        track = capture.track()
        assert track.governor is None
        assert track.fps == 30
        track.stop()
