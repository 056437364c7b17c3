"""The engine's media controls in whole calls: mute, camera pause, volume, levels, speaking.

Real aiortc peers through a real hub, as in test_engine.py, with the synthetic speech-like
voice (about -20 dBFS in its vowels) and the synthetic colour-bar camera on both ends.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import numpy as np
import pytest

from call.audio_meter import (
    SILENCE_DBFS,
    SPEECH_HANGOVER,
    AudioLevel,
    AudioSide,
    SpeakingChanged,
)
from call.bridge import RemoteFrame
from call.session import CallState
from signaling import protocol as p
from tests.call.test_engine import (
    STAFF,
    WAIT,
    Probe,
    connect,
    eventually,
    frame_after,
    make_probe,
)
from tests.fixtures.hub import RunningHub
from tests.participant import UNIT


@pytest.fixture
async def ends(hub: RunningHub, loopback_ice: None) -> AsyncIterator[tuple[Probe, Probe]]:
    """A kiosk and a staff member, logged in and idle."""
    kiosk = await make_probe(hub, hub.kiosk(0))
    staff = await make_probe(hub, hub.staff(STAFF))
    yield kiosk, staff
    await kiosk.engine.close()
    await staff.engine.close()


def forget(probe: Probe, kind: type) -> None:
    """Drop what the probe has heard of `kind` so far: the next one is from now on."""
    probe.events = [event for event in probe.events if not isinstance(event, kind)]


async def level(
    probe: Probe, side: AudioSide, above: float = -np.inf, below: float = np.inf
) -> float:
    forget(probe, AudioLevel)
    event = await probe.expect(AudioLevel, lambda e: e.side is side and above < e.dbfs < below)
    return event.dbfs


async def levels_for(probe: Probe, side: AudioSide, seconds: float) -> list[float]:
    forget(probe, AudioLevel)
    await asyncio.sleep(seconds)
    return [e.dbfs for e in probe.events if isinstance(e, AudioLevel) and e.side is side]


def dark(frame: RemoteFrame) -> bool:
    # The still frame is black with a small label; the colour bars average far brighter.
    return float(frame.rgb.mean()) < 40


async def test_the_microphone_level_is_reported_before_any_call(
    ends: tuple[Probe, Probe],
) -> None:
    kiosk, _ = ends
    heard = await levels_for(kiosk, AudioSide.LOCAL, UNIT / 5)
    assert len(heard) >= 3  # about ten a second
    assert -35 < max(heard) < -10  # the synthetic voice, not silence and not clipping


async def test_muting_the_microphone_silences_the_far_end_until_it_is_unmuted(
    ends: tuple[Probe, Probe],
) -> None:
    kiosk, staff = ends
    await connect(kiosk, staff)
    await level(staff, AudioSide.REMOTE, above=-35)

    await kiosk.engine.set_microphone_muted(True)
    await level(staff, AudioSide.REMOTE, below=-70)
    await level(kiosk, AudioSide.LOCAL, below=SILENCE_DBFS + 1)  # what is sent is silence
    assert kiosk.engine.call is not None
    assert kiosk.engine.call.state is CallState.CONNECTED  # the track keeps flowing

    await kiosk.engine.set_microphone_muted(False)
    await level(staff, AudioSide.REMOTE, above=-35)
    await level(kiosk, AudioSide.LOCAL, above=-35)


async def test_the_far_end_speaking_indicator_follows_its_voice_and_its_mute(
    ends: tuple[Probe, Probe],
) -> None:
    kiosk, staff = ends
    await connect(kiosk, staff)

    async def remote(speaking: bool) -> None:
        await staff.expect(
            SpeakingChanged, lambda e: e.side is AudioSide.REMOTE and e.speaking is speaking
        )

    def last_remote_speaking() -> bool | None:
        changes = [
            e.speaking
            for e in staff.events
            if isinstance(e, SpeakingChanged) and e.side is AudioSide.REMOTE
        ]
        return changes[-1] if changes else None

    await remote(True)
    await kiosk.engine.set_microphone_muted(True)
    await level(staff, AudioSide.REMOTE, below=-70)
    # Whether it went off at the mute or in a pause just before, it is off and stays off: the
    # silence has no syllables to switch it on.
    forget(staff, SpeakingChanged)
    await levels_for(staff, AudioSide.REMOTE, SPEECH_HANGOVER + UNIT / 10)
    assert last_remote_speaking() in (False, None)
    forget(staff, SpeakingChanged)
    await levels_for(staff, AudioSide.REMOTE, UNIT / 10)
    assert last_remote_speaking() is None
    await kiosk.engine.set_microphone_muted(False)
    await remote(True)


async def test_the_speaker_volume_scales_what_is_played(ends: tuple[Probe, Probe]) -> None:
    kiosk, staff = ends
    await connect(kiosk, staff)
    devices = kiosk.engine.devices
    await eventually(lambda: devices.playout.seconds_received > 0.2)

    async def gain_db(volume: float) -> float:
        await kiosk.engine.set_speaker_volume(volume)
        await asyncio.sleep(UNIT / 25)  # let what was buffered at the old volume play out
        devices.received.take()
        devices.played.take()
        await asyncio.sleep(UNIT / 2)
        return devices.played.take() - devices.received.take()

    assert abs(await gain_db(1.0)) < 3  # unity
    assert abs(await gain_db(0.5) + 15) < 3  # 30 dB range, so half way is -15 dB
    assert await gain_db(0.0) <= SILENCE_DBFS + 40  # nothing at all


async def test_pausing_the_camera_sends_the_still_frame_and_resuming_the_picture(
    ends: tuple[Probe, Probe],
) -> None:
    kiosk, staff = ends
    await connect(kiosk, staff)
    frame = await frame_after(staff, "remote_camera")
    assert not dark(frame)

    await kiosk.engine.set_camera_paused(True)

    async def until(check: bool) -> RemoteFrame:
        sequence = staff.engine.remote_camera.sequence
        async with asyncio.timeout(WAIT):
            while True:
                frame: RemoteFrame = await frame_after(staff, "remote_camera", sequence)
                if dark(frame) is check:
                    return frame
                sequence = frame.sequence

    still = await until(True)
    assert (still.width, still.height) == (320, 240)  # the same size: no new encoder
    self_view = kiosk.engine.devices.camera.latest_frame()
    assert self_view is not None
    assert self_view.paused  # the citizen sees that the camera is off

    await kiosk.engine.set_camera_paused(False)
    await until(False)


async def test_a_call_that_ends_turns_the_microphone_and_camera_back_on(
    ends: tuple[Probe, Probe],
) -> None:
    kiosk, staff = ends
    await connect(kiosk, staff)
    await kiosk.engine.set_microphone_muted(True)
    await kiosk.engine.set_camera_paused(True)
    await kiosk.engine.set_speaker_volume(0.8)
    await staff.engine.hang_up()
    await kiosk.state(CallState.ENDED)
    await kiosk.hub(p.SessionEnded)
    devices = kiosk.engine.devices
    assert not devices.microphone_muted
    assert not devices.camera_paused
    assert devices.speaker_volume == 0.8  # the app resets the volume (a kiosk, per citizen)
