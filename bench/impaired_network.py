"""One long call through a network that keeps going bad: 5 % loss, a 1 Mbit/s cap, 10 s blackouts.

    sudo .venv/bin/python -m bench.impaired_network                 # 10 minutes
    sudo .venv/bin/python -m bench.impaired_network --quick         # one short turn, 2.5 min
    sudo .venv/bin/python -m bench.impaired_network --write-docs    # and its section of
                                                                    # docs/performance.md

A kiosk bot and a staff bot (`madoguchi-bot`, 720p synthetic camera and voice) hold one call
through a real hub, the kiosk in a network namespace of its own (tests/impairment.py, the same
lab as tests/call/test_impaired_network.py). After a clean start, while the camera's bitrate
climbs, the wire cycles through clean, 5 % loss each way, clean, a 1 Mbit/s cap each way, clean,
a 10 s blackout of the kiosk's whole network (its hub link too), and clean again, until the call
has lasted `--minutes`. The clean phases are the baseline, measured in the same call.

Per kind of phase, from the bots' call reports (call/media_watch.py, and the engine's stats):
the frames per second each end received, the camera bitrate each end sent, the seconds the
picture was frozen (0.5 s or more without a new frame) and the longest freeze; per blackout,
how long the picture froze and how long after the light came back the first frame came. Every
phase is judged from `SETTLE` seconds after it starts, so the change is in effect (the clean
phase after a blackout from `SETTLE` seconds after the picture came back).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from bench.performance_doc import write_section
from tests.impairment import (
    TBF_BURST,
    TBF_LATENCY,
    VIDEO,
    BotRun,
    ImpairedLab,
    call_across,
    fps,
    frozen,
    kbps,
    lab_hub,
    recovery,
)

LOSS_PERCENT: Final = 5
CAP_KBIT: Final = 1000
RAMP: Final = 30.0  # clean seconds at the start, while aiortc's camera bitrate climbs
SETTLE: Final = 5.0  # seconds into a phase before it is judged
# (kind, seconds): one turn of the cycle, repeated until the call is long enough.
CYCLE: Final = (
    ("loss", 60.0),
    ("clean", 30.0),
    ("cap", 60.0),
    ("clean", 30.0),
    ("blackout", 10.0),
    ("clean", 40.0),
)
QUICK_CYCLE: Final = (
    ("loss", 20.0),
    ("clean", 15.0),
    ("cap", 20.0),
    ("clean", 15.0),
    ("blackout", 10.0),
    ("clean", 20.0),
)
QUICK_MINUTES: Final = 2.5
NAMES: Final = {
    "clean": "clean (baseline)",
    "loss": f"{LOSS_PERCENT} % loss each way",
    "cap": f"{CAP_KBIT / 1000:g} Mbit/s cap each way",
    "blackout": "10 s blackout",
}


@dataclass(frozen=True, slots=True)
class Phase:
    kind: str
    start: float  # seconds after the call connected (the staff's clock)
    end: float


def schedule(seconds: float, cycle: tuple[tuple[str, float], ...] = CYCLE) -> list[Phase]:
    """The phases of a call of `seconds`: the clean ramp, then whole turns of the cycle, then
    clean to the end. Sans I/O."""
    phases = [Phase("clean", 0.0, RAMP)]
    at = RAMP
    turn = sum(length for _, length in cycle)
    while at + turn <= seconds - 1:
        for kind, length in cycle:
            phases.append(Phase(kind, at, at + length))
            at += length
    phases.append(Phase("clean", at, seconds - 1))
    return phases


@dataclass
class Applied:
    """A phase as it happened: monotonic times."""

    phase: Phase
    began: float
    ended: float


@dataclass
class Figures:
    """One kind of phase, over all its phases, for one direction of video."""

    seconds: float = 0.0
    fps: list[float] = field(default_factory=list)
    sent_kbps: list[float] = field(default_factory=list)
    peak_kbps: float = 0.0
    frozen: float = 0.0
    longest_freeze: float = 0.0
    blackouts: list[tuple[float, float]] = field(default_factory=list)  # (frozen, recovery)


def figures(applied: list[Applied], sender: BotRun, receiver: BotRun) -> dict[str, Figures]:
    """Per kind of phase, what `receiver` got of `sender`'s camera. Sans I/O but for the bots'
    clocks, which only turn monotonic times into seconds of their own reports."""
    by_kind: dict[str, Figures] = {}
    got, sent = receiver.report, sender.report
    back_after = 0.0  # the last blackout's recovery: the clean phase after it starts later
    for item in applied:
        kind = item.phase.kind
        found = by_kind.setdefault(kind, Figures())
        start, end = receiver.seconds(item.began), receiver.seconds(item.ended)
        if kind == "blackout":
            found.blackouts.append(recovery(got, start, end))
            found.seconds += end - start
            back_after = found.blackouts[-1][1]
            continue
        judged = start + (RAMP if item.phase.start == 0 else back_after + SETTLE)
        back_after = 0.0
        if end <= judged:
            continue
        found.seconds += end - judged
        found.fps.append(fps(got, judged, end))
        sent_from, sent_to = sender.seconds(item.began) + SETTLE, sender.seconds(item.ended)
        rate = kbps(sent, sent_from, sent_to, sent=True)
        if rate is not None:
            found.sent_kbps.append(rate)
        samples: list[tuple[float, float | None, float | None]] = sent["video_kbps"]
        peaks = (kb for at, kb, _ in samples if kb is not None and sent_from <= at <= sent_to)
        found.peak_kbps = max(found.peak_kbps, *peaks, 0.0)
        found.frozen += frozen(got, judged, end)
        freezes: list[tuple[float, float]] = got["freezes"]
        longest = (length for at, length in freezes if judged <= at < end)
        found.longest_freeze = max(found.longest_freeze, *longest, 0.0)
    return by_kind


async def run(
    minutes: float, cycle: tuple[tuple[str, float], ...], workdir: Path
) -> tuple[list[Applied], BotRun, BotRun]:
    seconds = 60 * minutes
    phases = schedule(seconds, cycle)
    lab = ImpairedLab.build()
    actions: dict[str, Callable[[], None]] = {
        "clean": lab.clear,
        "loss": lambda: lab.loss(LOSS_PERCENT),
        "cap": lambda: lab.cap(CAP_KBIT),
        "blackout": lab.blackout,
    }
    applied = []
    try:
        async with (
            lab_hub(lab, workdir / "var") as hub,
            call_across(lab, hub, seconds, workdir) as (kiosk, staff),
        ):
            for phase in phases:
                await asyncio.sleep(staff.connected_at + phase.start - time.monotonic())
                actions[phase.kind]()
                began = time.monotonic()
                print(f"{phase.start:6.0f} s  {NAMES[phase.kind]}", flush=True)
                await asyncio.sleep(staff.connected_at + phase.end - time.monotonic())
                applied.append(Applied(phase, began, time.monotonic()))
            lab.clear()
    finally:
        lab.close()
    return applied, kiosk, staff


def _mean(values: list[float]) -> str:
    return f"{statistics.fmean(values):.1f}" if values else "-"


def _median(values: list[float]) -> str:
    return f"{statistics.median(values):.0f}" if values else "-"


def report(
    applied: list[Applied], kiosk: BotRun, staff: BotRun, args: argparse.Namespace, load: str
) -> str:
    ways = {
        "kiosk → staff": figures(applied, kiosk, staff),
        "staff → kiosk": figures(applied, staff, kiosk),
    }
    rows = []
    for kind in ("clean", "loss", "cap"):
        for way, found in ways.items():
            f = found.get(kind)
            if f is None:
                continue
            share = 100 * f.frozen / f.seconds if f.seconds else 0.0
            rows.append(
                f"| {NAMES[kind]} | {way} | {f.seconds:.0f} | {_mean(f.fps)} | "
                f"{_median(f.sent_kbps)} | {f.peak_kbps:.0f} | {f.frozen:.1f} ({share:.0f} %) | "
                f"{f.longest_freeze:.1f} |"
            )
    dark = []
    for way, found in ways.items():
        blackouts = found.get("blackout", Figures()).blackouts
        for number, (frozen_for, back) in enumerate(blackouts, 1):
            dark.append(f"| {number} | {way} | {frozen_for:.1f} | {back:.1f} |")
    calls = [kiosk.report, staff.report]
    same = kiosk.report["session_id"] == staff.report["session_id"]
    ended = {call["ended"] for call in calls}
    audio = ", ".join(f"{call['audio_seconds']:.0f} s" for call in calls)
    today = datetime.date.today().isoformat()
    return "\n".join(
        [
            "## Impaired network",
            "",
            f"`bench/impaired_network.py{' --quick' if args.quick else ''} --minutes "
            f"{args.minutes:g}`, {today}: one call of "
            f"{args.minutes:g} minutes between a kiosk bot and a staff bot ({VIDEO} synthetic "
            "camera, speech-like voice) through a real hub, the kiosk in a network namespace of "
            f"its own. After {RAMP:.0f} s clean, the wire cycles through "
            + ", ".join(f"{NAMES[kind]} ({length:.0f} s)" for kind, length in cycle(args))
            + f". Loss and blackouts are nftables drops at both ends' ingress; the cap is tc "
            f"tbf (burst {TBF_BURST}, latency {TBF_LATENCY}) on both ends. "
            f"{machine()}; load average before the run {load}.",
            "",
            f"The call stayed one session to the end: {'yes' if same else 'NO'} "
            f"(ended: {', '.join(sorted(ended))}). Audio received (kiosk, staff): {audio} "
            f"of {kiosk.report['seconds']:.0f} s.",
            "",
            "Each phase is judged from 5 s after it starts (the clean start from 30 s, once the"
            " camera's bitrate has climbed; after a blackout, from 5 s after the picture came"
            " back). fps: frames received per second, the mean over the"
            " phases; sent: the sending end's camera bitrate, the median of the phases' medians,"
            " and peak its highest 2 s sample;"
            " frozen: seconds without a new frame for 0.5 s or more.",
            "",
            "| phase | video | seconds | fps | sent kbit/s | peak kbit/s | frozen s "
            "| longest freeze s |",
            "|---|---|---|---|---|---|---|---|",
            *rows,
            "",
            "| blackout | video | picture frozen s | first frame after the light came back s |",
            "|---|---|---|---|",
            *dark,
            "",
        ]
    )


def cycle(args: argparse.Namespace) -> tuple[tuple[str, float], ...]:
    return QUICK_CYCLE if args.quick else CYCLE


def machine() -> str:
    model = "unknown CPU"
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} CPUs ({model}), Linux {platform.release()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, help="the call's length (default 10)")
    parser.add_argument("--quick", action="store_true", help="shorter phases: a smoke test")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    if os.geteuid() != 0:
        parser.error("network namespaces need root")
    if args.minutes is None:
        args.minutes = QUICK_MINUTES if args.quick else 10.0
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    with tempfile.TemporaryDirectory(prefix="impaired-") as workdir:
        applied, kiosk, staff = asyncio.run(run(args.minutes, cycle(args), Path(workdir)))
    section = report(applied, kiosk, staff, args, load)
    print(section)
    if args.write_docs:
        write_section(section)


if __name__ == "__main__":
    main()
