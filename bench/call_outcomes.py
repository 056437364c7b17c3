"""What became of each scripted call in bench/calls.py: a success, or a failure with its class.

Sans I/O: the harness feeds in what the bots printed (a JSON report per call, a JSON line when
one gives up) and how their processes ended, and `Tally` turns that into attempts. Every call is
one attempt, known by its session id: the kiosk's and the staff member's reports of a session
are one attempt, and so is a failure at either end during it (the other end's later report of
the same session joins it, and does not count again). A failure before any session is an
attempt of its own.

A success is what a citizen and a staff member would call a call: both ends connected, saw
frames and heard audio from the other, the hub ended the session as completed, and the wrap-up
and the survey were saved (a bot prints its report only once its save is acknowledged).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

Report = dict[str, Any]  # one line of `madoguchi-bot call`, decoded


class Failure(StrEnum):
    HUB_REFUSED = "hub refused"  # the link failed: a bad token, a refused hello
    NOT_MATCHED = "never matched"  # the kiosk waited for staff, or staff for a citizen, in vain
    SETUP_TIMEOUT = "setup timeout"  # session started, the call did not connect in time
    CONNECT_FAILED = "connect failed"  # the call went failed or lost before connecting (ICE)
    NO_FRAMES = "no frames"  # connected, but an end saw no picture from the other
    NO_AUDIO = "no audio"  # connected, but an end heard nothing from the other
    NOT_COMPLETED = "ended not completed"  # the hub ended it as network_lost, timeout, ...
    CALL_HUNG = "did not end"  # in the call, no session_ended in time
    NOT_SAVED = "not saved"  # the wrap-up or the survey was not acknowledged
    BOT_CRASH = "bot crash"  # a bot exited with a traceback or a signal, no scenario error
    STALL = "stall"  # both bots alive, no call finished within the harness's patience


@dataclass(slots=True)
class Attempt:
    session_id: str | None
    kiosk: Report | None = None
    staff: Report | None = None
    failure: Failure | None = None
    detail: str = ""  # one line: what went wrong, at which end
    excerpt: str = ""  # the log lines that show it
    closed: bool = False

    @property
    def succeeded(self) -> bool:
        return self.closed and self.failure is None


def judge(kiosk: Report, staff: Report) -> tuple[Failure | None, str]:
    """Both ends' reports of one session: a success, or the first thing that fell short."""
    for role, report in (("kiosk", kiosk), ("staff", staff)):
        if report.get("frames", 0) <= 0:
            return Failure.NO_FRAMES, f"{role} saw no remote frames"
        if report.get("audio_seconds", 0.0) <= 0:
            return Failure.NO_AUDIO, f"{role} heard no remote audio"
    for role, report in (("kiosk", kiosk), ("staff", staff)):
        if report.get("ended") != "completed":
            return Failure.NOT_COMPLETED, f"{role} was told the session ended {report['ended']!r}"
    return None, ""


def classify_exit(failed: Report | None, returncode: int | None) -> tuple[Failure, str]:
    """A bot that exited before its calls were done: its ``madoguchi-bot failed`` line (role,
    step, session_id, error), if it printed one, and its exit status."""
    if failed is None:
        how = f"signal {-returncode}" if returncode is not None and returncode < 0 else None
        return Failure.BOT_CRASH, f"exited ({how or f'status {returncode}'}) with no scenario error"
    role, step, error = failed["role"], failed["step"], failed["error"]
    detail = f"{role}, {step}: {error}"
    if error.startswith("the hub refused us"):
        return Failure.HUB_REFUSED, detail
    if error.startswith("the call went"):
        return Failure.CONNECT_FAILED, detail
    by_step = {
        "connecting": Failure.HUB_REFUSED,  # no welcome within the timeout
        "waiting for staff": Failure.NOT_MATCHED,
        "waiting for a citizen": Failure.NOT_MATCHED,
        "setting up the call": Failure.SETUP_TIMEOUT,
        "in the call": Failure.CALL_HUNG,
        "saving the survey": Failure.NOT_SAVED,
        "saving the wrap-up": Failure.NOT_SAVED,
    }
    return by_step.get(step, Failure.BOT_CRASH), detail


_STARTED = re.compile(r"< session_started session_id=(\S+)")
_SAVED = re.compile(r"< (?:survey|wrap_up)_saved session_id=(\S+)")


def current_session(log: str) -> str | None:
    """The session a bot was in when it died: its last `session_started` not yet saved."""
    started = _STARTED.findall(log)
    if not started or started[-1] in _SAVED.findall(log)[-3:]:
        return None
    return str(started[-1])


_NOTEWORTHY = re.compile(r"ERROR|WARNING|Traceback|Error|= call |session_ended|refused")


def excerpt(log: str, lines: int = 8) -> str:
    """The lines of a bot's log that tell what happened: errors, warnings and call states near
    the end, else simply its last lines."""
    tail = log.splitlines()[-200:]
    picked = [line for line in tail if _NOTEWORTHY.search(line)][-lines:]
    return "\n".join(picked or tail[-lines:])


@dataclass
class Tally:
    """Attempts, in the order they were closed, and those still open, by session."""

    attempts: list[Attempt] = field(default_factory=list)
    _open: dict[str, Attempt] = field(default_factory=dict)
    _by_session: dict[str, Attempt] = field(default_factory=dict)

    def reported(self, report: Report) -> Attempt | None:
        """A bot's report of a call it finished; the attempt if this closed it."""
        attempt = self._attempt(report["session_id"])
        if report["role"] == "kiosk":
            attempt.kiosk = report
        else:
            attempt.staff = report
        if attempt.closed or attempt.kiosk is None or attempt.staff is None:
            return None
        attempt.failure, attempt.detail = judge(attempt.kiosk, attempt.staff)
        return self._close(attempt)

    def failed(
        self, session_id: str | None, failure: Failure, detail: str, log_excerpt: str
    ) -> Attempt | None:
        """A failure at one end; the attempt if it closed one (a second failure in a session
        already failed is added to its detail and closes nothing)."""
        attempt = Attempt(None) if session_id is None else self._attempt(session_id)
        if attempt.closed:
            attempt.detail += f"; then {detail}"
            return None
        attempt.failure, attempt.detail, attempt.excerpt = failure, detail, log_excerpt
        return self._close(attempt)

    def in_flight(self) -> list[str]:
        """Sessions with one end's report or none yet, oldest first."""
        return list(self._open)

    def _attempt(self, session_id: str) -> Attempt:
        attempt = self._by_session.get(session_id)
        if attempt is None:
            attempt = self._by_session[session_id] = self._open[session_id] = Attempt(session_id)
        return attempt

    def _close(self, attempt: Attempt) -> Attempt:
        attempt.closed = True
        if attempt.session_id is not None:
            self._open.pop(attempt.session_id, None)
        self.attempts.append(attempt)
        return attempt

    @property
    def successes(self) -> list[Attempt]:
        return [a for a in self.attempts if a.succeeded]

    def failures_by_class(self) -> Counter[Failure]:
        return Counter(a.failure for a in self.attempts if a.failure is not None)


def later_end(attempt: Attempt, key: str) -> float | None:
    """A figure for the call as a whole: the later (or larger) of the two ends' values."""
    values = [r.get(key) for r in (attempt.kiosk, attempt.staff) if r is not None]
    numbers = [float(v) for v in values if v is not None]
    return max(numbers) if len(numbers) == 2 else None


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest rank on the sorted values; NaN for none."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]
