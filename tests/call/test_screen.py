"""Screen share against a real X server: an Xvfb started for these tests."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pytest
from aiortc.mediastreams import MediaStreamError

from call.screen import (
    Monitor,
    Region,
    ScreenCapture,
    ScreenCaptureError,
    ScreenSettings,
    ScreenTrack,
    list_monitors,
)

UNIT = 0.05  # seconds; every timeout here is a multiple of it
WAIT = 100 * UNIT
ROOT_COLOUR = "#3366cc"
ROOT_BGR = (0xCC, 0x66, 0x33)
XVFB = ("Xvfb", "-screen", "0", "1920x1080x24", "-nolisten", "tcp", "-noreset")


@dataclass
class XServer:
    display: str
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(WAIT)


def start_xvfb() -> XServer:
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (apt-get install xvfb)")
    # -displayfd makes Xvfb pick a free display and tell us which; -noreset keeps the root
    # window's colour after xsetroot disconnects.
    read_end, write_end = os.pipe()
    process = subprocess.Popen(
        [*XVFB, "-displayfd", str(write_end)],
        pass_fds=(write_end,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    number = b""
    with os.fdopen(read_end, "rb") as reader:
        while not number.endswith(b"\n"):
            chunk = reader.read(1)
            if not chunk:
                process.kill()
                pytest.fail("Xvfb exited before naming its display")
            number += chunk
    return XServer(f":{number.decode().strip()}", process)


@pytest.fixture(scope="module")
def xserver() -> Iterator[XServer]:
    server = start_xvfb()
    if shutil.which("xsetroot") is not None:
        subprocess.run(["xsetroot", "-display", server.display, "-solid", ROOT_COLOUR], check=True)
    yield server
    server.stop()


def wait_for_frame(capture: ScreenCapture) -> np.typing.NDArray[np.uint8]:
    deadline = time.monotonic() + WAIT
    while (latest := capture.latest_frame()) is None:
        if time.monotonic() > deadline:
            pytest.fail("no screen frame in time")
        time.sleep(UNIT / 5)
    return latest.image


async def receive_until_ended(track: ScreenTrack) -> None:
    while True:
        await track.recv()


def test_list_monitors_reports_the_one_xvfb_screen(xserver: XServer) -> None:
    assert list_monitors(xserver.display) == [Monitor(1, Region(0, 0, 1920, 1080))]


def test_a_monitor_is_captured_whole_in_bgr(xserver: XServer) -> None:
    with ScreenCapture(ScreenSettings(monitor=1, display=xserver.display)) as capture:
        image = wait_for_frame(capture)

    assert capture.area == Region(0, 0, 1920, 1080)
    assert image.shape == (1080, 1920, 3)
    if shutil.which("xsetroot") is not None:
        assert tuple(image[540, 960]) == ROOT_BGR


def test_a_region_is_captured_at_its_size_rounded_down_to_even(xserver: XServer) -> None:
    settings = ScreenSettings(region=Region(100, 50, 641, 361), display=xserver.display)

    with ScreenCapture(settings) as capture:
        image = wait_for_frame(capture)

    assert capture.area == Region(100, 50, 640, 360)
    assert image.shape == (360, 640, 3)


def test_a_region_off_the_screen_is_refused(xserver: XServer) -> None:
    settings = ScreenSettings(region=Region(1800, 1000, 200, 200), display=xserver.display)

    with pytest.raises(ScreenCaptureError, match="not on the screen"):
        ScreenCapture(settings).start()


def test_a_monitor_that_does_not_exist_is_refused(xserver: XServer) -> None:
    with pytest.raises(ScreenCaptureError, match="no monitor 2; there are 1"):
        ScreenCapture(ScreenSettings(monitor=2, display=xserver.display)).start()


def test_without_a_display_capture_fails_with_a_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)

    with pytest.raises(ScreenCaptureError, match="cannot capture the screen"):
        list_monitors()
    with pytest.raises(ScreenCaptureError, match="cannot capture the screen"):
        ScreenCapture().start()


def test_more_than_five_frames_a_second_is_refused() -> None:
    with pytest.raises(ValueError, match="fps"):
        ScreenSettings(fps=10)


async def test_a_screen_track_sends_frames_on_its_own_clock(xserver: XServer) -> None:
    settings = ScreenSettings(region=Region(0, 0, 320, 240), display=xserver.display)
    with ScreenCapture(settings) as capture:
        track = capture.track()
        frames = [await asyncio.wait_for(track.recv(), WAIT) for _ in range(3)]
        track.stop()

        assert capture.latest_frame() is not None
    assert [(video.width, video.height) for video in frames] == [(320, 240)] * 3
    assert [video.pts for video in frames] == sorted({video.pts or 0 for video in frames})
    assert frames[0].pts == 0


async def test_losing_the_display_reports_an_error_and_ends_the_tracks() -> None:
    server = start_xvfb()
    errors: list[ScreenCaptureError] = []
    settings = ScreenSettings(region=Region(0, 0, 64, 64), display=server.display)
    capture = ScreenCapture(settings, on_error=errors.append)
    capture.start()
    track = capture.track()
    await asyncio.wait_for(track.recv(), WAIT)

    server.stop()

    with pytest.raises(MediaStreamError):
        await asyncio.wait_for(receive_until_ended(track), WAIT)
    capture.close()
    assert len(errors) == 1
    assert track.readyState == "ended"
