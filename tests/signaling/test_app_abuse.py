"""The abuse limits at the hub's door, against the real hub: connections and reconnects per
address, the handshake deadline for silent sockets, and a client that stops reading."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable, Coroutine
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from signaling import protocol as p
from signaling.app import ADDRESS_LIMIT, HUB
from tests.fixtures.hub import RunningHub
from tests.participant import UNIT, Participant, eventually

from .test_app_limits import hello, open_raw

HubFactory = Callable[..., Coroutine[Any, Any, RunningHub]]


async def refused_at_the_door(hub: RunningHub) -> InvalidStatus:
    with pytest.raises(InvalidStatus) as info:
        await open_raw(hub)
    return info.value


async def test_connections_from_one_address_are_capped(
    hub_factory: HubFactory, caplog: pytest.LogCaptureFixture
) -> None:
    hub = await hub_factory(max_connections_per_address=3)
    held = [await open_raw(hub) for _ in range(3)]
    with caplog.at_level(logging.WARNING, logger="madoguchi.app"):
        refusals = [await refused_at_the_door(hub) for _ in range(3)]
    assert {r.response.status_code for r in refusals} == {429}
    assert all(int(r.response.headers["Retry-After"]) >= 1 for r in refusals)
    # One line for the address, however many times it knocks.
    assert len([r for r in caplog.records if "refused WebSockets" in r.message]) == 1
    await held[0].close()
    limit = hub.server.app[ADDRESS_LIMIT]

    async def released() -> bool:
        return limit.open_from("127.0.0.1") == 2

    await eventually(released)
    again = await open_raw(hub)
    assert isinstance(await hello(again, token=hub.demo.kiosks[0].token), p.Welcome)
    for ws in [again, *held[1:]]:
        await ws.close()


async def test_new_connections_from_one_address_are_rate_limited(hub_factory: HubFactory) -> None:
    hub = await hub_factory(address_reconnect_burst=5, address_reconnects_per_minute=1)
    for _ in range(5):
        ws = await open_raw(hub)
        await ws.close()
    refusal = await refused_at_the_door(hub)
    assert refusal.response.status_code == 429
    # One connection a minute: the next one is most of a minute away.
    assert int(refusal.response.headers["Retry-After"]) > 30


async def test_a_refused_client_can_come_back_through_its_link(hub_factory: HubFactory) -> None:
    """The clients' link retries a 429 with backoff, so a capped center recovers by itself."""
    hub = await hub_factory(max_connections_per_address=1)
    blocker = await open_raw(hub)
    participant = Participant(hub.url, hub.kiosk(0))
    entering = asyncio.create_task(participant.__aenter__())
    await asyncio.sleep(0.3)
    assert not entering.done()
    await blocker.close()
    async with asyncio.timeout(UNIT):
        await entering
    await participant.__aexit__(None, None, None)


async def silent_then_closed(hub: RunningHub, first_bytes: bytes, deadline: float) -> None:
    assert hub.server.port is not None
    reader, writer = await asyncio.open_connection("127.0.0.1", hub.server.port)
    try:
        writer.write(first_bytes)
        # Generous: closed before three deadlines, never a tighter wall-clock claim.
        async with asyncio.timeout(3 * deadline):
            assert await reader.read() == b""
    finally:
        writer.close()


async def test_a_socket_that_sends_nothing_is_closed_at_the_handshake_deadline(
    hub_factory: HubFactory,
) -> None:
    hub = await hub_factory(handshake_timeout_seconds=1)
    await silent_then_closed(hub, b"", deadline=1)


async def test_a_socket_that_stops_mid_headers_is_closed_at_the_handshake_deadline(
    hub_factory: HubFactory,
) -> None:
    hub = await hub_factory(handshake_timeout_seconds=1)
    await silent_then_closed(hub, b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\n", deadline=1)


async def test_a_websocket_lives_past_the_handshake_deadline(hub_factory: HubFactory) -> None:
    hub = await hub_factory(handshake_timeout_seconds=1)
    async with Participant(hub.url, hub.kiosk(0)) as kiosk:
        await asyncio.sleep(1.5)
        await kiosk.send(p.RequestConsultation(category_id="juminhyo", language="ja"))
        await kiosk.expect(p.Queued)


def small_receive_buffer(hub: RunningHub) -> socket.socket:
    """A client socket whose kernel buffer fills fast once its owner stops reading."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    assert hub.server.port is not None
    sock.connect_ex(("127.0.0.1", hub.server.port))
    return sock


async def test_a_client_that_stops_reading_is_cut_off_and_nobody_else_waits(
    hub_factory: HubFactory,
) -> None:
    hub = await hub_factory(rate_limit_per_second=100_000, rate_limit_burst=100_000)
    switch = hub.server.app[HUB]
    sock = small_receive_buffer(hub)
    await asyncio.sleep(0.05)  # connected on loopback
    # max_queue=1: once one frame waits unread, websockets stops reading the socket at all.
    stalled = await connect(hub.url, sock=sock, max_queue=1)
    staff = hub.staff("tanaka")
    login = await hello(stalled, username=staff.username, password=staff.password)
    assert isinstance(login, p.Welcome)
    (stalled_connection,) = switch.connected()
    async with Participant(hub.url, hub.staff("sato")) as reading:
        # Each request and each cancel is a queue snapshot for both consoles of the department.
        churning = [
            asyncio.create_task(churn(hub, n, lambda: stalled_connection.cut_off)) for n in range(3)
        ]
        async with asyncio.timeout(6 * UNIT):
            snapshots = sum(await asyncio.gather(*churning))
        assert stalled_connection.cut_off, f"not cut off after {snapshots} snapshots"

        async def detached() -> bool:
            return all(c is not stalled_connection for c in switch.connected())

        await eventually(detached)
        # The console that reads sees the next change at once, whatever the other one did.
        reading.inbox.clear()
        async with Participant(hub.url, hub.kiosk(0)) as kiosk:
            await kiosk.send(p.RequestConsultation(category_id="juminhyo", language="ja"))
            queued = await kiosk.expect(p.Queued)
            async with asyncio.timeout(UNIT):
                while queued.session_id not in {
                    e.session_id for e in (await reading.expect(p.QueueSnapshot)).entries
                }:
                    pass
        print(f"cut off after {snapshots} queue changes")
    with pytest.raises(ConnectionClosed):
        await read_until_closed(stalled)


async def read_until_closed(ws: ClientConnection) -> None:
    async with asyncio.timeout(UNIT):
        while True:
            await ws.recv()


async def churn(hub: RunningHub, kiosk: int, done: Callable[[], bool]) -> int:
    """Queue and cancel over and over until ``done``; returns how many changes it made."""
    ws = await open_raw(hub)
    assert isinstance(await hello(ws, token=hub.demo.kiosks[kiosk].token), p.Welcome)
    request = p.encode(p.RequestConsultation(category_id="juminhyo", language="ja")).decode()
    changes = 0
    while not done() and changes < 40_000:
        await ws.send(request)
        while not isinstance(queued := p.decode_server(await ws.recv()), p.Queued):
            pass
        await ws.send(p.encode(p.CancelRequest(session_id=queued.session_id)).decode())
        changes += 2
    await ws.close()
    return changes
