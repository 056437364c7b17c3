"""Screen share against a real X server: an Xvfb started for these tests."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import numpy as np
import pytest
from aiortc.mediastreams import MediaStreamError

from call.content_messages import Viewer
from call.control_messages import ContentKind
from call.screen import (
    MAX_SHARE_PIXELS,
    WINDOW_CLOSED,
    Monitor,
    Region,
    ScreenCapture,
    ScreenCaptureError,
    ScreenSettings,
    ScreenTrack,
    list_monitors,
    share_size,
)
from call.sharing import DocumentEvent, LocalContentEnded, RemoteContentChanged
from tests.call.test_engine import STAFF, Probe, connect, frame_after, make_probe
from tests.call.x11_window import BGR, needs_x11_tools, shown_window
from tests.fixtures.hub import RunningHub

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


# --- Made for the kiosk: fitted to its content area, a window followed ---------------------------


def test_a_frame_is_fitted_to_the_target_with_its_aspect_kept() -> None:
    assert share_size((1920, 1080), (1646, 926)) == (1646, 926)
    assert share_size((1280, 720), (1646, 1000)) == (1646, 926)  # enlarged: drawn 1:1 there
    assert share_size((900, 1200), (1646, 926)) == (694, 926)  # a portrait window, height-bound
    assert share_size((1000, 1000), (641, 999)) == (640, 640)  # even sides for 4:2:0


def test_a_viewer_larger_than_1080p_gets_1080p_worth_of_pixels() -> None:
    width, height = share_size((1920, 1080), (3840, 2160))

    assert width * height <= MAX_SHARE_PIXELS
    assert (width, height) == (1920, 1080)


def test_a_target_smaller_than_2x2_is_refused() -> None:
    with pytest.raises(ValueError, match="target"):
        ScreenSettings(target=(1, 400))


def test_a_region_with_a_target_is_sent_at_exactly_the_fitted_size(xserver: XServer) -> None:
    region = Region(0, 0, 1280, 720)
    settings = ScreenSettings(region=region, target=(1646, 1000), display=xserver.display)

    with ScreenCapture(settings) as capture:
        enlarged = wait_for_frame(capture)
        capture.fit_to((800, 800))
        shrunk = wait_for_new_size(capture, enlarged.shape)

    assert capture.area == region  # what is grabbed does not change, only what is sent
    assert enlarged.shape == (926, 1646, 3)
    assert shrunk.shape == (450, 800, 3)
    if shutil.which("xsetroot") is not None:
        assert tuple(enlarged[463, 823]) == ROOT_BGR
        assert tuple(shrunk[225, 400]) == ROOT_BGR


def wait_for_frame_after(capture: ScreenCapture, moment: float) -> np.typing.NDArray[np.uint8]:
    """The first frame grabbed after `moment` (time.monotonic())."""
    deadline = time.monotonic() + WAIT
    while (latest := capture.latest_frame()) is None or latest.timestamp <= moment:
        if time.monotonic() > deadline:
            pytest.fail("no new screen frame in time")
        time.sleep(UNIT / 5)
    return latest.image


def wait_for_new_size(capture: ScreenCapture, old: tuple[int, ...]) -> np.typing.NDArray[np.uint8]:
    deadline = time.monotonic() + WAIT
    while (image := wait_for_frame(capture)).shape == old:
        if time.monotonic() > deadline:
            pytest.fail(f"the frames stayed {old}")
        time.sleep(UNIT / 5)
    return image


def test_a_window_is_shared_as_its_place_on_the_screen_and_followed(xserver: XServer) -> None:
    needs_x11_tools()
    with shown_window(xserver.display, "申請書", "640x480+100+50") as window:
        settings = ScreenSettings(window=window.id, display=xserver.display)
        with ScreenCapture(settings) as capture:
            image = wait_for_frame(capture)
            assert capture.area == Region(100, 50, 640, 480)
            window.move(700, 300)
            deadline = time.monotonic() + WAIT
            while capture.area != Region(700, 300, 640, 480):
                if time.monotonic() > deadline:
                    pytest.fail(f"the share stayed at {capture.area}")
                time.sleep(UNIT / 5)
            moved = wait_for_frame_after(capture, time.monotonic())

    assert image.shape == moved.shape == (480, 640, 3)
    assert tuple(image[240, 320]) == tuple(moved[240, 320]) == BGR


async def test_a_window_that_closes_ends_the_share_saying_so(xserver: XServer) -> None:
    needs_x11_tools()
    errors: list[ScreenCaptureError] = []
    with shown_window(xserver.display, "閉じる", "320x240+10+10") as window:
        settings = ScreenSettings(window=window.id, display=xserver.display)
        capture = ScreenCapture(settings, on_error=errors.append)
        capture.start()
        track = capture.track()
        await asyncio.wait_for(track.recv(), WAIT)

        window.close()

        with pytest.raises(MediaStreamError):
            await asyncio.wait_for(receive_until_ended(track), WAIT)
        capture.close()
    assert [str(error) for error in errors] == [WINDOW_CLOSED]
    assert capture.ended_because == WINDOW_CLOSED


def test_a_window_that_is_gone_cannot_be_shared(xserver: XServer) -> None:
    needs_x11_tools()
    with pytest.raises(ScreenCaptureError, match="closed"):
        ScreenCapture(ScreenSettings(window=0x7FFFFF, display=xserver.display)).start()


# --- Over a real call -----------------------------------------------------------------------------

KIOSK_VIEWER = (1646, 1000)  # a kiosk's content area beside the staff video, at 1920x1080


@pytest.fixture
async def ends(hub: RunningHub, loopback_ice: None) -> AsyncIterator[tuple[Probe, Probe]]:
    kiosk = await make_probe(hub, hub.kiosk(0), viewer_size=KIOSK_VIEWER)
    staff = await make_probe(hub, hub.staff(STAFF))
    yield kiosk, staff
    await kiosk.engine.close()
    await staff.engine.close()


async def sharing_starts(kiosk: Probe, staff: Probe, settings: ScreenSettings) -> None:
    await connect(kiosk, staff)
    await staff.expect(DocumentEvent, lambda e: isinstance(e.event, Viewer))
    assert await staff.engine.start_screen_share(settings)
    assert (await kiosk.expect(RemoteContentChanged)).kind is ContentKind.SCREEN


async def test_a_shared_region_reaches_the_kiosk_fitted_to_its_viewer_and_follows_it(
    ends: tuple[Probe, Probe], xserver: XServer
) -> None:
    kiosk, staff = ends
    region = Region(96, 64, 1280, 720)
    settings = ScreenSettings(region=region, fit_viewer=True, display=xserver.display)

    await sharing_starts(kiosk, staff, settings)
    frame = await frame_after(kiosk, "remote_content", within=WAIT)
    assert (frame.width, frame.height) == share_size((1280, 720), KIOSK_VIEWER) == (1646, 926)

    # Large-text mode: the kiosk's content area shrinks, and it says so.
    await kiosk.engine.announce_viewer(1400, 800)
    await staff.expect(DocumentEvent, lambda e: isinstance(e.event, Viewer))
    deadline = time.monotonic() + WAIT
    while (frame.width, frame.height) == (1646, 926):
        if time.monotonic() > deadline:
            pytest.fail("the share kept its old size")
        frame = await frame_after(kiosk, "remote_content", frame.sequence, within=WAIT)

    assert (frame.width, frame.height) == share_size((1280, 720), (1400, 800)) == (1400, 788)


async def test_a_shared_window_closing_ends_the_share_at_both_ends(
    ends: tuple[Probe, Probe], xserver: XServer
) -> None:
    needs_x11_tools()
    kiosk, staff = ends
    with shown_window(xserver.display, "住民記録", "800x600+200+100") as window:
        settings = ScreenSettings(window=window.id, fit_viewer=True, display=xserver.display)
        await sharing_starts(kiosk, staff, settings)
        frame = await frame_after(kiosk, "remote_content", within=WAIT)
        assert (frame.width, frame.height) == share_size((800, 600), KIOSK_VIEWER) == (1332, 1000)

        window.close()

        ended = await staff.expect(LocalContentEnded, within=WAIT)
        assert ended.reason == WINDOW_CLOSED
        assert (await kiosk.expect(RemoteContentChanged, within=WAIT)).kind is None
