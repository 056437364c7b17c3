"""Frames from a capture thread to asyncio: the newest one only (latest-frame-wins).

A capture thread (`call.camera`, `call.screen`) `put`s each picture into a `FrameSlot`, which
keeps only the newest; every consumer track awaits a newer one and sends it with the capture
time as its timestamp. A slow consumer sees fewer frames, never older ones, so latency never
builds up (docs/call-engine.md, Threads and the bridge).
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass

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

Image8 = npt.NDArray[np.uint8]


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
        self._slot = slot
        self.fps = fps
        self._sequence = 0
        self._origin: float | None = None
        self._last_pts = -1
        self._due = 0.0

    @property
    def fps(self) -> float:
        """The most frames a second this track sends."""
        return 1.0 / self._interval

    @fps.setter
    def fps(self, fps: float) -> None:
        """Pace from the next frame on; a subclass may change it between frames."""
        if fps <= 0:
            raise ValueError(f"fps must be positive, not {fps}")
        self._interval = 1.0 / fps

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
