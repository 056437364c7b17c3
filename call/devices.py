"""The engine's devices: opened once, lent to every call, never closed by one.

- The camera is one `CameraCapture` thread; the self-view reads its slot, and each peer gets a
  new `CameraTrack` from it (aiortc stops a sender's track when its connection closes, and a
  stopped track cannot be sent again).
- Audio is one microphone, one speaker and, for real devices, the AEC3 echo canceller fed by
  both (`CancellerFeed`), wired by one `AudioPipeline`. Each peer gets a new `MicrophoneTrack` on
  the pipeline's queue of cleaned frames; the speaker plays whichever remote track the current
  peer delivers.
- Without a device the engine still runs: the camera capture draws its test pattern by itself,
  a missing microphone sends silence and a missing speaker is a `NullSpeaker`. Each change of
  health is a `DeviceChanged` event, which a kiosk also reports to the hub.
- `MediaSettings.synthetic` (tests, benchmarks, `madoguchi-bot`) opens no device at all: the
  test pattern, a speech-like signal and a null speaker, reported as healthy since that is
  what was asked for.
- The media controls live here because they outlast a peer: the microphone switch (a muted
  track sends silence, with its timestamps running and the echo canceller still fed), the
  camera pause (the capture sends a still frame), the speaker volume. Meters report the
  microphone's level as sent and the remote audio's as received (`call.audio_meter`). With
  no call, a paced task reads the microphone itself, so the device check has a level too.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from aiortc.mediastreams import MediaStreamTrack

from call.audio import (
    DEFAULT_VOLUME,
    FRAME_SECONDS,
    SAMPLE_RATE,
    AudioOutput,
    AudioPipeline,
    CaptureQueue,
    FramePacer,
    LoopClock,
    Microphone,
    MicrophoneTrack,
    RingBuffer,
    Samples,
    silence,
    volume_gain,
)
from call.audio_devices import AudioDeviceError, DeviceMicrophone, DeviceSpeaker
from call.audio_meter import AudioEvent, AudioMeter, AudioSide, PowerMeter
from call.camera import SYNTHETIC_CAMERA, CameraCapture, CameraSettings, CameraState, CameraStatus
from call.echo_feed import CancellerFeed, EchoStats
from call.frames import CapturedFrame
from call.synthetic_audio import ClockedMicrophone, NullSpeaker, SilenceSource, SpeechLikeSource
from signaling.protocol import DeviceHealth

logger = logging.getLogger(__name__)

# The idle meter reads the microphone once no call's track has for this long.
IDLE_METER_AFTER: Final = 3 * FRAME_SECONDS


class Device(StrEnum):
    CAMERA = "camera"
    MICROPHONE = "microphone"
    SPEAKER = "speaker"


@dataclass(frozen=True, slots=True)
class MediaSettings:
    """Which devices to open; `synthetic` opens none (tests, benchmarks, bots)."""

    synthetic: bool = False
    camera: CameraSettings = field(default_factory=CameraSettings)
    send_fps: float | None = None  # the camera's own rate when None
    microphone: int | str | None = None  # a PortAudio index or name; None for the default
    speaker: int | str | None = None
    echo_cancellation: bool = True
    synthetic_voice_seed: int = 0
    speaker_volume: float = DEFAULT_VOLUME  # 0.0 to 1.0; see call.audio.volume_gain

    def __post_init__(self) -> None:
        volume_gain(self.speaker_volume)  # raises ValueError outside 0.0 to 1.0


@dataclass(frozen=True, slots=True)
class DeviceChanged:
    device: Device
    health: DeviceHealth
    message: str


@dataclass(frozen=True, slots=True)
class Health:
    camera: DeviceHealth = DeviceHealth.OK
    microphone: DeviceHealth = DeviceHealth.OK
    speaker: DeviceHealth = DeviceHealth.OK


class CountingPlayout(RingBuffer):
    """The playout buffer, counting what the network delivered: proof that audio arrives."""

    def __init__(self) -> None:
        super().__init__()
        self.samples_received = 0

    def write(self, samples: Samples) -> None:
        super().write(samples)
        self.samples_received += len(samples)

    @property
    def seconds_received(self) -> float:
        return self.samples_received / SAMPLE_RATE


class Devices:
    """The camera, microphone, speaker and echo canceller of one engine."""

    def __init__(
        self,
        settings: MediaSettings,
        on_change: Callable[[DeviceChanged], None],
        on_audio: Callable[[AudioEvent], None] = lambda event: None,
    ) -> None:
        self.settings = settings
        self.health = Health()
        self.playout = CountingPlayout()
        self.received = PowerMeter()  # the remote audio before the volume
        self.played = PowerMeter()  # what the speaker played, after it
        self._on_change = on_change
        self._camera: CameraCapture | None = None
        self._echo: CancellerFeed | None = None
        self._pipeline: AudioPipeline | None = None
        self._muted = False
        self._volume = settings.speaker_volume
        self._microphone_meter = AudioMeter(AudioSide.LOCAL, on_audio)
        self._remote_meter = AudioMeter(AudioSide.REMOTE, on_audio)
        self._clock = LoopClock()
        self._track_read_at = -math.inf
        self._idle_meter: asyncio.Task[None] | None = None

    @property
    def camera(self) -> CameraCapture:
        """The capture, for the self-view: `camera.latest_frame()` from any thread."""
        if self._camera is None:
            raise RuntimeError("the devices are not open")
        return self._camera

    def self_view(self) -> CapturedFrame | None:
        """The camera's latest frame for a GUI's self-view, from any thread; None until open."""
        return None if self._camera is None else self._camera.latest_frame()

    async def open(self) -> None:
        """Open everything, falling back where a device is missing; call on the engine loop."""
        settings = self.settings
        loop = asyncio.get_running_loop()
        camera_settings = settings.camera
        if settings.synthetic:
            camera_settings = dataclasses.replace(camera_settings, device=SYNTHETIC_CAMERA)

        def on_status(state: CameraState) -> None:  # on the capture thread
            loop.call_soon_threadsafe(self._camera_changed, state)

        self._camera = CameraCapture(camera_settings, on_status=on_status)
        self._camera.start()
        microphone: Microphone
        speaker: AudioOutput
        if settings.synthetic:
            microphone = ClockedMicrophone(SpeechLikeSource(settings.synthetic_voice_seed))
            speaker = NullSpeaker()
        else:
            microphone, speaker, missing = await asyncio.to_thread(self._open_audio)
            for device, problem in missing:
                self._report(device, DeviceHealth.MISSING, problem)
            if settings.echo_cancellation and isinstance(speaker, DeviceSpeaker):
                from call.echo import EchoCanceller  # loads the native module only when used

                self._echo = CancellerFeed(EchoCanceller())
        self._pipeline = AudioPipeline(
            microphone,
            speaker,
            self._echo,
            playout=self.playout,
            tap=self._sending,
            listener=self._received,
            on_played=self.played.add,
            volume=self._volume,
        )
        self._pipeline.start()
        self._idle_meter = loop.create_task(self._meter_while_idle(), name="microphone meter")

    # --- Media controls (on the engine loop) --------------------------------------------------

    @property
    def microphone_muted(self) -> bool:
        return self._muted

    @microphone_muted.setter
    def microphone_muted(self, muted: bool) -> None:
        if muted != self._muted:
            logger.info("= microphone %s", "muted" if muted else "on")
        self._muted = muted

    @property
    def camera_paused(self) -> bool:
        return self._camera is not None and self._camera.paused

    @camera_paused.setter
    def camera_paused(self, paused: bool) -> None:
        if paused != self.camera_paused:
            logger.info("= camera %s", "paused" if paused else "on")
        self.camera.paused = paused

    @property
    def speaker_volume(self) -> float:
        return self._volume

    @speaker_volume.setter
    def speaker_volume(self, volume: float) -> None:
        volume_gain(volume)  # raises ValueError before anything changes
        self._volume = volume
        if self._pipeline is not None:
            self._pipeline.volume = volume

    def echo_stats(self) -> EchoStats | None:
        """The canceller's feed: drift and filled gaps; None without a canceller."""
        return None if self._echo is None else self._echo.stats()

    def call_ended(self) -> None:
        """Every call starts with the microphone and camera on, and the far end silent."""
        self.microphone_muted = False
        if self._camera is not None:
            self.camera_paused = False
        self._remote_meter.reset()

    # --- Calls --------------------------------------------------------------------------------

    def audio_track(self) -> MediaStreamTrack:
        """A new outgoing audio track for a new peer, on the same cleaned capture."""
        return MicrophoneTrack(self._captured(), tap=self._sending)

    def camera_track(self) -> MediaStreamTrack:
        return self.camera.track(self.settings.send_fps)

    def play_audio(self, track: MediaStreamTrack) -> None:
        if self._pipeline is not None:
            self._pipeline.play(track)

    async def aclose(self) -> None:
        if self._idle_meter is not None:
            self._idle_meter.cancel()
            await asyncio.gather(self._idle_meter, return_exceptions=True)
        if self._pipeline is not None:
            await self._pipeline.aclose()
        if self._camera is not None:
            await asyncio.to_thread(self._camera.close)

    def _sending(self, samples: Samples) -> Samples:
        # Every call's microphone track, on the engine loop, after echo cancellation.
        now = self._clock.now()
        self._track_read_at = now
        sent = silence(len(samples)) if self._muted else samples
        self._microphone_meter.measure(sent, now)
        return sent

    def _received(self, samples: Samples) -> None:
        self.received.add(samples)
        self._remote_meter.measure(samples, self._clock.now())

    async def _meter_while_idle(self) -> None:
        """Between calls nothing reads the microphone, so this does, for the device check."""
        pacer = FramePacer()
        while True:
            tick = pacer.next(self._clock.now())
            await self._clock.sleep(tick.delay)
            now = self._clock.now()
            if now - self._track_read_at < IDLE_METER_AFTER:
                continue  # a call's track is reading (and metering) it
            samples = self._captured().read()
            self._microphone_meter.measure(silence(len(samples)) if self._muted else samples, now)

    def _captured(self) -> CaptureQueue:
        if self._pipeline is None:
            raise RuntimeError("the devices are not open")
        return self._pipeline.captured

    def _open_audio(self) -> tuple[Microphone, AudioOutput, list[tuple[Device, str]]]:
        # Blocking PortAudio calls, so on a worker thread; what is missing is reported after.
        microphone: Microphone
        speaker: AudioOutput
        missing: list[tuple[Device, str]] = []
        try:
            microphone = DeviceMicrophone(self.settings.microphone)
        except AudioDeviceError as exc:
            microphone = ClockedMicrophone(SilenceSource())
            missing.append((Device.MICROPHONE, str(exc)))
        try:
            speaker = DeviceSpeaker(self.settings.speaker)
        except AudioDeviceError as exc:
            speaker = NullSpeaker()
            missing.append((Device.SPEAKER, str(exc)))
        return microphone, speaker, missing

    def _camera_changed(self, state: CameraState) -> None:
        if self.settings.synthetic:
            return
        health = {
            CameraStatus.OK: DeviceHealth.OK,
            CameraStatus.MISSING: DeviceHealth.MISSING,
            CameraStatus.FAULT: DeviceHealth.FAULT,
        }[state.status]
        self._report(Device.CAMERA, health, state.message)

    def _report(self, device: Device, health: DeviceHealth, message: str) -> None:
        if getattr(self.health, device.value) is health:
            return
        self.health = dataclasses.replace(self.health, **{device.value: health})
        log = logger.info if health is DeviceHealth.OK else logger.warning
        log("= %s %s: %s", device, health, message)
        self._on_change(DeviceChanged(device, health, message))
