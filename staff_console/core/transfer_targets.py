"""Where a citizen can be transferred, most likely first: pure, no Qt.

A transfer never goes to the call's own department, so it is left out. The rest are ordered by
whether they can take the citizen now (open with someone on duty, then open with nobody at the
desk, then closed), then by how often this console has sent a citizen there from the same
department, then in the directory's order. The first is what the picker offers by default.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum

from signaling import protocol as p


class Availability(IntEnum):
    """Best first: the order of the picker."""

    TAKING = 0  # open, someone on duty
    UNSTAFFED = 1  # open, nobody at the desk: the citizen waits
    CLOSED = 2  # the hub refuses a transfer there


@dataclass(frozen=True, slots=True)
class TransferTarget:
    id: str
    name: str
    availability: Availability
    waiting: int | None = None  # citizens queued there now, where this console can see it

    @property
    def enabled(self) -> bool:
        return self.availability is not Availability.CLOSED


# (from department, to department) -> transfers this console made.
TransferHistory = Counter[tuple[str, str]]


def availability(department: p.DepartmentStatus) -> Availability:
    if not department.open_now:
        return Availability.CLOSED
    return Availability.TAKING if department.staffed else Availability.UNSTAFFED


def rank(
    departments: Sequence[p.DepartmentStatus],
    current: str,
    history: TransferHistory,
    names: Mapping[str, str],
    waiting: Mapping[str, int],
) -> tuple[TransferTarget, ...]:
    """The departments other than `current`, most likely first (see the module's docstring)."""
    order = {d.id: index for index, d in enumerate(departments)}
    others = [d for d in departments if d.id != current]
    others.sort(key=lambda d: (availability(d), -history[(current, d.id)], order[d.id]))
    return tuple(
        TransferTarget(d.id, names.get(d.id, d.id), availability(d), waiting.get(d.id))
        for d in others
    )
