"""The link against a scripted hub: a real aiohttp WebSocket server on loopback."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from contextlib import aclosing, asynccontextmanager
from typing import TypeVar

import pytest
from aiohttp import WSCloseCode, WSMsgType, web
from aiohttp.test_utils import unused_port
from pytest_aiohttp import AiohttpServer

from call.link import (
    EVENT_QUEUE_SIZE,
    Credentials,
    Link,
    LinkConnected,
    LinkConnecting,
    LinkDisconnected,
    LinkDown,
    LinkEvent,
    LinkFailed,
    LinkState,
    backoff_delay,
)
from signaling.protocol import (
    ClientMessage,
    Error,
    ErrorCode,
    Hello,
    Queued,
    RequestConsultation,
    Role,
    ServerMessage,
    Welcome,
    decode_client,
    encode,
)

UNIT = 0.05  # seconds; every timeout and delay here is a multiple of it
WAIT = 40 * UNIT  # how long something that should happen may take
BACKOFF_INITIAL = UNIT
BACKOFF_MAX = 4 * UNIT
KIOSK_TOKEN = "kiosk-token-1"

Event = LinkEvent | ServerMessage
E = TypeVar("E")
Script = Callable[[web.WebSocketResponse, Hello, int], Awaitable[None]]


async def send(ws: web.WebSocketResponse, message: ServerMessage) -> None:
    await ws.send_str(encode(message).decode())


def welcome_for(hello: Hello, number: int) -> Welcome:
    return Welcome(
        protocol_version=hello.protocol_version,
        role=Role.KIOSK if hello.token == KIOSK_TOKEN else Role.STAFF,
        principal_id="p-1",
        display_name="Sakura community center",
        resume_token=f"resume-{number}",
        resumed=hello.resume_token is not None,
        session_token="session-1" if hello.password is not None else None,
    )


async def welcome(ws: web.WebSocketResponse, hello: Hello, number: int) -> None:
    await send(ws, welcome_for(hello, number))


def welcome_then_close(code: int, reason: str = "") -> Script:
    async def script(ws: web.WebSocketResponse, hello: Hello, number: int) -> None:
        await welcome(ws, hello, number)
        await ws.close(code=code, message=reason.encode())

    return script


def refuse(code: ErrorCode) -> Script:
    async def script(ws: web.WebSocketResponse, hello: Hello, number: int) -> None:
        await send(ws, Error(code=code, message=f"refused: {code}"))

    return script


async def stay_silent(ws: web.WebSocketResponse, hello: Hello, number: int) -> None:
    pass


class ScriptedHub:
    """Answers each connection's hello with the next script, then records what the link sends."""

    def __init__(self, *scripts: Script) -> None:
        self.scripts = list(scripts)  # once they run out, every hello is welcomed
        self.hellos: list[Hello] = []
        self.received: asyncio.Queue[ClientMessage] = asyncio.Queue()
        self.app = web.Application()
        self.app.router.add_get("/hub", self._handle)

    async def _handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        hello = decode_client(await ws.receive_str())
        assert isinstance(hello, Hello)
        self.hellos.append(hello)
        script = self.scripts.pop(0) if self.scripts else welcome
        await script(ws, hello, len(self.hellos))
        async for frame in ws:
            if frame.type is WSMsgType.TEXT:
                await self.received.put(decode_client(frame.data))
        return ws


async def serve(aiohttp_server: AiohttpServer, hub: ScriptedHub, port: int | None = None) -> str:
    server = await aiohttp_server(hub.app, port=port)
    return str(server.make_url("/hub").with_scheme("ws"))


def make_link(
    url: str, credentials: Credentials | None = None, *, hello_timeout: float = WAIT
) -> Link:
    return Link(
        url,
        credentials or Credentials(token=KIOSK_TOKEN),
        app="kiosk",
        app_version="test",
        backoff_initial=BACKOFF_INITIAL,
        backoff_max=BACKOFF_MAX,
        hello_timeout=hello_timeout,
        rng=random.Random(7),  # seeded, so the jittered delays repeat from run to run
    )


@asynccontextmanager
async def running(link: Link) -> AsyncIterator[AsyncGenerator[Event, None]]:
    async with link, aclosing(link.events()) as events:
        yield events


async def expect(events: AsyncIterator[Event], kind: type[E]) -> E:
    async with asyncio.timeout(WAIT):
        event = await anext(events)
    assert isinstance(event, kind), f"expected {kind.__name__}, got {event!r}"
    return event


async def skip_to(events: AsyncIterator[Event], kind: type[E]) -> E:
    """The next event of this kind, passing over the retries on the way."""
    async with asyncio.timeout(WAIT):
        async for event in events:
            if isinstance(event, kind):
                return event
            assert isinstance(event, LinkConnecting | LinkDisconnected), event
    raise AssertionError("the events ended")


async def assert_ended(events: AsyncIterator[Event]) -> None:
    async with asyncio.timeout(WAIT):
        with pytest.raises(StopAsyncIteration):
            await anext(events)


async def test_link_connects_and_reports_the_welcome(aiohttp_server: AiohttpServer) -> None:
    hub = ScriptedHub()
    link = make_link(await serve(aiohttp_server, hub))
    async with running(link) as events:
        assert await expect(events, LinkConnecting) == LinkConnecting(attempt=0)
        connected = await expect(events, LinkConnected)

        assert connected.welcome.resume_token == "resume-1"
        assert link.state is LinkState.CONNECTED
        assert link.welcome == connected.welcome
    [hello] = hub.hellos
    assert hello.protocol_version == 1
    assert hello.token == KIOSK_TOKEN
    assert hello.resume_token is None
    assert (hello.app, hello.app_version) == ("kiosk", "test")


async def test_messages_sent_while_connected_reach_the_hub(aiohttp_server: AiohttpServer) -> None:
    hub = ScriptedHub()
    link = make_link(await serve(aiohttp_server, hub))
    request = RequestConsultation(category_id="juminhyo", language="ja")
    async with running(link) as events:
        await skip_to(events, LinkConnected)
        await link.send(request)
        async with asyncio.timeout(WAIT):
            assert await hub.received.get() == request


async def test_password_login_reconnects_with_the_session_token_and_resume_token(
    aiohttp_server: AiohttpServer,
) -> None:
    hub = ScriptedHub(welcome_then_close(WSCloseCode.INTERNAL_ERROR))
    credentials = Credentials(username="sato", password="correct horse")
    link = make_link(await serve(aiohttp_server, hub), credentials)
    async with running(link) as events:
        first = await skip_to(events, LinkConnected)
        await skip_to(events, LinkConnected)

    login, reconnect = hub.hellos
    assert (login.username, login.password, login.token) == ("sato", "correct horse", None)
    assert (reconnect.username, reconnect.password) == (None, None)
    assert reconnect.token == first.welcome.session_token == "session-1"
    assert reconnect.resume_token == first.welcome.resume_token
    assert credentials.password is None


async def test_going_away_makes_the_link_reconnect_quickly_and_resume(
    aiohttp_server: AiohttpServer,
) -> None:
    hub = ScriptedHub(welcome_then_close(WSCloseCode.GOING_AWAY))
    async with running(make_link(await serve(aiohttp_server, hub))) as events:
        await skip_to(events, LinkConnected)
        disconnected = await expect(events, LinkDisconnected)
        assert await expect(events, LinkConnecting) == LinkConnecting(attempt=1)
        resumed = await expect(events, LinkConnected)

    assert disconnected.retry_in <= BACKOFF_INITIAL
    assert hub.hellos[1].resume_token == "resume-1"
    assert resumed.welcome.resumed


async def test_unauthorized_hello_fails_the_link_without_retrying(
    aiohttp_server: AiohttpServer,
) -> None:
    hub = ScriptedHub(refuse(ErrorCode.UNAUTHORIZED))
    link = make_link(await serve(aiohttp_server, hub))
    async with running(link) as events:
        await expect(events, LinkConnecting)
        failed = await expect(events, LinkFailed)
        await assert_ended(events)  # the events end when the link's task does: no more attempts

        assert failed.code is ErrorCode.UNAUTHORIZED
        assert link.state is LinkState.FAILED
    assert len(hub.hellos) == 1


async def test_fatal_close_code_from_the_hub_fails_the_link(aiohttp_server: AiohttpServer) -> None:
    hub = ScriptedHub(welcome_then_close(4001, ErrorCode.SESSION_EXPIRED))
    async with running(make_link(await serve(aiohttp_server, hub))) as events:
        await skip_to(events, LinkConnected)
        failed = await expect(events, LinkFailed)
        await assert_ended(events)

    assert failed.code is ErrorCode.SESSION_EXPIRED
    assert len(hub.hellos) == 1


async def test_throttled_login_is_retried_with_backoff(aiohttp_server: AiohttpServer) -> None:
    hub = ScriptedHub(refuse(ErrorCode.LOGIN_THROTTLED))
    credentials = Credentials(username="sato", password="correct horse")
    async with running(make_link(await serve(aiohttp_server, hub), credentials)) as events:
        await expect(events, LinkConnecting)
        disconnected = await expect(events, LinkDisconnected)
        await expect(events, LinkConnecting)
        await expect(events, LinkConnected)

    assert "login_throttled" in disconnected.reason
    assert [hello.password for hello in hub.hellos] == ["correct horse", "correct horse"]


async def test_hello_without_a_reply_times_out_and_is_retried(
    aiohttp_server: AiohttpServer,
) -> None:
    hub = ScriptedHub(stay_silent)
    link = make_link(await serve(aiohttp_server, hub), hello_timeout=4 * UNIT)
    async with running(link) as events:
        await expect(events, LinkConnecting)
        await expect(events, LinkDisconnected)
        await skip_to(events, LinkConnected)

    assert len(hub.hellos) >= 2


async def test_link_connects_after_backoff_once_an_unreachable_hub_comes_up(
    aiohttp_server: AiohttpServer,
) -> None:
    port = unused_port()
    link = make_link(f"ws://127.0.0.1:{port}/hub")
    async with running(link) as events:
        for attempt in range(3):
            assert await expect(events, LinkConnecting) == LinkConnecting(attempt)
            disconnected = await expect(events, LinkDisconnected)
            assert 0 <= disconnected.retry_in <= min(BACKOFF_MAX, BACKOFF_INITIAL * 2**attempt)
        hub = ScriptedHub()
        await serve(aiohttp_server, hub, port)
        await skip_to(events, LinkConnected)

    assert len(hub.hellos) == 1


async def test_send_raises_link_down_unless_connected(aiohttp_server: AiohttpServer) -> None:
    link = make_link(f"ws://127.0.0.1:{unused_port()}/hub")
    request = RequestConsultation(category_id="juminhyo", language="ja")
    with pytest.raises(LinkDown):
        await link.send(request)  # not started
    async with running(link) as events:
        await skip_to(events, LinkDisconnected)
        with pytest.raises(LinkDown):
            await link.send(request)  # the hub is unreachable
    with pytest.raises(LinkDown):
        await link.send(request)  # closed


async def test_malformed_frames_from_the_hub_are_skipped_and_logged(
    aiohttp_server: AiohttpServer, caplog: pytest.LogCaptureFixture
) -> None:
    queued = Queued(
        session_id="s-1", department_id="shimin", position=2, eta_seconds=240, staff_on_duty=1
    )

    async def garble_then_queue(ws: web.WebSocketResponse, hello: Hello, number: int) -> None:
        await ws.send_str("{not json")
        await welcome(ws, hello, number)
        await ws.send_str('{"type": "no_such_message"}')
        await ws.send_str('{"type": "queued", "position": "second"}')
        await send(ws, queued)

    hub = ScriptedHub(garble_then_queue)
    url = await serve(aiohttp_server, hub)
    with caplog.at_level(logging.WARNING, logger="call.link"):
        async with running(make_link(url)) as events:
            await expect(events, LinkConnecting)
            await expect(events, LinkConnected)
            assert await expect(events, Queued) == queued

    skipped = [record.getMessage() for record in caplog.records]
    assert len(skipped) == 3
    assert all(url in message for message in skipped)


async def test_deeply_nested_frames_from_the_hub_are_skipped_with_one_line_each(
    aiohttp_server: AiohttpServer, caplog: pytest.LogCaptureFixture
) -> None:
    """The clients share the hub's decoder: 1,000 levels is a skipped frame, not a traceback."""
    queued = Queued(
        session_id="s-1", department_id="shimin", position=1, eta_seconds=60, staff_on_duty=1
    )
    deep = [
        "[" * 1000 + "]" * 1000,
        '{"type":"queued","x":' + '{"a":' * 1000 + "}" * 1001,
        "[" * 30_000,
    ]

    async def nest_then_queue(ws: web.WebSocketResponse, hello: Hello, number: int) -> None:
        await ws.send_str(deep[0])  # before the welcome too
        await welcome(ws, hello, number)
        for frame in deep:
            await ws.send_str(frame)
        await send(ws, queued)

    url = await serve(aiohttp_server, ScriptedHub(nest_then_queue))
    with caplog.at_level(logging.DEBUG):
        async with running(make_link(url)) as events:
            await expect(events, LinkConnecting)
            await expect(events, LinkConnected)
            assert await expect(events, Queued) == queued

    skipped = [r.getMessage() for r in caplog.records if "skipped a frame" in r.getMessage()]
    assert len(skipped) == 1 + len(deep)
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []


async def test_a_reader_that_falls_behind_loses_no_messages(
    aiohttp_server: AiohttpServer,
) -> None:
    count = 2 * EVENT_QUEUE_SIZE  # more than the queue holds: the link must wait, not drop

    async def flood(ws: web.WebSocketResponse, hello: Hello, number: int) -> None:
        await welcome(ws, hello, number)
        for position in range(1, count + 1):
            await send(
                ws,
                Queued(
                    session_id="s-1",
                    department_id="shimin",
                    position=position,
                    eta_seconds=None,
                    staff_on_duty=0,
                ),
            )

    hub = ScriptedHub(flood)
    async with running(make_link(await serve(aiohttp_server, hub))) as events:
        await skip_to(events, LinkConnected)
        await asyncio.sleep(4 * UNIT)  # let the queue fill up
        positions = [(await expect(events, Queued)).position for _ in range(count)]

    assert positions == list(range(1, count + 1))


async def test_close_ends_the_events_and_leaves_the_link_closed(
    aiohttp_server: AiohttpServer,
) -> None:
    link = make_link(await serve(aiohttp_server, ScriptedHub()))
    async with running(link) as events:
        await skip_to(events, LinkConnected)
        await link.close()  # and again on leaving the block, which is harmless

        await assert_ended(events)
        assert link.state is LinkState.CLOSED


def test_backoff_grows_with_full_jitter_and_stays_capped() -> None:
    rng = random.Random(7)
    for attempt in (0, 1, 3, 10, 100_000):  # a kiosk offline for days must not overflow
        cap = min(15.0, 0.5 * 2.0 ** min(attempt, 32))
        delays = [backoff_delay(attempt, 0.5, 15.0, rng) for _ in range(50)]
        assert all(0 <= delay <= cap for delay in delays)
        assert max(delays) > cap / 2  # jittered over the whole range, not only near zero


def test_credentials_take_a_token_or_a_login_and_never_show_secrets() -> None:
    with pytest.raises(ValueError, match="either a token"):
        Credentials(token="t", username="sato", password="pw")
    with pytest.raises(ValueError, match="either a token"):
        Credentials(username="sato")
    shown = repr(Credentials(username="sato", password="correct horse"))
    assert "correct horse" not in shown
    assert "sato" in shown
