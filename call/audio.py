"""Call audio: 48 kHz mono int16 in 20 ms frames, from microphone to track and track to speaker.

The pieces and the thread each runs on (docs/audio.md draws the whole picture):

- Microphone side. `DeviceMicrophone`'s PortAudio callback (PortAudio's thread) appends 20 ms
  frames to a queue of at most `MIC_QUEUE_FRAMES`, dropping the oldest. `MicrophoneTrack.recv()`
  (the engine's event loop) paces itself on a clock, takes one frame, removes the echo and hands
  an `av.AudioFrame` to aiortc. Without a device, `SpeechLikeSource` or `SilenceSource` stand in.
- Speaker side. `SpeakerSink` (event loop) reads the remote track as fast as aiortc delivers it,
  resamples to 48 kHz mono s16 and writes into the playout `RingBuffer`. The speaker drains the
  buffer one period at a time: `DeviceSpeaker` from PortAudio's callback, `NullSpeaker` from an
  event-loop task paced on a clock. The samples it plays are fed to the echo canceller's render
  side, the only signal the echo can come from.
- `AudioPipeline` wires the two sides and the canceller for one call.

Every queue is bounded and drops the oldest audio, so a slow consumer costs a glitch, never
latency. Real-time pacing always comes from a clock: PortAudio's for devices, the event loop's
for `MicrophoneTrack` and `NullSpeaker`. ALSA's null PCM is never used as a stand-in, because it
accepts and produces audio as fast as it is asked, with no pacing at all.
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
from types import ModuleType
from typing import Final, Literal, Protocol

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
# Called by a speaker once per period with the number of samples it needs; returns them.
PlayoutFeed = Callable[[int], Samples]
# Sees each outgoing frame after echo cancellation and returns what is sent (muting, metering).
MicrophoneTap = Callable[[Samples], Samples]
# Sees each block of remote audio as it arrives, converted, on the event loop (metering).
AudioListener = Callable[[Samples], None]
DEFAULT_VOLUME: Final = 0.5  # the engine's default: -15 dB, moderate (docs/audio.md, Volume)
VOLUME_RANGE_DB: Final = 30.0  # from volume 1.0 (unity gain) down to just above 0.0 (silent)


def silence(count: int = FRAME_SAMPLES) -> Samples:
    return np.zeros(count, dtype=np.int16)


def _ms_to_samples(ms: float) -> int:
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
        self._low = _ms_to_samples(target_low_ms)
        self._high = _ms_to_samples(target_high_ms)
        self._cap = _ms_to_samples(cap_ms)
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


class AudioSource(Protocol):
    """Something `MicrophoneTrack` can pull 20 ms frames from, without blocking."""

    @property
    def latency(self) -> float: ...  # seconds from the air to `read`
    def read(self) -> Samples: ...
    def close(self) -> None: ...


class AudioOutput(Protocol):
    """A speaker: once started, calls the feed once per period, paced by its own clock."""

    @property
    def latency(self) -> float: ...  # seconds from the feed to the air
    def start(self, feed: PlayoutFeed) -> None: ...
    async def aclose(self) -> None: ...


class EchoProcessor(Protocol):
    """What the pipeline needs from an echo canceller (`call.echo.EchoCanceller`)."""

    def set_delay_hint_ms(self, delay_ms: int) -> None: ...
    def analyze_render(self, frame: Samples) -> None: ...
    def process_capture(self, frame: Samples) -> Samples: ...


class SilenceSource:
    latency = 0.0

    def read(self) -> Samples:
        return silence()

    def close(self) -> None:
        pass


# Formants F1 to F3 in Hz of the Japanese vowels あいうえお, for an adult male voice.
_VOWELS: Final = np.array(
    [[800, 1200, 2500], [300, 2300, 3000], [350, 1300, 2400], [500, 1900, 2500], [500, 900, 2400]],
    dtype=np.float64,
)
_BANDWIDTHS: Final = np.array([90.0, 110.0, 170.0])
_FORMANT_GAINS: Final = np.array([1.0, 0.5, 0.25])  # a falling spectrum, as in speech
_PULSE_RESPONSE_SAMPLES: Final = _ms_to_samples(15)


class SpeechLikeSource:
    """A deterministic speech-like test signal: syllables of voiced vowels and noise bursts.

    Each syllable is a glottal pulse train with a drifting pitch, shaped by three vowel formants
    that glide from the previous vowel, under an attack/decay envelope; some start with a
    consonant-like noise burst and some are followed by a pause. The same seed gives the same
    signal. `level_dbfs` is the RMS level of the vowels; pauses make the overall level lower.
    """

    latency = 0.0

    def __init__(
        self,
        seed: int = 0,
        *,
        pitch_hz: float = 120.0,
        formant_scale: float = 1.0,
        level_dbfs: float = -20.0,
    ) -> None:
        self._rng = np.random.default_rng(seed)
        self._pitch = pitch_hz
        self._formants = _VOWELS * formant_scale
        self._rms = 32768.0 * 10 ** (level_dbfs / 20)
        self._previous_vowel = self._formants[0]
        self._pending = np.zeros(0)
        tau = np.arange(_PULSE_RESPONSE_SAMPLES) / SAMPLE_RATE
        self._tau = tau
        self._decays = _FORMANT_GAINS[:, None] * np.exp(-np.pi * _BANDWIDTHS[:, None] * tau)

    def read(self) -> Samples:
        while len(self._pending) < FRAME_SAMPLES:
            self._pending = np.concatenate((self._pending, self._syllable()))
        frame, self._pending = self._pending[:FRAME_SAMPLES], self._pending[FRAME_SAMPLES:]
        return np.clip(np.round(frame), -32768, 32767).astype(np.int16)

    def close(self) -> None:
        pass

    def _syllable(self) -> npt.NDArray[np.float64]:
        rng = self._rng
        parts = []
        if rng.random() < 0.6:
            parts.append(self._burst(_ms_to_samples(rng.uniform(20, 60))))
        parts.append(self._vowel(_ms_to_samples(rng.uniform(140, 280))))
        if rng.random() < 0.25:
            parts.append(np.zeros(_ms_to_samples(rng.uniform(150, 500))))
        return np.concatenate(parts)

    def _burst(self, length: int) -> npt.NDArray[np.float64]:
        # Differenced white noise leans to high frequencies, like a fricative.
        noise = np.diff(self._rng.standard_normal(length + 1)) / np.sqrt(2)
        burst: npt.NDArray[np.float64] = noise * np.hanning(length) * self._rms * 0.5
        return burst

    def _vowel(self, length: int) -> npt.NDArray[np.float64]:
        rng = self._rng
        source = self._previous_vowel
        target = self._formants[rng.integers(len(self._formants))]
        self._previous_vowel = target
        glide = _ms_to_samples(40)
        f0_start = self._pitch * rng.uniform(0.85, 1.2)
        f0_end = f0_start * rng.uniform(0.85, 1.1)
        voiced = np.zeros(length + _PULSE_RESPONSE_SAMPLES)
        t = 0.0
        while t < length:
            i = int(t)
            formants = source + (target - source) * min(i / glide, 1.0)
            # The vocal tract's response to one glottal pulse: a damped sinusoid per formant.
            response = self._decays * np.sin(2 * np.pi * formants[:, None] * self._tau)
            voiced[i : i + _PULSE_RESPONSE_SAMPLES] += response.sum(axis=0)
            f0 = f0_start + (f0_end - f0_start) * i / length
            t += SAMPLE_RATE / f0 * (1 + 0.01 * rng.standard_normal())
        voiced = voiced[:length] * _envelope(length)
        level = float(np.sqrt(np.mean(voiced**2)))
        vowel: npt.NDArray[np.float64] = voiced * (self._rms * rng.uniform(0.6, 1.0) / level)
        return vowel


def _envelope(length: int) -> npt.NDArray[np.float64]:
    attack, decay = _ms_to_samples(20), _ms_to_samples(60)
    env = np.ones(length)
    env[:attack] = 0.5 - 0.5 * np.cos(np.pi * np.arange(attack) / attack)
    env[-decay:] = 0.5 + 0.5 * np.cos(np.pi * np.arange(decay) / decay)
    return env


class NullSpeaker:
    """Plays nothing, but consumes playout in real time, paced by a clock: for headless runs."""

    latency = 0.0

    def __init__(self, clock: Clock | None = None) -> None:
        self._clock = clock or LoopClock()
        self._task: asyncio.Task[None] | None = None
        self.frames_played = 0

    def start(self, feed: PlayoutFeed) -> None:
        if self._task is not None:
            raise RuntimeError("NullSpeaker already started")
        self._task = asyncio.get_running_loop().create_task(self._run(feed))

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self, feed: PlayoutFeed) -> None:
        pacer = FramePacer()
        while True:
            tick = pacer.next(self._clock.now())
            # Sleep even when late, so catching up never starves the event loop.
            await self._clock.sleep(tick.delay)
            feed(FRAME_SAMPLES)
            self.frames_played += 1


# --- Devices (sounddevice / PortAudio) -------------------------------------------------------


class AudioDeviceError(Exception):
    """No usable audio device: no PortAudio, no such device, or it would not open."""


@dataclass(frozen=True, slots=True)
class AudioDevice:
    index: int
    name: str
    inputs: int
    outputs: int
    default_samplerate: float


class _CallbackFlags(Protocol):
    output_underflow: bool


def _portaudio() -> ModuleType:
    # Imported on first use: importing sounddevice loads libportaudio, and a machine without it
    # must still run the engine with synthetic audio. A missing library raises OSError; one that
    # fails to initialise raises sounddevice's PortAudioError, which cannot be named before the
    # import has worked, hence the broad catch.
    try:
        import sounddevice  # type: ignore[import-untyped]
    except Exception as exc:
        raise AudioDeviceError(
            f"PortAudio is not available (install libportaudio2): {exc}"
        ) from exc
    module: ModuleType = sounddevice
    return module


def list_devices() -> list[AudioDevice]:
    """Every device PortAudio reports; an empty list on a machine without audio hardware."""
    sd = _portaudio()
    try:
        infos = sd.query_devices()
    except sd.PortAudioError as exc:
        raise AudioDeviceError(f"PortAudio cannot list devices: {exc}") from exc
    return [
        AudioDevice(
            index=index,
            name=str(info["name"]),
            inputs=int(info["max_input_channels"]),
            outputs=int(info["max_output_channels"]),
            default_samplerate=float(info["default_samplerate"]),
        )
        for index, info in enumerate(infos)
    ]


def find_device(spec: int | str | None, kind: Literal["input", "output"]) -> int | None:
    """Resolve a device index, exact name or unique name fragment; None means the default."""
    candidates = [d for d in list_devices() if (d.inputs if kind == "input" else d.outputs) > 0]
    if not candidates:
        raise AudioDeviceError(
            f"PortAudio reports no {kind} devices; use a synthetic source or NullSpeaker"
        )
    if spec is None:
        return None
    if isinstance(spec, int):
        if any(d.index == spec for d in candidates):
            return spec
        raise AudioDeviceError(f"no {kind} device with index {spec}")
    exact = [d for d in candidates if d.name == spec]
    matches = exact or [d for d in candidates if spec.lower() in d.name.lower()]
    if len(matches) != 1:
        names = ", ".join(repr(d.name) for d in candidates)
        raise AudioDeviceError(f"{len(matches)} {kind} devices match {spec!r}; have {names}")
    return matches[0].index


class CaptureQueue:
    """Captured frames waiting for the track: bounded, oldest dropped first; thread-safe."""

    def __init__(self, max_frames: int = MIC_QUEUE_FRAMES) -> None:
        self._frames: deque[Samples] = deque(maxlen=max_frames)
        # Filled from PortAudio's callback thread, emptied from the event loop.
        self._lock = threading.Lock()
        self.overruns = 0  # frames dropped because nobody read them in time
        self.underruns = 0  # reads that found no captured frame

    def put(self, frame: Samples) -> None:
        with self._lock:
            if len(self._frames) == self._frames.maxlen:
                self.overruns += 1
            self._frames.append(frame)

    def get(self) -> Samples:
        """The oldest captured frame, or silence when there is none yet."""
        with self._lock:
            if self._frames:
                return self._frames.popleft()
            self.underruns += 1
        return silence()


class DeviceMicrophone:
    """A microphone through PortAudio, captured in 20 ms blocks on PortAudio's thread."""

    def __init__(
        self, device: int | str | None = None, *, queue_frames: int = MIC_QUEUE_FRAMES
    ) -> None:
        sd = _portaudio()
        index = find_device(device, "input")
        self.captured = CaptureQueue(queue_frames)
        try:
            self._stream = sd.InputStream(
                device=index,
                samplerate=SAMPLE_RATE,
                channels=1,
                dtype="int16",
                blocksize=FRAME_SAMPLES,  # PortAudio then calls back with exactly this many
                latency="low",
                callback=self._on_input,
            )
        except sd.PortAudioError as exc:
            raise AudioDeviceError(f"cannot open input device {device!r}: {exc}") from exc
        try:
            self._stream.start()
        except sd.PortAudioError as exc:
            self._stream.close()
            raise AudioDeviceError(f"cannot start input device {device!r}: {exc}") from exc

    @property
    def latency(self) -> float:
        return float(self._stream.latency)

    def read(self) -> Samples:
        return self.captured.get()

    def close(self) -> None:
        self._stream.close()

    def _on_input(self, indata: Samples, frames: int, time: object, status: object) -> None:
        self.captured.put(indata[:, 0].copy())


class DeviceSpeaker:
    """A speaker through PortAudio; its callback pulls each 20 ms period from the feed."""

    def __init__(self, device: int | str | None = None) -> None:
        sd = _portaudio()
        index = find_device(device, "output")
        self._feed: PlayoutFeed | None = None
        self.underflows = 0  # periods PortAudio reports as played late
        try:
            self._stream = sd.OutputStream(
                device=index,
                samplerate=SAMPLE_RATE,
                channels=1,
                dtype="int16",
                blocksize=FRAME_SAMPLES,
                latency="low",
                callback=self._on_output,
            )
        except sd.PortAudioError as exc:
            raise AudioDeviceError(f"cannot open output device {device!r}: {exc}") from exc

    @property
    def latency(self) -> float:
        return float(self._stream.latency)

    def start(self, feed: PlayoutFeed) -> None:
        self._feed = feed
        try:
            self._stream.start()
        except _portaudio().PortAudioError as exc:
            raise AudioDeviceError(f"cannot start output device: {exc}") from exc

    async def aclose(self) -> None:
        self._stream.close()

    def _on_output(
        self, outdata: Samples, frames: int, time: object, status: _CallbackFlags
    ) -> None:
        if status.output_underflow:
            self.underflows += 1
        outdata[:, 0] = silence(frames) if self._feed is None else self._feed(frames)


# --- aiortc glue -----------------------------------------------------------------------------


class MicrophoneTrack(MediaStreamTrack):
    """The outgoing audio track: 20 ms s16 mono 48 kHz frames from a source, in real time."""

    kind = "audio"

    def __init__(
        self,
        source: AudioSource,
        *,
        canceller: EchoProcessor | None = None,
        clock: Clock | None = None,
        tap: MicrophoneTap | None = None,
    ) -> None:
        super().__init__()
        self._source = source
        self._canceller = canceller
        self._clock = clock or LoopClock()
        self._pacer = FramePacer()
        self._tap = tap

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        tick = self._pacer.next(self._clock.now())
        await self._clock.sleep(tick.delay)
        samples = self._source.read()
        if self._canceller is not None:
            # Also while muted: the canceller keeps adapting, so unmuting sends no echo.
            samples = self._canceller.process_capture(samples)
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
    """One call's audio: microphone → canceller → `track`, remote track → `playout` → speaker.

    What the speaker plays is fed to the canceller's render side from the speaker's own period
    callback, so the canceller sees exactly the signal that can come back as echo; the volume
    is applied before that, for the same reason. `tap` sees (and may replace) each outgoing
    frame, `listener` each block of remote audio, and `on_played` what the speaker plays.
    """

    def __init__(
        self,
        microphone: AudioSource,
        speaker: AudioOutput,
        canceller: EchoProcessor | None = None,
        *,
        playout: RingBuffer | None = None,
        clock: Clock | None = None,
        tap: MicrophoneTap | None = None,
        listener: AudioListener | None = None,
        on_played: AudioListener | None = None,
        volume: float = 1.0,
    ) -> None:
        self.playout = playout or RingBuffer()
        self.track = MicrophoneTrack(microphone, canceller=canceller, clock=clock, tap=tap)
        self._microphone = microphone
        self._speaker = speaker
        self._canceller = canceller
        self._sink = SpeakerSink(self.playout, listener)
        self._on_played = on_played
        self._volume = volume
        # Read on PortAudio's thread; a float is replaced whole, so no lock is needed.
        self._gain = volume_gain(volume)
        if canceller is not None:
            # A hint only: AEC3 finds the delay itself. Bluetooth and some USB devices report
            # more than the 500 ms the module accepts.
            outside_ms = round(1000 * (microphone.latency + speaker.latency))
            canceller.set_delay_hint_ms(min(max(outside_ms, 0), 500))

    @property
    def volume(self) -> float:
        return self._volume

    @volume.setter
    def volume(self, volume: float) -> None:
        """0.0 (silent) to 1.0 (unity gain); takes effect from the speaker's next period."""
        self._gain = volume_gain(volume)
        self._volume = volume

    def start(self) -> None:
        """Start the speaker; call on the engine's event loop."""
        self._speaker.start(self._play_next)

    def play(self, remote: MediaStreamTrack) -> None:
        """Play a remote audio track, replacing the one playing."""
        self._sink.start(remote)

    async def aclose(self) -> None:
        self.track.stop()
        await self._sink.stop()
        await self._speaker.aclose()
        self._microphone.close()

    def _play_next(self, count: int) -> Samples:
        # Runs on PortAudio's thread for a device speaker.
        samples = apply_gain(self.playout.read(count), self._gain)
        if self._canceller is not None:
            self._canceller.analyze_render(samples)
        if self._on_played is not None:
            self._on_played(samples)
        return samples
