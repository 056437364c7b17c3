"""Frames written to the socket at once (`Hub._write_now`) and through the outbox keep their
order, and each is a whole WebSocket frame a client reads."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from types import SimpleNamespace
from typing import Any

import pytest
from websockets.frames import Frame, Opcode
from websockets.streams import StreamReader

from signaling import protocol as p
from signaling.directory import Directory
from signaling.hub import Connection, Hub, text_frame
from signaling.session import ConnId
from signaling.switchboard import Switchboard
from tests.fixtures.hub import RunningHub
from tests.participant import UNIT, Participant


@pytest.mark.parametrize("size", [0, 1, 125, 126, 5_000, 65_535, 65_536, 200_000])
def test_a_text_frame_is_what_a_client_reads(size: int) -> None:
    payload = bytes(ord("a") + n % 26 for n in range(size))
    reader = StreamReader()
    reader.feed_data(text_frame(payload))
    reader.feed_eof()
    parser = Frame.parse(reader.read_exact, mask=False)
    with pytest.raises(StopIteration) as parsed:
        next(parser)
    frame = parsed.value.value
    assert (frame.opcode, frame.fin, frame.rsv1) == (Opcode.TEXT, True, False)
    assert frame.data == payload
    assert reader.at_eof()  # nothing left over: the next frame starts right after


async def test_relayed_messages_keep_their_order_while_state_writes_hold_others_back(
    hub_factory: Callable[..., Coroutine[Any, Any, RunningHub]],
) -> None:
    """Another staff member's presence changes make state file writes pending now and then;
    the relays written meanwhile wait in the outbox, the others go at once, and the kiosk
    reads every candidate in the order staff sent it."""
    count = 400
    # Faster than any person: past the per-connection rate limit.
    hub = await hub_factory(rate_limit_per_second=10_000, rate_limit_burst=10_000)
    async with (
        Participant(hub.url, hub.kiosk(0)) as kiosk,
        Participant(hub.url, hub.staff("tanaka")) as tanaka,
        Participant(hub.url, hub.staff("suzuki")) as suzuki,
    ):
        await kiosk.send(p.RequestConsultation(category_id="juminhyo", language="ja"))
        session_id = (await kiosk.expect(p.Queued)).session_id
        await tanaka.send(p.Accept(session_id=session_id))
        await kiosk.expect(p.SessionStarted)

        async def flip_presence() -> None:
            for n in range(count // 2):
                presence = p.Presence.AWAY if n % 2 else p.Presence.AVAILABLE
                await suzuki.send(p.SetPresence(presence=presence))
                await asyncio.sleep(0)

        async def send_candidates() -> None:
            for n in range(count):
                candidate = f"candidate:{n} 1 udp 2122260223 192.0.2.1 {1024 + n} typ host"
                await tanaka.send(
                    p.IceCandidate(
                        session_id=session_id, candidate=candidate, sdp_mid="0", sdp_mline_index=0
                    )
                )

        await asyncio.gather(flip_presence(), send_candidates())
        received = [
            (await kiosk.expect(p.IceCandidate, within=4 * UNIT)).candidate for _ in range(count)
        ]
    assert [int(c.split()[0].split(":")[1]) for c in received] == list(range(count))


class Socket:
    """A transport that records what is written, with a buffer the test fills."""

    def __init__(self) -> None:
        self.written: list[bytes] = []
        self.buffered = 0
        self.closing = False

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def is_closing(self) -> bool:
        return self.closing

    def get_write_buffer_size(self) -> int:
        return self.buffered

    def abort(self) -> None:
        self.closing = True


def hub_with_one_connection() -> tuple[Hub, Connection, Socket]:
    hub = Hub(Switchboard(Directory(departments=[])), store=None)  # type: ignore[arg-type]
    socket = Socket()
    ws = SimpleNamespace(closed=False)
    connection = Connection(id=ConnId(1), ws=ws, principal=None, transport=socket)  # type: ignore[arg-type]
    return hub, connection, socket


def test_a_frame_with_nothing_ahead_of_it_goes_to_the_socket_at_once() -> None:
    hub, connection, socket = hub_with_one_connection()
    hub._enqueue(connection, b'{"n":1}')
    assert socket.written == [text_frame(b'{"n":1}')]
    assert connection.outbox.empty()


@pytest.mark.parametrize(
    "ahead",
    [
        "a frame in the outbox",
        "a frame in the writer's hands",
        "a state file write pending",
        "a full socket buffer",
        "a closing socket",
    ],
)
def test_a_frame_with_something_ahead_of_it_waits_in_the_outbox(ahead: str) -> None:
    hub, connection, socket = hub_with_one_connection()
    match ahead:
        case "a frame in the outbox":
            connection.outbox.put_nowait(b'{"n":0}')
        case "a frame in the writer's hands":
            connection.sending = True
        case "a state file write pending":
            hub._state_pending = asyncio.Event()
        case "a full socket buffer":
            socket.buffered = 1 << 20
        case "a closing socket":
            socket.closing = True
    hub._enqueue(connection, b'{"n":1}')
    assert socket.written == []
    assert b'{"n":1}' in [connection.outbox.get_nowait() for _ in range(connection.outbox.qsize())]
