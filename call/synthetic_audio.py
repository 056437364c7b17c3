"""Stand-ins for audio devices: silence, a speech-like voice, and a speaker that plays nothing.

`ClockedMicrophone` and `NullSpeaker` run as the real devices do, each on a thread of its own
paced by time.monotonic, and pass each frame's due time as the device's time. So the engine's
audio path is the same with them as with PortAudio, and an event-loop stall reaches them no
more than it would reach a device. They never use ALSA's null PCM, which accepts and produces
audio as fast as it is asked (docs/audio.md).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Final

import numpy as np
import numpy.typing as npt

from call.audio import (
    FRAME_SAMPLES,
    FRAME_SECONDS,
    SAMPLE_RATE,
    CaptureFeed,
    FramePacer,
    FrameSource,
    PlayoutFeed,
    Samples,
    ms_to_samples,
    silence,
)

logger = logging.getLogger(__name__)

STOP_SECONDS: Final = 1.0


class SilenceSource:
    def read(self) -> Samples:
        return silence()


# Formants F1 to F3 in Hz of the Japanese vowels あいうえお, for an adult male voice.
_VOWELS: Final = np.array(
    [[800, 1200, 2500], [300, 2300, 3000], [350, 1300, 2400], [500, 1900, 2500], [500, 900, 2400]],
    dtype=np.float64,
)
_BANDWIDTHS: Final = np.array([90.0, 110.0, 170.0])
_FORMANT_GAINS: Final = np.array([1.0, 0.5, 0.25])  # a falling spectrum, as in speech
_PULSE_RESPONSE_SAMPLES: Final = ms_to_samples(15)


class SpeechLikeSource:
    """A deterministic speech-like test signal: syllables of voiced vowels and noise bursts.

    Each syllable is a glottal pulse train with a drifting pitch, shaped by three vowel formants
    that glide from the previous vowel, under an attack/decay envelope; some start with a
    consonant-like noise burst and some are followed by a pause. The same seed gives the same
    signal. `level_dbfs` is the RMS level of the vowels; pauses make the overall level lower.
    """

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

    def _syllable(self) -> npt.NDArray[np.float64]:
        rng = self._rng
        parts = []
        if rng.random() < 0.6:
            parts.append(self._burst(ms_to_samples(rng.uniform(20, 60))))
        parts.append(self._vowel(ms_to_samples(rng.uniform(140, 280))))
        if rng.random() < 0.25:
            parts.append(np.zeros(ms_to_samples(rng.uniform(150, 500))))
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
        glide = ms_to_samples(40)
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
    attack, decay = ms_to_samples(20), ms_to_samples(60)
    env = np.ones(length)
    env[:attack] = 0.5 - 0.5 * np.cos(np.pi * np.arange(attack) / attack)
    env[-decay:] = 0.5 + 0.5 * np.cos(np.pi * np.arange(decay) / decay)
    return env


class ClockedThread:
    """Calls `every_frame(due)` once per 20 ms on a thread, paced by a clock like a device's.

    `due` is the frame's place on the timeline, start + n x 20 ms. A thread that was held up
    catches up at once for up to 100 ms, and after a longer hold-up skips the frames it missed,
    so `due` jumps as a device's time does when it loses audio.
    """

    def __init__(self, name: str, every_frame: Callable[[float], None]) -> None:
        self._every_frame = every_frame
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            # A frame is a few milliseconds of work; a thread still busy after a second is
            # stuck, and a closing engine must not wait on it (it is a daemon thread).
            self._thread.join(timeout=STOP_SECONDS)
            if self._thread.is_alive():
                logger.warning("! %s did not stop within %s s", self._thread.name, STOP_SECONDS)

    def _run(self) -> None:
        pacer = FramePacer()
        start = time.monotonic()
        while True:
            tick = pacer.next(time.monotonic())
            if self._stopping.wait(tick.delay):
                return
            try:
                self._every_frame(start + tick.index * FRAME_SECONDS)
            except Exception:  # a device's callback thread survives a bad frame, as PortAudio's
                logger.exception("! %s: a frame failed", self._thread.name)


class ClockedMicrophone:
    """A microphone that captures from a `FrameSource` (silence, a voice) in real time."""

    latency = 0.0

    def __init__(self, source: FrameSource) -> None:
        self._source = source
        self._feed: CaptureFeed | None = None
        self._thread = ClockedThread("synthetic microphone", self._capture)
        self.frames_captured = 0

    def start(self, feed: CaptureFeed) -> None:
        if self._feed is not None:
            raise RuntimeError("the microphone is already started")
        self._feed = feed
        self._thread.start()

    def close(self) -> None:
        self._thread.stop()

    def _capture(self, due: float) -> None:
        assert self._feed is not None
        self._feed(self._source.read(), due)
        self.frames_captured += 1


class NullSpeaker:
    """Plays nothing, but consumes playout in real time on its own thread: for headless runs."""

    latency = 0.0

    def __init__(self) -> None:
        self._feed: PlayoutFeed | None = None
        self._thread = ClockedThread("null speaker", self._play)
        self.frames_played = 0

    def start(self, feed: PlayoutFeed) -> None:
        if self._feed is not None:
            raise RuntimeError("NullSpeaker already started")
        self._feed = feed
        self._thread.start()

    async def aclose(self) -> None:
        self._thread.stop()

    def _play(self, due: float) -> None:
        assert self._feed is not None
        self._feed(FRAME_SAMPLES, due)
        self.frames_played += 1
