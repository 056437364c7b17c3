"""Waiting-time estimates from a rolling average handle time (docs/protocol.md §Queued)."""

from __future__ import annotations

import math
from collections import deque

DEFAULT_HANDLE_SECONDS = 300.0
_WINDOW = 20


class HandleTimes:
    """The rolling average talk time per department, over its last calls."""

    def __init__(self, default_seconds: float = DEFAULT_HANDLE_SECONDS) -> None:
        self._default = default_seconds
        self._samples: dict[str, deque[float]] = {}

    def record(self, department_id: str, talk_seconds: float) -> None:
        self._samples.setdefault(department_id, deque(maxlen=_WINDOW)).append(talk_seconds)

    def average(self, department_id: str) -> float:
        samples = self._samples.get(department_id)
        return sum(samples) / len(samples) if samples else self._default

    def snapshot(self) -> dict[str, list[float]]:
        return {dept: list(samples) for dept, samples in self._samples.items()}

    def restore(self, samples: dict[str, list[float]]) -> None:
        self._samples = {d: deque(s, maxlen=_WINDOW) for d, s in samples.items()}


def estimate_wait(position: int, on_duty: int, idle: int, handle_seconds: float) -> int | None:
    """Seconds until a citizen at ``position`` (1-based) is likely answered.

    Idle staff take the first ``idle`` citizens at once. Everyone behind them waits for busy staff
    to free up, one every ``handle_seconds / on_duty`` on average. With nobody on duty there is no
    honest estimate, so None.
    """
    if on_duty <= 0:
        return None
    behind_idle = position - idle
    if behind_idle <= 0:
        return 0
    return math.ceil(behind_idle * handle_seconds / on_duty)
