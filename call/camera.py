"""The camera: one OpenCV capture thread per device, shared by the self-view and every call.

The thread owns the device. It keeps only the newest frame (latest-frame-wins, so a slow
consumer sees fewer frames, never older ones) stamped with `time.monotonic()` when `read()`
returned. With no camera, or when the camera stops delivering, it draws a labelled synthetic
test pattern instead and keeps trying to reopen the device, so a call never loses its video
track and both people see at once what happened (docs/video.md, The camera).

Threads:
- `CameraCapture.start`, `close`, `state`, `track` and `latest_frame` may be called from any
  thread. `close` joins the capture thread, so do not call it from `on_status`.
- `on_status` runs on the capture thread, once per change. Hand the state on with
  `loop.call_soon_threadsafe` or a queued Qt signal, and do not block in it.
- A `CameraTrack` belongs to the asyncio loop that calls its `recv()`. Stopping it (aiortc does
  when a call ends) never closes the device; only `CameraCapture.close` does.

Modes: a face camera is opened at the size asked for. A document camera asks for the best the
device offers (`CameraSettings.best`), which `call.camera_modes` probes for. The opened mode is
`CameraCapture.mode` and is in the OK state's message.

Live video is at most `LIVE_MAX_SIZE` (a larger capture is scaled down for the track, while
`latest_frame()` keeps the full resolution for stills), and each track lowers its frame rate,
never its size, when its consumer (the encoder and the paced send) cannot keep up
(`call.frame_rate`).

The frame slot and the track base are in `call.frames`, the pictures in `call.pictures`.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Final, Self

import av
import cv2
import numpy as np

from call.camera_modes import (
    PREFERRED_FOURCC,
    CameraMode,
    OpenDevice,
    VideoDevice,
    open_with_opencv,
    probe_best_mode,
    set_exact_mode,
)
from call.frame_rate import FrameRateGovernor
from call.frames import CapturedFrame, FrameSlot, FrameSlotTrack, Image8
from call.pictures import SyntheticPattern, paused_frame

logger = logging.getLogger(__name__)

PAUSED_FPS: Final = 5.0  # a still frame needs no more, and costs the encoder next to nothing
LIVE_MAX_SIZE: Final = (1920, 1080)  # a track scales a larger capture down to fit this


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
    """Which device to open and how; width, height and fps are requests the device may round.

    With `best`, width and height are only the test pattern's size until the device opens: the
    device is probed for its largest mode (`call.camera_modes.probe_best_mode`).
    """

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
    best: bool = False  # the largest mode the device offers, MJPG where it has it
    # The live track may lower its rate down to this while its encoder falls behind (the
    # document camera: a paper held still reads at 5 fps, and the audio keeps its CPU). None:
    # never; the face camera keeps its rate, as lip-reading needs (EN 301 549: 20 fps or more).
    min_fps: float | None = None
    fourcc: str = ""  # a pixel format to ask for ("MJPG"); "" keeps the device's (or best's)
    # How a device is opened: OpenCV, or a fake device in tests.
    open_device: OpenDevice = field(default=open_with_opencv, repr=False, compare=False)

    def with_mode(self, mode: CameraMode | None) -> CameraSettings:
        """These settings asking for `mode`, or for the best mode when it is None.

        A mode without a FOURCC asks for MJPG (a UVC camera's raw format is too slow at large
        sizes), and a device without it keeps its own.
        """
        if mode is None:
            return replace(self, best=True)
        fourcc = mode.fourcc or PREFERRED_FOURCC
        return replace(
            self, best=False, fourcc=fourcc, width=mode.width, height=mode.height, fps=mode.fps
        )

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
    """A consumer of a `CameraCapture`: stopping it leaves the capture running.

    It sends at most `max_size` (scaled down to fit, the aspect kept), and with a `min_fps`, at
    its governor's rate.
    """

    def __init__(
        self,
        slot: FrameSlot,
        fps: float,
        *,
        max_size: tuple[int, int] = LIVE_MAX_SIZE,
        min_fps: float | None = None,
    ) -> None:
        super().__init__(slot, fps)
        self.governor = None if min_fps is None else FrameRateGovernor(fps, floor=min_fps)
        self.max_size = max_size
        self._returned_at: float | None = None

    async def recv(self) -> av.VideoFrame:
        governor = self.governor
        if governor is not None:
            if self._returned_at is not None:
                governor.consumed(time.monotonic() - self._returned_at)
            self.fps = governor.fps
        frame = await super().recv()
        size = fit_within((frame.width, frame.height), self.max_size)
        if size != (frame.width, frame.height):
            scaled = await asyncio.to_thread(_scaled, frame, size)  # about 6 ms for 4K
            scaled.pts, scaled.time_base = frame.pts, frame.time_base
            frame = scaled
        self._returned_at = time.monotonic()
        return frame


def _scaled(frame: av.VideoFrame, size: tuple[int, int]) -> av.VideoFrame:
    # OpenCV's INTER_AREA is ten times as fast as libswscale's AREA here, and as sharp.
    image = cv2.resize(frame.to_ndarray(format="rgb24"), size, interpolation=cv2.INTER_AREA)
    return av.VideoFrame.from_ndarray(np.asarray(image, dtype=np.uint8), format="rgb24")


def fit_within(size: tuple[int, int], bound: tuple[int, int]) -> tuple[int, int]:
    """`size` scaled down to fit `bound`, aspect kept, in even pixels (4:2:0); as is if it fits."""
    width, height = size
    scale = min(bound[0] / width, bound[1] / height)
    if scale >= 1:
        return size
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


# ---------------------------------------------------------------------------------------------
# The capture


@dataclass(slots=True)
class _Device:
    capture: VideoDevice
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
        self._mode: CameraMode | None = None
        self._paused = threading.Event()
        self._still_due = 0.0  # capture thread only

    @property
    def state(self) -> CameraState | None:
        """The last reported state, or None until the capture thread has tried the device."""
        with self._state_lock:
            return self._state

    @property
    def mode(self) -> CameraMode | None:
        """The mode the device was opened at; None before it opened (or without a device)."""
        with self._state_lock:
            return self._mode

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
        return CameraTrack(self._slot, fps or self.settings.fps, min_fps=self.settings.min_fps)

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
            capture: VideoDevice | None = settings.open_device(settings.device, settings.backend)
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
        name = f"camera {settings.device!r}"
        first: Image8 | None = None
        try:
            if settings.best:
                fourcc = settings.fourcc or PREFERRED_FOURCC
                probed = probe_best_mode(capture, settings.fps, fourcc=fourcc)
                mode, first = probed.mode, probed.first_frame
                how = "the largest it delivers"
            else:
                asked = CameraMode(settings.width, settings.height, settings.fps, settings.fourcc)
                mode, how = set_exact_mode(capture, asked), "as set"
        except cv2.error as exc:
            self._refused(capture, f"{name} refused its settings: {exc}")
            return None
        if settings.best and first is None:
            self._refused(capture, f"{name} gave no frame at any size it offered")
            return None
        with self._state_lock:
            self._mode = mode
        self._report(CameraState(CameraStatus.OK, f"{name} at {mode} ({how})"))
        opened = _Device(capture, time.monotonic())
        if first is not None:
            self._put(first, opened.last_frame_at, synthetic=False)
        return opened

    def _refused(self, capture: VideoDevice, message: str) -> None:
        capture.release()
        self._report(CameraState(CameraStatus.FAULT, message))

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
        # At the size the device last gave, so a fault does not make the encoder start again.
        mode = self.mode
        if mode is not None and mode.width > 0 and mode.height > 0:
            return SyntheticPattern(mode.width, mode.height, reason)
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
