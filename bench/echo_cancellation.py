"""Echo cancellation on a simulated kiosk echo path: ERLE, convergence, double-talk and CPU;
then the lobby: rooms, delays, clock drift, a loop stall, a lost frame, clipping and noise.

    .venv/bin/python -m bench.echo_cancellation [--write-docs] [--only TEXT]

The lobby's conditions (bench/echo_rooms.py) run each through the engine's path and through
the path before #16 (a queue before the canceller, no gap filling, no drift correction) in the
same run; `--write-docs` writes their table to docs/audio.md, "The lobby".

A far-end talker (`SpeechLikeSource`) is played through a simulated room: a 60 ms delay and a
150 ms reverberant tail, 6 dB below the played level, plus a -70 dBFS microphone noise floor.
Everything runs frame by frame through the real `EchoCanceller`, as fast as the CPU allows, so
times are seconds of audio, never of the wall clock. The baseline is the microphone itself (no
cancellation), measured in the same run. tests/call/test_echo.py asserts floors on these numbers.

Measures:
- ERLE (echo return loss enhancement): microphone energy over output energy, in dB, counted
  only in 20 ms frames where echo is present.
- Convergence: the audio time from which ERLE stays at or above 10 dB and 20 dB.
- Double-talk: the near-end talker starts once the canceller has converged. How much of the
  near end survives against the residual echo is measured with the Hagerman and Olofsson phase
  inversion method: the run is repeated with the near end inverted, so the sum of the two
  outputs holds the residual echo and their difference the near end, even though the canceller
  is nonlinear. Ducking is the near end's output level against its input level.
- CPU: `time.process_time` spent in the canceller, as a percentage of one core in real time.
"""

from __future__ import annotations

import argparse
import datetime
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import livekit.rtc
import numpy as np
import soxr  # type: ignore[import-untyped]

from bench import echo_rooms
from bench.echo_rooms import (
    CONDITIONS,
    ERLE_AT_S,
    FAR_VOICE,
    NEAR_VOICE,
    Condition,
    Path,
    Result,
    Signal,
    convolve,
    int16,
    ratio_db,
    speech,
)
from bench.performance_doc import REPO, write_section
from call.audio import FRAME_SAMPLES, SAMPLE_RATE
from call.echo import EchoCanceller
from call.echo_feed import CancellerFeed

MS: Final = SAMPLE_RATE / 1000  # samples per millisecond
ERLE_WINDOW_S: Final = 0.3
ECHO_PRESENT_DBFS: Final = -50.0  # frames of quieter echo are room noise, not echo
CONVERGENCE_THRESHOLDS_DB: Final = (10, 20, 35, 40)  # 35 dB: the target


@dataclass(frozen=True, slots=True)
class EchoPath:
    """Speaker to microphone: a delay, a reverberant tail and a noise floor."""

    delay_ms: float = 60.0
    tail_ms: float = 150.0
    decay_ms: float = 30.0  # time constant of the tail: 60 dB down after about 200 ms
    direct_db: float = 0.0  # the direct path's energy against the reverberant tail's
    gain_db: float = -6.0  # echo level against the level played
    noise_dbfs: float = -70.0
    seed: int = 3

    def impulse_response(self) -> Signal:
        """Scaled to `gain_db` of energy, so echo is about that far below what is played."""
        rng = np.random.default_rng(self.seed)
        length = round(self.tail_ms * MS)
        tail = rng.standard_normal(length) * np.exp(-np.arange(length) / (self.decay_ms * MS))
        tail /= np.sqrt(np.sum(tail**2))
        tail[0] += 10 ** (self.direct_db / 20)
        tail *= 10 ** (self.gain_db / 20) / np.sqrt(np.sum(tail**2))
        response: Signal = np.concatenate((np.zeros(round(self.delay_ms * MS)), tail))
        return response

    def echo_of(self, played: Signal) -> Signal:
        return convolve(played, self.impulse_response())

    def noise(self, length: int) -> Signal:
        rng = np.random.default_rng(self.seed + 1)
        noise: Signal = rng.standard_normal(length) * 32768 * 10 ** (self.noise_dbfs / 20)
        return noise


@dataclass(frozen=True, slots=True)
class Cancelled:
    output: Signal
    cpu_seconds: float


def cancel(far: Signal, mic: Signal, canceller: EchoCanceller) -> Cancelled:
    """Feed 20 ms frames as the kiosk does: what is played, then what is captured."""
    far16, mic16 = int16(far), int16(mic)
    output = np.empty(len(mic16), dtype=np.int16)
    cpu = 0.0
    for start in range(0, len(mic16), FRAME_SAMPLES):
        frame = slice(start, start + FRAME_SAMPLES)
        before = time.process_time()
        canceller.analyze_render(far16[frame])
        output[frame] = canceller.process_capture(mic16[frame])
        cpu += time.process_time() - before
    return Cancelled(output.astype(np.float64), cpu)


@dataclass(frozen=True, slots=True)
class Window:
    start_s: float
    mic_dbfs: float  # the microphone (echo and noise) where echo is present: the baseline
    out_dbfs: float  # the canceller's output in the same frames

    @property
    def erle_db(self) -> float:
        return self.mic_dbfs - self.out_dbfs


def erle_over_time(echo: Signal, mic: Signal, out: Signal) -> list[Window]:
    """One `Window` per ERLE_WINDOW_S; windows with too little echo are left out."""
    window = round(ERLE_WINDOW_S * SAMPLE_RATE)
    track = []
    for start in range(0, len(mic) - window + 1, window):
        measured = measure_window(start, echo[start : start + window], mic, out)
        if measured is not None:
            track.append(measured)
    return track


def measure_window(start: int, echo: Signal, mic: Signal, out: Signal) -> Window | None:
    """Levels over the 20 ms frames of `echo` (which begins at `start`) where echo is present."""
    frames = len(echo) // FRAME_SAMPLES
    levels = _rms(echo[: frames * FRAME_SAMPLES].reshape(frames, FRAME_SAMPLES), axis=1)
    present = [i for i in range(frames) if levels[i] > 32768 * 10 ** (ECHO_PRESENT_DBFS / 20)]
    if len(present) < 3:
        return None
    picked = [slice(start + i * FRAME_SAMPLES, start + (i + 1) * FRAME_SAMPLES) for i in present]
    return Window(
        start_s=start / SAMPLE_RATE,
        mic_dbfs=_dbfs(np.concatenate([mic[f] for f in picked])),
        out_dbfs=_dbfs(np.concatenate([out[f] for f in picked])),
    )


def converged_after(track: list[Window], threshold_db: float) -> float | None:
    """The audio time from which every window's ERLE is at least the threshold."""
    since = None
    for window in track:
        if window.erle_db < threshold_db:
            since = None
        elif since is None:
            since = window.start_s
    return since


@dataclass(frozen=True, slots=True)
class FarEndOnly:
    erle_track: list[Window]
    steady: Window  # from `settle_s` to the end
    converged_s: dict[int, float | None]  # ERLE threshold in dB: audio time it holds from
    cpu_percent: float


def measure_far_end_only(
    seconds: float = 10.0,
    settle_s: float = 3.0,
    path: EchoPath | None = None,
    canceller: Callable[[], EchoCanceller] = EchoCanceller,
) -> FarEndOnly:
    path = path or EchoPath()
    far = speech(seconds, FAR_VOICE)
    echo = path.echo_of(far)
    mic = echo + path.noise(len(far))
    run = cancel(far, mic, canceller())
    out = run.output
    settled = round(settle_s * SAMPLE_RATE)
    steady = measure_window(settled, echo[settled:], mic, out)
    if steady is None:
        raise ValueError("the far end never spoke after settling")
    track = erle_over_time(echo, mic, out)
    return FarEndOnly(
        erle_track=track,
        steady=steady,
        converged_s={db: converged_after(track, db) for db in CONVERGENCE_THRESHOLDS_DB},
        cpu_percent=100 * run.cpu_seconds / seconds,
    )


@dataclass(frozen=True, slots=True)
class DoubleTalk:
    near_snr_db: float  # near end against residual echo in the output
    baseline_snr_db: float  # near end against echo at the microphone
    ducking_db: float  # near end's output level against its input level


def measure_double_talk(
    converge_s: float = 6.0, talk_s: float = 6.0, path: EchoPath | None = None
) -> DoubleTalk:
    path = path or EchoPath()
    seconds = converge_s + talk_s
    far = speech(seconds, FAR_VOICE)
    echo = path.echo_of(far)
    noise = path.noise(len(far))
    near = speech(seconds, NEAR_VOICE)
    talking = round(converge_s * SAMPLE_RATE)
    near[:talking] = 0.0
    plus = cancel(far, echo + near + noise, EchoCanceller()).output
    minus = cancel(far, echo - near + noise, EchoCanceller()).output
    survived = (plus - minus)[talking:] / 2
    residual = (plus + minus)[talking:] / 2
    return DoubleTalk(
        near_snr_db=ratio_db(survived, residual),
        baseline_snr_db=ratio_db(near[talking:], echo[talking:]),
        ducking_db=ratio_db(survived, near[talking:]),
    )


def _rms(signal: Signal, axis: int | None = None) -> Signal:
    rms: Signal = np.sqrt(np.mean(signal**2, axis=axis))
    return rms


def _dbfs(signal: Signal) -> float:
    return float(20 * np.log10(max(float(_rms(signal)), 1e-3) / 32768))


def aec_alone() -> EchoCanceller:
    return EchoCanceller(noise_suppression=False, high_pass_filter=False)


def canceller_delay_ms(canceller: EchoCanceller) -> float:
    """How late the canceller's output is against its input: the citizen alone, no echo."""
    near = int16(speech(4.0, NEAR_VOICE))
    feed = CancellerFeed(canceller)
    out = []
    for j in range(len(near) // FRAME_SAMPLES):
        feed.render(np.zeros(FRAME_SAMPLES, dtype=np.int16), j * echo_rooms.FRAME_S)
        out.append(feed.capture(near[j * FRAME_SAMPLES : (j + 1) * FRAME_SAMPLES], j * 0.02))
    heard, said = np.concatenate(out).astype(np.float64), near.astype(np.float64)
    lags = range(round(0.06 * SAMPLE_RATE))
    fits = [float(np.dot(said[: len(said) - lag], heard[lag:])) for lag in lags]
    return 1000 * int(np.argmax(fits)) / SAMPLE_RATE


# Targets of #16, checked against the engine's path.
ERLE_TARGET_DB: Final = 35.0  # after 3 s, RT60 <= 0.6 s, every delay, drift and stall
DRIFT_TALK_TARGET_DB: Final = 12.0  # citizen over residual, 100 ppm
EVENT_FLOOR_DB: Final = 25.0  # a stall or a lost frame never takes ERLE below this
REVERBERANT_TARGET_DB: Final = 25.0  # after 3 s at RT60 1.0 s (or the hardware the room needs)


def _erle_cells(result: Result) -> str:
    return " / ".join(f"{result.erle_db[t]:.0f}" if t in result.erle_db else "—" for t in ERLE_AT_S)


def lobby_table(rows: list[tuple[Result, Result]]) -> list[str]:
    lines = [
        "| condition | ERLE at 1 / 3 / 10 s | worst 300 ms from 3 s, before → now | residual echo |"
        " citizen over residual in double talk, before → now |",
        "|---|---:|---:|---:|---:|",
    ]
    for before, now in rows:
        lines.append(
            f"| {now.condition.name} | {_erle_cells(now)} dB"
            f" | {before.worst_erle_db:.0f} → **{now.worst_erle_db:.0f}** dB"
            f" | {now.residual_dbfs:.0f} dBFS"
            f" | {before.citizen_over_residual_db:.1f}"
            f" → **{now.citizen_over_residual_db:.1f}** dB |"
        )
    return lines


def verdicts(rows: list[tuple[Result, Result]]) -> list[str]:
    """Each target of #16 against the engine's path, with the conditions it covers."""
    now = [n for _, n in rows]

    def worst(results: list[Result], value: Callable[[Result], float]) -> tuple[float, str]:
        if not results:
            return float("nan"), "not measured"
        picked = min(results, key=value)
        return value(picked), picked.condition.name

    def at_3s(r: Result) -> float:
        return r.erle_db.get(3.0, float("nan"))

    moderate = [r for r in now if r.condition.room.rt60_s <= 0.6]
    drift_100 = [r for r in now if r.condition.drift_ppm == 100]
    events = [r for r in now if r.condition.stall_at_s or r.condition.lost_frame_at_s]
    lobby = [r for r in now if r.condition.room.rt60_s == 1.0]
    checks = [
        ("ERLE after 3 s, RT60 ≤ 0.6 s, every condition", worst(moderate, at_3s), ERLE_TARGET_DB),
        (
            "citizen over residual, 100 ppm drift",
            worst(drift_100, lambda r: r.citizen_over_residual_db),
            DRIFT_TALK_TARGET_DB,
        ),
        (
            "worst ERLE after a 200 ms stall or a lost frame",
            worst(events, lambda r: r.worst_erle_db),
            EVENT_FLOOR_DB,
        ),
        ("ERLE after 3 s, RT60 1.0 s", worst(lobby, at_3s), REVERBERANT_TARGET_DB),
    ]
    lines = ["| target | worst measured | floor | |", "|---|---|---:|---|"]
    for name, (value, where), floor in checks:
        verdict = "—" if np.isnan(value) else "met" if value >= floor else "MISSED"
        lines.append(f"| {name} | {value:.1f} dB ({where}) | {floor:.0f} dB | {verdict} |")
    return lines


def lobby_section(rows: list[tuple[Result, Result]], delay_ms: float, seconds: float) -> str:
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return "\n".join(
        [
            "## The lobby",
            "",
            f"Measured by `bench/echo_cancellation.py` on {when}"
            f" (livekit {livekit.rtc.__version__}, soxr {soxr.__version__}), in {seconds:.0f} s:",
            "",
            "    .venv/bin/python -m bench.echo_cancellation --write-docs",
            "",
            "Every condition is generated by the bench (bench/echo_rooms.py) and runs through the"
            " engine's path (**now**: `CancellerFeed` on AEC3 with noise suppression) and the path"
            " before it (**before**: a 3-frame queue read by the event loop in front of the"
            " canceller, no gap filling, no drift correction), in the same run. The room is a"
            f" {echo_rooms.LOBBY_M3:.0f} m³ lobby; the echo reaches the microphone"
            f" {-echo_rooms.ECHO_GAIN_DB:.0f} dB under what is played, after the delay outside the"
            " canceller (60 ms unless named), with a -70 dBFS noise floor. Conditions run 16 s"
            " (drift: 30 s); the citizen talks over the far end for the last 5 s (drift: 10 s),"
            f" {echo_rooms.ECHO_OVER_CITIZEN_DB:.0f} dB quieter than the echo. ERLE and the"
            " residual count only 20 ms frames where echo is present; ERLE at *t* is over the"
            " second from *t*.",
            "",
            *lobby_table(rows),
            "",
            *verdicts(rows),
            "",
            f"The canceller's path delays what is sent by **{delay_ms:.0f} ms** (the citizen's"
            " voice through it, cross-correlated with itself).",
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write-docs", action="store_true", help="write docs/audio.md's lobby")
    parser.add_argument("--only", help="run only the lobby's conditions whose name has this")
    args = parser.parse_args()
    if not args.only:
        kiosk_room()
    started = time.monotonic()
    conditions = [c for c in CONDITIONS if not args.only or args.only in c.name]
    rows = []
    for condition in conditions:
        rows.append(lobby_row(condition))
    delay_ms = canceller_delay_ms(EchoCanceller())
    section = lobby_section(rows, delay_ms, time.monotonic() - started)
    print(section)
    if args.write_docs:
        write_section(section, REPO / "docs" / "audio.md")


def lobby_row(condition: Condition) -> tuple[Result, Result]:
    before = echo_rooms.measure(condition, Path.BEFORE)
    now = echo_rooms.measure(condition, Path.NOW)
    print(
        f"{condition.name:36} ERLE {_erle_cells(now):14} worst {before.worst_erle_db:5.1f} ->"
        f" {now.worst_erle_db:5.1f}  talk {before.citizen_over_residual_db:5.1f} ->"
        f" {now.citizen_over_residual_db:5.1f} dB",
        flush=True,
    )
    return before, now


def kiosk_room() -> None:
    kiosk = measure_far_end_only()
    print("Far end only, 10 s of audio; levels in the frames where echo is present")
    print("  audio time   microphone (no AEC)   output (AEC3+NS+HPF)   ERLE")
    for w in kiosk.erle_track:
        print(
            f"  {w.start_s:6.1f} s   {w.mic_dbfs:8.1f} dBFS       {w.out_dbfs:8.1f} dBFS"
            f"        {w.erle_db:5.1f} dB"
        )
    for name, run in (
        ("AEC3+NS+HPF (kiosk)", kiosk),
        ("AEC3 alone", measure_far_end_only(canceller=aec_alone)),
    ):
        s = run.steady
        worst = min(run.erle_track, key=lambda w: w.erle_db)
        held = ", ".join(
            f">= {db} dB from {'never' if t is None else f'{t:.1f} s'}"
            for db, t in run.converged_s.items()
        )
        print(f"{name}:")
        print(
            f"  steady state 3-10 s: {s.mic_dbfs:.1f} dBFS -> {s.out_dbfs:.1f} dBFS,"
            f" ERLE {s.erle_db:.1f} dB (0 dB without AEC)"
        )
        print(f"  ERLE holds {held}; worst window {worst.erle_db:.1f} dB at {worst.start_s:.1f} s")
        print(f"  CPU: {run.cpu_percent:.2f}% of one core")
    talk = measure_double_talk()
    print("Double talk (AEC3+NS+HPF): 6 s after 6 s of far end alone")
    print(
        f"  near end against echo: {talk.near_snr_db:.1f} dB with AEC3,"
        f" {talk.baseline_snr_db:.1f} dB without"
    )
    print(f"  near end ducked by {-talk.ducking_db:.1f} dB")


if __name__ == "__main__":
    main()
