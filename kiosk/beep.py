"""The press feedback beep: 1 kHz for 80 ms, under JIS S 0013's 2.5 kHz ceiling.

The tone is generated here (a sine with 5 ms fades, so it does not click). `QtBeeper` plays it
through QtMultimedia's default output at a fixed, moderate level. The call engine owns the
speaker during a call and has no "play a sound" command yet, so the beep goes out through Qt's
own audio output, mixed by the OS (PipeWire/PulseAudio, or WASAPI on Windows). With no audio
output, `SilentBeeper` is used and the visual press feedback remains.
"""

from __future__ import annotations

import logging
from typing import Final, Protocol

import numpy as np

logger = logging.getLogger(__name__)

RATE: Final = 48_000
FREQUENCY: Final = 1000.0  # Hz; JIS S 0013 asks for 2.5 kHz or lower
DURATION: Final = 0.080  # seconds
LEVEL: Final = 0.25  # of full scale: a short, moderate tick, not an alarm
FADE: Final = 0.005


def tone(
    frequency: float = FREQUENCY, duration: float = DURATION, rate: int = RATE, level: float = LEVEL
) -> bytes:
    """Signed 16-bit mono PCM of a sine with short fades in and out."""
    count = round(duration * rate)
    t = np.arange(count) / rate
    wave = np.sin(2 * np.pi * frequency * t) * level
    fade = min(count // 2, round(FADE * rate))
    ramp = np.linspace(0.0, 1.0, fade)
    wave[:fade] *= ramp
    wave[count - fade :] *= ramp[::-1]
    return (wave * 32767).astype("<i2").tobytes()


class Beeper(Protocol):
    def beep(self) -> None: ...


class SilentBeeper:
    """No audio output: the press still gets its visual feedback."""

    def beep(self) -> None:
        pass


class QtBeeper:
    """Plays the tone through QtMultimedia's default audio output."""

    def __init__(self) -> None:
        from PyQt6.QtCore import QBuffer, QByteArray, QIODevice
        from PyQt6.QtMultimedia import QAudioFormat, QAudioSink, QMediaDevices

        device = QMediaDevices.defaultAudioOutput()
        audio_format = QAudioFormat()
        audio_format.setSampleRate(RATE)
        audio_format.setChannelCount(1)
        audio_format.setSampleFormat(QAudioFormat.SampleFormat.Int16)
        self._sink = QAudioSink(device, audio_format)
        self._data = QByteArray(tone())
        self._buffer = QBuffer()
        self._buffer.setData(self._data)
        self._open_mode = QIODevice.OpenModeFlag.ReadOnly

    def beep(self) -> None:
        self._sink.stop()
        self._buffer.close()
        self._buffer.open(self._open_mode)
        self._sink.start(self._buffer)


def make_beeper() -> Beeper:
    """QtBeeper when there is an audio output, else a silent one."""
    try:
        from PyQt6.QtMultimedia import QMediaDevices
    except ImportError:
        logger.warning("= no QtMultimedia: presses will not beep")
        return SilentBeeper()
    if QMediaDevices.defaultAudioOutput().isNull():
        logger.warning("= no audio output: presses will not beep")
        return SilentBeeper()
    return QtBeeper()
