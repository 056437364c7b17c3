"""A community-center lobby for the echo canceller: rooms, clocks, stalls and lost frames.

The kiosk's speaker plays the far end into a room; the microphone hears it back through the
room's impulse response, on its own clock, with its own noise and, in double talk, the citizen.
Each 20 ms frame reaches the canceller at the time its device hands it over, interleaved as on
the kiosk, through one of two paths:

- `NOW`: the engine's path (`call.echo_feed.CancellerFeed` on the real AEC3): cleaned on the
  microphone's thread as each frame arrives, lost frames filled, the render reference resampled
  onto the microphone's clock.
- `BEFORE`: the path until #16: a 3-frame queue between the microphone and the canceller, read
  by the event loop, so a loop stall drops frames before the canceller; no gap filling, no drift
  correction.

Everything is generated here, seeded: the voices (`SpeechLikeSource`), the rooms (exponentially
decaying noise with the room's RT60 and the direct path's share from the critical distance),
the clocks. Times are seconds of audio, never of the wall clock.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

import numpy as np
import numpy.typing as npt
import soxr  # type: ignore[import-untyped]

from call.audio import FRAME_SAMPLES, MIC_QUEUE_FRAMES, SAMPLE_RATE, Samples
from call.echo import EchoCanceller
from call.echo_feed import CancellerFeed
from call.synthetic_audio import SpeechLikeSource

Signal = npt.NDArray[np.float64]

FRAME_S: Final = FRAME_SAMPLES / SAMPLE_RATE
FAR_VOICE: Final = {"seed": 1, "pitch_hz": 110.0}
NEAR_VOICE: Final = {"seed": 2, "pitch_hz": 210.0, "formant_scale": 1.15}
SPEED_OF_SOUND: Final = 343.0
LOBBY_M3: Final = 200.0  # a community center's lobby: 10 x 8 x 2.5 m
ECHO_GAIN_DB: Final = -6.0  # the echo at the microphone against what is played
ECHO_OVER_CITIZEN_DB: Final = 10.0  # in double talk the echo is this much louder
ECHO_PRESENT_DBFS: Final = -50.0  # quieter frames are room noise, not echo
STALL_S: Final = 0.2
CLIP_LEVEL: Final = 0.25 * 32768  # the speaker's soft limit: speech peaks go into it
# A cardioid microphone aimed at the citizen, the speaker behind it: the direct sound from the
# speaker comes from its null, the room's reverberation from everywhere (its directivity index).
CARDIOID_REAR_DB: Final = 15.0
CARDIOID_DIFFUSE_DB: Final = 4.8


class Path(StrEnum):
    NOW = "now"
    BEFORE = "before"


@dataclass(frozen=True, slots=True)
class Room:
    rt60_s: float
    distance_m: float  # speaker to microphone

    @property
    def critical_distance_m(self) -> float:
        # Where the direct sound and the reverberation are equally loud (Sabine).
        return float(0.057 * np.sqrt(LOBBY_M3 / self.rt60_s))

    def impulse_response(self, delay_ms: float, seed: int = 3, directional: bool = False) -> Signal:
        """The delay outside the canceller, the direct path, then the room's reverberation,
        at ECHO_GAIN_DB for an omnidirectional microphone; a cardioid one picks up less."""
        rng = np.random.default_rng(seed)
        length = round(1.2 * self.rt60_s * SAMPLE_RATE)
        t = np.arange(length) / SAMPLE_RATE
        tail = rng.standard_normal(length) * np.exp(-6.91 * t / self.rt60_s)  # -60 dB at RT60
        tail[: round(0.003 * SAMPLE_RATE)] = 0.0  # the first reflections come after 3 ms
        # Reverberant over direct energy: 1 at the critical distance, growing with distance².
        tail *= (self.distance_m / self.critical_distance_m) / np.sqrt(np.sum(tail**2))
        flight = round(self.distance_m / SPEED_OF_SOUND * SAMPLE_RATE)
        tail[flight] += 1.0
        tail *= 10 ** (ECHO_GAIN_DB / 20) / np.sqrt(np.sum(tail**2))
        if directional:
            direct = tail[flight]
            tail *= 10 ** (-CARDIOID_DIFFUSE_DB / 20)
            tail[flight] = direct * 10 ** (-CARDIOID_REAR_DB / 20)
        response: Signal = np.concatenate((np.zeros(round(delay_ms * SAMPLE_RATE / 1000)), tail))
        return response


@dataclass(frozen=True, slots=True)
class Condition:
    name: str
    room: Room = field(default_factory=lambda: Room(0.3, 0.4))
    delay_ms: float = 60.0  # device buffers outside the canceller
    drift_ppm: float = 0.0  # the microphone's clock against the speaker's
    stall_at_s: float | None = None  # the event loop stalls for STALL_S
    lost_frame_at_s: float | None = None  # the microphone loses one frame: a downward step
    clipping: bool = False  # the speaker soft-clips its peaks
    directional: bool = False  # a cardioid microphone aimed at the citizen
    noise_dbfs: float = -70.0  # the microphone's own noise
    seconds: float = 16.0
    talk_from_s: float = 11.0  # the citizen starts talking over the far end


@dataclass(frozen=True, slots=True)
class Heard:
    echo: Signal  # the echo alone at the microphone
    near: Signal  # the citizen alone at the microphone
    microphone: Signal  # echo, citizen and noise: what the canceller is given
    output: Signal  # what the canceller gave back, frame for frame (0 where nothing came)
    processed: npt.NDArray[np.bool_]  # per frame: did the canceller return this frame


def speech(seconds: float, voice: dict[str, float]) -> Signal:
    source = SpeechLikeSource(
        int(voice["seed"]),
        pitch_hz=voice["pitch_hz"],
        formant_scale=voice.get("formant_scale", 1.0),
    )
    frames = round(seconds / FRAME_S)
    return np.concatenate([source.read() for _ in range(frames)]).astype(np.float64)


def convolve(signal: Signal, response: Signal) -> Signal:
    size = len(signal) + len(response) - 1  # by FFT: directly would take seconds
    out = np.fft.irfft(np.fft.rfft(signal, size) * np.fft.rfft(response, size), size)
    result: Signal = out[: len(signal)]
    return result


def soft_clip(signal: Signal) -> Signal:
    clipped: Signal = CLIP_LEVEL * np.tanh(signal / CLIP_LEVEL)
    return clipped


def on_microphone_clock(signal: Signal, drift_ppm: float) -> Signal:
    """The sound sampled by a microphone `drift_ppm` fast: more samples of the same time."""
    if drift_ppm == 0:
        return signal
    moved: Signal = soxr.resample(
        signal, SAMPLE_RATE, SAMPLE_RATE * (1 + drift_ppm * 1e-6), quality="VHQ"
    ).astype(np.float64)
    return moved


def hear(condition: Condition, path: Path, near_sign: float = 0.0) -> Heard:
    """One run: the far end played, the room, the microphone, and the canceller on `path`.

    `near_sign` is 0 for the far end alone, +1 or -1 for double talk with the citizen's voice
    as is or inverted (the Hagerman-Olofsson pair: their sum cancels the citizen, their
    difference the echo, even through a nonlinear canceller).
    """
    c = condition
    frames = round(c.seconds / FRAME_S)
    length = frames * FRAME_SAMPLES
    far = speech(c.seconds, FAR_VOICE)
    played = soft_clip(far) if c.clipping else far
    omni = convolve(played, c.room.impulse_response(c.delay_ms))
    picked = convolve(played, c.room.impulse_response(c.delay_ms, directional=True))
    echo = on_microphone_clock(picked if c.directional else omni, c.drift_ppm)
    echo = np.pad(echo, (0, max(0, length - len(echo))))[:length]
    near = speech(c.seconds, NEAR_VOICE)[:length]
    talking = round(c.talk_from_s * SAMPLE_RATE)
    near[:talking] = 0.0
    # The citizen is set against what an omnidirectional microphone would pick up, so a
    # directional one shows what it gains.
    echo_rms = np.sqrt(np.mean(omni[talking:length] ** 2))
    near *= echo_rms / np.sqrt(np.mean(near[talking:] ** 2)) * 10 ** (-ECHO_OVER_CITIZEN_DB / 20)
    rng = np.random.default_rng(7)
    noise = rng.standard_normal(length) * 32768 * 10 ** (c.noise_dbfs / 20)
    microphone = echo + noise + near_sign * near
    output, processed = _cancel(c, path, int16(far), int16(microphone))
    return Heard(echo, near, microphone, output, processed)


def _cancel(
    c: Condition, path: Path, far: Samples, microphone: Samples
) -> tuple[Signal, npt.NDArray[np.bool_]]:
    """Both devices' frames in time order, through the path; the output placed frame by frame."""
    frames = len(microphone) // FRAME_SAMPLES
    rate = 1 + c.drift_ppm * 1e-6
    lost = None if c.lost_frame_at_s is None else round(c.lost_frame_at_s / FRAME_S)
    stall = (np.inf, np.inf) if c.stall_at_s is None else (c.stall_at_s, c.stall_at_s + STALL_S)
    # (time, order, kind, index): the speaker plays, the microphone captures, the loop reads.
    events = [(k * FRAME_S, 0, "play", k) for k in range(len(far) // FRAME_SAMPLES)]
    events += [(j * FRAME_S / rate + 0.001, 1, "capture", j) for j in range(frames) if j != lost]
    if path is Path.BEFORE:
        events += [
            (n * FRAME_S + 0.0005, 2, "read", n)
            for n in range(frames)
            if not stall[0] <= n * FRAME_S < stall[1]
        ]
    events.sort()
    output = np.zeros(len(microphone))
    processed = np.zeros(frames, dtype=bool)
    canceller = EchoCanceller()
    feed = CancellerFeed(canceller)
    queue: deque[int] = deque(maxlen=MIC_QUEUE_FRAMES)  # BEFORE: frame numbers waiting

    def frame(signal: Samples, index: int) -> Samples:
        return signal[index * FRAME_SAMPLES : (index + 1) * FRAME_SAMPLES]

    def place(index: int, cleaned: Samples) -> None:
        output[index * FRAME_SAMPLES : (index + 1) * FRAME_SAMPLES] = cleaned
        processed[index] = True

    for at, _, kind, index in events:
        if kind == "play":
            if path is Path.NOW:
                feed.render(frame(far, index), at)
            else:
                canceller.analyze_render(frame(far, index))
        elif kind == "capture":
            if path is Path.NOW:
                place(index, feed.capture(frame(microphone, index), at))
            else:
                queue.append(index)  # a full queue drops its oldest frame
        elif queue:  # the loop reads one frame, cleans and sends it
            taken = queue.popleft()
            place(taken, canceller.process_capture(frame(microphone, taken)))
    return output, processed


def int16(signal: Signal) -> Samples:
    return np.clip(np.round(signal), -32768, 32767).astype(np.int16)


# --- What the staff member hears -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Result:
    condition: Condition
    path: Path
    erle_db: dict[float, float]  # ERLE in the 1 s from each of these seconds
    worst_erle_db: float  # the worst 300 ms window from 3 s on
    residual_dbfs: float  # the echo left, from 3 s to the talk
    citizen_over_residual_db: float  # in double talk


ERLE_AT_S: Final = (1.0, 3.0, 10.0)
WINDOW_S: Final = 0.3
SETTLED_S: Final = 3.0


def measure(condition: Condition, path: Path) -> Result:
    alone = hear(condition, path)
    plus = hear(condition, path, +1.0)
    minus = hear(condition, path, -1.0)
    talking = round(condition.talk_from_s * SAMPLE_RATE)
    both = plus.processed & minus.processed
    keep = np.repeat(both, FRAME_SAMPLES)[talking:]
    citizen = ((plus.output - minus.output) / 2)[talking:][keep]
    residual = ((plus.output + minus.output) / 2)[talking:][keep]
    settled = round(SETTLED_S * SAMPLE_RATE)
    windows = [
        erle(alone, start, start + round(WINDOW_S * SAMPLE_RATE))
        for start in range(
            settled, talking - round(WINDOW_S * SAMPLE_RATE) + 1, round(WINDOW_S * SAMPLE_RATE)
        )
    ]
    return Result(
        condition=condition,
        path=path,
        erle_db={
            t: erle(alone, round(t * SAMPLE_RATE), round((t + 1) * SAMPLE_RATE))
            for t in ERLE_AT_S
            if t + 1 <= condition.talk_from_s
        },
        worst_erle_db=min(w for w in windows if not np.isnan(w)),
        residual_dbfs=level_dbfs(alone, settled, talking),
        citizen_over_residual_db=ratio_db(citizen, residual),
    )


def _echo_frames(heard: Heard, start: int, end: int) -> npt.NDArray[np.intp]:
    """The frames from `start` to `end` (samples) where echo is present and the canceller ran."""
    first, last = start // FRAME_SAMPLES, end // FRAME_SAMPLES
    blocks = heard.echo[first * FRAME_SAMPLES : last * FRAME_SAMPLES].reshape(-1, FRAME_SAMPLES)
    loud = np.sqrt(np.mean(blocks**2, axis=1)) > 32768 * 10 ** (ECHO_PRESENT_DBFS / 20)
    picked: npt.NDArray[np.intp] = first + np.flatnonzero(loud & heard.processed[first:last])
    return picked


def _energy(signal: Signal, frames: npt.NDArray[np.intp]) -> float:
    blocks = signal[: len(signal) // FRAME_SAMPLES * FRAME_SAMPLES].reshape(-1, FRAME_SAMPLES)
    return float(np.sum(blocks[frames] ** 2))


def erle(heard: Heard, start: int, end: int) -> float:
    """Microphone over output energy in the echo frames from `start` to `end`; NaN if too few."""
    frames = _echo_frames(heard, start, end)
    if len(frames) < 3:
        return float("nan")
    out = max(_energy(heard.output, frames), 1e-9)
    return float(10 * np.log10(_energy(heard.microphone, frames) / out))


def level_dbfs(heard: Heard, start: int, end: int) -> float:
    frames = _echo_frames(heard, start, end)
    mean = _energy(heard.output, frames) / max(len(frames) * FRAME_SAMPLES, 1)
    return float(10 * np.log10(max(mean, 1e-6) / 32768**2))


def ratio_db(signal: Signal, noise: Signal) -> float:
    return float(10 * np.log10(np.sum(signal**2) / max(float(np.sum(noise**2)), 1e-9)))


# --- The conditions --------------------------------------------------------------------------

ROOMS: Final = [
    Condition(f"RT60 {rt60} s, {cm} cm", room=Room(rt60, cm / 100))
    for rt60 in (0.3, 0.6, 1.0)
    for cm in (20, 60)
] + [
    Condition("RT60 1.0 s, 60 cm, directional mic", room=Room(1.0, 0.6), directional=True),
    Condition("RT60 1.5 s, 60 cm", room=Room(1.5, 0.6)),
    Condition("RT60 1.5 s, 60 cm, directional mic", room=Room(1.5, 0.6), directional=True),
]
DELAYS: Final = [Condition(f"delay {ms} ms", delay_ms=ms) for ms in (20, 150, 300)]
LONG: Final = {"seconds": 30.0, "talk_from_s": 20.0}  # drift needs time to show
DRIFTS: Final = [
    Condition(f"drift {ppm} ppm", drift_ppm=ppm, **LONG)  # type: ignore[arg-type]
    for ppm in (50, 100, 250)
] + [Condition("drift 100 ppm, RT60 0.6 s, 60 cm", room=Room(0.6, 0.6), drift_ppm=100, **LONG)]  # type: ignore[arg-type]
EVENTS: Final = [
    Condition("200 ms loop stall at 4 s", stall_at_s=4.0),
    Condition("lost frame at 4 s", lost_frame_at_s=4.0),
    Condition("clipping, -50 dBFS noise", clipping=True, noise_dbfs=-50.0),
]
CONDITIONS: Final = ROOMS + DELAYS + DRIFTS + EVENTS
