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

Modes: a face camera is opened at the size asked for. A document camera asks for the best the
device offers (`CameraSettings.best`): OpenCV cannot list a device's modes portably, so
`probe_best_mode` asks for MJPG (what lets a UVC camera give 1080p at 30 fps over USB 2), then
for sizes from large to small, keeps what the device reports it really set, and confirms the
largest with one read. The opened mode is `CameraCapture.mode` and is in the OK state's message.

Live video is at most `LIVE_MAX_SIZE` (a larger capture is scaled down for the track, while
`latest_frame()` keeps the full resolution for stills), and each track lowers its frame rate,
never its size, when its consumer (the encoder and the paced send) cannot keep up
(`FrameRateGovernor`).

The frame slot and the track base are in `call.frames`, the pictures in `call.pictures`.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Final, Protocol, Self

import av
import cv2
import numpy as np

from call.frames import CapturedFrame, FrameSlot, FrameSlotTrack, Image8
from call.pictures import SyntheticPattern, paused_frame

logger = logging.getLogger(__name__)

PAUSED_FPS: Final = 5.0  # a still frame needs no more, and costs the encoder next to nothing
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
LIVE_MAX_SIZE: Final = (1920, 1080)  # a track scales a larger capture down to fit this
CONFIRM_READS: Final = 3  # reads a probe tries for a frame of the chosen size
MIN_LIVE_FPS: Final = 5.0  # the governor goes no lower: a paper held up still reads at 5 fps


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


@dataclass(frozen=True, slots=True)
class CameraSettings:
    """Which device to open and how; width, height and fps are requests the device may round.

    With `best`, width and height are only the test pattern's size until the device opens: the
    device is probed for its largest mode (module docstring).
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


class FrameRateGovernor:
    """The rate a track may ask for frames at, lowered while its consumer cannot keep up.

    Sans-I/O: the track reports how long its consumer held each frame (aiortc's sender encodes
    it and sends it through the pacer before it asks for the next), and reads `fps`. The rate
    falls when that time passes `headroom` of the frame interval and rises again when it
    shrinks, between `floor` and `ceiling`. Lowering the rate, not the size, keeps a paper's
    text readable when the CPU or the link is short.
    """

    def __init__(
        self,
        ceiling: float,
        *,
        floor: float = MIN_LIVE_FPS,
        headroom: float = 0.8,
        smoothing: float = 0.2,
    ) -> None:
        if ceiling <= 0 or not 0 < headroom <= 1 or not 0 < smoothing <= 1:
            raise ValueError(f"bad governor: {ceiling} fps, headroom {headroom}, {smoothing}")
        self.ceiling = ceiling
        self.floor = min(floor, ceiling)
        self.headroom = headroom
        self.smoothing = smoothing
        self._held: float | None = None  # smoothed seconds per frame in the consumer

    def consumed(self, seconds: float) -> None:
        """The consumer held the last frame this long before asking for the next."""
        seconds = max(0.0, seconds)
        held = self._held
        self._held = seconds if held is None else held + self.smoothing * (seconds - held)

    @property
    def fps(self) -> float:
        held = self._held
        if held is None or held <= 0:
            return self.ceiling
        return max(self.floor, min(self.ceiling, self.headroom / held))


class CameraTrack(FrameSlotTrack):
    """A consumer of a `CameraCapture`: stopping it leaves the capture running.

    It sends at most `max_size` (scaled down to fit, the aspect kept), at the governor's rate.
    """

    def __init__(
        self, slot: FrameSlot, fps: float, *, max_size: tuple[int, int] = LIVE_MAX_SIZE
    ) -> None:
        super().__init__(slot, fps)
        self.governor = FrameRateGovernor(fps)
        self.max_size = max_size
        self._returned_at: float | None = None

    async def recv(self) -> av.VideoFrame:
        if self._returned_at is not None:
            self.governor.consumed(time.monotonic() - self._returned_at)
        self._interval = 1.0 / self.governor.fps  # FrameSlotTrack paces by it
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


def set_exact_mode(device: VideoDevice, settings: CameraSettings) -> CameraMode:
    """Ask for the settings' own mode; what the device really set (it may round)."""
    if settings.fourcc:
        ask_for_format(device, settings.fourcc)
    ask_for_size(device, settings.width, settings.height)
    device.set(cv2.CAP_PROP_FPS, settings.fps)
    return current_mode(device)


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
                mode, how = set_exact_mode(capture, settings), "as set"
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
