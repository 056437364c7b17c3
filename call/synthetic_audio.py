"""Stand-ins for audio devices: silence, a speech-like voice, and a speaker that plays nothing.

They keep real-time pacing from the event loop's clock, never from ALSA's null PCM, which
accepts and produces audio as fast as it is asked (docs/audio.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Final

import numpy as np
import numpy.typing as npt

from call.audio import (
    FRAME_SAMPLES,
    SAMPLE_RATE,
    Clock,
    FramePacer,
    LoopClock,
    PlayoutFeed,
    Samples,
    ms_to_samples,
    silence,
)

logger = logging.getLogger(__name__)


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
_PULSE_RESPONSE_SAMPLES: Final = ms_to_samples(15)


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
