"""The signaling link from a kiosk or staff console to the hub (docs/protocol.md §Connection).

A `Link` keeps one WebSocket to the hub open for as long as it runs. The contract:

- Every connection starts with `Hello`, and the hub's first reply decides. A `Welcome` means
  connected. An `Error` whose code no retry can fix (`FATAL_ERRORS`) fails the link for good, so
  the app shows its login or "unavailable" screen. Anything else (refused, dropped, timed out,
  throttled) is retried with exponential backoff and full jitter, restarted by each `Welcome`.
- A close with GOING_AWAY (the hub restarting) is retried from the shortest delay. A close whose
  reason is a fatal `ErrorCode` (a disabled account, or another instance taking over) fails the
  link like a fatal `Error`; other closes are retried.
- Each `Welcome` carries a resume token, and the next `Hello` sends it back, so the hub restores
  the queue place or session when the reconnect comes within its grace period. After a password
  login, the session token in the `Welcome` replaces the password for every reconnect.
- Nothing is buffered across connections: `send` raises `LinkDown` unless connected. On resume
  the hub resends the state (queue place, session), so the client never replays messages.
- `events()` yields server messages and state changes in order, through a bounded queue. When it
  is full, the link stops reading the socket, which pushes back on the hub over TCP; nothing is
  dropped. A consumer stalled past the keepalive timeout loses the connection, and the link
  reconnects and resumes.
"""

from __future__ import annotations

import asyncio
import logging
import random
import ssl
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, WebSocketException
from websockets.frames import CloseCode
from websockets.uri import parse_uri

from signaling.protocol import (
    FATAL_ERRORS,
    PROTOCOL_VERSION,
    ClientMessage,
    Error,
    ErrorCode,
    Hello,
    RemoteProtocolError,
    ServerMessage,
    Welcome,
    decode_server,
    encode,
    type_of,
)

logger = logging.getLogger(__name__)

EVENT_QUEUE_SIZE: Final = 256
# A kiosk's and a console's defaults; bench/signaling_load.py simulates clients with them too.
BACKOFF_INITIAL: Final = 0.5  # seconds: the widest first wait, after a drop or a GOING_AWAY
BACKOFF_MAX: Final = 15.0  # seconds: the cap of the window, reached after five failures
HELLO_TIMEOUT: Final = 5.0  # seconds for the WebSocket handshake, and again for the Welcome
# Past this many doublings every delay is capped anyway; the bound keeps 2**n from overflowing
# a float on a kiosk that stays offline for days.
_MAX_DOUBLINGS: Final = 32


class LinkDown(Exception):  # noqa: N818  # names the condition, like websockets' ConnectionClosed
    """Raised by `Link.send` when not connected; the hub resyncs state on resume instead."""


@dataclass(slots=True)
class Credentials:
    """A device or session token, or a username and password; the link that gets it owns it.

    Once a password login is answered with a session token, the link replaces the username and
    password here with that token, so the password is not kept around for reconnects.
    """

    token: str | None = field(default=None, repr=False)
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        by_token = self.token is not None and self.username is None and self.password is None
        by_login = self.token is None and self.username is not None and self.password is not None
        if not (by_token or by_login):
            raise ValueError("give either a token, or a username and a password")


class LinkState(StrEnum):
    IDLE = "idle"  # not started yet
    CONNECTING = "connecting"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"  # waiting to retry
    FAILED = "failed"  # a fatal error: the link no longer retries
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class LinkConnecting:
    attempt: int  # 0 for the first connection, else the n-th retry since the last Welcome


@dataclass(frozen=True, slots=True)
class LinkConnected:
    welcome: Welcome


@dataclass(frozen=True, slots=True)
class LinkDisconnected:
    reason: str
    retry_in: float  # seconds


@dataclass(frozen=True, slots=True)
class LinkFailed:
    code: ErrorCode
    message: str


LinkEvent = LinkConnecting | LinkConnected | LinkDisconnected | LinkFailed
_Queued = LinkEvent | ServerMessage | None


@dataclass(frozen=True, slots=True)
class _Dropped:
    reason: str
    fresh: bool  # the hub welcomed us or asked us back, so the backoff starts over


def tls_context(ca_file: str | None) -> ssl.SSLContext:
    """The hub's TLS: the system's CAs, and `ca_file` (a city's private CA) if given."""
    # Verification stays on: the hub's certificate must chain to the system's roots or to
    # ca_file, and name the host in the URL. A certificate error is retried like a refusal
    # (an SSLError is an OSError), and its reason is logged and shown.
    context = ssl.create_default_context()
    if ca_file is not None:
        context.load_verify_locations(cafile=ca_file)
    return context


def backoff_delay(attempt: int, initial: float, maximum: float, rng: random.Random) -> float:
    """Exponential backoff with full jitter, so kiosks do not reconnect in lockstep."""
    return min(maximum, initial * 2.0 ** min(attempt, _MAX_DOUBLINGS)) * rng.random()


@dataclass(slots=True)
class Backoff:
    """When to try again, sans I/O: the retry policy of the module docstring.

    A connection that ended ``fresh`` (the hub welcomed us, or closed with GOING_AWAY because it
    is restarting) starts over from the shortest window; every failure since doubles it, up to
    ``maximum``. The wait is drawn anywhere in the window (full jitter), so thousands of kiosks
    dropped at the same instant by a restart come back spread out instead of in one burst.
    """

    initial: float
    maximum: float
    rng: random.Random
    attempt: int = 0  # failures since the last fresh start

    def after(self, *, fresh: bool) -> float:
        """The seconds to wait before the next try, after a connection ended."""
        if fresh:
            self.attempt = 0
        delay = backoff_delay(self.attempt, self.initial, self.maximum, self.rng)
        self.attempt += 1
        return delay


class Link:
    """A self-healing signaling connection to the hub; the module docstring has the contract."""

    def __init__(
        self,
        url: str,
        credentials: Credentials,
        *,
        app: str = "",
        app_version: str = "",
        backoff_initial: float = BACKOFF_INITIAL,
        backoff_max: float = BACKOFF_MAX,
        hello_timeout: float = HELLO_TIMEOUT,
        rng: random.Random | None = None,
        ca_file: str | None = None,
    ) -> None:
        """`ca_file`: a CA (PEM) to trust for wss:// besides the system's: a city's private CA."""
        # A bad URL or CA file is a configuration error: fail now, not on every retry.
        secure = parse_uri(url).secure
        self._tls = tls_context(ca_file) if secure else None
        self._url = url
        self._credentials = credentials
        self._app = app
        self._app_version = app_version
        self._backoff = Backoff(
            backoff_initial, backoff_max, rng if rng is not None else random.Random()
        )
        self._hello_timeout = hello_timeout
        self._state = LinkState.IDLE
        self._welcome: Welcome | None = None
        self._ws: ClientConnection | None = None
        self._connections = 0
        self._task: asyncio.Task[None] | None = None
        # None marks the end; it is only put when there is room, see _finish.
        self._events: asyncio.Queue[_Queued] = asyncio.Queue(EVENT_QUEUE_SIZE)
        self._finished = False

    @property
    def state(self) -> LinkState:
        return self._state

    @property
    def welcome(self) -> Welcome | None:
        """The last Welcome, kept after a disconnect."""
        return self._welcome

    async def start(self) -> None:
        if self._task is not None or self._finished:
            raise RuntimeError("a link starts only once")
        self._task = asyncio.create_task(self._run(), name=f"link to {self._url}")

    async def close(self) -> None:
        """Stop for good and close the connection; `events()` ends once drained."""
        self._state = LinkState.CLOSED
        if self._task is not None:
            self._task.cancel()
            # wait() rather than await: our caller's own cancellation must not be swallowed.
            await asyncio.wait([self._task])
        self._finish()
        self._raise_if_crashed()

    async def __aenter__(self) -> Link:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def send(self, message: ClientMessage) -> None:
        """Send to the hub, waiting while the socket's write buffer is full.

        Raises `LinkDown` unless connected: nothing is buffered for a later connection.
        """
        ws = self._ws
        if ws is None or self._state is not LinkState.CONNECTED:
            raise LinkDown(f"the link is {self._state}")
        logger.debug("%s > %s", self._url, type_of(message))
        try:
            await ws.send(encode(message), text=True)
        except ConnectionClosed as exc:
            raise LinkDown("the connection closed while sending") from exc

    async def events(self) -> AsyncGenerator[LinkEvent | ServerMessage, None]:
        """Server messages and state changes in order, until closed or failed; one reader only."""
        while not (self._finished and self._events.empty()):
            event = await self._events.get()
            if event is None:
                break
            yield event
        self._raise_if_crashed()

    async def _run(self) -> None:
        try:
            while True:
                await self._change(LinkState.CONNECTING, LinkConnecting(self._backoff.attempt))
                outcome = await self._connect_once()
                if isinstance(outcome, LinkFailed):
                    logger.warning("%s = failed: %s %s", self._url, outcome.code, outcome.message)
                    await self._change(LinkState.FAILED, outcome)
                    return
                delay = self._backoff.after(fresh=outcome.fresh)
                logger.info("%s = %s; retrying in %.1f s", self._url, outcome.reason, delay)
                await self._change(LinkState.DISCONNECTED, LinkDisconnected(outcome.reason, delay))
                await asyncio.sleep(delay)
        finally:
            self._finish()

    async def _connect_once(self) -> LinkFailed | _Dropped:
        self._connections += 1
        conn = f"{self._url} #{self._connections}"
        try:
            # close_timeout too: close() must not hang for long on a hub that stopped answering.
            ws = await connect(
                self._url,
                ssl=self._tls,
                open_timeout=self._hello_timeout,
                close_timeout=self._hello_timeout,
            )
        except (OSError, WebSocketException) as exc:  # TimeoutError is an OSError
            return _Dropped(f"{type(exc).__name__}: {exc}", fresh=False)
        welcomed = False
        try:
            async with asyncio.timeout(self._hello_timeout):
                hello = self._hello()
                logger.debug("%s > %r", conn, hello)
                await ws.send(encode(hello), text=True)
                reply = await self._receive(ws, conn)
            if isinstance(reply, Error):
                if reply.code in FATAL_ERRORS:
                    return LinkFailed(reply.code, reply.message)
                return _Dropped(f"hello refused: {reply.code}", fresh=False)
            if not isinstance(reply, Welcome):
                return _Dropped(f"{type_of(reply)} before welcome", fresh=False)
            welcomed = True
            self._adopt(reply)
            self._ws = ws
            await self._change(LinkState.CONNECTED, LinkConnected(reply))
            while True:
                await self._events.put(await self._receive(ws, conn))
        except ConnectionClosed as exc:
            return self._closed_by_hub(exc, welcomed=welcomed)
        except TimeoutError:  # only the hello has a timer; a dead socket shows as closed
            return _Dropped("no reply to the hello in time", fresh=False)
        except (OSError, WebSocketException) as exc:
            return _Dropped(f"{type(exc).__name__}: {exc}", fresh=welcomed)
        finally:
            self._ws = None
            # Not `async with`: it closes with 1011 on cancellation, and close() is no crash.
            await ws.close()

    def _hello(self) -> Hello:
        c = self._credentials
        return Hello(
            protocol_version=PROTOCOL_VERSION,
            token=c.token,
            username=c.username,
            password=c.password,
            resume_token=self._welcome.resume_token if self._welcome is not None else None,
            app=self._app,
            app_version=self._app_version,
        )

    def _adopt(self, welcome: Welcome) -> None:
        self._welcome = welcome
        if welcome.session_token is not None:
            self._credentials.token = welcome.session_token
            self._credentials.username = None
            self._credentials.password = None

    async def _receive(self, ws: ClientConnection, conn: str) -> ServerMessage:
        while True:
            frame = await ws.recv()
            try:
                message = decode_server(frame)
            except RemoteProtocolError as exc:
                # One bad frame is the hub's bug; dropping the link would lose more than it.
                logger.warning("%s < skipped a frame the hub sent: %s", conn, exc)
                continue
            logger.debug("%s < %s", conn, type_of(message))
            return message

    def _closed_by_hub(self, exc: ConnectionClosed, *, welcomed: bool) -> LinkFailed | _Dropped:
        close = exc.rcvd
        if close is None:
            return _Dropped("connection lost", fresh=welcomed)
        # The hub closes with a 4xxx code and the ErrorCode as reason (docs/protocol.md §Closing).
        code = ErrorCode(close.reason) if close.reason in ErrorCode.__members__.values() else None
        if code in FATAL_ERRORS:
            return LinkFailed(code, f"the hub closed the connection ({close.code} {close.reason})")
        going_away = close.code == CloseCode.GOING_AWAY
        return _Dropped(f"closed by the hub ({close.code})", fresh=welcomed or going_away)

    async def _change(self, state: LinkState, event: LinkEvent) -> None:
        self._state = state
        await self._events.put(event)

    def _finish(self) -> None:
        if self._finished:
            return
        self._finished = True
        # A reader waiting in get() means the queue is empty, so there is room to wake it; with
        # a full queue the reader drains it and then sees _finished.
        if not self._events.full():
            self._events.put_nowait(None)

    def _raise_if_crashed(self) -> None:
        task = self._task
        if task is not None and task.done() and not task.cancelled():
            exc = task.exception()
            if exc is not None:
                raise exc
