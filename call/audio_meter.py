"""Audio levels and voice activity: what the screens show of a call's sound.

- `rms_dbfs` is the RMS level of int16 samples in dB relative to full scale (a full-scale
  sine is -3 dBFS), floored at `SILENCE_DBFS` so digital silence has a finite level.
- `VoiceActivity` decides "speaking" from frame levels with hysteresis: it switches on after
  `attack` loud frames in a row and off only after `hangover` seconds below the lower
  threshold, so the indicator does not flicker between syllables.
- `AudioMeter` measures one stream (the microphone as sent, or the remote audio as received)
  and reports an `AudioLevel` at most every `level_interval` seconds (the power over that
  interval) and a `SpeakingChanged` only when the state changes. Time enters as an argument.
- `PowerMeter` sums power across threads, for a level over any stretch (what the speaker
  played, what arrived).

Nothing here queues: a meter keeps a few numbers and calls `emit` at most ten times a second.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

import numpy as np

from call.audio import FRAME_SECONDS, Samples

SILENCE_DBFS: Final = -100.0
FULL_SCALE: Final = 32768.0
LEVEL_INTERVAL: Final = 0.1  # seconds: ten level reports a second are enough for a bar
SPEECH_ON_DBFS: Final = -45.0  # the synthetic speech is about -20 dBFS in its vowels
SPEECH_OFF_DBFS: Final = -55.0
SPEECH_ATTACK_FRAMES: Final = 2  # 40 ms: a click is not speech
SPEECH_HANGOVER: Final = 0.4  # seconds: longer than the gap between syllables


class AudioSide(StrEnum):
    LOCAL = "local"  # our microphone, as sent (silence while muted)
    REMOTE = "remote"  # the far end's audio, as received (before our volume)


@dataclass(frozen=True, slots=True)
class AudioLevel:
    side: AudioSide
    dbfs: float  # RMS over the last interval; SILENCE_DBFS for digital silence


@dataclass(frozen=True, slots=True)
class SpeakingChanged:
    side: AudioSide
    speaking: bool


AudioEvent = AudioLevel | SpeakingChanged


def power(samples: Samples) -> float:
    """The sum of squares, in full-scale units."""
    scaled = samples.astype(np.float64) / FULL_SCALE
    return float(np.dot(scaled, scaled))


def dbfs(total_power: float, count: int) -> float:
    if count <= 0 or total_power <= 0:
        return SILENCE_DBFS
    return max(SILENCE_DBFS, 10 * math.log10(total_power / count))


def rms_dbfs(samples: Samples) -> float:
    return dbfs(power(samples), len(samples))


class VoiceActivity:
    """Speaking or not, from one level per frame, with hysteresis on level and time."""

    def __init__(
        self,
        *,
        on_dbfs: float = SPEECH_ON_DBFS,
        off_dbfs: float = SPEECH_OFF_DBFS,
        attack: int = SPEECH_ATTACK_FRAMES,
        hangover: float = SPEECH_HANGOVER,
    ) -> None:
        if off_dbfs > on_dbfs:
            raise ValueError("the off threshold must not be above the on threshold")
        self._on = on_dbfs
        self._off = off_dbfs
        self._attack = attack
        self._hangover = hangover
        self.speaking = False
        self._loud = 0
        self._last_voice = -math.inf

    def update(self, level: float, now: float) -> bool | None:
        """Take one frame's level; the new state if it changed, else None."""
        if level >= self._on:
            self._loud += 1
        else:
            self._loud = 0
        if level >= self._off and (self.speaking or self._loud >= self._attack):
            self._last_voice = now
        if not self.speaking and self._loud >= self._attack:
            self.speaking = True
            return True
        if self.speaking and now - self._last_voice >= self._hangover:
            self.speaking = False
            return False
        return None

    def reset(self) -> bool | None:
        """Back to silent; False if that is a change."""
        was = self.speaking
        self.speaking = False
        self._loud = 0
        self._last_voice = -math.inf
        return False if was else None


class AudioMeter:
    """One stream's level and voice activity, reported through `emit` (on the caller's thread)."""

    def __init__(
        self,
        side: AudioSide,
        emit: Callable[[AudioEvent], None],
        *,
        level_interval: float = LEVEL_INTERVAL,
        voice: VoiceActivity | None = None,
    ) -> None:
        self.side = side
        self._emit = emit
        self._interval = level_interval
        self._voice = voice or VoiceActivity()
        self._power = 0.0
        self._count = 0
        self._due: float | None = None

    @property
    def speaking(self) -> bool:
        return self._voice.speaking

    def measure(self, samples: Samples, now: float) -> None:
        frame_power = power(samples)
        self._power += frame_power
        self._count += len(samples)
        changed = self._voice.update(dbfs(frame_power, len(samples)), now)
        if changed is not None:
            self._emit(SpeakingChanged(self.side, changed))
        if self._due is None:
            self._due = now + self._interval
        elif now >= self._due:
            self._emit(AudioLevel(self.side, dbfs(self._power, self._count)))
            self._power, self._count = 0.0, 0
            # Keep the cadence, but after a gap (no call, a stall) start afresh.
            self._due = max(self._due + self._interval, now + self._interval - FRAME_SECONDS)

    def reset(self) -> None:
        """The stream stopped (a call ended): say it is silent, once."""
        if self._voice.reset() is not None:
            self._emit(SpeakingChanged(self.side, False))
        self._power, self._count, self._due = 0.0, 0, None


class PowerMeter:
    """Power summed from any thread; `take` gives the level since the last take."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # added to on PortAudio's thread, taken on another
        self._power = 0.0
        self._count = 0

    def add(self, samples: Samples) -> None:
        frame_power = power(samples)
        with self._lock:
            self._power += frame_power
            self._count += len(samples)

    def take(self) -> float:
        with self._lock:
            level = dbfs(self._power, self._count)
            self._power, self._count = 0.0, 0
        return level
