"""Call audio: 48 kHz mono int16 in 20 ms frames, from microphone to track and track to speaker.

The pieces and the thread each runs on (docs/audio.md draws the whole picture):

- Microphone side. The microphone hands each 20 ms frame, with the time it was captured, to
  the pipeline on the microphone's own thread: PortAudio's for `DeviceMicrophone` (in
  `call.audio_devices`), a clocked thread for the synthetic ones (`call.synthetic_audio`). The
  echo is removed right there, so the canceller sees every frame, whatever the event loop is
  doing. The cleaned frame goes into a `CaptureQueue` of at most `MIC_QUEUE_FRAMES`, dropping the
  oldest; `MicrophoneTrack.recv()` (the engine's event loop) paces itself on a clock, takes one
  frame and hands an `av.AudioFrame` to aiortc. A stalled loop loses audio after the canceller,
  never before it.
- Speaker side. `SpeakerSink` (event loop) reads the remote track as fast as aiortc delivers it,
  resamples to 48 kHz mono s16 and writes into the playout `RingBuffer`. The speaker drains the
  buffer one period at a time on its own thread (PortAudio's, or `NullSpeaker`'s clocked one),
  and what it plays is fed to the canceller's render side, the only signal the echo can come
  from.
- `AudioPipeline` wires the two sides and the canceller for one call.

Every queue is bounded and drops the oldest audio, so a slow consumer costs a glitch, never
latency. Real-time pacing always comes from a clock: the devices' own, the event loop's for
`MicrophoneTrack`. ALSA's null PCM is never used as a stand-in, because it accepts and produces
audio as fast as it is asked, with no pacing at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Protocol

import av
import numpy as np
import numpy.typing as npt
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

logger = logging.getLogger(__name__)

SAMPLE_RATE: Final = 48_000
FRAME_SAMPLES: Final = 960  # 20 ms, the Opus frame aiortc sends
FRAME_SECONDS: Final = FRAME_SAMPLES / SAMPLE_RATE
TIME_BASE: Final = fractions.Fraction(1, SAMPLE_RATE)
MIC_QUEUE_FRAMES: Final = 3  # 60 ms: covers callback jitter; more would only add latency

Samples = npt.NDArray[np.int16]
# Called by a speaker once per period, on its thread, with the number of samples it needs and
# when the first of them will be played (seconds on time.monotonic; None when the device cannot
# tell); returns them.
PlayoutFeed = Callable[[int, float | None], Samples]
# Called by a microphone once per 20 ms frame, on its thread, with the frame and when its first
# sample was captured (as above).
CaptureFeed = Callable[[Samples, float | None], None]
# Sees each outgoing frame after echo cancellation and returns what is sent (muting, metering).
MicrophoneTap = Callable[[Samples], Samples]
# Sees each block of remote audio as it arrives, converted, on the event loop (metering).
AudioListener = Callable[[Samples], None]
DEFAULT_VOLUME: Final = 0.5  # the engine's default: -15 dB, moderate (docs/audio.md, Volume)
VOLUME_RANGE_DB: Final = 30.0  # from volume 1.0 (unity gain) down to just above 0.0 (silent)


def silence(count: int = FRAME_SAMPLES) -> Samples:
    return np.zeros(count, dtype=np.int16)


def ms_to_samples(ms: float) -> int:
    return round(ms * SAMPLE_RATE / 1000)


def volume_gain(volume: float) -> float:
    """The linear gain for a volume from 0.0 (silent) to 1.0 (unity), even steps in dB."""
    if not 0.0 <= volume <= 1.0:
        raise ValueError(f"volume must be from 0.0 to 1.0, not {volume}")
    if volume == 0.0:
        return 0.0
    return float(10 ** (VOLUME_RANGE_DB * (volume - 1.0) / 20))


def apply_gain(samples: Samples, gain: float) -> Samples:
    if gain == 1.0:
        return samples
    scaled = np.round(samples.astype(np.float32) * gain)
    return np.clip(scaled, -32768, 32767).astype(np.int16)


# --- The playout buffer ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlayoutStats:
    level_ms: float
    underruns: int  # times the speaker ran dry while playing
    overflows: int  # writes that found the buffer over its cap
    dropped_ms: float  # audio thrown away by overflows, oldest first


class RingBuffer:
    """The playout (jitter) buffer between the network and the speaker; thread-safe.

    Rules, in the order `read` and `write` apply them:

    - Playback starts, and restarts after running dry, only once `target_low_ms` is buffered,
      so network jitter up to that much is absorbed. Until then reads return silence.
    - A read that finds fewer samples than it asks for returns them followed by silence, counts
      an underrun and goes back to waiting for `target_low_ms`.
    - A write that would take the level over `cap_ms` counts an overflow and drops the oldest
      audio until the level is back at `target_high_ms`, so latency never stays near the cap.
    """

    def __init__(
        self, *, target_low_ms: float = 60, target_high_ms: float = 100, cap_ms: float = 200
    ) -> None:
        if not 0 < target_low_ms <= target_high_ms <= cap_ms:
            raise ValueError("need 0 < target_low_ms <= target_high_ms <= cap_ms")
        self._low = ms_to_samples(target_low_ms)
        self._high = ms_to_samples(target_high_ms)
        self._cap = ms_to_samples(cap_ms)
        self._data = silence(self._cap)
        self._start = 0
        self._size = 0
        self._playing = False
        self._underruns = 0
        self._overflows = 0
        self._dropped = 0
        # Written from the event loop, read from PortAudio's callback thread.
        self._lock = threading.Lock()

    def write(self, samples: Samples) -> None:
        if samples.dtype != np.int16 or samples.ndim != 1:
            raise ValueError(f"expected 1-D int16 samples, got {samples.dtype} {samples.shape}")
        with self._lock:
            if self._size + len(samples) > self._cap:
                self._overflows += 1
                excess = self._size + len(samples) - self._high
                from_old = min(excess, self._size)
                self._discard(from_old)
                # A single write longer than the target also loses its own oldest part.
                samples = samples[excess - from_old :]
                self._dropped += excess
            end = (self._start + self._size) % self._cap
            first = min(len(samples), self._cap - end)
            self._data[end : end + first] = samples[:first]
            self._data[: len(samples) - first] = samples[first:]
            self._size += len(samples)

    def read(self, count: int) -> Samples:
        """Return exactly `count` samples to play: buffered audio, silence where there is none."""
        out = silence(count)
        with self._lock:
            if not self._playing:
                if self._size < self._low:
                    return out
                self._playing = True
            take = min(count, self._size)
            first = min(take, self._cap - self._start)
            out[:first] = self._data[self._start : self._start + first]
            out[first:take] = self._data[: take - first]
            self._discard(take)
            if take < count:
                self._underruns += 1
                self._playing = False
        return out

    def stats(self) -> PlayoutStats:
        with self._lock:
            return PlayoutStats(
                level_ms=self._size * 1000 / SAMPLE_RATE,
                underruns=self._underruns,
                overflows=self._overflows,
                dropped_ms=self._dropped * 1000 / SAMPLE_RATE,
            )

    def _discard(self, count: int) -> None:
        self._start = (self._start + count) % self._cap
        self._size -= count


# --- Pacing ----------------------------------------------------------------------------------


class Clock(Protocol):
    def now(self) -> float: ...
    async def sleep(self, seconds: float) -> None: ...


class LoopClock:
    """The running event loop's monotonic clock."""

    def now(self) -> float:
        return asyncio.get_running_loop().time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


@dataclass(frozen=True, slots=True)
class Tick:
    index: int  # the frame's place on the real-time timeline, counted from the first frame
    delay: float  # seconds until the frame is due; 0 when it is already late


class FramePacer:
    """Real-time deadlines for a stream of equal frames; after a stall it skips ahead.

    A frame late by less than `max_lag` is sent at once, so short hiccups are caught up. After a
    longer stall the missed frames are skipped rather than sent in a burst, and `Tick.index` jumps
    by as many frames, so timestamps keep following real time.
    """

    def __init__(self, period: float = FRAME_SECONDS, max_lag: float = 5 * FRAME_SECONDS) -> None:
        self._period = period
        self._max_lag = max_lag
        self._start: float | None = None
        self._index = 0

    def next(self, now: float) -> Tick:
        if self._start is None:
            self._start = now
            return Tick(0, 0.0)
        self._index += 1
        due = self._start + self._index * self._period
        if now - due > self._max_lag:
            skipped = int((now - due) // self._period)
            self._index += skipped
            due += skipped * self._period
        return Tick(self._index, max(0.0, due - now))


# --- Sources, outputs and the echo hook ------------------------------------------------------


class FrameSource(Protocol):
    """Gives a 20 ms frame on demand, without blocking: a synthetic signal, or the capture queue."""

    def read(self) -> Samples: ...


class Microphone(Protocol):
    """A microphone: once started, hands over each 20 ms frame on its own thread and clock."""

    @property
    def latency(self) -> float: ...  # seconds from the air to the feed
    def start(self, feed: CaptureFeed) -> None: ...
    def close(self) -> None: ...


class AudioOutput(Protocol):
    """A speaker: once started, calls the feed once per period, paced by its own clock."""

    @property
    def latency(self) -> float: ...  # seconds from the feed to the air
    def start(self, feed: PlayoutFeed) -> None: ...
    async def aclose(self) -> None: ...


class EchoFeed(Protocol):
    """What the pipeline feeds an echo canceller (`call.echo_feed.CancellerFeed`), from the
    speaker's and the microphone's threads."""

    def set_delay_hint_ms(self, delay_ms: int) -> None: ...
    def render(self, samples: Samples, at: float | None) -> None: ...
    def capture(self, samples: Samples, at: float | None) -> Samples: ...


class CaptureQueue:
    """Cleaned frames waiting for the track: bounded, oldest dropped first; thread-safe."""

    def __init__(self, max_frames: int = MIC_QUEUE_FRAMES) -> None:
        self._frames: deque[Samples] = deque(maxlen=max_frames)
        # Filled from the microphone's thread, emptied from the event loop.
        self._lock = threading.Lock()
        self.overruns = 0  # frames dropped because nobody read them in time
        self.underruns = 0  # reads that found no captured frame

    def put(self, frame: Samples) -> None:
        with self._lock:
            if len(self._frames) == self._frames.maxlen:
                self.overruns += 1
            self._frames.append(frame)

    def read(self) -> Samples:
        """The oldest captured frame, or silence when there is none yet."""
        with self._lock:
            if self._frames:
                return self._frames.popleft()
            self.underruns += 1
        return silence()


# --- aiortc glue -----------------------------------------------------------------------------


class MicrophoneTrack(MediaStreamTrack):
    """The outgoing audio track: 20 ms s16 mono 48 kHz frames from a source, in real time.

    The source is the pipeline's `CaptureQueue`, already cleaned of echo, or a synthetic signal.
    """

    kind = "audio"

    def __init__(
        self, source: FrameSource, *, clock: Clock | None = None, tap: MicrophoneTap | None = None
    ) -> None:
        super().__init__()
        self._source = source
        self._clock = clock or LoopClock()
        self._pacer = FramePacer()
        self._tap = tap

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        tick = self._pacer.next(self._clock.now())
        await self._clock.sleep(tick.delay)
        samples = self._source.read()
        if self._tap is not None:
            samples = self._tap(samples)
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = SAMPLE_RATE
        frame.pts = tick.index * FRAME_SAMPLES
        frame.time_base = TIME_BASE
        return frame


class SpeakerSink:
    """Consumes a remote audio track into the playout buffer, as 48 kHz mono s16.

    It reads as fast as aiortc delivers, so aiortc's own (unbounded) queue never grows; the
    bounded playout buffer is where excess audio is dropped.
    """

    def __init__(self, playout: RingBuffer, listener: AudioListener | None = None) -> None:
        self._playout = playout
        self._listener = listener
        self._resampler: av.AudioResampler | None = None
        self._resampling_from: tuple[str, str, int] | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self, track: MediaStreamTrack) -> None:
        if self._task is not None:
            self._task.cancel()
        self._task = asyncio.get_running_loop().create_task(self._run(track))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def write(self, frame: av.AudioFrame) -> None:
        """Convert one decoded frame and add it to the playout buffer."""
        setup = (frame.format.name, frame.layout.name, frame.sample_rate)
        converted = [frame]
        if setup != ("s16", "mono", SAMPLE_RATE):
            if self._resampler is None or setup != self._resampling_from:
                # PyAV's resampler is fixed to its first input; a renegotiated codec may differ.
                self._resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
                self._resampling_from = setup
            converted = self._resampler.resample(frame)
        for piece in converted:
            samples = piece.to_ndarray().reshape(-1).astype(np.int16, copy=False)
            if self._listener is not None:
                self._listener(samples)
            self._playout.write(samples)

    async def _run(self, track: MediaStreamTrack) -> None:
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                logger.info("= remote audio track %s ended", track.id)
                return
            if not isinstance(frame, av.AudioFrame):
                logger.error(
                    "< remote track %s gave %r, not audio; not playing it", track.id, frame
                )
                return
            self.write(frame)


# --- The pipeline ----------------------------------------------------------------------------


class AudioPipeline:
    """One call's audio: microphone → echo feed → `captured` → `track`, remote track →
    `playout` → speaker → echo feed.

    Both sides reach the echo feed on their devices' own threads, with the devices' times, so
    the canceller sees both streams whole (`call.echo_feed`). What the speaker plays is fed as
    the render side after the volume, for the same reason. `tap` sees (and may replace) each
    outgoing frame, `listener` each block of remote audio, and `on_played` what the speaker
    plays.
    """

    def __init__(
        self,
        microphone: Microphone,
        speaker: AudioOutput,
        echo: EchoFeed | None = None,
        *,
        playout: RingBuffer | None = None,
        clock: Clock | None = None,
        tap: MicrophoneTap | None = None,
        listener: AudioListener | None = None,
        on_played: AudioListener | None = None,
        volume: float = 1.0,
    ) -> None:
        self.playout = playout or RingBuffer()
        self.captured = CaptureQueue()
        self.track = MicrophoneTrack(self.captured, clock=clock, tap=tap)
        self._microphone = microphone
        self._speaker = speaker
        self._echo = echo
        self._sink = SpeakerSink(self.playout, listener)
        self._on_played = on_played
        self._volume = volume
        # Read on the speaker's thread; a float is replaced whole, so no lock is needed.
        self._gain = volume_gain(volume)
        if echo is not None:
            # A hint only: AEC3 finds the delay itself. Bluetooth and some USB devices report
            # more than the 500 ms the module accepts.
            outside_ms = round(1000 * (microphone.latency + speaker.latency))
            echo.set_delay_hint_ms(min(max(outside_ms, 0), 500))

    @property
    def volume(self) -> float:
        return self._volume

    @volume.setter
    def volume(self, volume: float) -> None:
        """0.0 (silent) to 1.0 (unity gain); takes effect from the speaker's next period."""
        self._gain = volume_gain(volume)
        self._volume = volume

    def start(self) -> None:
        """Start the speaker, then the microphone; call on the engine's event loop."""
        self._speaker.start(self._play_next)
        self._microphone.start(self._captured)

    def play(self, remote: MediaStreamTrack) -> None:
        """Play a remote audio track, replacing the one playing."""
        self._sink.start(remote)

    async def aclose(self) -> None:
        self.track.stop()
        await self._sink.stop()
        await self._speaker.aclose()
        self._microphone.close()

    def _captured(self, samples: Samples, at: float | None) -> None:
        # On the microphone's thread. Also while muted: the canceller keeps adapting, so
        # unmuting sends no echo.
        if self._echo is not None:
            samples = self._echo.capture(samples, at)
        self.captured.put(samples)

    def _play_next(self, count: int, at: float | None) -> Samples:
        # On the speaker's thread.
        samples = apply_gain(self.playout.read(count), self._gain)
        if self._echo is not None:
            self._echo.render(samples, at)
        if self._on_played is not None:
            self._on_played(samples)
        return samples
