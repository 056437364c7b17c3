"""Screen share: a monitor or a region grabbed with mss in its own thread, as a video track.

Content is text, so it is sent slowly and sharply: at most `MAX_FPS` frames a second on its own
clock, through the content sender that `call.video_tuning` pins to a high VP8 bitrate
(design.md, "The call engine", Content item 2). Frames are latest-frame-wins, as for the camera.

Threads: `ScreenCapture.start`, `close`, `latest_frame` and `track` may be called from any
thread; `on_error` runs on the capture thread. mss connects to the display from the capture
thread, since an X connection is not to be shared between threads.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import cv2
import mss
import numpy as np

from call.camera import CaptureThread
from call.frames import CapturedFrame, FrameSlotTrack

logger = logging.getLogger(__name__)

MAX_FPS: Final = 5.0


class ScreenCaptureError(Exception):
    """The screen cannot be captured: no display, no such monitor, or a region off the screen."""


@dataclass(frozen=True, slots=True)
class Region:
    """A rectangle in virtual-desktop pixels, as mss and the OS place monitors."""

    left: int
    top: int
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class Monitor:
    index: int  # 1-based, as in mss; 0 is the whole virtual desktop
    area: Region


@dataclass(frozen=True, slots=True)
class ScreenSettings:
    """What to share: a monitor by index, or a region, which wins when given."""

    monitor: int = 1
    region: Region | None = None
    fps: float = MAX_FPS
    display: str | None = None  # an X display such as ":1" (Linux only); None means $DISPLAY

    def __post_init__(self) -> None:
        if not 0 < self.fps <= MAX_FPS:
            raise ValueError(f"screen share fps must be in (0, {MAX_FPS}], not {self.fps}")


def list_monitors(display: str | None = None) -> list[Monitor]:
    """The monitors mss sees, index 1 upwards; raises `ScreenCaptureError` without a display."""
    with _open_mss(display) as grabber:
        return [
            Monitor(index, _region(monitor))
            for index, monitor in enumerate(grabber.monitors)
            if index > 0
        ]


class ScreenTrack(FrameSlotTrack):
    """A consumer of a `ScreenCapture`: stopping it leaves the capture running."""


class ScreenCapture(CaptureThread):
    """Grabs one monitor or region at a few frames a second in its own thread."""

    def __init__(
        self,
        settings: ScreenSettings | None = None,
        *,
        on_error: Callable[[ScreenCaptureError], None] | None = None,
    ) -> None:
        super().__init__("screen-capture")
        self.settings = settings or ScreenSettings()
        self._on_error = on_error
        self._area: Region | None = None

    @property
    def area(self) -> Region:
        """The rectangle being captured, known once `start()` has returned."""
        if self._area is None:
            raise RuntimeError("the screen capture has not started")
        return self._area

    def start(self) -> None:
        """Check the display and the area, then start the thread; raises `ScreenCaptureError`."""
        with _open_mss(self.settings.display) as grabber:
            self._area = _resolve_area(self.settings, grabber.monitors)
        super().start()

    def track(self) -> ScreenTrack:
        return ScreenTrack(self._slot, self.settings.fps)

    def _run(self) -> None:
        area = self.area
        box = {"left": area.left, "top": area.top, "width": area.width, "height": area.height}
        interval = 1.0 / self.settings.fps
        try:
            with _open_mss(self.settings.display) as grabber:
                deadline = time.monotonic()
                while not self._stop.is_set():
                    shot = grabber.grab(box)
                    captured_at = time.monotonic()
                    bgra = np.asarray(shot)
                    image = np.asarray(cv2.cvtColor(bgra, cv2.COLOR_BGRA2BGR), dtype=np.uint8)
                    image.flags.writeable = False
                    self._slot.put(CapturedFrame(image, captured_at))
                    deadline = max(deadline + interval, time.monotonic())
                    self._stop.wait(deadline - time.monotonic())
        except (ScreenCaptureError, mss.ScreenShotError) as exc:
            error = exc if isinstance(exc, ScreenCaptureError) else ScreenCaptureError(str(exc))
            logger.warning("= screen capture stopped: %s", error)
            self._slot.close()  # ends the tracks, so the content sender stops cleanly
            if self._on_error is not None:
                self._on_error(error)
        finally:
            # Also after an unexpected error: tracks must end, not wait forever.
            self._slot.close()


def _open_mss(display: str | None) -> mss.MSS:
    try:
        # Passing display= on Windows or macOS is deprecated by mss, so only when given.
        return mss.MSS() if display is None else mss.MSS(display=display)
    except mss.ScreenShotError as exc:
        raise ScreenCaptureError(f"cannot capture the screen: {exc}") from exc


def _region(monitor: dict[str, int]) -> Region:
    return Region(monitor["left"], monitor["top"], monitor["width"], monitor["height"])


def _resolve_area(settings: ScreenSettings, monitors: list[dict[str, int]]) -> Region:
    desktop = _region(monitors[0])
    if settings.region is None:
        if not 1 <= settings.monitor < len(monitors):
            raise ScreenCaptureError(
                f"no monitor {settings.monitor}; there are {len(monitors) - 1}"
            )
        area = _region(monitors[settings.monitor])
    else:
        area = settings.region
        inside = (
            area.left >= desktop.left
            and area.top >= desktop.top
            and area.left + area.width <= desktop.left + desktop.width
            and area.top + area.height <= desktop.top + desktop.height
        )
        if area.width < 2 or area.height < 2 or not inside:
            raise ScreenCaptureError(f"region {area} is not on the screen {desktop}")
    # 4:2:0 video halves the chroma planes, so odd sizes would lose or smear an edge column.
    return Region(area.left, area.top, area.width & ~1, area.height & ~1)
