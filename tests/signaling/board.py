"""A test harness around a Switchboard: named clients, inboxes, and a fixed clock."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from typing import TypeVar

from signaling import events
from signaling import protocol as p
from signaling.directory import Category, Department, Directory, OpeningHours, OutcomeCode
from signaling.hours import TOKYO
from signaling.principal import Principal
from signaling.session import ConnId
from signaling.switchboard import Switchboard

T = TypeVar("T")

WEEKDAYS = {day: ["08:30-17:15"] for day in ("mon", "tue", "wed", "thu", "fri")}
# Tuesday 1 December 2026, 10:00 in Tokyo: every weekday department is open.
OPEN_TIME = dt.datetime(2026, 12, 1, 10, 0, tzinfo=TOKYO).timestamp()
CLOSING_TIME = dt.datetime(2026, 12, 1, 17, 15, tzinfo=TOKYO).timestamp()

DIRECTORY = Directory(
    departments=[
        Department(
            id="shimin",
            names={"ja": "市民課", "en": "Citizens"},
            hours=OpeningHours(weekly=WEEKDAYS),
        ),
        Department(
            id="zeimu",
            names={"ja": "税務課", "en": "Taxation"},
            hours=OpeningHours(weekly=WEEKDAYS),
        ),
        Department(
            id="yoru",
            names={"ja": "夜間窓口", "en": "Night desk"},
            hours=OpeningHours(weekly={"sat": ["09:00-12:00"]}),
        ),
    ],
    categories=[
        Category(
            id="juminhyo", department_id="shimin", names={"ja": "住民票", "en": "Certificate"}
        ),
        Category(id="zei", department_id="zeimu", names={"ja": "住民税", "en": "Resident tax"}),
        Category(id="yakan", department_id="yoru", names={"ja": "夜間", "en": "Night"}),
    ],
    outcome_codes=[OutcomeCode(code="resolved", names={"ja": "解決", "en": "Resolved"})],
)


def kiosk(n: int) -> Principal:
    return Principal(role=p.Role.KIOSK, id=f"k{n}", display_name=f"公民館{n}", location=f"{n}F")


def staff(n: int, *departments: str) -> Principal:
    return Principal(
        role=p.Role.STAFF, id=f"u{n}", display_name=f"職員{n}", departments=departments
    )


class Board:
    """Drives a switchboard like the server does, and keeps what each connection received."""

    def __init__(
        self, now: float = OPEN_TIME, grace: float = 30.0, directory: Directory = DIRECTORY
    ) -> None:
        self.now = now
        self.board = Switchboard(directory, grace_seconds=grace)
        self.inbox: dict[ConnId, list[p.ServerMessage]] = defaultdict(list)
        self.closed: dict[ConnId, p.ErrorCode] = {}
        self.events: list[events.Event] = []
        # What the hub's state file would hold: the snapshot after the last pump that said
        # the durable state changed.
        self.on_disk = self.board.snapshot()
        self._conns = itertools.count(1)

    def _pump(self) -> None:
        out = self.board.drain()
        for conn, message in out.sends:
            self.inbox[conn].append(message)
        self.closed.update(out.closes)
        self.events += out.events
        if out.state_changed:
            self.on_disk = self.board.snapshot()

    def connect(self, principal: Principal, resume_token: str | None = None) -> ConnId:
        conn = next(self._conns)
        self.board.connect(conn, principal, self.now, resume_token=resume_token)
        self._pump()
        return conn

    def send(self, conn: ConnId, message: p.ClientMessage) -> None:
        try:
            self.board.receive(conn, message, self.now)
        finally:
            self._pump()

    def disconnect(self, conn: ConnId) -> None:
        self.board.disconnect(conn, self.now)
        self._pump()

    def advance(self, seconds: float) -> None:
        self.now += seconds
        timer = self.board.get_timer()
        if timer is not None and timer <= self.now:
            self.board.handle_timer(self.now)
        self._pump()

    def take(self, conn: ConnId, kind: type[T]) -> list[T]:
        """Remove and return the messages of one type that ``conn`` received."""
        found = [m for m in self.inbox[conn] if isinstance(m, kind)]
        self.inbox[conn] = [m for m in self.inbox[conn] if not isinstance(m, kind)]
        return found

    def last(self, conn: ConnId, kind: type[T]) -> T:
        found = self.take(conn, kind)
        assert found, f"conn {conn} received no {kind.__name__}; it has {self.inbox[conn]}"
        return found[-1]

    def welcome(self, conn: ConnId) -> p.Welcome:
        return self.last(conn, p.Welcome)

    def request(self, conn: ConnId, category: str = "juminhyo") -> str:
        self.send(conn, p.RequestConsultation(category_id=category, language="ja"))
        return self.last(conn, p.Queued).session_id

    def of_type(self, kind: type[T]) -> list[T]:
        return [e for e in self.events if isinstance(e, kind)]
