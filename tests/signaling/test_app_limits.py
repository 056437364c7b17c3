"""Every refusal the hub makes at its door: a typed error, the right close code, no side effects."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from call.link import LinkFailed
from signaling import protocol as p
from signaling.app import HUB
from signaling.tokens import hash_token
from tests.fixtures.hub import RunningHub
from tests.participant import UNIT, Participant


def nobody_attached(hub: RunningHub) -> bool:
    overview = hub.server.app[HUB].switchboard.overview(time.time())
    return not any(overview.connections.values())


async def open_raw(hub: RunningHub, **kwargs: object) -> ClientConnection:
    return await connect(hub.url, **kwargs)  # type: ignore[arg-type]


async def hello(ws: ClientConnection, **fields: object) -> p.ServerMessage:
    await ws.send(p.encode(p.Hello(protocol_version=p.PROTOCOL_VERSION, **fields)).decode())  # type: ignore[arg-type]
    return p.decode_server(await ws.recv())


async def refused(ws: ClientConnection, code: p.ErrorCode) -> None:
    """The next frame is an Error with ``code``, then the hub closes with its close code."""
    error = p.decode_server(await ws.recv())
    assert isinstance(error, p.Error), error
    assert error.code is code
    await closed_with(ws, p.CLOSE_CODES[code], code.value)


async def drain(ws: ClientConnection) -> list[p.ServerMessage]:
    """Everything the hub sends until it closes the connection."""
    received = []
    async with asyncio.timeout(UNIT):
        try:
            while True:
                received.append(p.decode_server(await ws.recv()))
        except ConnectionClosed:
            return received


async def closed_with(ws: ClientConnection, close_code: int, reason: str | None = None) -> None:
    await drain(ws)
    assert ws.close_code == close_code
    if reason is not None:
        assert ws.close_reason == reason


async def test_a_wrong_kiosk_token_is_refused_as_unauthorized(hub: RunningHub) -> None:
    ws = await open_raw(hub)
    error = await hello(ws, token="not-a-real-token")
    assert isinstance(error, p.Error)
    assert error.code is p.ErrorCode.UNAUTHORIZED
    await closed_with(ws, 4401, "unauthorized")
    assert nobody_attached(hub)


async def test_a_wrong_password_is_refused_and_audited(hub: RunningHub) -> None:
    ws = await open_raw(hub)
    error = await hello(ws, username="tanaka", password="wrong")
    assert isinstance(error, p.Error)
    assert error.code is p.ErrorCode.UNAUTHORIZED
    await closed_with(ws, 4401)
    store = await hub.store()
    try:
        entries = await store.list_audit()
    finally:
        await store.close()
    assert any(e.action == "login_failed" for e in entries)
    assert nobody_attached(hub)


async def test_repeated_failures_throttle_the_address_even_for_the_right_password(
    hub: RunningHub,
) -> None:
    for _ in range(hub.settings.login_failures_allowed):
        ws = await open_raw(hub)
        await hello(ws, username="tanaka", password="guess")
        await ws.close()
    ws = await open_raw(hub)
    right = hub.staff("tanaka")
    error = await hello(ws, username="tanaka", password=right.password)
    assert isinstance(error, p.Error)
    assert error.code is p.ErrorCode.LOGIN_THROTTLED
    await closed_with(ws, 4429, "login_throttled")
    assert nobody_attached(hub)


async def test_an_expired_session_token_is_refused_as_expired(hub: RunningHub) -> None:
    store = await hub.store()
    try:
        account = await store.get_account_by_username("tanaka")
        assert account is not None
        await store.create_session(hash_token("old-token"), account.id, 0.0, time.time() - 1)
    finally:
        await store.close()
    ws = await open_raw(hub)
    error = await hello(ws, token="old-token")
    assert isinstance(error, p.Error)
    assert error.code is p.ErrorCode.SESSION_EXPIRED
    await closed_with(ws, 4401, "session_expired")


async def test_a_disabled_account_is_refused(hub: RunningHub) -> None:
    store = await hub.store()
    try:
        account = await store.get_account_by_username("suzuki")
        assert account is not None
        await store.set_account_disabled(account.id, True, actor="test", now=time.time())
    finally:
        await store.close()
    ws = await open_raw(hub)
    error = await hello(ws, username="suzuki", password=hub.staff("suzuki").password)
    assert isinstance(error, p.Error)
    assert error.code is p.ErrorCode.ACCOUNT_DISABLED
    await closed_with(ws, 4403, "account_disabled")


async def test_a_login_gives_a_session_token_that_works_for_reconnecting(hub: RunningHub) -> None:
    async with Participant(hub.url, hub.staff("sato")) as first:
        token = first.welcome.session_token
    assert token is not None
    ws = await open_raw(hub)
    welcome = await hello(ws, token=token)
    assert isinstance(welcome, p.Welcome)
    assert welcome.display_name == first.welcome.display_name
    assert welcome.session_token is None  # only a password login issues one
    await ws.close()


async def test_a_client_that_says_nothing_is_dropped_after_the_hello_timeout(
    hub_factory,  # type: ignore[no-untyped-def]
) -> None:
    hub = await hub_factory(hello_timeout_seconds=1)
    ws = await open_raw(hub)
    await refused(ws, p.ErrorCode.HELLO_TIMEOUT)
    assert nobody_attached(hub)


async def test_the_first_message_must_be_hello(hub: RunningHub) -> None:
    ws = await open_raw(hub)
    await ws.send(p.encode(p.AcceptNext()).decode())
    await refused(ws, p.ErrorCode.HELLO_REQUIRED)


async def test_an_unsupported_protocol_version_is_refused(hub: RunningHub) -> None:
    ws = await open_raw(hub)
    await ws.send(json.dumps({"type": "hello", "protocol_version": 99, "token": "x"}))
    await refused(ws, p.ErrorCode.UNSUPPORTED_VERSION)


async def test_malformed_json_before_hello_is_refused(hub: RunningHub) -> None:
    ws = await open_raw(hub)
    await ws.send("{not json")
    await refused(ws, p.ErrorCode.BAD_MESSAGE)


async def test_bad_messages_after_hello_are_answered_and_the_connection_lives_on(
    hub: RunningHub,
) -> None:
    ws = await open_raw(hub)
    assert isinstance(await hello(ws, token=hub.demo.kiosks[0].token), p.Welcome)
    await ws.recv()  # directory
    await ws.send("{not json")
    await ws.send(json.dumps({"type": "launch_rockets"}))
    await ws.send(json.dumps({"type": "submit_survey", "session_id": "x", "score": 11}))
    await ws.send(b"\x00binary")
    await ws.send(p.encode(p.AcceptNext()).decode())  # a staff command from a kiosk
    codes = [p.decode_server(await ws.recv()) for _ in range(5)]
    assert [c.code for c in codes if isinstance(c, p.Error)] == [
        p.ErrorCode.BAD_MESSAGE,
        p.ErrorCode.UNKNOWN_TYPE,
        p.ErrorCode.BAD_MESSAGE,
        p.ErrorCode.BAD_MESSAGE,
        p.ErrorCode.FORBIDDEN,
    ]
    await ws.send(p.encode(p.RequestConsultation(category_id="juminhyo", language="ja")).decode())
    assert isinstance(p.decode_server(await ws.recv()), p.Queued)
    await ws.close()


async def test_a_frame_over_64_kib_closes_the_connection_as_too_big(hub: RunningHub) -> None:
    ws = await open_raw(hub, max_size=None)
    assert isinstance(await hello(ws, token=hub.demo.kiosks[0].token), p.Welcome)
    sdp = "a" * (p.MAX_FRAME_BYTES + 1)
    await ws.send(json.dumps({"type": "sdp_offer", "session_id": "x", "sdp": sdp}))
    await closed_with(ws, 1009)
    await asyncio.sleep(0.1)
    assert nobody_attached(hub)


async def test_compression_is_never_negotiated_so_nothing_inflates_past_the_cap(
    hub: RunningHub,
) -> None:
    ws = await open_raw(hub, compression="deflate")
    assert ws.response is not None
    assert "Sec-WebSocket-Extensions" not in ws.response.headers
    await ws.close()


async def test_a_flooding_client_is_rate_limited_then_cut_off(hub: RunningHub) -> None:
    ws = await open_raw(hub)
    assert isinstance(await hello(ws, token=hub.demo.kiosks[0].token), p.Welcome)
    await ws.recv()  # directory
    status = p.encode(p.ReportStatus(activity=p.KioskActivity.IDLE)).decode()
    for _ in range(hub.settings.rate_limit_burst * 3):
        await ws.send(status)
    errors = {m.code for m in await drain(ws) if isinstance(m, p.Error)}
    assert errors == {p.ErrorCode.RATE_LIMITED}
    assert ws.close_code == 4429


async def test_a_browser_from_a_foreign_origin_is_refused_before_the_upgrade(
    hub: RunningHub,
) -> None:
    with pytest.raises(InvalidStatus) as info:
        await connect(hub.url, origin="https://evil.example")  # type: ignore[arg-type]
    assert info.value.response.status_code == 403
    ws = await connect(hub.url, origin=hub.settings.allowed_origins[0])  # type: ignore[arg-type]
    assert isinstance(await hello(ws, token=hub.demo.kiosks[0].token), p.Welcome)
    await ws.close()


async def test_a_second_console_for_the_same_account_replaces_the_first(hub: RunningHub) -> None:
    async with Participant(hub.url, hub.staff("tanaka")) as first:
        token = first.welcome.session_token
        ws = await open_raw(hub)
        assert isinstance(await hello(ws, token=token), p.Welcome)
        failed = await first.expect(LinkFailed)
        assert failed.code is p.ErrorCode.REPLACED
        await ws.close()
