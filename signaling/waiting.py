"""A queued citizen's waiting figures: their place across every desk that may take them now, and
the staff on duty there (docs/protocol.md §Queued). Sans I/O.

The switchboard keeps one `Waiting` while its queues hold still (a change to them makes a new
one), and tells it when staff may have changed, before each flush. Each count is made once per
desk or set of desks, and a citizen's place among the other queues is found by bisection: with
overflow on, one change reaches every ward's desk, and recounting each queue and each desk's
staff for every waiting citizen made a flush quadratic (docs/performance.md, "Signaling hub").
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Collection, Mapping, Sequence

from signaling import protocol as p
from signaling.session import Client, Session

Priority = tuple[bool, float]


def overflowed_to(
    sessions: Mapping[str, Session], overflowed: Collection[str], desks: Collection[str]
) -> list[Session]:
    """Queued sessions of other desks that staff of `desks` may take now, in order."""
    eligible = [
        session
        for session in (sessions[session_id] for session_id in overflowed)
        if session.leg.department_id not in desks and any(d in desks for d in session.overflow)
    ]
    return sorted(eligible, key=lambda session: session.priority)


class Waiting:
    def __init__(
        self,
        sessions: Mapping[str, Session],
        queues: Mapping[str, Sequence[str]],
        overflowed: Collection[str],
        on_duty: Callable[[str], list[Client]],
    ) -> None:
        self._sessions = sessions
        self._queues = queues
        self._overflowed = overflowed
        self._on_duty = on_duty
        self._queue_ranks: dict[str, list[Priority]] = {}
        self._incoming: dict[frozenset[str], list[Session]] = {}
        self._incoming_ranks: dict[frozenset[str], list[Priority]] = {}
        self._staff: dict[frozenset[str], tuple[int, int]] = {}

    def staff_changed(self) -> None:
        """Forget the staff counts (the places stand until the queues change)."""
        self._staff.clear()

    def incoming(self, desks: frozenset[str]) -> list[Session]:
        """`overflowed_to(desks)`, found once per flush."""
        if desks not in self._incoming:
            self._incoming[desks] = overflowed_to(self._sessions, self._overflowed, desks)
        return self._incoming[desks]

    def ahead_elsewhere(self, session: Session, desks: frozenset[str]) -> int:
        """Citizens of other queues who come first at one of `desks`: those queued there, and
        those overflowed to them, by the same order as within a queue. A session is in one queue,
        and `incoming` leaves out those of `desks`, so nobody is counted twice."""
        mine = session.priority
        home = session.leg.department_id
        ahead = sum(bisect_left(self._ranks_in(desk), mine) for desk in desks if desk != home)
        if desks not in self._incoming_ranks:
            self._incoming_ranks[desks] = [s.priority for s in self.incoming(desks)]
        return ahead + bisect_left(self._incoming_ranks[desks], mine)

    def staff(self, desks: frozenset[str]) -> tuple[int, int]:
        """How many staff of `desks` are on duty, and how many of those are free to answer now;
        someone serving two of the desks counts once."""
        if desks not in self._staff:
            on_duty = {id(c): c for desk in desks for c in self._on_duty(desk)}.values()
            idle = sum(
                c.presence is p.Presence.AVAILABLE and c.session_id is None and c.conn is not None
                for c in on_duty
            )
            self._staff[desks] = (len(on_duty), idle)
        return self._staff[desks]

    def _ranks_in(self, desk: str) -> list[Priority]:
        if desk not in self._queue_ranks:
            # Sorted though each queue is kept in order: a restored or future queue might not be.
            queue = self._queues.get(desk, ())
            self._queue_ranks[desk] = sorted(self._sessions[s].priority for s in queue)
        return self._queue_ranks[desk]
