"""The switchboard: routing, queues and sessions, sans I/O (docs/protocol.md).

Inputs are ``connect``, ``receive``, ``disconnect`` and ``handle_timer``, each given ``now`` (Unix
seconds). After each input, ``drain()`` returns what to do: messages to send, connections to
close and events for the store and metrics. ``get_timer()`` says when to call ``handle_timer``.
There is no clock, no randomness (ids come from injected factories) and no I/O here.

Rules, after h11's ``_state.py``:

- A session is one citizen's visit. It is QUEUED in one department, ACTIVE with one staff member,
  and may go back to QUEUED in another department by a transfer (at the head of that queue). It
  ends exactly once, with one ``EndReason``, and is then forgotten.
- A kiosk or staff member is in at most one session. A staff member may accept only when not in
  one; a kiosk may request only when not in one.
- Queues are FIFO per department, except that a transferred citizen goes to the head, behind
  citizens transferred before. Accept takes any waiting session of the staff member's
  departments; accept-next takes a head, preferring transferred citizens, then the oldest.
- SDP and candidates are relayed only between the two ends of one ACTIVE session.
- A client whose link drops keeps its state for ``grace_seconds``. Reconnecting with the resume
  token from its last ``Welcome`` gets it back; after the grace, its session ends ``network_lost``.
- Reconnect is resume: a client in a session (queued or in a call) that connects again with its
  own credentials gets that session back even without the resume token, and its old connection
  is closed ``replaced``. The credential proves who it is.
- But a kiosk token is not taken over from a live connection: while the kiosk's connection was
  heard from within ``liveness_seconds`` (the hub pings it first), a new one without the current
  resume token is refused ``already_connected`` and the first is left alone: a copied token
  must not end or steal a consultation.
- Commands that break these rules raise ``RemoteProtocolError`` before changing anything.
"""

from __future__ import annotations

import itertools
import math
from collections import deque
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import assert_never

import msgspec

from signaling import events, hours, routing, views, waiting
from signaling import protocol as p
from signaling.directory import KIOSK_LANGUAGES, Directory
from signaling.eta import DEFAULT_HANDLE_SECONDS, HandleTimes, estimate_wait
from signaling.principal import IssuedSession, Principal
from signaling.roster import Roster
from signaling.session import (
    TRANSITIONS,
    Client,
    ConnId,
    Leg,
    Session,
    SessionState,
    Step,
)

IceServerProvider = Callable[[str, float], list[p.IceServer]]


# Which roles may send which commands; Hello is handled before ``connect``.
_ALLOWED: dict[type[p.ClientMessage], frozenset[p.Role]] = {
    p.RequestConsultation: frozenset({p.Role.KIOSK}),
    p.CancelRequest: frozenset({p.Role.KIOSK}),
    p.SubmitSurvey: frozenset({p.Role.KIOSK}),
    p.ReportStatus: frozenset({p.Role.KIOSK}),
    p.SetPresence: frozenset({p.Role.STAFF}),
    p.Accept: frozenset({p.Role.STAFF}),
    p.AcceptNext: frozenset({p.Role.STAFF}),
    p.Transfer: frozenset({p.Role.STAFF}),
    p.WrapUp: frozenset({p.Role.STAFF}),
    p.HangUp: frozenset({p.Role.KIOSK, p.Role.STAFF}),
    p.ReportStats: frozenset({p.Role.KIOSK, p.Role.STAFF}),
    p.SdpOffer: frozenset({p.Role.KIOSK, p.Role.STAFF}),
    p.SdpAnswer: frozenset({p.Role.KIOSK, p.Role.STAFF}),
    p.IceCandidate: frozenset({p.Role.KIOSK, p.Role.STAFF}),
    p.EndOfCandidates: frozenset({p.Role.KIOSK, p.Role.STAFF}),
}
# Commands that may change the durable state (`Outputs.state_changed`); the others only relay
# or report, and a crash may lose their effect without losing a call or a place in a queue.
_STATEFUL = frozenset(_ALLOWED) - {
    p.ReportStatus,
    p.ReportStats,
    p.SdpOffer,
    p.SdpAnswer,
    p.IceCandidate,
    p.EndOfCandidates,
}
_HANG_UP_REASONS = {
    p.Role.KIOSK: {p.EndReason.COMPLETED},
    p.Role.STAFF: {p.EndReason.COMPLETED, p.EndReason.STAFF_ENDED},
}
_MAX_PENDING_WRAP_UPS = 50


@dataclass
class Outputs:
    sends: list[tuple[ConnId, p.ServerMessage]] = field(default_factory=list)
    closes: list[tuple[ConnId, p.ErrorCode]] = field(default_factory=list)
    events: list[events.Event] = field(default_factory=list)
    # The durable state (`snapshot()`) changed: the hub writes it before any of this goes out,
    # so that nothing a client hears of is lost to a crash (signaling/state_file.py).
    state_changed: bool = False


@dataclass(frozen=True)
class Overview:
    """Live figures for metrics and the admin page."""

    connections: dict[p.Role, int]
    queue_lengths: dict[str, int]
    oldest_wait_seconds: dict[str, float]
    active_sessions: int
    staff_presence: dict[p.Presence, int]
    # For the "kiosk offline during opening hours" alert (deploy/prometheus/alerts.yml).
    kiosks_connected: tuple[str, ...] = ()
    departments_open: dict[str, bool] = field(default_factory=dict)
    # Where things are, to sum any figure by ward or site in Prometheus (info metrics).
    department_wards: dict[str, str] = field(default_factory=dict)  # "" for city-wide
    kiosk_places: dict[str, tuple[str, str]] = field(default_factory=dict)  # (site, ward)


class _Snapshot(msgspec.Struct):
    sessions: list[Session]
    queues: dict[str, list[str]]
    clients: list[Client]
    handle_times: dict[str, list[float]]


def _kept(client: Client) -> bool:
    """Whether `snapshot()` keeps the client: a crash must not lose what it holds."""
    return (
        client.principal.role is p.Role.STAFF
        or client.session_id is not None
        or client.survey_session is not None
    )


def _counter_ids(prefix: str) -> Callable[[], str]:
    counter = itertools.count(1)
    return lambda: f"{prefix}{next(counter)}"


class Switchboard:
    """One city's routing state. Not thread-safe; feed it from one place."""

    def __init__(
        self,
        directory: Directory,
        *,
        grace_seconds: float = 30.0,
        liveness_seconds: float = 3.0,
        default_handle_seconds: float = DEFAULT_HANDLE_SECONDS,
        ice_servers: IceServerProvider = lambda user, now: [],
        new_session_id: Callable[[], str] | None = None,
        new_resume_token: Callable[[], str] | None = None,
    ) -> None:
        self._directory = directory
        self._grace = grace_seconds
        self.liveness_seconds = liveness_seconds
        self._ice_servers = ice_servers
        self._new_session_id = new_session_id or _counter_ids("s")
        self._new_resume_token = new_resume_token or _counter_ids("r")
        self._handle_times = HandleTimes(default_handle_seconds)
        self._sessions: dict[str, Session] = {}
        self._queues: dict[str, deque[str]] = {d.id: deque() for d in directory.departments}
        self._roster = Roster()
        # When each connection last sent a frame or answered a ping: liveness, not state, so
        # it is neither snapshotted nor changed back when a command is refused.
        self._heard_at: dict[ConnId, float] = {}
        # The directory as each ward's kiosks see it (None: staff, and kiosks with no ward).
        self._directory_cache: dict[str | None, p.Directory] = {}
        self._staffed: frozenset[str] = frozenset()  # as the last directory sent said
        self._hours_change: float | None = None
        self._hours_checked_at: float | None = None
        self._last_queued: dict[str, p.Queued] = {}
        # Queued sessions that may overflow (routing.py), by when; and those that have.
        self._overflow_due: dict[str, float] = {}
        self._overflowed: set[str] = set()
        self._dirty_queues: set[str] = set()
        self._dirty_estimates: set[str] = set()
        # Places in the queues, counted once and kept until a queue changes (`_queues_changed`):
        # staff coming and going, the most common input, moves nobody's place.
        self._waiting: waiting.Waiting | None = None
        self._out = Outputs()

    # Inputs.

    def connect(
        self,
        conn: ConnId,
        principal: Principal,
        now: float,
        *,
        resume_token: str | None = None,
        issued: IssuedSession | None = None,
        app_version: str = "",
    ) -> None:
        """Attach an authenticated connection, resuming the client's state (module docstring).

        Raises RemoteProtocolError(ALREADY_CONNECTED), having changed nothing, for a kiosk whose
        other connection is alive.
        """
        if self._roster.principal_of(conn) is not None:
            raise p.LocalProtocolError(p.ErrorCode.INTERNAL_ERROR, f"conn {conn} connected twice")
        twin = self.live_twin(principal, resume_token)
        if twin is not None:
            if now - self._heard_at.get(twin, float("-inf")) < self.liveness_seconds:
                raise p.RemoteProtocolError(
                    p.ErrorCode.ALREADY_CONNECTED,
                    "this kiosk is connected and answering elsewhere",
                )
        self._watch_hours(now)
        self._roster.attach(conn, principal)
        self._heard_at[conn] = now
        if principal.role in (p.Role.SUPERVISOR, p.Role.ADMIN):
            self._send(conn, self._welcome(principal, "", False, issued, now))
            return
        client = self._roster.client(principal.role, principal.id)
        was_kept = client is not None and _kept(client)
        resumed = (
            client is not None
            and client.online
            and (resume_token == client.resume_token or client.session_id is not None)
        )
        if client is not None and client.conn is not None:
            self._out.closes.append((client.conn, p.ErrorCode.REPLACED))
            self._roster.detach(client.conn)
            self._heard_at.pop(client.conn, None)
            client.conn = None
        if client is not None and not resumed:
            # A restarted app lost its call state: what it had cannot be picked up again.
            if client.session_id is not None:
                self._end(self._sessions[client.session_id], p.EndReason.NETWORK_LOST, now)
            self._roster.unindex(client)
            client.principal = principal
            client.presence = p.Presence.AVAILABLE
            client.survey_session = None
        if client is None:
            client = Client(principal=principal, resume_token="")
            self._roster.add(client)
        if not resumed:
            self._roster.index(client)
            self._out.events.append(events.PrincipalOnline(principal.role, principal.id, now))
        client.online = True
        client.conn = conn
        client.app_version = app_version[:40]  # as the client says; shown to admins
        self._roster.set_grace(client, None)
        client.resume_token = self._new_resume_token()
        if was_kept or _kept(client):  # its new resume token is part of what a crash keeps
            self._out.state_changed = True
        self._send(conn, self._welcome(principal, client.resume_token, resumed, issued, now))
        self._sync(client, now)
        self._flush(now)

    def receive(self, conn: ConnId, message: p.ClientMessage, now: float) -> None:
        """Handle one decoded message; raises RemoteProtocolError, having changed nothing."""
        principal = self._roster.principal_of(conn)
        if principal is None:
            raise p.LocalProtocolError(p.ErrorCode.INTERNAL_ERROR, f"conn {conn} is not connected")
        self._heard_at[conn] = now
        if isinstance(message, p.Hello):
            raise p.RemoteProtocolError(p.ErrorCode.INVALID_STATE, "hello was already received")
        if principal.role not in _ALLOWED[type(message)]:
            raise p.RemoteProtocolError(
                p.ErrorCode.FORBIDDEN, f"a {principal.role} may not send {p.type_of(message)}"
            )
        self._watch_hours(now)
        client = self._roster.known(principal.role, principal.id)
        match message:
            case p.SdpOffer() | p.SdpAnswer() | p.IceCandidate() | p.EndOfCandidates():
                self._relay(client, message)  # first: the most frequent by far
            case p.RequestConsultation():
                self._request(client, message, now)
            case p.CancelRequest():
                self._cancel(client, message.session_id, now)
            case p.SetPresence():
                self._set_presence(client, message.presence)
            case p.Accept():
                self._accept(client, self._queued_session(client, message.session_id), now)
            case p.AcceptNext():
                self._accept(client, self._next_for(client), now)
            case p.Transfer():
                self._transfer(client, message, now)
            case p.HangUp():
                self._hang_up(client, message, now)
            case p.WrapUp():
                self._wrap_up(client, message, now)
            case p.SubmitSurvey():
                self._survey(client, message, now)
            case p.ReportStatus():
                client.status = message
                self._out.events.append(
                    events.KioskStatusReported(
                        principal.id,
                        message.activity,
                        message.camera,
                        message.microphone,
                        message.speaker,
                        now,
                    )
                )
            case p.ReportStats():
                self._active_session_of(client, message.session_id)
                self._out.events.append(
                    events.CallStatsReported(
                        message.session_id,
                        principal.role,
                        principal.id,
                        message.rtt_ms,
                        tuple(message.tracks),
                        now,
                        message.audio_drift_ppm,
                    )
                )
            case _:
                assert_never(message)
        if type(message) in _STATEFUL:
            self._out.state_changed = True
        self._flush(now)

    def heard(self, conn: ConnId, now: float) -> None:
        """The connection answered a ping or sent a frame: it is alive (``live_twin``)."""
        if conn in self._heard_at:
            self._heard_at[conn] = now

    def live_twin(self, principal: Principal, resume_token: str | None) -> ConnId | None:
        """The connection to ping before ``connect``: the kiosk's current one, unless the hello
        carries its current resume token (then the old link is the kiosk's own, dead one)."""
        if principal.role is not p.Role.KIOSK:
            return None  # staff may move to another desk: their password or session proves it
        client = self._roster.client(principal.role, principal.id)
        if client is None or client.conn is None or resume_token == client.resume_token:
            return None
        return client.conn

    def disconnect(self, conn: ConnId, now: float) -> None:
        """The connection is gone; its client keeps its state for the grace period."""
        self._heard_at.pop(conn, None)
        principal = self._roster.detach(conn)
        if principal is None or principal.role in (p.Role.SUPERVISOR, p.Role.ADMIN):
            return
        client = self._roster.known(principal.role, principal.id)
        if client.conn != conn:  # already replaced by a newer connection
            return
        client.conn = None
        self._out.state_changed |= _kept(client)
        if principal.role is p.Role.KIOSK and client.session_id is None:
            self._forget(client, now)
        else:
            self._roster.set_grace(client, now + self._grace)
            self._tell_peer_link(client, online=False)
            self._mark_dirty(client, queue=True)
        self._flush(now)

    def handle_timer(self, now: float) -> None:
        for client in self._roster.grace_expired(now):
            self._roster.set_grace(client, None)
            if client.session_id is not None:
                self._end(self._sessions[client.session_id], p.EndReason.NETWORK_LOST, now)
            self._forget(client, now)
        self._watch_hours(now)
        self._watch_overflow(now)
        self._flush(now)

    def get_timer(self) -> float | None:
        # The roster indexes the clients in their grace period: this runs after every input.
        deadlines = [self._roster.next_grace_deadline(), self._hours_change]
        if self._overflow_due:
            # On whole seconds, a second late at most: a burst of requests then overflows in
            # one flush, which tells every staff member of every desk, not in one flush each.
            deadlines.append(math.ceil(min(self._overflow_due.values())))
        return min((d for d in deadlines if d is not None), default=None)

    def drain(self) -> Outputs:
        """What to do now, in order; each output is returned once."""
        out, self._out = self._out, Outputs()
        out.state_changed |= any(isinstance(e, events.CONSULTATION) for e in out.events)
        return out

    @property
    def directory(self) -> Directory:
        return self._directory

    def update_directory(self, directory: Directory, now: float) -> None:
        """Replace the city's departments and categories (an admin edited them)."""
        self._directory = directory
        for department in directory.departments:
            self._queues.setdefault(department.id, deque())
        self._hours_checked_at = None
        self._directory_cache = {}
        self._watch_hours(now)
        self._flush(now)

    # Read-only views.

    def overview(self, now: float) -> Overview:
        connections = {role: 0 for role in p.Role}
        for principal in self._roster.connected():
            connections[principal.role] += 1
        presence = {value: 0 for value in p.Presence}
        for client in self._roster.clients():
            if client.principal.role is p.Role.STAFF and client.online:
                presence[client.presence] += 1
        return Overview(
            connections=connections,
            queue_lengths={dept: len(queue) for dept, queue in self._queues.items()},
            oldest_wait_seconds={
                dept: max((now - self._sessions[s].leg.queued_at for s in queue), default=0.0)
                for dept, queue in self._queues.items()
            },
            active_sessions=sum(s.state is SessionState.ACTIVE for s in self._sessions.values()),
            staff_presence=presence,
            kiosks_connected=tuple(
                sorted({c.id for c in self._roster.connected() if c.role is p.Role.KIOSK})
            ),
            departments_open={
                d.id: hours.is_open(d.hours, now) for d in self._directory.departments
            },
            department_wards={d.id: d.ward_id or "" for d in self._directory.departments},
            kiosk_places={
                c.id: (c.site_id or "", routing.kiosk_ward(self._directory, c.site_id) or "")
                for c in self._roster.connected()
                if c.role is p.Role.KIOSK and c.site_id is not None
            },
        )

    def sessions(self) -> list[Session]:
        return list(self._sessions.values())

    def queue(self, department_id: str) -> list[str]:
        return list(self._queues.get(department_id, ()))

    def client(self, role: p.Role, principal_id: str) -> Client | None:
        return self._roster.client(role, principal_id)

    # Snapshot and restore, so that a restarted hub gives clients their state back.

    def snapshot(self) -> bytes:
        """The durable state: sessions, queues, staff and the kiosks in a session or survey.

        An idle kiosk is left out: it has nothing a restart could lose, and leaving it out keeps
        the snapshot, written at every change, the size of the work rather than of the city.
        """
        return msgspec.json.encode(
            _Snapshot(
                sessions=list(self._sessions.values()),
                queues={dept: list(queue) for dept, queue in self._queues.items()},
                clients=[client for client in self._roster.clients() if _kept(client)],
                handle_times=self._handle_times.snapshot(),
            )
        )

    def restore(self, data: bytes, now: float) -> None:
        """Load a snapshot into an empty switchboard; every client starts its grace period."""
        if self._sessions or not self._roster.empty:
            raise p.LocalProtocolError(p.ErrorCode.INTERNAL_ERROR, "restore needs a fresh board")
        snapshot = msgspec.json.decode(data, type=_Snapshot)
        self._sessions = {s.id: s for s in snapshot.sessions}
        for session in snapshot.sessions:
            if session.overflowed:
                self._overflowed.add(session.id)
            elif session.overflow_at is not None:
                self._overflow_due[session.id] = session.overflow_at
        for dept, queue in snapshot.queues.items():
            self._queues[dept] = deque(queue)
        for client in snapshot.clients:
            client.conn = None
            self._roster.add(client)
            if client.online:
                self._roster.index(client)
                self._roster.set_grace(client, now + self._grace)
            else:
                client.grace_deadline = None
        self._handle_times.restore(snapshot.handle_times)

    # Commands.

    def _request(self, kiosk: Client, message: p.RequestConsultation, now: float) -> None:
        if kiosk.session_id is not None:
            raise p.RemoteProtocolError(p.ErrorCode.INVALID_STATE, "this kiosk is already in one")
        category = self._directory.category(message.category_id)
        if category is None:
            raise p.RemoteProtocolError(
                p.ErrorCode.UNKNOWN_CATEGORY, f"no category {message.category_id!r}"
            )
        if message.language not in KIOSK_LANGUAGES:
            # It is stored and exported (the history CSV): only the kiosk's own codes get in.
            raise p.RemoteProtocolError(
                p.ErrorCode.UNKNOWN_LANGUAGE,
                f"no language {message.language!r}; use {', '.join(KIOSK_LANGUAGES)}",
            )
        ward = routing.kiosk_ward(self._directory, kiosk.principal.site_id)
        desks = routing.desks_for(self._directory, category, ward)
        reachable = [self._directory.department(d) for d in (desks.home, *desks.overflow)]
        kiosk.survey_session = None  # a new citizen
        if not any(d is not None and hours.is_open(d.hours, now) for d in reachable):
            openings = [hours.next_opening(d.hours, now) for d in reachable if d is not None]
            self._send_to(
                kiosk,
                p.DepartmentClosed(
                    category_id=category.id,
                    department_id=desks.home,
                    opens_at=min((t for t in openings if t is not None), default=None),
                ),
            )
            return
        session = Session(
            id=self._new_session_id(),
            kiosk_id=kiosk.principal.id,
            category_id=category.id,
            language=message.language,
            requested_at=now,
            legs=[Leg(department_id=desks.home, queued_at=now)],
            overflow=list(desks.overflow),
        )
        self._sessions[session.id] = session
        kiosk.session_id = session.id
        department = desks.home
        self._queues[department].append(session.id)
        self._queues_changed()
        if desks.overflow_after is not None:
            session.overflow_at = now + desks.overflow_after
            self._overflow_due[session.id] = session.overflow_at
            if not self._can_serve(department, now):
                self._overflow(session, now)
        self._out.events += [
            events.ConsultationRequested(
                session.id, kiosk.principal.id, category.id, message.language, department, now
            ),
            events.LegQueued(session.id, 0, department, now),
        ]
        self._dirty_queues.add(department)

    def _cancel(self, kiosk: Client, session_id: str, now: float) -> None:
        session = self._own_session(kiosk, session_id)
        if session.state is not SessionState.QUEUED:
            raise p.RemoteProtocolError(p.ErrorCode.INVALID_STATE, "only a waiting request")
        self._end(session, p.EndReason.CITIZEN_CANCELLED, now)

    def _set_presence(self, staff: Client, presence: p.Presence) -> None:
        staff.presence = presence
        self._send_to(staff, p.PresenceChanged(presence=presence))
        self._mark_dirty(staff, queue=False)

    def _queued_session(self, staff: Client, session_id: str) -> Session:
        session = self._sessions.get(session_id)
        if session is None:
            raise p.RemoteProtocolError(p.ErrorCode.UNKNOWN_SESSION, "that citizen is not waiting")
        if session.state is SessionState.ACTIVE:
            raise p.RemoteProtocolError(p.ErrorCode.ALREADY_TAKEN, "someone else took this one")
        if self._answering_department(staff, session) is None:
            raise p.RemoteProtocolError(p.ErrorCode.FORBIDDEN, "not one of your departments")
        return session

    def _answering_department(self, staff: Client, session: Session) -> str | None:
        """Which of the staff member's departments may take the queued session, if any."""
        if session.leg.department_id in staff.principal.departments:
            return session.leg.department_id
        if session.overflowed:
            return next((d for d in session.overflow if d in staff.principal.departments), None)
        return None

    def _next_for(self, staff: Client) -> Session:
        heads = [
            self._sessions[self._queues[dept][0]]
            for dept in staff.principal.departments
            if self._queues.get(dept)
        ]
        heads += self._overflowed_to(staff.principal.departments)
        if not heads:
            raise p.RemoteProtocolError(p.ErrorCode.QUEUE_EMPTY, "nobody is waiting")
        return min(heads, key=lambda session: session.priority)

    def _accept(self, staff: Client, session: Session, now: float) -> None:
        if staff.session_id is not None:
            raise p.RemoteProtocolError(p.ErrorCode.INVALID_STATE, "finish your current call")
        answering = self._answering_department(staff, session)
        assert answering is not None  # _queued_session and _next_for checked it
        session.state = TRANSITIONS[session.state, Step.ACCEPT]
        leg = session.leg
        self._leave_queue(session)
        if answering != leg.department_id:
            leg.overflowed_from, leg.department_id = leg.department_id, answering
        leg.staff_id, leg.staff_name, leg.answered_at = (
            staff.principal.id,
            staff.principal.display_name,
            now,
        )
        staff.session_id = session.id
        self._out.events.append(
            events.LegAnswered(
                session.id,
                len(session.legs) - 1,
                staff.principal.id,
                now,
                leg.department_id,
                leg.overflowed_from,
            )
        )
        self._announce_start(session, now)
        self._mark_dirty(staff, queue=False)

    def _transfer(self, staff: Client, message: p.Transfer, now: float) -> None:
        session = self._active_session_of(staff, message.session_id)
        target = self._directory.department(message.department_id)
        if target is None:
            raise p.RemoteProtocolError(
                p.ErrorCode.UNKNOWN_DEPARTMENT, f"no department {message.department_id!r}"
            )
        if not hours.is_open(target.hours, now):
            raise p.RemoteProtocolError(p.ErrorCode.DEPARTMENT_CLOSED, f"{target.id} is closed")
        session.state = TRANSITIONS[session.state, Step.TRANSFER]
        self._finish_leg(session, p.EndReason.TRANSFERRED, now)
        session.legs.append(
            Leg(
                department_id=target.id,
                queued_at=now,
                transfer_note=message.note,
                transferred_by=staff.principal.id,
                transferred_by_name=staff.principal.display_name,
            )
        )
        # At the head, behind citizens transferred before: they have waited twice already.
        queue = self._queues[target.id]
        queue.insert(sum(len(self._sessions[s].legs) > 1 for s in queue), session.id)
        self._queues_changed()
        self._out.events.append(
            events.LegQueued(
                session.id, len(session.legs) - 1, target.id, now, message.note, staff.principal.id
            )
        )
        moved = p.SessionTransferred(
            session_id=session.id, department_id=target.id, department_names=target.names
        )
        self._send_to(self._kiosk_of(session), moved)
        self._send_to(staff, moved)
        self._dirty_queues.add(target.id)

    def _hang_up(self, client: Client, message: p.HangUp, now: float) -> None:
        session = self._own_session(client, message.session_id)
        if message.reason not in _HANG_UP_REASONS[client.principal.role]:
            raise p.RemoteProtocolError(p.ErrorCode.BAD_MESSAGE, f"reason {message.reason}")
        if session.state is SessionState.QUEUED:  # a kiosk hanging up while still waiting
            self._end(session, p.EndReason.CITIZEN_CANCELLED, now)
        else:
            self._end(session, message.reason, now)

    def _wrap_up(self, staff: Client, message: p.WrapUp, now: float) -> None:
        leg = staff.pending_wrap_ups.get(message.session_id)
        if leg is None:
            raise p.RemoteProtocolError(p.ErrorCode.UNKNOWN_SESSION, "no such call to wrap up")
        if not self._directory.has_outcome(message.outcome_code):
            raise p.RemoteProtocolError(
                p.ErrorCode.UNKNOWN_OUTCOME, f"no outcome {message.outcome_code!r}"
            )
        del staff.pending_wrap_ups[message.session_id]
        self._out.events.append(
            events.WrapUpRecorded(
                message.session_id,
                leg,
                staff.principal.id,
                message.outcome_code,
                message.note,
                now,
            )
        )
        self._send_to(staff, p.WrapUpSaved(session_id=message.session_id))
        if staff.presence is p.Presence.WRAP_UP and not staff.pending_wrap_ups:
            self._set_presence(staff, p.Presence.AVAILABLE)

    def _survey(self, kiosk: Client, message: p.SubmitSurvey, now: float) -> None:
        if kiosk.survey_session != message.session_id:
            raise p.RemoteProtocolError(p.ErrorCode.UNKNOWN_SESSION, "no survey is open for it")
        kiosk.survey_session = None
        self._out.events.append(events.SurveyRecorded(message.session_id, message.score, now))
        self._send_to(kiosk, p.SurveySaved(session_id=message.session_id))

    def _relay(self, sender: Client, message: p.Relay) -> None:
        session = self._active_session_of(sender, message.session_id)
        other = (
            self._staff_of(session)
            if sender.principal.role is p.Role.KIOSK
            else self._kiosk_of(session)
        )
        if other.conn is None:
            raise p.RemoteProtocolError(
                p.ErrorCode.PEER_UNAVAILABLE, "the other end is reconnecting; retry on its return"
            )
        self._send(other.conn, message)

    # Session life cycle.

    def _end(self, session: Session, reason: p.EndReason, now: float) -> None:
        was_queued = session.state is SessionState.QUEUED
        session.state = TRANSITIONS[session.state, Step.END]
        kiosk = self._kiosk_of(session)
        if was_queued:
            self._leave_queue(session)
        self._finish_leg(session, reason, now)
        ended = p.SessionEnded(session_id=session.id, reason=reason)
        answered = any(leg.answered_at is not None for leg in session.legs)
        wait = sum((leg.answered_at or leg.ended_at or now) - leg.queued_at for leg in session.legs)
        talk = sum(
            (leg.ended_at or now) - leg.answered_at
            for leg in session.legs
            if leg.answered_at is not None
        )
        self._out.events.append(
            events.ConsultationEnded(
                session.id, reason, now, wait, talk, len(session.legs) - 1, answered
            )
        )
        kiosk.session_id = None
        kiosk.survey_session = session.id if answered else None
        self._send_to(kiosk, ended)
        del self._sessions[session.id]

    def _leave_queue(self, session: Session) -> None:
        """The queued session is answered or ends: out of its queue and every overflow desk's."""
        self._queues[session.leg.department_id].remove(session.id)
        self._queues_changed()
        self._last_queued.pop(session.id, None)
        self._dirty_queues.add(session.leg.department_id)
        if session.overflowed:
            self._dirty_queues.update(session.overflow)
        self._overflow_due.pop(session.id, None)
        self._overflowed.discard(session.id)
        session.overflow, session.overflow_at, session.overflowed = [], None, False

    # Overflow (signaling/routing.py says where; this says when).

    def _watch_overflow(self, now: float) -> None:
        """Open a waiting citizen to other wards' desks once their wait is up, or at once when
        their own desk is closed or has nobody on duty."""
        for session_id, due in list(self._overflow_due.items()):
            session = self._sessions[session_id]
            if now >= due or not self._can_serve(session.leg.department_id, now):
                self._overflow(session, now)

    def _overflow(self, session: Session, now: float) -> None:
        self._overflow_due.pop(session.id, None)
        session.overflowed = True
        self._overflowed.add(session.id)
        self._queues_changed()
        self._last_queued.pop(session.id, None)  # its position and ETA change
        self._dirty_queues.update([session.leg.department_id, *session.overflow])
        self._out.events.append(
            events.LegOverflowed(session.id, len(session.legs) - 1, tuple(session.overflow), now)
        )

    def _can_serve(self, department_id: str, now: float) -> bool:
        department = self._directory.department(department_id)
        open_now = department is not None and hours.is_open(department.hours, now)
        return open_now and bool(self._on_duty(department_id))

    def _overflowed_to(self, departments: Collection[str]) -> list[Session]:
        return waiting.overflowed_to(self._sessions, self._overflowed, departments)

    def _desks(self, session: Session) -> frozenset[str]:
        """Where the queued session may be answered now."""
        if session.overflowed:
            return frozenset((session.leg.department_id, *session.overflow))
        return frozenset((session.leg.department_id,))

    def _finish_leg(self, session: Session, reason: p.EndReason, now: float) -> None:
        """Close the current leg; its staff member, if any, goes to wrap-up."""
        leg = session.leg
        leg.ended_at = now
        self._out.events.append(events.LegEnded(session.id, len(session.legs) - 1, reason, now))
        if leg.staff_id is None or leg.answered_at is None:
            return
        staff = self._staff_of(session)
        self._handle_times.record(leg.department_id, now - leg.answered_at)
        staff.session_id = None
        staff.pending_wrap_ups[session.id] = len(session.legs) - 1
        while len(staff.pending_wrap_ups) > _MAX_PENDING_WRAP_UPS:
            del staff.pending_wrap_ups[next(iter(staff.pending_wrap_ups))]
        if reason is not p.EndReason.TRANSFERRED:
            self._send_to(staff, p.SessionEnded(session_id=session.id, reason=reason))
        self._set_presence(staff, p.Presence.WRAP_UP)
        for department_id in staff.principal.departments:
            self._dirty_estimates.add(department_id)

    def _announce_start(self, session: Session, now: float) -> None:
        for client in (self._kiosk_of(session), self._staff_of(session)):
            self._send_to(client, self._session_started(session, client, now, resumed=False))

    def _session_started(
        self, session: Session, client: Client, now: float, *, resumed: bool
    ) -> p.SessionStarted:
        staff = self._staff_of(session)
        kiosk = self._kiosk_of(session).principal
        return views.session_started(
            session,
            kiosk,
            staff.principal,
            self._ice_servers(client.principal.id, now),
            for_staff=client is staff,
            resumed=resumed,
            ward_id=routing.kiosk_ward(self._directory, kiosk.site_id),
        )

    def _forget(self, client: Client, now: float) -> None:
        """The client is gone for good. Staff stay known, offline, so they can still wrap up."""
        self._out.state_changed |= _kept(client)
        principal = client.principal
        client.online = False
        self._roster.unindex(client)
        if principal.role is p.Role.KIOSK:
            self._roster.remove(client)
        self._out.events.append(events.PrincipalOffline(principal.role, principal.id, now))
        self._dirty_estimates.update(principal.departments)

    # Lookups that raise the peer's error.

    def _own_session(self, client: Client, session_id: str) -> Session:
        if client.session_id != session_id:
            raise p.RemoteProtocolError(p.ErrorCode.UNKNOWN_SESSION, "not your session")
        return self._sessions[session_id]

    def _active_session_of(self, client: Client, session_id: str) -> Session:
        session = self._own_session(client, session_id)
        if session.state is not SessionState.ACTIVE:
            raise p.RemoteProtocolError(p.ErrorCode.INVALID_STATE, "the call has not started")
        return session

    def _kiosk_of(self, session: Session) -> Client:
        return self._roster.known(p.Role.KIOSK, session.kiosk_id)

    def _staff_of(self, session: Session) -> Client:
        assert session.leg.staff_id is not None
        return self._roster.known(p.Role.STAFF, session.leg.staff_id)

    # Telling clients.

    def _send(self, conn: ConnId, message: p.ServerMessage) -> None:
        self._out.sends.append((conn, message))

    def _send_to(self, client: Client, message: p.ServerMessage) -> None:
        # A client in its grace period gets the current state on resume instead.
        if client.conn is not None:
            self._send(client.conn, message)

    def _welcome(
        self,
        principal: Principal,
        resume_token: str,
        resumed: bool,
        issued: IssuedSession | None,
        now: float,
    ) -> p.Welcome:
        client = self._roster.client(principal.role, principal.id)
        return p.Welcome(
            protocol_version=p.PROTOCOL_VERSION,
            role=principal.role,
            principal_id=principal.id,
            display_name=principal.display_name,
            resume_token=resume_token,
            resumed=resumed,
            ice_servers=self._ice_servers(principal.id, now),
            departments=list(principal.departments),
            presence=client.presence if client and principal.role is p.Role.STAFF else None,
            session_token=issued.token if issued else None,
            session_expires_at=issued.expires_at if issued else None,
            site_id=principal.site_id if principal.role is p.Role.KIOSK else None,
        )

    def _sync(self, client: Client, now: float) -> None:
        """Bring a (re)connected client up to date: directory, queue, call."""
        self._send_to(client, self._directory_message(now, client))
        if client.principal.role is p.Role.STAFF:
            self._send_to(client, self._queue_snapshot(client))
            self._mark_dirty(client, queue=False)
        session = self._sessions.get(client.session_id) if client.session_id else None
        if session is None:
            return
        if session.state is SessionState.ACTIVE:
            self._send_to(client, self._session_started(session, client, now, resumed=True))
            self._tell_peer_link(client, online=True)
        else:
            self._last_queued.pop(session.id, None)  # force a fresh Queued
            self._dirty_queues.add(session.leg.department_id)

    def _tell_peer_link(self, client: Client, *, online: bool) -> None:
        session = self._sessions.get(client.session_id) if client.session_id else None
        if session is None or session.state is not SessionState.ACTIVE:
            return
        other = (
            self._staff_of(session)
            if client.principal.role is p.Role.KIOSK
            else self._kiosk_of(session)
        )
        self._send_to(other, p.PeerLinkChanged(session_id=session.id, online=online))

    def _mark_dirty(self, client: Client, *, queue: bool) -> None:
        session = self._sessions.get(client.session_id) if client.session_id else None
        if client.principal.role is p.Role.STAFF:
            self._dirty_estimates.update(client.principal.departments)
        elif session is not None and session.state is SessionState.QUEUED and queue:
            self._dirty_queues.add(session.leg.department_id)

    def _flush(self, now: float) -> None:
        """Send queue snapshots and waiting updates for what changed during this input."""
        if not (self._dirty_queues or self._dirty_estimates):
            return
        if self._dirty_estimates:  # staff came, went or changed presence
            self._watch_staffing(now)
            self._watch_overflow(now)  # a desk with nobody left on duty overflows at once
        # A change at one desk moves the places of citizens who may be answered there too: a
        # queue's change shows in the other desks' snapshots, a staffing change only in the
        # waiting figures (so a staff member's return does not resend every ward's snapshots).
        queues, estimates = set(self._dirty_queues), set(self._dirty_estimates)
        for session_id in self._overflowed:
            desks = self._desks(self._sessions[session_id])
            if desks & queues:
                self._dirty_queues |= desks
            elif desks & estimates:
                self._dirty_estimates |= desks
        # Staff with the same departments see the same snapshot: build it once per flush, not
        # once each (with overflow on, a change reaches every staff member of every ward's desk).
        snapshots: dict[tuple[str, ...], p.QueueSnapshot] = {}
        told: set[str] = set()  # each staff member once, whatever number of their desks changed
        for department_id in self._dirty_queues:
            for staff in self._staff_serving(department_id):
                if staff.principal.id in told:
                    continue
                told.add(staff.principal.id)
                key = tuple(staff.principal.departments)
                if key not in snapshots:
                    snapshots[key] = self._queue_snapshot(staff)
                self._send_to(staff, snapshots[key])
        figures = self._waiting_figures()
        for department_id in self._dirty_queues | self._dirty_estimates:
            self._update_waiting(department_id, figures)
        self._dirty_queues.clear()
        self._dirty_estimates.clear()

    def _queues_changed(self) -> None:
        """Who waits where, or in which order, changed: places are counted afresh."""
        self._waiting = None

    def _waiting_figures(self) -> waiting.Waiting:
        if self._waiting is None:
            self._waiting = waiting.Waiting(
                self._sessions, self._queues, self._overflowed, self._on_duty
            )
        else:
            self._waiting.staff_changed()  # anyone may have come, gone or changed presence
        return self._waiting

    def _on_duty(self, department_id: str) -> list[Client]:
        """Staff who serve the department and are not away: `queued.staff_on_duty`."""
        return [s for s in self._staff_serving(department_id) if s.presence is not p.Presence.AWAY]

    def _update_waiting(self, department_id: str, figures: waiting.Waiting) -> None:
        """Tell each citizen in the queue their one position and ETA, counted across every desk
        that may take them now (their own, plus the overflow desks once overflowed)."""
        queue = self._queues.get(department_id, ())
        incoming = figures.incoming(frozenset((department_id,)))
        handle = self._handle_times.average(department_id)
        for position, session_id in enumerate(queue, start=1):
            session = self._sessions[session_id]
            desks = self._desks(session)
            if len(desks) > 1 or incoming:
                position += figures.ahead_elsewhere(session, desks)
            on_duty, idle = figures.staff(desks)
            queued = p.Queued(
                session_id=session_id,
                department_id=department_id,
                position=position,
                eta_seconds=estimate_wait(position, on_duty, idle, handle),
                staff_on_duty=on_duty,
            )
            if self._last_queued.get(session_id) != queued:
                self._last_queued[session_id] = queued
                self._send_to(self._kiosk_of(session), queued)

    def _staff_serving(self, department_id: str) -> list[Client]:
        return self._roster.staff_serving(department_id)

    def _queue_snapshot(self, staff: Client) -> p.QueueSnapshot:
        """The staff member's queues, then the other wards' citizens they may take now."""
        entries = []
        for department_id in staff.principal.departments:
            for position, session_id in enumerate(self._queues.get(department_id, ()), start=1):
                entries.append(self._queue_entry(self._sessions[session_id], position))
        for session in self._overflowed_to(staff.principal.departments):
            position = self._queues[session.leg.department_id].index(session.id) + 1
            entries.append(self._queue_entry(session, position, overflowed=True))
        return p.QueueSnapshot(entries=entries)

    def _queue_entry(
        self, session: Session, position: int, overflowed: bool = False
    ) -> p.QueueEntry:
        kiosk = self._kiosk_of(session).principal
        return views.queue_entry(
            session,
            kiosk,
            position,
            kiosk_online=self._kiosk_of(session).conn is not None,
            ward_id=routing.kiosk_ward(self._directory, kiosk.site_id),
            overflowed=overflowed,
        )

    # Opening hours.

    def _watch_hours(self, now: float) -> None:
        """On an opening or closing, tell everyone and close queues nobody can serve."""
        if self._hours_checked_at is not None and (
            self._hours_change is None or now < self._hours_change
        ):
            return
        first_check = self._hours_checked_at is None
        self._hours_checked_at = now
        self._directory_cache = {}
        changes = [hours.next_change(d.hours, now) for d in self._directory.departments]
        self._hours_change = min((c for c in changes if c is not None), default=None)
        if not first_check:
            self._close_unserved_queues(now)
        for client in self._roster.clients():
            self._send_to(client, self._directory_message(now, client))

    def _close_unserved_queues(self, now: float) -> None:
        for department in self._directory.departments:
            if hours.is_open(department.hours, now):
                continue
            if any(s.presence is not p.Presence.AWAY for s in self._staff_serving(department.id)):
                continue  # staff still on duty serve whoever is already waiting
            for session_id in list(self._queues.get(department.id, ())):
                session = self._sessions[session_id]
                if any(self._can_serve(desk, now) for desk in session.overflow):
                    if not session.overflowed:
                        self._overflow(session, now)  # another ward's open desk takes them
                    continue
                self._end(session, p.EndReason.CLOSED, now)

    def _staffed_now(self) -> frozenset[str]:
        return frozenset(d.id for d in self._directory.departments if self._on_duty(d.id))

    def _watch_staffing(self, now: float) -> None:
        """When a department gets its first staff on duty or loses its last, tell everyone,
        so kiosks say honestly which counters can take a call now (docs/protocol.md)."""
        if not self._directory_cache or self._staffed_now() == self._staffed:
            return
        self._directory_cache = {}
        for client in self._roster.clients():
            self._send_to(client, self._directory_message(now, client))

    def _directory_message(self, now: float, client: Client) -> p.Directory:
        """The directory with open/closed and staffed states, as the client's ward reaches it;
        it changes only at an hours boundary, when a department's staffing changes, or when an
        admin edits it."""
        if not self._directory_cache:
            self._staffed = self._staffed_now()
        ward = routing.kiosk_ward(self._directory, client.principal.site_id)
        if ward not in self._directory_cache:
            self._directory_cache[ward] = views.directory(self._directory, now, self._staffed, ward)
        return self._directory_cache[ward]
