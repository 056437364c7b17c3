"""The bridge: an engine on its own network thread, driven and heard from another thread."""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Callable
from typing import Any

import av
import numpy as np
import pytest

from call.bridge import EngineBridge, EventOutbox, LatestFrame, new_event_loop
from call.camera import CameraSettings
from call.devices import MediaSettings
from call.engine import Engine, EngineEvent, EngineSettings, HubMessage, LinkChanged
from call.link import LinkState
from signaling import protocol as p
from tests.fixtures.hub import RunningHub
from tests.participant import UNIT

WAIT = 2 * UNIT


# --- The outbox ------------------------------------------------------------------------------


def test_the_outbox_hands_events_over_in_order() -> None:
    outbox: EventOutbox[int] = EventOutbox(maxsize=10)
    for n in range(3):
        outbox.put(n)
    assert outbox.get(timeout=0) == 0
    assert outbox.drain() == [1, 2]
    assert outbox.get(timeout=0) is None


def test_a_full_outbox_drops_the_oldest_and_counts_it_without_blocking() -> None:
    outbox: EventOutbox[int] = EventOutbox(maxsize=3)
    for n in range(10):
        outbox.put(n)
    assert outbox.dropped == 7
    assert outbox.drain() == [7, 8, 9]


def test_the_outbox_rings_once_per_burst_not_once_per_event() -> None:
    rings: list[int] = []
    outbox: EventOutbox[int] = EventOutbox(on_ready=lambda: rings.append(len(outbox)))
    for n in range(5):
        outbox.put(n)
    outbox.drain()
    outbox.put(5)
    assert rings == [1, 1]


def test_a_waiting_consumer_wakes_when_an_event_is_put_from_another_thread() -> None:
    outbox: EventOutbox[str] = EventOutbox()
    timer = threading.Timer(UNIT / 50, outbox.put, args=("hello",))
    timer.start()
    assert outbox.get(timeout=WAIT) == "hello"
    timer.join()


# --- The latest-frame holder -----------------------------------------------------------------


def video_frame(value: int, width: int = 8, height: int = 6) -> av.VideoFrame:
    rgb = np.full((height, width, 3), value, dtype=np.uint8)
    return av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p")


def test_the_holder_keeps_only_the_newest_frame_as_rgb() -> None:
    holder = LatestFrame("remote camera")
    assert holder.latest() is None
    holder.put(video_frame(40), timestamp=1.0)
    holder.put(video_frame(200), timestamp=2.0)
    frame = holder.latest()
    assert frame is not None
    assert (frame.sequence, frame.timestamp, frame.width, frame.height) == (2, 2.0, 8, 6)
    assert frame.rgb.shape == (6, 8, 3)
    assert abs(int(frame.rgb[3, 4, 0]) - 200) <= 3  # through YUV and back
    assert not frame.rgb.flags.writeable
    assert holder.latest() is frame  # converted once, however often it is read


def test_a_cleared_holder_shows_nothing_but_keeps_counting() -> None:
    holder = LatestFrame("remote content")
    holder.put(video_frame(1))
    holder.clear()
    assert holder.latest() is None
    assert holder.sequence == 1


def test_a_reader_thread_waits_for_a_newer_frame_and_is_told_of_each() -> None:
    holder = LatestFrame("remote camera")
    told = threading.Event()
    holder.listener = told.set
    holder.put(video_frame(1))
    got: list[Any] = []
    reader = threading.Thread(target=lambda: got.append(holder.wait_newer(1, WAIT)))
    reader.start()
    holder.put(video_frame(2))
    reader.join()
    assert got[0] is not None
    assert got[0].sequence == 2
    assert told.is_set()
    assert holder.wait_newer(2, timeout=0) is None


def test_windows_gets_the_selector_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "win32")
    loop = new_event_loop()
    try:
        assert isinstance(loop, asyncio.SelectorEventLoop)
    finally:
        loop.close()


# --- The bridge with a stand-in engine -------------------------------------------------------


class Chatty:
    """Emits events as fast as its loop allows, and answers a question about itself."""

    def __init__(self, emit: Callable[[int], None]) -> None:
        self.emit = emit
        self.count = 0
        self.thread = ""
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.thread = threading.current_thread().name
        self._task = asyncio.get_running_loop().create_task(self._chatter())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def how_many(self) -> int:
        return self.count

    async def slowly(self) -> str:
        await asyncio.sleep(UNIT / 5)
        return threading.current_thread().name

    async def _chatter(self) -> None:
        while True:
            self.emit(self.count)
            self.count += 1
            if self.count % 100 == 0:
                await asyncio.sleep(0)


@pytest.fixture
def chatty() -> Any:
    outbox: EventOutbox[int] = EventOutbox(maxsize=16)
    bridge: EngineBridge[Chatty, int] = EngineBridge(Chatty, outbox, name="test-network")
    bridge.start()
    yield bridge
    bridge.close()


def test_commands_run_on_the_network_thread_and_return_at_once(chatty: Any) -> None:
    future = chatty.command(lambda engine: engine.slowly())
    assert not future.done()  # the caller is not kept waiting
    assert future.result(WAIT) == "test-network"
    assert chatty.engine.thread == "test-network"


def test_a_stalled_consumer_does_not_stall_the_engine(chatty: Any) -> None:
    # Nobody drains the outbox; the engine keeps producing and keeps answering commands.
    seen = chatty.command(lambda engine: engine.how_many()).result(WAIT)
    while seen < 20_000:
        seen = chatty.command(lambda engine: engine.how_many()).result(WAIT)
    events = chatty.outbox.drain()
    assert len(events) == 16
    assert events == list(range(events[0], events[0] + 16))  # the newest, in order
    assert events[0] >= seen - 16
    assert chatty.outbox.dropped >= seen - 16


# --- The bridge with the real engine ---------------------------------------------------------


async def next_event(
    outbox: EventOutbox[EngineEvent], match: Callable[[EngineEvent], bool]
) -> EngineEvent:
    async with asyncio.timeout(WAIT):
        while True:
            event = await asyncio.to_thread(outbox.get, UNIT / 10)
            if event is not None and match(event):
                return event


async def test_a_kiosk_engine_on_its_own_thread_takes_commands_and_reports_back(
    hub: RunningHub, loopback_ice: None
) -> None:
    settings = EngineSettings(
        url=hub.url,
        media=MediaSettings(synthetic=True, camera=CameraSettings(width=160, height=120, fps=5)),
    )
    outbox: EventOutbox[EngineEvent] = EventOutbox(maxsize=100)
    bridge: EngineBridge[Engine, EngineEvent] = EngineBridge(
        lambda emit: Engine(settings, hub.kiosk(0), emit), outbox
    )
    await asyncio.to_thread(bridge.start)
    try:
        await next_event(
            outbox, lambda e: isinstance(e, LinkChanged) and e.state is LinkState.CONNECTED
        )
        done = bridge.command(lambda engine: engine.request_consultation("juminhyo", "ja"))
        await asyncio.wrap_future(done)
        event = await next_event(
            outbox, lambda e: isinstance(e, HubMessage) and isinstance(e.message, p.Queued)
        )
        assert isinstance(event, HubMessage)
        assert isinstance(event.message, p.Queued)
        assert event.message.position == 1
        # The self-view is read straight from the capture, from this thread.
        assert bridge.engine.devices.camera.latest_frame() is not None
        refused = bridge.command(lambda engine: engine.hang_up())
        with pytest.raises(p.LocalProtocolError):
            await asyncio.wrap_future(refused)
    finally:
        await asyncio.to_thread(bridge.close)
    assert not bridge.loop.is_running()
