"""Levels and voice activity, with time passed in: no clock, no sleeping."""

from __future__ import annotations

import numpy as np
import pytest

from call.audio import FRAME_SAMPLES, FRAME_SECONDS, SAMPLE_RATE, Samples
from call.audio_meter import (
    SILENCE_DBFS,
    AudioEvent,
    AudioLevel,
    AudioMeter,
    AudioSide,
    PowerMeter,
    SpeakingChanged,
    VoiceActivity,
    rms_dbfs,
)
from call.synthetic_audio import SpeechLikeSource


def tone(dbfs: float, count: int = FRAME_SAMPLES) -> Samples:
    """A 1 kHz sine whose RMS is `dbfs`."""
    amplitude = 32768 * 10 ** (dbfs / 20) * np.sqrt(2)
    t = np.arange(count) / SAMPLE_RATE
    return np.round(amplitude * np.sin(2 * np.pi * 1000 * t)).astype(np.int16)


def quiet() -> Samples:
    return np.zeros(FRAME_SAMPLES, dtype=np.int16)


def test_rms_dbfs_of_a_sine_is_its_level_and_of_silence_the_floor() -> None:
    assert rms_dbfs(tone(-20)) == pytest.approx(-20, abs=0.1)
    assert rms_dbfs(quiet()) == SILENCE_DBFS


def test_voice_activity_switches_on_after_the_attack_frames_only() -> None:
    voice = VoiceActivity(attack=2)
    assert voice.update(-20, 0.00) is None
    assert voice.update(-20, 0.02) is True
    assert voice.update(-20, 0.04) is None


def test_a_single_click_is_not_speech() -> None:
    voice = VoiceActivity(attack=2)
    assert [voice.update(level, i * 0.02) for i, level in enumerate([-20, -90, -20, -90])] == [
        None
    ] * 4


def test_voice_activity_holds_through_a_short_gap_and_ends_after_the_hangover() -> None:
    voice = VoiceActivity(attack=1, hangover=0.4)
    assert voice.update(-20, 0.0) is True
    assert voice.update(-90, 0.3) is None  # a gap between syllables
    assert voice.update(-20, 0.35) is None
    assert voice.update(-90, 0.6) is None
    assert voice.update(-90, 0.75) is False


def test_a_level_between_the_thresholds_keeps_speech_on_but_does_not_start_it() -> None:
    voice = VoiceActivity(on_dbfs=-45, off_dbfs=-55, attack=1, hangover=0.1)
    assert voice.update(-50, 0.0) is None
    assert voice.update(-40, 0.1) is True
    assert voice.update(-50, 1.0) is None  # still above the off threshold
    assert voice.update(-60, 1.2) is False


def test_the_meter_reports_the_level_ten_times_a_second_and_speaking_only_on_change() -> None:
    events: list[AudioEvent] = []
    meter = AudioMeter(AudioSide.LOCAL, events.append)
    for i in range(50):  # one second of a steady tone
        meter.measure(tone(-20), i * FRAME_SECONDS)
    levels = [e for e in events if isinstance(e, AudioLevel)]
    assert 9 <= len(levels) <= 10
    assert all(e.dbfs == pytest.approx(-20, abs=0.2) for e in levels)
    assert [e for e in events if isinstance(e, SpeakingChanged)] == [
        SpeakingChanged(AudioSide.LOCAL, True)
    ]


def test_the_meter_sees_the_synthetic_voice_as_speech_and_silence_as_not() -> None:
    events: list[AudioEvent] = []
    meter = AudioMeter(AudioSide.REMOTE, events.append)
    source = SpeechLikeSource(seed=3)
    now = 0.0
    for _ in range(100):
        meter.measure(source.read(), now)
        now += FRAME_SECONDS
    assert meter.speaking or SpeakingChanged(AudioSide.REMOTE, True) in events
    for _ in range(50):
        meter.measure(quiet(), now)
        now += FRAME_SECONDS
    assert not meter.speaking
    assert events[-1] == AudioLevel(AudioSide.REMOTE, SILENCE_DBFS)


def test_resetting_a_speaking_meter_says_it_stopped_once() -> None:
    events: list[AudioEvent] = []
    meter = AudioMeter(AudioSide.REMOTE, events.append)
    for i in range(3):
        meter.measure(tone(-20), i * FRAME_SECONDS)
    meter.reset()
    meter.reset()
    assert [e for e in events if isinstance(e, SpeakingChanged)] == [
        SpeakingChanged(AudioSide.REMOTE, True),
        SpeakingChanged(AudioSide.REMOTE, False),
    ]


def test_a_power_meter_gives_the_level_since_it_was_last_taken() -> None:
    meter = PowerMeter()
    meter.add(tone(-10))
    meter.add(tone(-10))
    assert meter.take() == pytest.approx(-10, abs=0.1)
    assert meter.take() == SILENCE_DBFS
