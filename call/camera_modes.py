"""A camera's modes: what one is, and how to ask a device for one or find its best.

A face camera is opened at the size asked for (`set_exact_mode`). A document camera asks for the
best the device offers: OpenCV cannot list a device's modes portably, so `probe_best_mode` asks
for MJPG (what lets a UVC camera give 1080p at 30 fps over USB 2), then for sizes from large to
small, keeps what the device reports it really set, and confirms the largest with one read.

Everything here runs on the capture thread that owns the device (`call.camera`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Protocol

import cv2
import numpy as np

if TYPE_CHECKING:  # for annotations only: the kiosk's settings parse a mode without av
    from call.frames import Image8

# Sizes a best-mode probe asks for, largest first: common UVC document-camera and webcam modes.
PROBE_SIZES: Final = (
    (3840, 2160),
    (3264, 2448),
    (2592, 1944),
    (1920, 1080),
    (1600, 1200),
    (1280, 720),
    (1024, 768),
    (800, 600),
    (640, 480),
)
PREFERRED_FOURCC: Final = "MJPG"  # compressed on the wire: 1080p at 30 fps fits USB 2
CONFIRM_READS: Final = 3  # reads a probe tries for a frame of the chosen size


@dataclass(frozen=True, slots=True)
class CameraMode:
    """A size, rate and pixel format a device delivers (or is asked for)."""

    width: int
    height: int
    fps: float
    fourcc: str = ""  # "MJPG", "YUYV"...; "" for the device's default format

    def __str__(self) -> str:
        text = f"{self.width}x{self.height}@{self.fps:g}"
        return f"{text} {self.fourcc}" if self.fourcc else text


_MODE_PATTERN: Final = re.compile(
    r"(?P<width>\d{2,5})x(?P<height>\d{2,5})(?:@(?P<fps>\d+(?:\.\d+)?))?(?:\s+(?P<fourcc>\w{4}))?"
)
BEST: Final = "best"


def parse_camera_mode(text: str, *, default_fps: float = 30.0) -> CameraMode | None:
    """ "best" -> None; "1280x720", "1920x1080@15" or "1920x1080@30 MJPG" -> that mode."""
    spec = text.strip()
    if spec.lower() == BEST:
        return None
    match = _MODE_PATTERN.fullmatch(spec)
    if match is None:
        raise ValueError(
            f"camera mode {text!r}: use best, WIDTHxHEIGHT, WIDTHxHEIGHT@FPS "
            "or WIDTHxHEIGHT@FPS FOURCC (such as 1920x1080@30 MJPG)"
        )
    fps = float(match["fps"] or default_fps)
    mode = CameraMode(
        int(match["width"]), int(match["height"]), fps, (match["fourcc"] or "").upper()
    )
    if mode.width <= 0 or mode.height <= 0 or mode.fps <= 0:
        raise ValueError(f"camera mode {text!r}: sizes and rate must be positive")
    return mode


class VideoDevice(Protocol):
    """The part of `cv2.VideoCapture` the capture uses; tests/uvc_device.py fakes a UVC camera."""

    def isOpened(self) -> bool: ...  # noqa: N802  # OpenCV's names
    def set(self, prop: int, value: float, /) -> bool: ...
    def get(self, prop: int, /) -> float: ...
    def read(self) -> tuple[bool, Any]: ...
    def release(self) -> None: ...


OpenDevice = Callable[[int | str, int], VideoDevice]


def open_with_opencv(device: int | str, backend: int) -> VideoDevice:
    return cv2.VideoCapture(device, backend)


# ---------------------------------------------------------------------------------------------
# Opening a device at a mode


def fourcc_text(code: float) -> str:
    """OpenCV's CAP_PROP_FOURCC as text ("MJPG"); "" when the backend has none."""
    raw = int(code).to_bytes(4, "little", signed=False) if 0 < code < 2**32 else b""
    text = raw.decode("ascii", errors="replace")
    return text if text.isprintable() and text.strip() else ""


def current_mode(device: VideoDevice) -> CameraMode:
    """What the device reports it is set to now."""
    return CameraMode(
        int(device.get(cv2.CAP_PROP_FRAME_WIDTH)),
        int(device.get(cv2.CAP_PROP_FRAME_HEIGHT)),
        float(device.get(cv2.CAP_PROP_FPS)),
        fourcc_text(device.get(cv2.CAP_PROP_FOURCC)),
    )


def ask_for_format(device: VideoDevice, fourcc: str) -> bool:
    """Ask for a pixel format; True if the device reports that it took it."""
    device.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter.fourcc(*fourcc))
    return fourcc_text(device.get(cv2.CAP_PROP_FOURCC)) == fourcc


def ask_for_size(device: VideoDevice, width: int, height: int) -> tuple[int, int]:
    """Ask for a size; the size the device really set (a driver snaps to one it offers)."""
    device.set(cv2.CAP_PROP_FRAME_WIDTH, width)
    device.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
    return int(device.get(cv2.CAP_PROP_FRAME_WIDTH)), int(device.get(cv2.CAP_PROP_FRAME_HEIGHT))


@dataclass(frozen=True, slots=True)
class ProbedMode:
    mode: CameraMode
    first_frame: Image8 | None  # the confirming read, to show at once
    sizes_tried: tuple[tuple[int, int], ...]  # sizes the device took, in the order confirmed


def probe_best_mode(
    device: VideoDevice,
    fps: float,
    *,
    fourcc: str = PREFERRED_FOURCC,
    sizes: Sequence[tuple[int, int]] = PROBE_SIZES,
) -> ProbedMode:
    """Set `device` to the largest size it really delivers, at up to `fps`.

    Asks for `fourcc` first (a refusal keeps the device's own format), then for `sizes` from
    large to small, noting the size the device reports it set after each, until one is taken as
    asked (the rest are smaller). The largest noted is confirmed with a read of that shape; if
    none is, every size is asked for and the rest tried. May raise `cv2.error` from the device.
    """
    if fourcc:
        ask_for_format(device, fourcc)
    tried: list[tuple[int, int]] = []
    for exhaustive in (False, True):
        seen = _sizes_taken(device, sizes, exhaustive=exhaustive) - set(tried)
        for width, height in sorted(seen, key=lambda size: size[0] * size[1], reverse=True):
            tried.append((width, height))
            if ask_for_size(device, width, height) != (width, height):
                continue
            device.set(cv2.CAP_PROP_FPS, fps)
            image = _read_shaped(device, width, height)
            if image is not None:
                return ProbedMode(current_mode(device), image, tuple(tried))
    return ProbedMode(current_mode(device), None, tuple(tried))


def _sizes_taken(
    device: VideoDevice, sizes: Sequence[tuple[int, int]], *, exhaustive: bool
) -> set[tuple[int, int]]:
    taken: set[tuple[int, int]] = set()
    for width, height in sizes:
        got = ask_for_size(device, width, height)
        if got[0] > 0 and got[1] > 0:
            taken.add(got)
        if got == (width, height) and not exhaustive:
            break
    return taken


def _read_shaped(
    device: VideoDevice, width: int, height: int, attempts: int = CONFIRM_READS
) -> Image8 | None:
    for _ in range(attempts):  # a USB camera's first read after a change may come back empty
        try:
            ok, image = device.read()
        except cv2.error:
            return None
        if ok and image is not None:
            return np.asarray(image, dtype=np.uint8) if image.shape == (height, width, 3) else None
    return None


def set_exact_mode(device: VideoDevice, asked: CameraMode) -> CameraMode:
    """Ask for `asked`; what the device really set (it may round)."""
    if asked.fourcc:
        ask_for_format(device, asked.fourcc)
    ask_for_size(device, asked.width, asked.height)
    device.set(cv2.CAP_PROP_FPS, asked.fps)
    return current_mode(device)
