"""Audio devices through sounddevice (PortAudio): the microphone and the speaker of a kiosk or PC.

`DeviceMicrophone`'s PortAudio callback (PortAudio's thread) hands each 20 ms frame to the
pipeline, which removes the echo there; `DeviceSpeaker`'s callback drains the playout buffer one
period at a time (docs/audio.md). Both pass PortAudio's time of the frame at the converter, which
is what shows a lost frame and the devices' drift. PortAudio is loaded on first use, so a machine
without it still runs with the synthetic and null devices.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from types import ModuleType
from typing import Literal, Protocol

from call.audio import FRAME_SAMPLES, SAMPLE_RATE, CaptureFeed, PlayoutFeed, Samples, silence

logger = logging.getLogger(__name__)


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


class _StreamTimes(Protocol):  # PortAudio's PaStream*CallbackTimeInfo, in its stream time
    currentTime: float  # noqa: N815 (PortAudio's names)
    inputBufferAdcTime: float  # noqa: N815
    outputBufferDacTime: float  # noqa: N815


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


class DeviceMicrophone:
    """A microphone through PortAudio, captured in 20 ms blocks on PortAudio's thread."""

    def __init__(self, device: int | str | None = None) -> None:
        sd = _portaudio()
        index = find_device(device, "input")
        self._device = device
        self._feed: CaptureFeed | None = None
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

    @property
    def latency(self) -> float:
        return float(self._stream.latency)

    def start(self, feed: CaptureFeed) -> None:
        self._feed = feed
        try:
            self._stream.start()
        except _portaudio().PortAudioError as exc:
            self._stream.close()
            raise AudioDeviceError(f"cannot start input device {self._device!r}: {exc}") from exc

    def close(self) -> None:
        self._stream.close()

    def _on_input(self, indata: Samples, frames: int, time: _StreamTimes, status: object) -> None:
        if self._feed is not None:
            self._feed(indata[:, 0].copy(), _monotonic(time, time.inputBufferAdcTime))


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
        self, outdata: Samples, frames: int, time: _StreamTimes, status: _CallbackFlags
    ) -> None:
        if status.output_underflow:
            self.underflows += 1
        if self._feed is None:
            outdata[:, 0] = silence(frames)
        else:
            at = _monotonic(time, time.outputBufferDacTime)
            outdata[:, 0] = self._feed(frames, at)


def _monotonic(times: _StreamTimes, stream_time: float) -> float | None:
    """A PortAudio stream time on time.monotonic's scale; None where the host API gives none.

    The converter's time counts samples, so it shows a lost frame and, on one host clock for
    both streams, how the devices' crystals drift (call.clock_drift); the callback's own time
    would add the scheduler's jitter.
    """
    if stream_time <= 0 or times.currentTime <= 0:
        return None
    return stream_time - times.currentTime + time.monotonic()
