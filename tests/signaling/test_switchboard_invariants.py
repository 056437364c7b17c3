"""Random event sequences against the switchboard's invariants (hypothesis stateful testing)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, ClassVar

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from signaling import events
from signaling import protocol as p
from signaling.session import SessionState

from . import wards
from .board import Board, kiosk, staff

KIOSKS = range(1, 5)
STAFF = {1: ("shimin",), 2: ("zeimu",), 3: ("shimin", "zeimu")}
# Mostly valid choices, so that deep sequences (two transfers into one queue) are reached.
CATEGORIES = ("juminhyo", "juminhyo", "zei", "yakan", "seikatsu", "nope")
# Both cities' departments (board.py's and wards.py's): the other city's are unknown ones.
DEPARTMENTS = ("shimin", "zeimu", "zeimu", "yoru", "moji-shimin", "kokura-shimin", "nope")


class SwitchboardMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.b = Board()
        self.conns: dict[tuple[str, int], int] = {}
        self.tokens: dict[tuple[str, int], str] = {}

    # Helpers.

    def _principal(self, kind: str, n: int):  # type: ignore[no-untyped-def]
        return kiosk(n) if kind == "k" else staff(n, *STAFF[n])

    def _send(self, kind: str, n: int, message: p.ClientMessage) -> None:
        conn = self.conns.get((kind, n))
        if conn is None:
            return
        before = self.b.board.snapshot()
        try:
            self.b.send(conn, message)
        except p.RemoteProtocolError:
            assert self.b.board.snapshot() == before, "a refused message changed the state"

    def _session_of(self, kind: str, n: int) -> str:
        role = p.Role.KIOSK if kind == "k" else p.Role.STAFF
        client = self.b.board.client(role, f"{'k' if kind == 'k' else 'u'}{n}")
        return client.session_id if client and client.session_id else "none"

    def _any_session(self, index: int) -> str:
        sessions = self.b.board.sessions()
        return sessions[index % len(sessions)].id if sessions else "none"

    # Rules.

    @initialize()
    def everyone_comes_online(self) -> None:
        for n in KIOSKS:
            self.connect("k", n, resume=False)
        for n in STAFF:
            self.connect("s", n, resume=False)

    @rule(kind=st.sampled_from("ks"), n=st.sampled_from(KIOSKS), resume=st.booleans())
    def connect(self, kind: str, n: int, resume: bool) -> None:
        if kind == "s" and n not in STAFF:
            return
        key = (kind, n)
        token = self.tokens.get(key) if resume else None
        before = self.b.board.snapshot()
        try:
            conn = self.b.connect(self._principal(kind, n), resume_token=token)
        except p.RemoteProtocolError as exc:
            refused: p.ErrorCode | None = exc.code
        else:
            refused = None
        if refused is not None:
            # Only a kiosk's live connection refuses a twin, and the refusal changes nothing.
            assert (refused, kind) == (p.ErrorCode.ALREADY_CONNECTED, "k")
            assert key in self.conns
            assert self.b.board.snapshot() == before
            return
        self.conns[key] = conn
        self.tokens[key] = self.b.welcome(conn).resume_token

    @rule(kind=st.sampled_from("ks"), n=st.sampled_from(KIOSKS))
    def answer_a_ping(self, kind: str, n: int) -> None:
        conn = self.conns.get((kind, n))
        if conn is not None:
            self.b.board.heard(conn, self.b.now)

    @rule(kind=st.sampled_from("ks"), n=st.sampled_from(KIOSKS))
    def disconnect(self, kind: str, n: int) -> None:
        conn = self.conns.pop((kind, n), None)
        if conn is not None:
            self.b.disconnect(conn)

    @rule(n=st.sampled_from(KIOSKS), category=st.sampled_from(CATEGORIES))
    def request(self, n: int, category: str) -> None:
        self._send("k", n, p.RequestConsultation(category_id=category, language="ja"))

    @rule(n=st.sampled_from(KIOSKS))
    def cancel(self, n: int) -> None:
        self._send("k", n, p.CancelRequest(session_id=self._session_of("k", n)))

    @rule(n=st.sampled_from(KIOSKS), by_staff=st.booleans())
    def hang_up(self, n: int, by_staff: bool) -> None:
        kind = "s" if by_staff else "k"
        self._send(kind, n, p.HangUp(session_id=self._session_of(kind, n)))

    @rule(n=st.sampled_from(list(STAFF)), index=st.integers(0, 5))
    def accept(self, n: int, index: int) -> None:
        self._send("s", n, p.Accept(session_id=self._any_session(index)))

    @rule(n=st.sampled_from(list(STAFF)))
    def accept_next(self, n: int) -> None:
        before = self._session_of("s", n)
        departments = self._principal("s", n).departments
        heads = {queue[0] for d in departments if (queue := self.b.board.queue(d))}
        heads |= {s.id for s in self.b.board._overflowed_to(departments)}  # other wards' too
        self._send("s", n, p.AcceptNext())
        after = self._session_of("s", n)
        if before == "none" and after != "none":
            assert after in heads, "accept-next took someone who was not at the head"

    @rule(n=st.sampled_from(list(STAFF)), department=st.sampled_from(DEPARTMENTS))
    def transfer(self, n: int, department: str) -> None:
        self._send(
            "s", n, p.Transfer(session_id=self._session_of("s", n), department_id=department)
        )

    @rule(n=st.sampled_from(list(STAFF)), presence=st.sampled_from(list(p.Presence)))
    def set_presence(self, n: int, presence: p.Presence) -> None:
        self._send("s", n, p.SetPresence(presence=presence))

    @rule(n=st.sampled_from(list(STAFF)), index=st.integers(0, 5))
    def wrap_up(self, n: int, index: int) -> None:
        ended = self.b.of_type(events.ConsultationEnded)
        session_id = ended[index % len(ended)].session_id if ended else "none"
        self._send("s", n, p.WrapUp(session_id=session_id, outcome_code="resolved"))

    @rule(seconds=st.sampled_from([1, 10, 29, 31, 1, 10, 8 * 3600]))
    def advance(self, seconds: int) -> None:
        self.b.advance(seconds)

    # Invariants.

    @invariant()
    def everyone_is_in_at_most_one_session(self) -> None:
        sessions = self.b.board.sessions()
        kiosks = Counter(s.kiosk_id for s in sessions)
        staff_members = Counter(s.leg.staff_id for s in sessions if s.state is SessionState.ACTIVE)
        assert all(count == 1 for count in kiosks.values())
        assert all(count == 1 for count in staff_members.values())
        for s in sessions:
            assert self.b.board.client(p.Role.KIOSK, s.kiosk_id).session_id == s.id  # type: ignore[union-attr]

    @invariant()
    def queues_are_fifo_with_transfers_first(self) -> None:
        for department in DEPARTMENTS:
            queued = [
                next(s for s in self.b.board.sessions() if s.id == sid)
                for sid in self.b.board.queue(department)
            ]
            transferred = [len(s.legs) > 1 for s in queued]
            assert transferred == sorted(transferred, reverse=True)
            for was_transferred in (True, False):
                times = [s.leg.queued_at for s in queued if (len(s.legs) > 1) == was_transferred]
                assert times == sorted(times)
            assert all(s.state is SessionState.QUEUED for s in queued)

    @invariant()
    def every_citizen_is_told_their_true_place(self) -> None:
        """Each queued citizen's last `Queued` (sent, or due on resume) says what a plain count
        of the whole state says: signaling/waiting.py counts it by bisection, once per flush."""
        board = self.b.board
        queued = [s for s in board.sessions() if s.state is SessionState.QUEUED]
        for me in queued:
            told = board._last_queued.get(me.id)
            if told is None:
                continue  # its kiosk is in its grace period and gets its figures on resume
            mine = board._desks(me)
            home = board.queue(me.leg.department_id)
            ahead = home.index(me.id) + sum(
                other.leg.department_id != me.leg.department_id
                and bool(board._desks(other) & mine)
                and other.priority < me.priority
                for other in queued
            )
            on_duty = {
                c.principal.id: c
                for c in board._roster.clients()
                if c.online
                and c.principal.role is p.Role.STAFF
                and set(c.principal.departments) & mine
                and c.presence is not p.Presence.AWAY
            }
            assert (told.position, told.staff_on_duty) == (ahead + 1, len(on_duty)), me.id

    @invariant()
    def the_grace_index_matches_the_clients(self) -> None:
        roster = self.b.board._roster
        expected = {k for k, c in roster._clients.items() if c.grace_deadline is not None}
        assert set(roster._in_grace) == expected

    @invariant()
    def a_crash_now_would_lose_nothing(self) -> None:
        """The state file (written when an input says the durable state changed) holds the
        live state, but for the link itself and what the kiosk last reported."""
        assert durable(self.b.on_disk) == durable(self.b.board.snapshot())

    @invariant()
    def every_session_ends_exactly_once(self) -> None:
        requested = {e.session_id for e in self.b.of_type(events.ConsultationRequested)}
        ended = Counter(e.session_id for e in self.b.of_type(events.ConsultationEnded))
        live = {s.id for s in self.b.board.sessions()}
        assert all(count == 1 for count in ended.values())
        assert set(ended) | live == requested
        assert not set(ended) & live


def durable(snapshot: bytes) -> Any:
    state = json.loads(snapshot)
    for client in state["clients"]:
        for link_only in ("conn", "status", "app_version"):
            del client[link_only]
    return state


class WardMachine(SwitchboardMachine):
    """The same rules in a city of wards: routing by the kiosk's site, overflow, boundaries."""

    SITES: ClassVar = {
        1: "moji-center",
        2: "moji-center",
        3: "kokura-center",
        4: "wakamatsu-center",
    }
    DESKS: ClassVar = {1: ("moji-shimin",), 2: ("kokura-shimin", "zeimu"), 3: ("wakamatsu-shimin",)}

    def __init__(self) -> None:
        super().__init__()
        self.b = Board(directory=wards.city(with_pool=True))

    def _principal(self, kind: str, n: int):  # type: ignore[no-untyped-def]
        if kind == "k":
            return wards.kiosk_at(n, self.SITES[n])
        return wards.desk_staff(n, *self.DESKS[n])

    @invariant()
    def overflow_is_tracked_and_never_crosses_a_forbidden_boundary(self) -> None:
        board = self.b.board
        for session in board.sessions():
            kiosk = board.client(p.Role.KIOSK, session.kiosk_id)
            assert kiosk is not None
            from_wakamatsu = kiosk.principal.site_id == "wakamatsu-center"
            if session.state is SessionState.QUEUED:
                assert (session.id in board._overflowed) == session.overflowed
                pending = not session.overflowed and bool(session.overflow)
                assert (session.id in board._overflow_due) == pending
                if from_wakamatsu or session.category_id == "seikatsu":
                    assert session.overflow == []
                assert "wakamatsu-shimin" not in session.overflow or from_wakamatsu
            for leg in session.legs:
                if leg.overflowed_from is not None:
                    assert not from_wakamatsu
                    assert "wakamatsu-shimin" not in (leg.department_id, leg.overflowed_from)


for machine in (SwitchboardMachine, WardMachine):
    machine.TestCase.settings = settings(max_examples=400, stateful_step_count=60, deadline=None)
test_switchboard_invariants = SwitchboardMachine.TestCase
test_switchboard_invariants_with_wards = WardMachine.TestCase
