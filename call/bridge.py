"""The bridge between a GUI thread (or a test) and the engine's network thread.

The engine runs on its own asyncio loop in one network thread; camera, screen and audio capture
run in their own threads. Nothing here imports Qt: a Qt app wraps `EventOutbox.on_ready` in a
queued signal and drains the outbox in its slot.

- **Commands in**: `EngineBridge.command(fn)` schedules ``fn(engine)`` on the network loop with
  `asyncio.run_coroutine_threadsafe` and returns a `concurrent.futures.Future` at once; the
  caller never blocks (a Qt app adds a done-callback and re-enters its own thread).
- **Events out**: the engine puts events into a bounded `EventOutbox`. `put` never blocks: when
  the consumer has stalled and the outbox is full, the oldest event is dropped and counted, so a
  frozen GUI never stalls RTP.
- **Frames out**: remote video is a `LatestFrame`, one slot holding the newest decoded frame.
  Any thread may read it; the RGB conversion runs on the reader's thread, and only for frames
  that are looked at. The self-view is the camera's own slot (`CameraCapture.latest_frame`).

The event loop for the network thread comes from `new_event_loop`, the one place that knows that
Windows needs the selector loop (the proactor loop mishandles UDP, which ICE needs).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Final, Generic, Protocol, TypeVar

import av
import numpy as np
import numpy.typing as npt

logger = logging.getLogger(__name__)

E = TypeVar("E")
T = TypeVar("T")
EVENT_OUTBOX_SIZE: Final = 1000
STOP_TIMEOUT: Final = 10.0  # seconds for the engine to close when the app exits

Image8 = npt.NDArray[np.uint8]


def new_event_loop() -> asyncio.AbstractEventLoop:
    """The loop for the network thread: the selector loop everywhere, Windows included."""
    if sys.platform == "win32":
        # The proactor loop, Windows' default, has UDP bugs that break ICE.
        return asyncio.SelectorEventLoop()
    return asyncio.new_event_loop()


class EventOutbox(Generic[E]):
    """A bounded, thread-safe FIFO from the engine to the app; `put` never blocks.

    `on_ready` is called (on the putting thread) when an event lands in an empty outbox, so the
    app drains once per burst rather than once per event.
    """

    def __init__(
        self, maxsize: int = EVENT_OUTBOX_SIZE, on_ready: Callable[[], None] | None = None
    ) -> None:
        if maxsize < 1:
            raise ValueError("the outbox must hold at least one event")
        self._events: deque[E] = deque()
        self._maxsize = maxsize
        self._ready = threading.Condition()
        self.on_ready = on_ready
        self.dropped = 0  # events lost to a stalled consumer, oldest first

    def put(self, event: E) -> None:
        with self._ready:
            was_empty = not self._events
            if len(self._events) >= self._maxsize:
                self._events.popleft()
                self.dropped += 1
                if self.dropped == 1 or self.dropped % 1000 == 0:
                    logger.warning("= event consumer stalled: %d events dropped", self.dropped)
            self._events.append(event)
            self._ready.notify()
        if was_empty and self.on_ready is not None:
            self.on_ready()

    def get(self, timeout: float | None = None) -> E | None:
        """The oldest event, waiting up to `timeout` seconds; None if none came."""
        with self._ready:
            if not self._ready.wait_for(lambda: bool(self._events), timeout):
                return None
            return self._events.popleft()

    def drain(self) -> list[E]:
        """Every event waiting, oldest first, without waiting."""
        with self._ready:
            events = list(self._events)
            self._events.clear()
            return events

    def __len__(self) -> int:
        with self._ready:
            return len(self._events)


@dataclass(frozen=True, slots=True)
class RemoteFrame:
    """A decoded remote video frame as RGB pixels (Qt's Format_RGB888), read-only."""

    rgb: Image8  # height x width x 3
    timestamp: float  # time.monotonic() when it arrived
    sequence: int  # 1 for the first frame of this holder, counting up

    @property
    def width(self) -> int:
        return int(self.rgb.shape[1])

    @property
    def height(self) -> int:
        return int(self.rgb.shape[0])


class LatestFrame:
    """Holds only the newest remote frame; the network thread puts, any thread reads.

    `listener`, if set, is called on the network thread after each new frame and must not block
    (a Qt app emits a queued signal; a test sets an event).
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.listener: Callable[[], None] | None = None
        self._changed = threading.Condition()
        self._frame: av.VideoFrame | None = None
        self._timestamp = 0.0
        self._sequence = 0
        self._converted: RemoteFrame | None = None

    @property
    def sequence(self) -> int:
        """How many frames have been put; 0 before the first. It never goes down."""
        with self._changed:
            return self._sequence

    def put(self, frame: av.VideoFrame, timestamp: float | None = None) -> None:
        with self._changed:
            self._frame = frame
            self._timestamp = time.monotonic() if timestamp is None else timestamp
            self._sequence += 1
            self._converted = None
            self._changed.notify_all()
        if self.listener is not None:
            self.listener()

    def clear(self) -> None:
        """Forget the frame (a call ended: nothing of it stays on screen or in memory)."""
        with self._changed:
            self._frame = None
            self._converted = None
            self._changed.notify_all()

    def latest(self) -> RemoteFrame | None:
        """The newest frame as RGB, or None when there is none."""
        with self._changed:
            frame, timestamp, sequence = self._frame, self._timestamp, self._sequence
            converted = self._converted
        if frame is None:
            return None
        if converted is not None and converted.sequence == sequence:
            return converted
        rgb = np.asarray(frame.to_ndarray(format="rgb24"), dtype=np.uint8)
        rgb.flags.writeable = False
        converted = RemoteFrame(rgb, timestamp, sequence)
        with self._changed:
            if self._sequence == sequence and self._frame is not None:
                self._converted = converted
        return converted

    def wait_newer(self, sequence: int, timeout: float) -> RemoteFrame | None:
        """Block until a frame newer than `sequence` arrives; None after `timeout` seconds."""
        with self._changed:
            arrived = self._changed.wait_for(
                lambda: self._sequence > sequence and self._frame is not None, timeout
            )
        return self.latest() if arrived else None


class Engineish(Protocol):
    """What the bridge needs from the thing it runs: an async start and close."""

    async def start(self) -> None: ...
    async def close(self) -> None: ...


EngineT = TypeVar("EngineT", bound=Engineish)


class EngineBridge(Generic[EngineT, E]):
    """Runs an engine on its own network thread; commands in, events out, nothing blocks.

    `make_engine` is called on the network thread with the outbox's `put` as the engine's event
    callback. `start` and `close` are the only calls that wait, and only at start-up and exit.
    """

    def __init__(
        self,
        make_engine: Callable[[Callable[[E], None]], EngineT],
        outbox: EventOutbox[E],
        *,
        name: str = "madoguchi-network",
    ) -> None:
        self.outbox = outbox
        self._make_engine = make_engine
        self._loop = new_event_loop()
        self._thread = threading.Thread(target=self._run_loop, name=name, daemon=True)
        self._engine: EngineT | None = None

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    @property
    def engine(self) -> EngineT:
        """The engine, for reading thread-safe parts (frame holders); call it only via command."""
        if self._engine is None:
            raise RuntimeError("the bridge has not started")
        return self._engine

    def start(self, timeout: float | None = STOP_TIMEOUT) -> None:
        """Start the thread and the engine; returns once the engine has started."""
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start_engine(), self._loop).result(timeout)

    def command(
        self, fn: Callable[[EngineT], Coroutine[Any, Any, T]]
    ) -> concurrent.futures.Future[T]:
        """Run ``fn(engine)`` on the network loop; returns at once with its future."""
        engine = self.engine
        return asyncio.run_coroutine_threadsafe(fn(engine), self._loop)

    def close(self, timeout: float = STOP_TIMEOUT) -> None:
        """Close the engine, stop the loop and join the thread; for the app's exit."""
        if not self._thread.is_alive():
            return
        if self._engine is not None:
            future = asyncio.run_coroutine_threadsafe(self._engine.close(), self._loop)
            try:
                future.result(timeout)
            except TimeoutError:
                logger.error("= the engine did not close within %.0f s", timeout)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout)

    async def _start_engine(self) -> None:
        self._engine = self._make_engine(self.outbox.put)
        await self._engine.start()

    def _run_loop(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_forever()
        finally:
            pending = asyncio.all_tasks(self._loop)
            for task in pending:
                task.cancel()
            if pending:
                self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            self._loop.run_until_complete(self._loop.shutdown_asyncgens())
            self._loop.run_until_complete(self._loop.shutdown_default_executor())
            self._loop.close()
