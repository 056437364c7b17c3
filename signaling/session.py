"""A consultation session and the clients in it: the switchboard's records and state table."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from signaling import protocol as p
from signaling.principal import Principal

ConnId = int


class SessionState(StrEnum):
    QUEUED = "queued"
    ACTIVE = "active"
    ENDED = "ended"


class Step(StrEnum):
    ACCEPT = "accept"
    TRANSFER = "transfer"
    END = "end"


# The session state machine. A pair missing here is an illegal transition.
TRANSITIONS: dict[tuple[SessionState, Step], SessionState] = {
    (SessionState.QUEUED, Step.ACCEPT): SessionState.ACTIVE,
    (SessionState.QUEUED, Step.END): SessionState.ENDED,
    (SessionState.ACTIVE, Step.TRANSFER): SessionState.QUEUED,
    (SessionState.ACTIVE, Step.END): SessionState.ENDED,
}


@dataclass
class Leg:
    department_id: str
    queued_at: float
    transfer_note: str = ""
    transferred_by: str | None = None  # staff id
    transferred_by_name: str = ""
    staff_id: str | None = None
    staff_name: str = ""
    answered_at: float | None = None
    ended_at: float | None = None
    # Answered by another ward's desk (signaling/routing.py): the department it was queued in;
    # `department_id` is then the one that answered.
    overflowed_from: str | None = None


@dataclass
class Session:
    id: str
    kiosk_id: str
    category_id: str
    language: str
    requested_at: float
    legs: list[Leg]
    state: SessionState = SessionState.QUEUED
    # While queued: the other desks that may take the citizen (signaling/routing.py), from
    # `overflow_at` on, or once `overflowed` (at once when the home desk cannot serve).
    overflow: list[str] = field(default_factory=list)
    overflow_at: float | None = None
    overflowed: bool = False

    @property
    def leg(self) -> Leg:
        return self.legs[-1]

    @property
    def priority(self) -> tuple[bool, float]:
        """Who is served first among queued sessions, lowest first: transferred ones, then the
        longest waiting. Each queue is in this order (signaling/switchboard.py)."""
        return (len(self.legs) == 1, self.leg.queued_at)


@dataclass
class Client:
    """A kiosk or staff member the switchboard knows, connected or within its grace period."""

    principal: Principal
    resume_token: str
    online: bool = True  # connected or within grace; offline staff keep pending wrap-ups
    conn: ConnId | None = None
    grace_deadline: float | None = None
    session_id: str | None = None
    presence: p.Presence = p.Presence.AVAILABLE  # staff only
    pending_wrap_ups: dict[str, int] = field(default_factory=dict)  # staff: session -> leg
    survey_session: str | None = None  # kiosk: the session a survey may be given for
    status: p.ReportStatus | None = None  # kiosk
    app_version: str = ""  # from the client's hello, for the admin page
