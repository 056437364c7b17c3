"""The pump: feeds the switchboard from sockets and carries out what it decides.

Each connection has a bounded outbox drained by its own writer task, so one slow client never
delays another and messages to a client keep their order. A frame with nothing ahead of it is
written to the socket at once instead (`_write_now`), as a bare relay does. History events go
through one writer task to the store, in order; a failed write (a full disk) is retried and
nothing is dropped.
When an input changes the switchboard's durable state, the state and the consultation history
not yet stored are written to the state file before its messages go out (signaling/state_file.py).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import logging
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import WSCloseCode, WSMsgType, web

from signaling import events, today_kpis
from signaling import protocol as p
from signaling.admin.kpis import DEFAULT_SERVICE_LEVEL_SECONDS
from signaling.directory import Directory
from signaling.metrics import HubMetrics
from signaling.principal import IssuedSession, Principal
from signaling.session import ConnId
from signaling.state_file import StateFile
from signaling.store import Store, StoreError
from signaling.switchboard import Switchboard

logger = logging.getLogger("madoguchi.hub")

_OUTBOX_LIMIT = 1000  # a client this far behind is not reading: drop it rather than grow
# Past this much unsent on a socket, frames wait in the outbox (and count towards its limit).
_WRITE_NOW_BUFFER = 64 * 1024
_STORE_BATCH = 500
_STORE_RETRY_SECONDS = (0.25, 0.5, 1, 2, 5)  # capped low: a freed disk is used soon
_SHUTDOWN_FLUSH_SECONDS = 10
_STATE_RETRY_SECONDS = 1.0


@dataclass(frozen=True)
class Close:
    code: int
    reason: str = ""


@dataclass
class Connection:
    id: ConnId
    ws: web.WebSocketResponse
    principal: Principal
    outbox: asyncio.Queue[bytes | Close] = field(default_factory=asyncio.Queue)
    writer: asyncio.Task[None] | None = None
    heard: asyncio.Event = field(default_factory=asyncio.Event)  # set by any frame or pong
    # The socket itself (the app sets it): frames written at once, and dropped at once.
    transport: asyncio.Transport | None = None
    cut_off: bool = False
    sending: bool = False  # the writer task holds a frame not yet on the socket


class Hub:
    """Owns the switchboard and everything that talks to it; one per app."""

    def __init__(
        self,
        switchboard: Switchboard,
        store: Store,
        clock: Callable[[], float] = time.time,
        *,
        service_level_seconds: int = DEFAULT_SERVICE_LEVEL_SECONDS,
        kpi_refresh_seconds: float = today_kpis.REFRESH_SECONDS,
        state_file: StateFile | None = None,
    ) -> None:
        self.switchboard = switchboard
        self._store = store
        self._state_file = state_file
        self._clock = clock
        self.metrics = HubMetrics(
            overview=lambda: switchboard.overview(self._clock()),
            store_backlog=lambda: self.store_backlog,
            read_history=lambda since, until: store.list_consultations(
                since=since, until=until, limit=today_kpis.ALL
            ),
            clock=clock,
            restored=switchboard.sessions(),
            service_level_seconds=service_level_seconds,
            today_refresh_seconds=kpi_refresh_seconds,
        )
        self._ids = itertools.count(1)
        self._connections: dict[ConnId, Connection] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._timer_deadline: float | None = None
        self._events: asyncio.Queue[events.Event] = asyncio.Queue()
        self._listeners: list[Callable[[events.Event], None]] = []
        self._store_writer: asyncio.Task[None] | None = None
        self._kpi_reader: asyncio.Task[None] | None = None
        self.store_healthy = True
        self._writing = 0
        # Consultation events not yet in the store, oldest first: the state file carries them.
        self._unstored: collections.deque[events.Event] = collections.deque()
        self.state_saved = True  # the last state file write worked
        self._going_away = False  # close_clients has begun the shutdown
        self._state_pending: asyncio.Event | None = None  # set once the pending write is done
        self._state_retry: asyncio.TimerHandle | None = None
        # One directory change at a time, from storing it to sending it (admin page, pick-up).
        self.directory_turn = asyncio.Lock()

    # Life cycle.

    def start(self) -> None:
        self._store_writer = asyncio.create_task(self._write_history(), name="store-writer")
        self._kpi_reader = asyncio.create_task(self.metrics.today.run(), name="kpi-reader")
        self._pump()

    async def close_clients(self) -> None:
        """Close every client with GOING_AWAY; they resume when the hub is back."""
        # Nobody hears of a change from now on, so the state is written once at the end (app.py)
        # rather than at each of the thousands of detaches that follow.
        self._going_away = True
        if self._timer is not None:
            self._timer.cancel()
        for connection in list(self._connections.values()):
            connection.outbox.put_nowait(Close(WSCloseCode.GOING_AWAY, "hub restarting"))
        writers = [c.writer for c in self._connections.values() if c.writer is not None]
        await asyncio.gather(*writers, return_exceptions=True)

    async def flush_history(self) -> None:
        """Write what is left of the history, then stop the store writer and the KPI reader."""
        try:
            await asyncio.wait_for(self._events.join(), _SHUTDOWN_FLUSH_SECONDS)
        except TimeoutError:
            logger.error("= shutdown: %s history events could not be written", self.store_backlog)
        for task in (self._store_writer, self._kpi_reader):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    @property
    def store_backlog(self) -> int:
        """History events not yet written: queued, plus the batch being (re)tried."""
        return self._events.qsize() + self._writing

    def add_listener(self, listener: Callable[[events.Event], None]) -> None:
        """Also hand every event to ``listener``, synchronously and in order (the admin page)."""
        self._listeners.append(listener)

    # Inputs, from the WebSocket handler.

    async def admit(
        self,
        ws: web.WebSocketResponse,
        principal: Principal,
        resume_token: str | None,
        issued: IssuedSession | None,
        app_version: str = "",
        address: str = "",
    ) -> Connection:
        """Attach, once a kiosk's other open connection has had its chance to answer a ping.

        Raises RemoteProtocolError(ALREADY_CONNECTED), audited as suspicious, when it answered:
        the new connection is then not attached and the first is left alone.
        """
        twin = self.switchboard.live_twin(principal, resume_token)
        if twin is not None and twin in self._connections:
            await self._ping(self._connections[twin])
        try:
            return self.attach(ws, principal, resume_token, issued, app_version)
        except p.RemoteProtocolError as exc:
            logger.warning(
                "= refused a second live connection of %s from %s", principal.id, address
            )
            await self._audit_refusal(principal, address)
            raise exc

    def attach(
        self,
        ws: web.WebSocketResponse,
        principal: Principal,
        resume_token: str | None,
        issued: IssuedSession | None,
        app_version: str = "",
    ) -> Connection:
        connection = Connection(id=next(self._ids), ws=ws, principal=principal)
        # First, as it may refuse (already_connected) having changed nothing.
        self.switchboard.connect(
            connection.id,
            principal,
            self._clock(),
            resume_token=resume_token,
            issued=issued,
            app_version=app_version,
        )
        connection.writer = asyncio.create_task(self._write(connection), name=f"ws-{connection.id}")
        self._connections[connection.id] = connection
        logger.info("= conn=%s %s %s connected", connection.id, principal.role, principal.id)
        self._pump()
        return connection

    def heard(self, connection: Connection) -> None:
        """Any frame from the connection, a pong included: it is alive."""
        connection.heard.set()
        self.switchboard.heard(connection.id, self._clock())

    async def _ping(self, connection: Connection) -> None:
        """Give the connection ``liveness_seconds`` to answer a ping; a dead link does not."""
        connection.heard.clear()
        try:
            await connection.ws.ping()
            await asyncio.wait_for(connection.heard.wait(), self.switchboard.liveness_seconds)
        except (TimeoutError, ConnectionError, RuntimeError):
            pass  # no answer, or the socket is gone: connect then lets the new one take over

    async def _audit_refusal(self, principal: Principal, address: str) -> None:
        try:
            await self._store.append_audit(
                at=self._clock(),
                actor=principal.id,
                action="concurrent_connection_refused",
                target=principal.id,
                detail={"suspicious": True, "reason": "its other connection answered a ping"},
                ip=address,
            )
        except StoreError as exc:
            logger.error(
                "audit entry not stored (%s): %s refused from %s", exc, principal.id, address
            )

    def receive(self, connection: Connection, message: p.ClientMessage) -> None:
        logger.debug("< conn=%s %s", connection.id, p.type_of(message))
        self.metrics.messages_in.inc()
        try:
            self.switchboard.receive(connection.id, message, self._clock())
        except p.RemoteProtocolError as exc:
            session_id = getattr(message, "session_id", None)
            self.send_error(connection, exc.code, exc.message, p.type_of(message), session_id)
        self._pump()

    async def detach(self, connection: Connection) -> None:
        """The socket's reader is done: tell the switchboard, then let the writer finish."""
        if self._connections.pop(connection.id, None) is None:
            return
        logger.info("= conn=%s %s disconnected", connection.id, connection.principal.id)
        connection.outbox.put_nowait(Close(WSCloseCode.OK))  # ends the writer
        self.switchboard.disconnect(connection.id, self._clock())
        self._pump()
        # What is already queued (an error, a close code) goes out before the handler returns,
        # or aiohttp would close the socket first with a plain 1000.
        if connection.writer is not None:
            await connection.writer

    def send_error(
        self,
        connection: Connection,
        code: p.ErrorCode,
        message: str,
        ref_type: str | None = None,
        session_id: str | None = None,
    ) -> None:
        logger.info("> conn=%s error %s: %s", connection.id, code, message)
        self.metrics.errors.labels(code.value).inc()
        error = p.Error(code=code, message=message, ref_type=ref_type, session_id=session_id)
        self._enqueue(connection, p.encode(error))

    def update_directory(self, directory: Directory) -> None:
        """An admin edited the directory: every connected kiosk and console gets it now.

        Call it holding `directory_turn`, with the directory just stored, so that kiosks get
        the directories in the order they were stored.
        """
        logger.info("= directory updated: %d departments", len(directory.departments))
        self.switchboard.update_directory(directory, self._clock())
        self._pump()

    async def pick_up_directory(self) -> bool:
        """Serve the stored directory if it changed behind this hub's back: `madoguchi-admin`
        edits the database only, as does another hub on the same PostgreSQL. True if it had."""
        async with self.directory_turn:
            stored = await self._store.load_directory()
            if stored == self.switchboard.directory:
                return False
            logger.info("= the stored directory changed outside this hub; serving it")
            self.update_directory(stored)
            return True

    def connected(self) -> list[Connection]:
        return list(self._connections.values())

    def close(self, connection: Connection, code: p.ErrorCode) -> None:
        connection.outbox.put_nowait(Close(p.CLOSE_CODES.get(code, 4400), code.value))

    # Outputs.

    def _pump(self) -> None:
        out = self.switchboard.drain()
        self._unstored.extend(e for e in out.events if isinstance(e, events.CONSULTATION))
        if out.state_changed and not self._going_away and self._state_pending is None:
            # Written once for all the changes of this loop turn (a restart's reconnects come
            # by the hundred), and before anyone hears of them: no frame or history batch
            # leaves while a write is pending.
            self._state_pending = asyncio.Event()
            asyncio.get_running_loop().call_soon(self._write_pending_state)
        frames: dict[int, bytes] = {}  # a broadcast (the directory to all) is encoded once
        sent = 0
        for conn, message in out.sends:
            connection = self._connections.get(conn)
            if connection is not None:
                sent += 1
                frame = frames.get(id(message))
                if frame is None:
                    frame = frames[id(message)] = p.encode(message)
                self._enqueue(connection, frame)
        if sent:
            self.metrics.messages_out.inc(sent)
        for conn, code in out.closes:
            connection = self._connections.get(conn)
            if connection is not None:
                self.send_error(connection, code, "another connection took over")
                self.close(connection, code)
        for event in out.events:
            self.metrics.observe(event)
            for listener in self._listeners:
                listener(event)
            self._events.put_nowait(event)
        self._schedule_timer()

    def _write_pending_state(self) -> None:
        pending, self._state_pending = self._state_pending, None
        self.save_state()
        if pending is not None:
            pending.set()

    async def _state_written(self) -> None:
        """Returns once no state file write is pending, so that whatever was queued by then
        (a frame, a history event) goes out only after the state that includes it is on disk.
        Checked again after each wait: a change made meanwhile starts another write."""
        while (pending := self._state_pending) is not None:
            await pending.wait()

    def save_state(self) -> None:
        """Write the state file. A failure (a full disk) is logged and counted, and the hub
        goes on serving: refusing every call would be worse than a crash losing the last ones."""
        if self._state_file is None:
            return
        try:
            self._state_file.write(self.switchboard.snapshot(), self._unstored)
        except OSError as exc:
            self.metrics.state_write_failures.inc()
            if self.state_saved:
                logger.error("= state file %s not written: %s", self._state_file.path, exc)
            self.state_saved = False
            # Try again until it works, not only at the next change: healthz says degraded
            # meanwhile, and a crash would lose what changed since the last good write.
            if self._state_retry is None:
                loop = asyncio.get_running_loop()
                self._state_retry = loop.call_later(_STATE_RETRY_SECONDS, self._retry_state)
            return
        if not self.state_saved:
            logger.info("= state file %s written again", self._state_file.path)
        self.state_saved = True

    def _retry_state(self) -> None:
        self._state_retry = None
        if not self.state_saved:
            self.save_state()

    def _enqueue(self, connection: Connection, frame: bytes) -> None:
        if connection.cut_off or self._write_now(connection, frame):
            return
        if connection.outbox.qsize() >= _OUTBOX_LIMIT:
            logger.warning("= conn=%s is not reading; cutting it off", connection.id)
            connection.cut_off = True
            if connection.transport is None:
                connection.outbox.put_nowait(Close(WSCloseCode.POLICY_VIOLATION, "not reading"))
            else:
                # Its socket buffers are full, so a close frame would wait behind them forever.
                # Drop the connection now; the reader's end detaches it as usual.
                connection.transport.abort()
            return
        connection.outbox.put_nowait(frame)

    def _write_now(self, connection: Connection, frame: bytes) -> bool:
        """Put the frame on the socket in this loop turn if nothing is ahead of it: no frame in
        the outbox or in the writer's hands, no state file write pending, and room in the
        socket's buffer. The hop through the writer task is most of what a relayed message
        costs over a bare relay; when anything is ahead, the outbox keeps the order."""
        transport = connection.transport
        if (
            transport is None
            or connection.sending
            or not connection.outbox.empty()
            or self._state_pending is not None
            or connection.ws.closed
            or transport.is_closing()
            or transport.get_write_buffer_size() > _WRITE_NOW_BUFFER
        ):
            return False
        transport.write(text_frame(frame))
        return True

    async def _write(self, connection: Connection) -> None:
        ws = connection.ws
        try:
            while True:
                item = await connection.outbox.get()
                connection.sending = True
                await self._state_written()
                if isinstance(item, Close):
                    await ws.close(code=item.code, message=item.reason.encode())
                    return
                await ws.send_frame(item, WSMsgType.TEXT)  # JSON text, already encoded
                connection.sending = False
        except (ConnectionError, RuntimeError) as exc:  # the peer vanished mid-send
            logger.info("= conn=%s write failed: %s", connection.id, exc)
            await ws.close()

    def _schedule_timer(self) -> None:
        deadline = self.switchboard.get_timer()
        if deadline == self._timer_deadline:
            return  # the usual case: a relayed message changes no deadline
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._timer_deadline = deadline
        if deadline is not None:
            delay = max(0.0, deadline - self._clock())
            self._timer = asyncio.get_running_loop().call_later(delay, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        self._timer_deadline = None
        self.switchboard.handle_timer(self._clock())
        self._pump()

    async def _write_history(self) -> None:
        """Write events in order, in batches; on failure keep them and retry."""
        while True:
            batch = [await self._events.get()]
            self._writing = 1  # counted while it waits below, or the backlog would read 0
            await self._state_written()  # the store never gets ahead of the state file
            while not self._events.empty() and len(batch) < _STORE_BATCH:
                batch.append(self._events.get_nowait())
            self._writing = len(batch)
            for attempt in itertools.count():
                try:
                    await self._store.apply(batch)
                    break
                except StoreError as exc:
                    self.store_healthy = False
                    self.metrics.store_failures.inc()
                    delay = _STORE_RETRY_SECONDS[min(attempt, len(_STORE_RETRY_SECONDS) - 1)]
                    logger.error("= history write failed (retry in %ss): %s", delay, exc)
                    await asyncio.sleep(delay)
            self.store_healthy = True
            self._writing = 0
            for _ in range(sum(isinstance(e, events.CONSULTATION) for e in batch)):
                self._unstored.popleft()  # stored now; the next state file leaves them out
            if any(today_kpis.affects_kpis(event) for event in batch):
                self.metrics.today.history_changed()
            for _ in batch:
                self._events.task_done()


def text_frame(payload: bytes) -> bytes:
    """A whole WebSocket text frame as a server sends it (RFC 6455 §5.2): final, unmasked and
    uncompressed (the hub never negotiates compression), in one piece, so that it never
    interleaves with a frame aiohttp writes (a ping) on the same socket."""
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", 0x81, size)
    elif size < 1 << 16:
        header = struct.pack("!BBH", 0x81, 126, size)
    else:
        header = struct.pack("!BBQ", 0x81, 127, size)
    return header + payload
