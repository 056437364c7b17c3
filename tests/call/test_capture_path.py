"""The engine's audio path with the synthetic devices on their own clocked threads, the real
AEC3 behind `CancellerFeed`, and the outgoing track read on the event loop as aiortc reads it:
an event-loop stall of 200 ms mid-call drops audio only after the canceller."""

from __future__ import annotations

import asyncio
import threading
import time

import numpy as np

from call.audio import AudioPipeline, Samples
from call.echo import EchoCanceller
from call.echo_feed import CancellerFeed
from call.synthetic_audio import ClockedMicrophone, NullSpeaker, SpeechLikeSource

STALL_SECONDS = 0.2


class CountingCanceller(EchoCanceller):
    """The real AEC3, counting every captured frame it is given, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.captured: list[Samples] = []
        self._count_lock = threading.Lock()

    def process_capture(self, frame: Samples) -> Samples:
        with self._count_lock:
            self.captured.append(frame.copy())
        return super().process_capture(frame)


class RecordedVoice(SpeechLikeSource):
    """The synthetic voice, keeping every frame the microphone took from it."""

    def __init__(self) -> None:
        super().__init__(seed=4)
        self.said: list[Samples] = []

    def read(self) -> Samples:
        frame = super().read()
        self.said.append(frame)
        return frame


def stall(seconds: float) -> None:
    """Hold the event loop as a long computation does: busy, not sleeping."""
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        pass


async def test_a_200_ms_event_loop_stall_drops_nothing_before_the_canceller() -> None:
    canceller = CountingCanceller()
    feed = CancellerFeed(canceller)
    voice = RecordedVoice()
    microphone = ClockedMicrophone(voice)
    speaker = NullSpeaker()
    pipeline = AudioPipeline(microphone, speaker, feed)
    pipeline.start()
    sent = 0

    async def send() -> None:  # as aiortc's RTP sender pulls the track
        nonlocal sent
        while True:
            await pipeline.track.recv()
            sent += 1

    sender = asyncio.get_running_loop().create_task(send())
    await asyncio.sleep(0.5)
    asyncio.get_running_loop().call_soon(stall, STALL_SECONDS)
    await asyncio.sleep(0.5)
    sender.cancel()
    await pipeline.aclose()

    captured = microphone.frames_captured
    assert captured >= 40  # about 1 s of 20 ms frames, however busy the machine
    # Every frame the microphone captured reached the canceller, in order. A loop held busy can
    # hold the microphone's own thread from the GIL too, as it would PortAudio's callback: the
    # device then loses audio, which reaches the canceller as one block of silence per gap, so
    # the streams stay aligned. Nothing the microphone captured is dropped.
    assert len(canceller.captured) == captured + feed.stats().capture_gaps
    sounding = [frame for frame in canceller.captured if frame.any()]
    said = [frame for frame in voice.said[:captured] if frame.any()]
    assert len(sounding) == len(said)
    assert all(np.array_equal(a, b) for a, b in zip(sounding, said, strict=True))
    # The stall was real: the track skipped what it could not send, and either the queue after
    # the canceller overflowed (the microphone ran on) or the microphone lost time (it did not).
    assert sent < captured
    assert pipeline.captured.overruns >= 1 or feed.stats().capture_gaps >= 1
