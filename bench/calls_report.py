"""The figures of a bench/calls.py run, and its two sections of docs/performance.md."""

# The report is Markdown with en dashes and minus signs, which RUF001 takes for look-alikes.
# ruff: noqa: RUF001

from __future__ import annotations

import datetime
import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field

from bench.call_outcomes import Attempt, Tally, later_end, percentile
from bench.signaling_load import machine

CALLS_SECTION = "## Consecutive calls"
SOAK_SECTION = "## Soak"
SOAK_MINUTES = 60.0  # a run this long is a soak
GROWTH_LIMIT = 0.10  # the bound on RSS growth after the warm-up
COMPARED = 100  # calls at the start and at the end of the run, side by side
PROCESSES = ("hub", "kiosk", "staff")


@dataclass(frozen=True, slots=True)
class Sample:
    seconds: float  # since the run started
    calls: int  # attempts closed so far
    hub: int | None  # RSS, KiB; None when the process was not running
    kiosk: int | None
    staff: int | None
    kiosk_start: int  # which start of the bot this is (1 for the first process)
    staff_start: int

    CSV_HEADER = "seconds,calls,hub_kib,kiosk_kib,staff_kib,kiosk_start,staff_start"

    def csv(self) -> str:
        values = (self.hub, self.kiosk, self.staff, self.kiosk_start, self.staff_start)
        cells = ["" if v is None else str(v) for v in values]
        return ",".join([f"{self.seconds:.1f}", str(self.calls), *cells])

    def rss(self, process: str) -> int | None:
        value: int | None = getattr(self, process)
        return value

    def start(self, process: str) -> int:
        return 1 if process == "hub" else int(getattr(self, f"{process}_start"))


@dataclass
class Run:
    started: float
    seconds: float = 0.0
    samples: list[Sample] = field(default_factory=list)
    tally: Tally = field(default_factory=Tally)
    starts: dict[str, int] = field(default_factory=dict)
    hub_cpu_seconds: float | None = None
    hub_complaints: list[str] = field(default_factory=list)
    interrupted: bool = False  # ended by Ctrl-C or SIGTERM before --calls and --minutes


@dataclass(frozen=True, slots=True)
class Growth:
    process: str
    warm_kib: int
    end_kib: int
    warm_at: float  # seconds into the run
    end_at: float
    peak_kib: int

    @property
    def ratio(self) -> float:
        return (self.end_kib - self.warm_kib) / self.warm_kib


def growth(samples: Sequence[Sample], process: str, warm_up: float) -> Growth | None:
    """RSS growth of the process's last start, from `warm_up` seconds into its life to its
    last sample; None if it did not live past the warm-up."""
    if not samples:
        return None
    last = samples[-1].start(process)
    life = [s for s in samples if s.start(process) == last and s.rss(process) is not None]
    if not life:
        return None
    warm = next((s for s in life if s.seconds >= life[0].seconds + warm_up), None)
    if warm is None or warm is life[-1]:
        return None
    warm_kib, end_kib = warm.rss(process), life[-1].rss(process)
    assert warm_kib is not None
    assert end_kib is not None
    peak = max(s.rss(process) or 0 for s in life if s.seconds >= warm.seconds)
    return Growth(process, warm_kib, end_kib, warm.seconds, life[-1].seconds, peak)


def _p(values: Sequence[float], q: float) -> str:
    value = percentile(values, q)
    return "–" if math.isnan(value) else f"{value:,.0f}"


def _figures(attempts: Sequence[Attempt]) -> list[str]:
    ok = [a for a in attempts if a.succeeded]

    def values(key: str) -> list[float]:
        return [v for a in ok if (v := later_end(a, key)) is not None]

    rate = 100 * len(ok) / len(attempts) if attempts else float("nan")
    setup, first, frame_gap = (
        values("setup_ms"),
        values("first_frame_ms"),
        values("max_frame_gap_ms"),
    )
    return [
        f"{len(attempts):,}",
        f"{len(ok):,} ({rate:.1f} %)",
        f"{_p(setup, 0.5)} / {_p(setup, 0.99)}",
        f"{_p(first, 0.5)} / {_p(first, 0.99)}",
        f"{_p(frame_gap, 0.5)} / {_p(frame_gap, 0.99)}",
        _p(values("max_audio_gap_ms"), 0.99),
        _p(values("cpu_percent"), 0.5),
    ]


ROWS = (
    "calls",
    "succeeded",
    "setup p50 / p99, ms",
    "first frame p50 / p99, ms",
    "longest frame gap p50 / p99, ms",
    "longest audio gap p99, ms",
    "bot CPU p50, % of a core",
)


def _calls_table(attempts: Sequence[Attempt]) -> list[str]:
    columns = [_figures(attempts)]
    heads = ["all calls"]
    if len(attempts) >= 2 * COMPARED:
        columns += [_figures(attempts[:COMPARED]), _figures(attempts[-COMPARED:])]
        heads += [f"first {COMPARED}", f"last {COMPARED}"]
    lines = ["| | " + " | ".join(heads) + " |", "|---|" + "---:|" * len(heads)]
    for i, row in enumerate(ROWS):
        lines.append(f"| {row} | " + " | ".join(c[i] for c in columns) + " |")
    return lines


def _failures(tally: Tally) -> list[str]:
    counts = tally.failures_by_class()
    if not counts:
        return ["No call failed."]
    lines = ["| failure | calls | first seen |", "|---|---:|---|"]
    for failure, count in counts.most_common():
        first = next(a for a in tally.attempts if a.failure is failure)
        lines.append(f"| {failure} | {count} | {first.detail} |")
    lines.append("")
    lines.append("Every failed call, with the log lines that show it:")
    for number, attempt in enumerate(tally.attempts, 1):
        if attempt.failure is None:
            continue
        lines += ["", f"Call {number} ({attempt.failure}): {attempt.detail}", ""]
        lines += ["    " + line for line in (attempt.excerpt or "(no log)").splitlines()]
    return lines


def _memory_table(run: Run, warm_up: float) -> list[str]:
    lines = [
        f"| process | RSS after {warm_up / 60:.0f} min, MiB | at the end, MiB | peak, MiB "
        "| growth |",
        "|---|---:|---:|---:|---:|",
    ]
    for process in PROCESSES:
        g = growth(run.samples, process, warm_up)
        if g is None:
            lines.append(f"| {process} | – | – | – | did not run past the warm-up |")
            continue
        lines.append(
            f"| {process} | {g.warm_kib / 1024:.1f} | {g.end_kib / 1024:.1f} | "
            f"{g.peak_kib / 1024:.1f} | {100 * g.ratio:+.1f} % |"
        )
    return lines


def _header(run: Run, command: str, load_before: str, heading: str) -> list[str]:
    today = datetime.date.today().isoformat()
    return [
        heading,
        "",
        f"Measured by `bench/calls.py` on {today}: {machine()}. "
        f"Load average before the run: {load_before}.",
        "",
        f"    {command}",
        "",
    ]


def _restarts(run: Run) -> str:
    if run.interrupted:
        return "The run was interrupted (Ctrl-C or SIGTERM) before its end. " + _restarted(run)
    return _restarted(run)


def _restarted(run: Run) -> str:
    restarts = {role: n - 1 for role, n in run.starts.items() if n > 1}
    if not restarts:
        return "Neither bot was restarted: each held every call of the run in one process."
    said = ", ".join(
        f"the {role} bot {n} time{'s' if n > 1 else ''}" for role, n in restarts.items()
    )
    return f"Restarted after a failure: {said}."


def calls_section(run: Run, command: str, load_before: str, warm_up: float, describe: str) -> str:
    attempts = run.tally.attempts
    lines = _header(run, command, load_before, CALLS_SECTION)
    lines += [
        f"{len(attempts):,} consecutive calls in {run.seconds / 60:.0f} minutes. {describe} "
        + _restarts(run),
        "",
        *_calls_table(attempts),
        "",
        "Setup is from `session_started` to the call connected, first frame to the first remote "
        "frame decoded, and the frame and audio gaps the longest stretch without a new remote "
        "frame or audio between connected and ended (call/media_watch.py): each the later or "
        "larger of the two ends, over the calls that succeeded. "
        + (
            f"The first {COMPARED} calls are the baseline for the last {COMPARED}: an engine or "
            "hub that leaked or slowed down over the run would show there."
            if len(attempts) >= 2 * COMPARED
            else ""
        ),
        "",
        *_failures(run.tally),
        "",
        f"Memory, read from /proc every {_every(run)}:",
        "",
        *_memory_table(run, warm_up),
        "",
        f"The hub logged {len(run.hub_complaints)} warnings or errors"
        + (f" and used {run.hub_cpu_seconds:.0f} s of CPU." if run.hub_cpu_seconds else "."),
    ]
    return _text(lines)


def _text(lines: list[str]) -> str:
    """Prose wrapped at 100 columns, as in the rest of performance.md; tables and code kept."""
    wrapped = []
    for line in lines:
        if len(line) <= 100 or line.startswith(("|", "    ")):
            wrapped.append(line)
        else:
            wrapped += textwrap.wrap(line, 100, break_long_words=False, break_on_hyphens=False)
    return "\n".join(wrapped).rstrip() + "\n"


def _every(run: Run) -> str:
    if len(run.samples) < 2:
        return "few seconds"
    return f"{run.samples[1].seconds - run.samples[0].seconds:.0f} s"


def soak_section(run: Run, command: str, load_before: str, warm_up: float, describe: str) -> str:
    lines = _header(run, command, load_before, SOAK_SECTION)
    lines += [
        f"{run.seconds / 60:.0f} minutes of back-to-back calls ({len(run.tally.attempts):,} calls, "
        f"{len(run.tally.successes):,} succeeded). {describe} " + _restarts(run),
        "",
        f"RSS read from /proc every {_every(run)}; growth is (RSS at the end − RSS after "
        f"{warm_up / 60:.0f} minutes) / RSS after {warm_up / 60:.0f} minutes, for each process's "
        f"last start; the bound is {100 * GROWTH_LIMIT:.0f} %.",
        "",
        *_memory_table(run, warm_up),
        "",
        "Every ten minutes, MiB:",
        "",
        "| minute | calls | hub | kiosk bot | staff bot |",
        "|---:|---:|---:|---:|---:|",
    ]
    for sample in _every_ten_minutes(run.samples):
        cells = [
            f"{v / 1024:.1f}" if v is not None else "–"
            for v in (sample.hub, sample.kiosk, sample.staff)
        ]
        lines.append(
            f"| {sample.seconds / 60:.0f} | {sample.calls:,} | " + " | ".join(cells) + " |"
        )
    verdicts = []
    for process in PROCESSES:
        g = growth(run.samples, process, warm_up)
        verdicts.append(f"{process} {'–' if g is None else f'{100 * g.ratio:+.1f} %'}")
    held = all(
        (g := growth(run.samples, process, warm_up)) is not None and g.ratio < GROWTH_LIMIT
        for process in PROCESSES
    )
    lines += [
        "",
        f"Growth: {', '.join(verdicts)}: {'under' if held else 'NOT under'} "
        f"{100 * GROWTH_LIMIT:.0f} % for each.",
    ]
    return _text(lines)


def _every_ten_minutes(samples: Sequence[Sample]) -> list[Sample]:
    picked: list[Sample] = []
    for sample in samples:
        if not picked or sample.seconds >= picked[-1].seconds + 600 - 5:
            picked.append(sample)
    if samples and picked[-1] is not samples[-1]:
        picked.append(samples[-1])
    return picked


def report_sections(
    run: Run, command: str, load_before: str, warm_up: float, describe: str, *, soak_only: bool
) -> list[str]:
    """The calls section (unless this was a soak run by time) and, for a run of an hour or
    more, the soak section."""
    sections = [] if soak_only else [calls_section(run, command, load_before, warm_up, describe)]
    if run.seconds >= 60 * SOAK_MINUTES or soak_only:
        sections.append(soak_section(run, command, load_before, warm_up, describe))
    return sections
