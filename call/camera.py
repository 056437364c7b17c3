"""The camera: one OpenCV capture thread per device, shared by the self-view and every call.

The thread owns the device. It keeps only the newest frame (latest-frame-wins, so a slow
consumer sees fewer frames, never older ones) stamped with `time.monotonic()` when `read()`
returned. With no camera, or when the camera stops delivering, it draws a labelled synthetic
test pattern instead and keeps trying to reopen the device, so a call never loses its video
track and both people see at once what happened (design.md, "The call engine", Camera).

Threads:
- `CameraCapture.start`, `close`, `state`, `track` and `latest_frame` may be called from any
  thread. `close` joins the capture thread, so do not call it from `on_status`.
- `on_status` runs on the capture thread, once per change. Hand the state on with
  `loop.call_soon_threadsafe` or a queued Qt signal, and do not block in it.
- A `CameraTrack` belongs to the asyncio loop that calls its `recv()`. Stopping it (aiortc does
  when a call ends) never closes the device; only `CameraCapture.close` does.

The frame slot and the track base here are shared with `call.screen`.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Final, Self

import av
import cv2
import numpy as np
import numpy.typing as npt
from aiortc.mediastreams import (
    VIDEO_CLOCK_RATE,
    VIDEO_TIME_BASE,
    MediaStreamError,
    MediaStreamTrack,
)
from PIL import Image, ImageDraw, ImageFont

logger = logging.getLogger(__name__)

PAUSED_FPS: Final = 5.0  # a still frame needs no more, and costs the encoder next to nothing
PAUSED_LABEL: Final = ("camera off", "カメラオフ")

Image8 = npt.NDArray[np.uint8]

# Fonts with Japanese glyphs, in order of preference, on the kiosk's two platforms.
CJK_FONT_CANDIDATES: Final = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "C:/Windows/Fonts/YuGothM.ttc",
    "C:/Windows/Fonts/meiryo.ttc",
    "C:/Windows/Fonts/msgothic.ttc",
)


@cache
def cjk_font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """The first installed CJK font at `size` px, or Pillow's built-in font (no Japanese)."""
    for candidate in CJK_FONT_CANDIDATES:
        if Path(candidate).is_file():
            # Face 0 of Noto Sans CJK's collection is the JP variant, so kanji take the
            # Japanese forms; the Windows fonts are Japanese throughout.
            return ImageFont.truetype(candidate, size, index=0)
    logger.warning("no CJK font found; the test pattern's Japanese will not render")
    return ImageFont.load_default(size)


# ---------------------------------------------------------------------------------------------
# The frame slot: latest-frame-wins hand-off from a capture thread to asyncio consumers


@dataclass(frozen=True, slots=True)
class CapturedFrame:
    """One captured picture: read-only BGR pixels and when they were captured."""

    image: Image8  # height x width x 3, BGR, not writeable
    timestamp: float  # time.monotonic() seconds, taken when the device returned the frame
    synthetic: bool = False  # a test pattern rather than the device's picture
    paused: bool = False  # the still "camera off" frame sent while the camera is paused

    def rgb(self) -> Image8:
        """A fresh RGB copy, for a Qt self-view (QImage.Format.Format_RGB888)."""
        return np.asarray(cv2.cvtColor(self.image, cv2.COLOR_BGR2RGB), dtype=np.uint8)


class FrameSlotClosed(Exception):  # noqa: N818  # names the condition, like asyncio's QueueShutDown
    """The capture behind a slot was closed; no frame will come."""


class FrameSlot:
    """Holds only the newest frame. Any thread may `put`; asyncio tasks await a newer one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._frame: CapturedFrame | None = None
        self._sequence = 0
        self._closed = False
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    def put(self, frame: CapturedFrame) -> None:
        with self._lock:
            if self._closed:
                return
            self._frame = frame
            self._sequence += 1
            waiters = list(self._waiters)
        self._wake(waiters)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            waiters = list(self._waiters)
        self._wake(waiters)

    def latest(self) -> tuple[int, CapturedFrame] | None:
        """The newest frame and its sequence number, or None before the first."""
        with self._lock:
            return None if self._frame is None else (self._sequence, self._frame)

    async def next_after(self, sequence: int) -> tuple[int, CapturedFrame]:
        """Wait for a frame newer than `sequence`; raise `FrameSlotClosed` once closed."""
        waiter = (asyncio.get_running_loop(), asyncio.Event())
        try:
            while True:
                with self._lock:
                    if self._closed:
                        raise FrameSlotClosed
                    if self._frame is not None and self._sequence > sequence:
                        return self._sequence, self._frame
                    waiter[1].clear()
                    self._waiters.add(waiter)
                await waiter[1].wait()
        finally:
            with self._lock:
                self._waiters.discard(waiter)

    @staticmethod
    def _wake(waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]]) -> None:
        for loop, event in waiters:
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:  # that consumer's loop has closed; it will never wait again
                continue


class FrameSlotTrack(MediaStreamTrack):
    """A video track that sends a slot's newest frame, at most `fps` times a second.

    Presentation times come from the capture timestamps (90 kHz clock, starting at 0 with this
    track's first frame), so the receiver sees real capture jitter rather than an invented
    cadence. A frame is never sent twice: if the capture is slower than `fps`, so is the track.
    """

    kind = "video"

    def __init__(self, slot: FrameSlot, fps: float) -> None:
        super().__init__()
        if fps <= 0:
            raise ValueError(f"fps must be positive, not {fps}")
        self._slot = slot
        self._interval = 1.0 / fps
        self._sequence = 0
        self._origin: float | None = None
        self._last_pts = -1
        self._due = 0.0

    async def recv(self) -> av.VideoFrame:
        if self.readyState != "live":
            raise MediaStreamError
        delay = self._due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        try:
            self._sequence, captured = await self._slot.next_after(self._sequence)
        except FrameSlotClosed:
            self.stop()
            raise MediaStreamError from None
        now = time.monotonic()
        # A steady cadence; after a stall (or at the start) begin afresh rather than catch up.
        self._due += self._interval
        if self._due < now:
            self._due = now + self._interval
        if self._origin is None:
            self._origin = captured.timestamp
        pts = max(round((captured.timestamp - self._origin) * VIDEO_CLOCK_RATE), self._last_pts + 1)
        self._last_pts = pts
        # libswscale's bgr24 -> yuv420p path costs small text about 4 dB against rgb24's
        # (tests/e2e/test_call_done_when.py), so convert here, once per sent frame.
        frame = av.VideoFrame.from_ndarray(captured.rgb(), format="rgb24")
        frame.pts = pts
        frame.time_base = VIDEO_TIME_BASE
        return frame


# ---------------------------------------------------------------------------------------------
# The synthetic test pattern


_BARS_BGR: Final = (
    (192, 192, 192),  # grey
    (0, 192, 192),  # yellow
    (192, 192, 0),  # cyan
    (0, 192, 0),  # green
    (192, 0, 192),  # magenta
    (0, 0, 192),  # red
    (192, 0, 0),  # blue
)


class SyntheticPattern:
    """Moving colour bars under a label and a clock, so no one mistakes it for a picture."""

    def __init__(self, width: int, height: int, reason: str) -> None:
        self.width = width
        self.height = height
        columns = np.linspace(0, len(_BARS_BGR), num=width, endpoint=False).astype(np.intp)
        row = np.array(_BARS_BGR, dtype=np.uint8)[columns]
        self._bars: Image8 = np.ascontiguousarray(np.broadcast_to(row, (height, width, 3)))
        self._label = _text_panel(["TEST PATTERN", reason], max(12, height // 14), width * 9 // 10)
        self._clock_second = -1
        self._clock = self._label[:0]

    def render(self, now: float) -> Image8:
        """The pattern at monotonic time `now`, with the wall clock under the label."""
        # Bars scroll a full width in 8 s: motion an encoder and a viewer can both see.
        shift = int(now * self.width / 8) % self.width
        image = np.roll(self._bars, shift, axis=1)
        _paste_centred(image, self._label, self.height // 3)
        second = int(time.time())
        if second != self._clock_second:
            self._clock_second = second
            stamp = time.strftime("%H:%M:%S", time.localtime(second))
            self._clock = _text_panel([stamp], max(10, self.height // 20), self.width)
        _paste_centred(image, self._clock, self.height * 3 // 4)
        return image


@cache
def paused_frame(width: int, height: int) -> Image8:
    """The still frame sent while the camera is paused: black, with a small label."""
    image = np.zeros((height, width, 3), dtype=np.uint8)
    label = _text_panel(list(PAUSED_LABEL), max(10, height // 20), width * 9 // 10)
    _paste_centred(image, label, height // 2)
    image.flags.writeable = False
    return image


def _text_panel(lines: list[str], size: int, max_width: int) -> Image8:
    """White text on a black panel, rendered once with Pillow (OpenCV cannot draw kanji)."""
    font = cjk_font(size)
    pad = size // 2
    boxes = [font.getbbox(line) for line in lines]
    width = min(max_width, max(int(box[2]) for box in boxes) + 2 * pad)
    line_height = int(size * 1.4)
    panel = Image.new("RGB", (width, line_height * len(lines) + 2 * pad), (16, 16, 16))
    draw = ImageDraw.Draw(panel)
    for number, (line, box) in enumerate(zip(lines, boxes, strict=True)):
        x = max(pad, (width - int(box[2])) // 2)
        draw.text((x, pad + number * line_height), line, font=font, fill=(255, 255, 255))
    return np.asarray(panel)[:, :, ::-1].copy()  # RGB -> BGR


def _paste_centred(image: Image8, panel: Image8, centre_y: int) -> None:
    height = min(panel.shape[0], image.shape[0])
    width = min(panel.shape[1], image.shape[1])
    top = min(max(0, centre_y - height // 2), image.shape[0] - height)
    left = (image.shape[1] - width) // 2
    image[top : top + height, left : left + width] = panel[:height, :width]


# ---------------------------------------------------------------------------------------------
# The capture


class CameraStatus(StrEnum):
    OK = "ok"  # frames come from the device
    MISSING = "missing"  # the device never opened; the test pattern is sent
    FAULT = "fault"  # the device stopped delivering; the test pattern is sent


@dataclass(frozen=True, slots=True)
class CameraState:
    status: CameraStatus
    message: str


SYNTHETIC_CAMERA: Final = None


@dataclass(frozen=True, slots=True)
class CameraSettings:
    """Which device to open and how; width, height and fps are requests the device may round."""

    # An index, a device path such as /dev/video2, or a video file; SYNTHETIC_CAMERA (None) for
    # the labelled test pattern by choice (bots, benchmarks), which is no fault.
    device: int | str | None = 0
    width: int = 640
    height: int = 480
    fps: float = 30.0
    # cv2.CAP_DSHOW or cv2.CAP_MSMF on Windows, cv2.CAP_V4L2 on Linux; ANY lets OpenCV pick.
    backend: int = cv2.CAP_ANY
    # A missing or failed device is reopened this often, so a camera plugged in mid-call appears.
    reopen_interval: float = 5.0
    # No frame for this long counts as a fault (one failed read is normal for USB cameras).
    stall_timeout: float = 1.0

    def __post_init__(self) -> None:
        if self.width <= 0 or self.height <= 0 or self.fps <= 0:
            raise ValueError(f"bad camera size or rate: {self.width}x{self.height}@{self.fps}")


class CaptureThread:
    """A source captured in its own thread into a latest-frame slot; the camera and the screen.

    Subclasses implement `_run` (loop until `_stop` is set) and may check things in `start`.
    """

    def __init__(self, name: str) -> None:
        self._slot = FrameSlot()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def close(self, timeout: float = 5.0) -> None:
        """Stop the thread, release the source and end every track made from it."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._slot.close()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def latest_frame(self) -> CapturedFrame | None:
        """The newest frame, for a self-view to poll; None before the first."""
        latest = self._slot.latest()
        return None if latest is None else latest[1]

    def _run(self) -> None:
        raise NotImplementedError


class CameraTrack(FrameSlotTrack):
    """A consumer of a `CameraCapture`: stopping it leaves the capture running."""


@dataclass(slots=True)
class _Device:
    capture: cv2.VideoCapture
    last_frame_at: float


class CameraCapture(CaptureThread):
    """Owns one camera in its own thread and hands its frames to any number of consumers."""

    def __init__(
        self,
        settings: CameraSettings | None = None,
        *,
        on_status: Callable[[CameraState], None] | None = None,
    ) -> None:
        super().__init__("camera-capture")
        self.settings = settings or CameraSettings()
        self._on_status = on_status
        self._state_lock = threading.Lock()
        self._state: CameraState | None = None
        self._paused = threading.Event()
        self._still_due = 0.0  # capture thread only

    @property
    def state(self) -> CameraState | None:
        """The last reported state, or None until the capture thread has tried the device."""
        with self._state_lock:
            return self._state

    @property
    def paused(self) -> bool:
        return self._paused.is_set()

    @paused.setter
    def paused(self, paused: bool) -> None:
        """While paused the device stays open, but every consumer gets the still frame."""
        if paused:
            self._paused.set()
        else:
            self._paused.clear()

    def track(self, fps: float | None = None) -> CameraTrack:
        """A new consumer track, at the capture's rate unless a lower `fps` is asked for."""
        return CameraTrack(self._slot, fps or self.settings.fps)

    def _report(self, state: CameraState) -> None:
        with self._state_lock:
            if state == self._state:
                return
            self._state = state
        log = logger.info if state.status is CameraStatus.OK else logger.warning
        log("= camera %s: %s", state.status, state.message)
        if self._on_status is not None:
            self._on_status(state)

    def _run(self) -> None:
        settings = self.settings
        interval = 1.0 / settings.fps
        device: _Device | None = None
        pattern: SyntheticPattern | None = None
        next_open = deadline = time.monotonic()
        try:
            while not self._stop.is_set():
                now = time.monotonic()
                if device is None and now >= next_open and settings.device is not SYNTHETIC_CAMERA:
                    device = self._open()
                    next_open = now + settings.reopen_interval
                    pattern = None
                if device is not None and not self._read(device):
                    device.capture.release()
                    device = None
                    next_open = time.monotonic() + settings.reopen_interval
                    message = f"camera {settings.device!r} stopped delivering frames"
                    self._report(CameraState(CameraStatus.FAULT, message))
                if device is None:
                    pattern = pattern or self._pattern()
                    self._put(pattern.render(now), time.monotonic(), synthetic=True)
                # A real camera paces us by blocking in read(); a file or the pattern does not.
                deadline += interval
                wait = deadline - time.monotonic()
                if wait > 0:
                    self._stop.wait(wait)
                else:
                    deadline = time.monotonic()
        finally:
            if device is not None:
                device.capture.release()
            # Also after an unexpected error: tracks must end, not wait forever.
            self._slot.close()

    def _open(self) -> _Device | None:
        settings = self.settings
        assert settings.device is not SYNTHETIC_CAMERA
        try:
            capture = cv2.VideoCapture(settings.device, settings.backend)
        except cv2.error as exc:  # a backend that is not built in raises rather than failing
            logger.warning("= camera %r cannot be opened: %s", settings.device, exc)
            capture = None
        if capture is None or not capture.isOpened():
            if capture is not None:
                capture.release()
            state = self.state
            if state is None or state.status is CameraStatus.MISSING:
                self._report(CameraState(CameraStatus.MISSING, f"no camera at {settings.device!r}"))
            return None
        capture.set(cv2.CAP_PROP_FRAME_WIDTH, settings.width)
        capture.set(cv2.CAP_PROP_FRAME_HEIGHT, settings.height)
        capture.set(cv2.CAP_PROP_FPS, settings.fps)
        width = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH))
        height = int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
        self._report(
            CameraState(CameraStatus.OK, f"camera {settings.device!r} at {width}x{height}")
        )
        return _Device(capture, time.monotonic())

    def _read(self, device: _Device) -> bool:
        """Read one frame into the slot; False once the device has stalled for too long."""
        try:
            ok, image = device.capture.read()
        except cv2.error as exc:
            logger.warning("= camera %r read failed: %s", self.settings.device, exc)
            ok, image = False, None
        captured_at = time.monotonic()
        if ok and image is not None and image.ndim == 3:
            device.last_frame_at = captured_at
            self._put(np.asarray(image, dtype=np.uint8), captured_at, synthetic=False)
            return True
        return captured_at - device.last_frame_at <= self.settings.stall_timeout

    def _pattern(self) -> SyntheticPattern:
        state = self.state
        if self.settings.device is SYNTHETIC_CAMERA:
            reason = "demo / デモ映像"
        elif state is not None and state.status is CameraStatus.FAULT:
            reason = "camera stopped / カメラ停止"
        else:
            reason = "no camera / カメラなし"
        return SyntheticPattern(self.settings.width, self.settings.height, reason)

    def _put(self, image: Image8, captured_at: float, *, synthetic: bool) -> None:
        if self._paused.is_set():
            # Still read (the device stays open and warm), but send the still frame instead,
            # at the size of the picture so the encoder need not start again.
            if captured_at < self._still_due:
                return
            self._still_due = captured_at + 1 / PAUSED_FPS
            height, width = image.shape[:2]
            still = paused_frame(width, height)
            self._slot.put(CapturedFrame(still, captured_at, synthetic=True, paused=True))
            return
        self._still_due = 0.0
        image.flags.writeable = False
        self._slot.put(CapturedFrame(image, captured_at, synthetic))
