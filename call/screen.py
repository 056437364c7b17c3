"""Screen share: a window, a region or a monitor grabbed with mss in its own thread, as a track.

Content is text, so it is sent slowly and sharply: at most `MAX_FPS` frames a second on its own
clock, through the content sender that `call.video_tuning` pins to a high VP8 bitrate
(docs/video.md, The tweaks). Frames are latest-frame-wins, as for the camera.

Made for the kiosk (docs/video.md, Screen share): a shared window is followed as it moves (its
place is asked again every `FOLLOW_EVERY` seconds, and the share ends when it closes), and with a
`target` size each frame is scaled here, from the sharp source, to fit the kiosk's content area,
so the kiosk draws it 1:1 instead of enlarging or shrinking decoded video.

Threads: `ScreenCapture.start`, `close`, `latest_frame` and `track` may be called from any
thread; `on_error` runs on the capture thread. mss connects to the display from the capture
thread, since an X connection is not to be shared between threads.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import cv2
import mss
import numpy as np

from call.camera import CaptureThread
from call.frames import CapturedFrame, FrameSlotTrack, Image8
from call.windows import WindowLookupError, find_window

logger = logging.getLogger(__name__)

MAX_FPS: Final = 5.0
# Seconds between looks at where a shared window is. Windows answers in microseconds, so
# before every frame; X11 costs an xwininfo run (3-20 ms), so once a second.
FOLLOW_EVERY: Final = 0.0 if sys.platform == "win32" else 1.0
# The content encoder's pinned bitrate (call.video_tuning.CONTENT_BITRATE) is sized for 1080p;
# a larger viewer gets the largest fitting frame of this many pixels, scaled up on the kiosk.
MAX_SHARE_PIXELS: Final = 1920 * 1080
WINDOW_CLOSED: Final = "the shared window was closed"


class ScreenCaptureError(Exception):
    """The screen cannot be captured: no display, no such monitor, a region off the screen, or
    a window that is gone or minimised."""


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
    """What to share: a window, else a region, else a monitor by index; and at what size."""

    monitor: int = 1
    region: Region | None = None
    window: int | None = None  # a call.windows id: its place on the screen, followed
    # Scale each frame to the largest size of its aspect that fits (width, height); None sends
    # the pixels as grabbed.
    target: tuple[int, int] | None = None
    # The engine keeps `target` at the kiosk's content area (the content channel's `viewer`).
    fit_viewer: bool = False
    fps: float = MAX_FPS
    display: str | None = None  # an X display such as ":1" (Linux only); None means $DISPLAY

    def __post_init__(self) -> None:
        if not 0 < self.fps <= MAX_FPS:
            raise ValueError(f"screen share fps must be in (0, {MAX_FPS}], not {self.fps}")
        if self.target is not None and min(self.target) < 2:
            raise ValueError(f"a screen share target must be at least 2x2, not {self.target}")


def share_size(source: tuple[int, int], target: tuple[int, int]) -> tuple[int, int]:
    """The largest even size of the source's aspect within `target` and `MAX_SHARE_PIXELS`."""
    width, height = source
    scale = min(target[0] / width, target[1] / height, (MAX_SHARE_PIXELS / (width * height)) ** 0.5)
    # round() stays within the target: x <= t for an integer t gives round(x) <= t.
    fitted = (round(width * scale), round(height * scale))
    return max(2, fitted[0] & ~1), max(2, fitted[1] & ~1)


def scale_to_fit(image: Image8, target: tuple[int, int] | None) -> Image8:
    """`image` fitted to `target` (area averaging down, bicubic up); as it is if it fits."""
    height, width = image.shape[:2]
    if target is None:
        return image
    size = share_size((width, height), target)
    if size == (width, height):
        return image
    shrinking = size[0] < width
    interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC
    return np.asarray(cv2.resize(image, size, interpolation=interpolation), dtype=np.uint8)


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
    """Grabs one window, region or monitor at a few frames a second in its own thread."""

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
        self._target = self.settings.target
        self.ended_because: str | None = None  # why the capture stopped by itself

    @property
    def area(self) -> Region:
        """The rectangle being captured, known once `start()` has returned."""
        if self._area is None:
            raise RuntimeError("the screen capture has not started")
        return self._area

    @property
    def target(self) -> tuple[int, int] | None:
        return self._target

    def fit_to(self, target: tuple[int, int] | None) -> None:
        """Fit the frames from now on to `target` (any thread; the next frame has the new size)."""
        if target is not None and min(target) < 2:
            raise ValueError(f"a screen share target must be at least 2x2, not {target}")
        self._target = target

    def start(self) -> None:
        """Check the display and the area, then start the thread; raises `ScreenCaptureError`."""
        with _open_mss(self.settings.display) as grabber:
            desktop = _region(grabber.monitors[0])
            if self.settings.window is None:
                self._area = _resolve_area(self.settings, grabber.monitors)
            else:
                area = self._window_area(desktop)
                if area is None:
                    raise ScreenCaptureError("the window to share is minimised or off the screen")
                self._area = area
        super().start()

    def track(self) -> ScreenTrack:
        return ScreenTrack(self._slot, self.settings.fps)

    def _run(self) -> None:
        area: Region | None = self.area
        interval = 1.0 / self.settings.fps
        try:
            with _open_mss(self.settings.display) as grabber:
                desktop = _region(grabber.monitors[0])
                deadline = follow_at = time.monotonic()
                while not self._stop.is_set():
                    if self.settings.window is not None and time.monotonic() >= follow_at:
                        follow_at = time.monotonic() + FOLLOW_EVERY
                        area = self._window_area(desktop, area)
                    if area is not None:  # None: the window is minimised; keep the last frame
                        self._area = area
                        self._grab(grabber, area)
                    deadline = max(deadline + interval, time.monotonic())
                    self._stop.wait(deadline - time.monotonic())
        except (ScreenCaptureError, mss.ScreenShotError) as exc:
            error = exc if isinstance(exc, ScreenCaptureError) else ScreenCaptureError(str(exc))
            logger.warning("= screen capture stopped: %s", error)
            self.ended_because = str(error)  # before the tracks end: the sharing side reads it
            self._slot.close()  # ends the tracks, so the content sender stops cleanly
            if self._on_error is not None:
                self._on_error(error)
        finally:
            # Also after an unexpected error: tracks must end, not wait forever.
            self._slot.close()

    def _grab(self, grabber: mss.MSS, area: Region) -> None:
        box = {"left": area.left, "top": area.top, "width": area.width, "height": area.height}
        shot = grabber.grab(box)
        captured_at = time.monotonic()
        image = np.asarray(cv2.cvtColor(np.asarray(shot), cv2.COLOR_BGRA2BGR), dtype=np.uint8)
        image = scale_to_fit(image, self._target)
        image.flags.writeable = False
        self._slot.put(CapturedFrame(image, captured_at))

    def _window_area(self, desktop: Region, last: Region | None = None) -> Region | None:
        """The shared window's part of the screen now, or None while it is not shown.

        Raises `ScreenCaptureError` once the window has closed; when the desktop cannot be
        asked just now, the window is taken to be where it was.
        """
        window_id = self.settings.window
        assert window_id is not None
        try:
            window = find_window(window_id, self.settings.display)
        except WindowLookupError as error:
            if last is None:
                raise ScreenCaptureError(f"cannot find the window to share: {error}") from error
            logger.debug("= window %#x not looked up: %s", window_id, error)
            return last
        if window is None:
            raise ScreenCaptureError(WINDOW_CLOSED)
        if not window.shown:
            return None
        return _clip(Region(window.left, window.top, window.width, window.height), desktop)


def _open_mss(display: str | None) -> mss.MSS:
    try:
        # Passing display= on Windows or macOS is deprecated by mss, so only when given.
        return mss.MSS() if display is None else mss.MSS(display=display)
    except mss.ScreenShotError as exc:
        raise ScreenCaptureError(f"cannot capture the screen: {exc}") from exc


def _region(monitor: dict[str, int]) -> Region:
    return Region(monitor["left"], monitor["top"], monitor["width"], monitor["height"])


def _clip(area: Region, desktop: Region) -> Region | None:
    """The part of `area` on the desktop, even-sized; None if less than 2x2 of it is."""
    left, top = max(area.left, desktop.left), max(area.top, desktop.top)
    right = min(area.left + area.width, desktop.left + desktop.width)
    bottom = min(area.top + area.height, desktop.top + desktop.height)
    if right - left < 2 or bottom - top < 2:
        return None
    return Region(left, top, (right - left) & ~1, (bottom - top) & ~1)


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
