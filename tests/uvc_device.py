"""A synthetic UVC camera that behaves like `cv2.VideoCapture` on one: an `open_device` seam.

It offers exactly the modes it is given. Like OpenCV's V4L2 backend, a size is applied once
both its width and its height have been set (a width alone waits for its height). Like the
uvcvideo driver under it, a size or rate never fails: it snaps to the nearest mode the current
format offers (uvcvideo's `uvc_v4l2_try_format` picks the frame size with the least area not
shared with the request, then the nearest frame interval), and `get` reports what is really set.
A format it does not offer is refused and the old one kept. `read` returns frames of the set
size, paced at the set rate as a camera blocks in read: a rendered test card, or a supplied
image (a photograph of paper) scaled to the frame.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

import cv2
import numpy as np
import numpy.typing as npt

Image8 = npt.NDArray[np.uint8]


@dataclass(frozen=True, slots=True)
class UvcMode:
    fourcc: str
    width: int
    height: int
    fps: float


def modes(fourcc: str, *sizes_at: tuple[int, int, float]) -> tuple[UvcMode, ...]:
    return tuple(UvcMode(fourcc, width, height, fps) for width, height, fps in sizes_at)


# A typical 1080p UVC camera on USB 2: raw YUYV is bandwidth-bound at large sizes, MJPG is not.
TYPICAL_1080P: Final = modes("MJPG", (640, 480, 30), (1280, 720, 30), (1920, 1080, 30)) + modes(
    "YUYV", (640, 480, 30), (1280, 720, 10), (1920, 1080, 5)
)
YUYV_ONLY_1080P: Final = tuple(mode for mode in TYPICAL_1080P if mode.fourcc == "YUYV")
VGA_ONLY: Final = modes("MJPG", (640, 480, 30)) + modes("YUYV", (640, 480, 30))


def fourcc_code(fourcc: str) -> int:
    return int(cv2.VideoWriter.fourcc(*fourcc))


def _fourcc_text(code: float) -> str:
    return int(code).to_bytes(4, "little").decode("ascii", errors="replace")


@dataclass
class UvcDevice:
    """One opened synthetic camera; `fail_on` makes `set` or `read` raise `cv2.error`."""

    offered: Sequence[UvcMode]
    image: Image8 | None = None  # BGR; scaled to each frame, else a test card
    paced: bool = True
    fail_on: frozenset[str] = frozenset()  # "set", "read"
    opened: bool = True
    reads: int = 0
    released: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        # uvcvideo starts at the first format and frame the camera lists; for most that is
        # YUYV 640x480 (here: the default format's smallest mode).
        formats = [mode.fourcc for mode in self.offered]
        self.fourcc = "YUYV" if "YUYV" in formats else formats[0]
        first = min(self._in_format(), key=lambda mode: mode.width * mode.height)
        self.width, self.height, self.fps = first.width, first.height, first.fps
        self._next_frame_at = 0.0
        self._width_set = self._height_set = 0

    # --- cv2.VideoCapture -------------------------------------------------------------------

    def isOpened(self) -> bool:  # noqa: N802  # OpenCV's name
        return self.opened and not self.released

    def release(self) -> None:
        self.released = True

    def set(self, prop: int, value: float, /) -> bool:
        if "set" in self.fail_on:
            raise cv2.error("VIDIOC_S_FMT: Input/output error (synthetic)")
        with self._lock:
            if prop == cv2.CAP_PROP_FOURCC:
                fourcc = _fourcc_text(value)
                if not any(mode.fourcc == fourcc for mode in self.offered):
                    return False
                self.fourcc = fourcc
                self._snap(self.width, self.height)
            elif prop == cv2.CAP_PROP_FRAME_WIDTH:
                self._width_set = int(value)
                self._apply_size()
            elif prop == cv2.CAP_PROP_FRAME_HEIGHT:
                self._height_set = int(value)
                self._apply_size()
            elif prop == cv2.CAP_PROP_FPS:
                self._snap_rate(float(value))
            else:
                return False
            return True

    def get(self, prop: int, /) -> float:
        with self._lock:
            if prop == cv2.CAP_PROP_FRAME_WIDTH:
                return float(self.width)
            if prop == cv2.CAP_PROP_FRAME_HEIGHT:
                return float(self.height)
            if prop == cv2.CAP_PROP_FPS:
                return float(self.fps)
            if prop == cv2.CAP_PROP_FOURCC:
                return float(fourcc_code(self.fourcc))
            return 0.0

    def read(self) -> tuple[bool, Image8 | None]:
        if "read" in self.fail_on:
            raise cv2.error("VIDIOC_DQBUF: No such device (synthetic)")
        if self.released:
            return False, None
        with self._lock:
            width, height, fps = self.width, self.height, self.fps
        if self.paced:
            now = time.monotonic()
            wait = self._next_frame_at - now
            if wait > 0:
                time.sleep(wait)
            self._next_frame_at = max(now, self._next_frame_at) + 1 / fps
        self.reads += 1
        return True, self._frame(width, height)

    # --- The driver's choices ---------------------------------------------------------------

    @property
    def mode(self) -> UvcMode:
        return UvcMode(self.fourcc, self.width, self.height, self.fps)

    def _in_format(self) -> list[UvcMode]:
        return [mode for mode in self.offered if mode.fourcc == self.fourcc]

    def _apply_size(self) -> None:
        if self._width_set > 0 and self._height_set > 0:
            self._snap(self._width_set, self._height_set)
            self._width_set = self._height_set = 0

    def _snap(self, width: int, height: int) -> None:
        def distance(mode: UvcMode) -> int:
            shared = min(mode.width, width) * min(mode.height, height)
            return mode.width * mode.height + width * height - 2 * shared

        nearest = min(self._in_format(), key=distance)
        self.width, self.height = nearest.width, nearest.height
        self._snap_rate(self.fps)

    def _snap_rate(self, fps: float) -> None:
        rates = [
            m.fps for m in self._in_format() if (m.width, m.height) == (self.width, self.height)
        ]
        self.fps = min(rates, key=lambda rate: abs(1 / rate - 1 / fps))

    def _frame(self, width: int, height: int) -> Image8:
        if self.image is not None:
            scaled = cv2.resize(self.image, (width, height), interpolation=cv2.INTER_AREA)
            return np.asarray(scaled, dtype=np.uint8)
        return card_image(width, height, self.reads)


def card_image(width: int, height: int, number: int) -> Image8:
    """A grey card with a one-pixel grid (detail only a full-size frame keeps) and a counter."""
    card = np.full((height, width, 3), 200, dtype=np.uint8)
    card[::8, :] = 40
    card[:, ::8] = 40
    cv2.putText(
        card, f"{width}x{height} #{number}", (16, 48), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (0, 0, 160), 2
    )
    return card


class UvcCamera:
    """The `open_device` for `CameraSettings`: opens a new `UvcDevice` each time, and keeps them.

    `plugged=False` is a camera that is not there (isOpened() is False).
    """

    def __init__(
        self,
        offered: Sequence[UvcMode] = TYPICAL_1080P,
        *,
        image: Image8 | None = None,
        fail_on: frozenset[str] = frozenset(),
        plugged: bool = True,
    ) -> None:
        self.offered = tuple(offered)
        self.image = image
        self.fail_on = fail_on
        self.plugged = plugged
        self.opened: list[UvcDevice] = []

    def __call__(self, device: int | str, backend: int) -> UvcDevice:
        del device, backend
        opened = UvcDevice(self.offered, self.image, fail_on=self.fail_on, opened=self.plugged)
        self.opened.append(opened)
        return opened
