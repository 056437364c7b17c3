"""Audio devices through sounddevice (PortAudio): the microphone and the speaker of a kiosk or PC.

`DeviceMicrophone`'s PortAudio callback (PortAudio's thread) appends 20 ms frames to a
`CaptureQueue` of at most `MIC_QUEUE_FRAMES`, dropping the oldest; `DeviceSpeaker`'s callback
drains the playout buffer one period at a time (docs/audio.md). PortAudio is loaded on first
use, so a machine without it still runs with the synthetic and null devices.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from dataclasses import dataclass
from types import ModuleType
from typing import Literal, Protocol

from call.audio import (
    FRAME_SAMPLES,
    MIC_QUEUE_FRAMES,
    SAMPLE_RATE,
    PlayoutFeed,
    Samples,
    silence,
)

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
