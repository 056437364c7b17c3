"""The control channel: its wire format, the liveness rule, and a real channel between peers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import msgspec
import pytest
from aiortc import RTCConfiguration, RTCDataChannel, RTCPeerConnection

from call.control_channel import (
    ControlChannel,
    Liveness,
    create_control_channel,
    is_control_channel,
)
from call.control_messages import (
    MAX_INK_POINTS,
    MAX_MESSAGE_BYTES,
    ContentStarted,
    ContentStopped,
    ControlMessage,
    Heartbeat,
    Ink,
    InkClear,
    Pad,
    Phrase,
    QuickPhrase,
    RequestOffer,
    Text,
    decode_message,
    encode_message,
    ink_message,
)
from tests.participant import UNIT

TICK = UNIT / 50


# --- The wire format -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "wire"),
    [
        (Heartbeat(seq=7), '{"type":"heartbeat","seq":7}'),
        (
            Text(text="こちらの用紙に記入してください"),
            '{"type":"text","text":"こちらの用紙に記入してください"}',
        ),
        (Phrase(phrase=QuickPhrase.SAY_AGAIN), '{"type":"phrase","phrase":"say_again"}'),
        (ContentStarted(kind="screen"), '{"type":"content_started","kind":"screen"}'),
        (ContentStopped(), '{"type":"content_stopped"}'),
        (RequestOffer(), '{"type":"request_offer"}'),
        (
            Ink(id="k1", points=[(0.25, 0.5), (0.3, 0.5)]),
            '{"type":"ink","id":"k1","points":[[0.25,0.5],[0.3,0.5]]}',
        ),
        (
            Ink(id="s2", points=[(0.0, 1.0)], color="#005AFF"),
            '{"type":"ink","id":"s2","points":[[0.0,1.0]],"color":"#005AFF"}',
        ),
        (InkClear(), '{"type":"ink_clear"}'),
        (Pad(open=True), '{"type":"pad","open":true}'),
    ],
)
def test_each_message_has_the_documented_json(message: ControlMessage, wire: str) -> None:
    assert encode_message(message) == wire
    assert decode_message(wire) == message


def test_unknown_fields_are_ignored_so_a_newer_peer_can_add_some() -> None:
    assert decode_message('{"type":"heartbeat","seq":1,"sent_at":3.5}') == Heartbeat(seq=1)


@pytest.mark.parametrize(
    "wire",
    [
        '{"type":"shout","text":"hi"}',
        '{"type":"text","text":""}',
        '{"type":"heartbeat","seq":-1}',
        "not json",
        '{"type":"text","text":"' + "x" * 17000 + '"}',
        '{"type":"ink","id":"","points":[[0.1,0.1]]}',
        '{"type":"ink","id":"' + "k" * 65 + '","points":[]}',
        '{"type":"ink","id":"k1","points":[[1.5,0.1]]}',
        '{"type":"ink","id":"k1","points":[[-0.1,0.1]]}',
        '{"type":"ink","id":"k1","points":[[0.1]]}',
        '{"type":"ink","id":"k1","points":[[0.1,0.2,0.3]]}',
        '{"type":"ink","id":"k1","points":[["a","b"]]}',
        '{"type":"ink","id":"k1","points":[[0.1,0.1]],"color":"blue"}',
        '{"type":"ink","id":"k1","points":[[0.1,0.1]],"color":"#12345"}',
        '{"type":"ink","id":"k1","points":' + "[" + ",".join(["[0,0]"] * 2049) + "]}",
        '{"type":"pad","open":"yes"}',
        '{"type":"pad"}',
    ],
)
def test_unknown_types_bad_values_and_oversized_messages_do_not_decode(wire: str) -> None:
    with pytest.raises(msgspec.DecodeError):
        decode_message(wire)


def test_a_stroke_of_the_most_points_decodes_when_it_fits_the_size_bound() -> None:
    wire = '{"type":"ink","id":"k1","points":[' + ",".join(["[0,1]"] * MAX_INK_POINTS) + "]}"
    decoded = decode_message(wire)
    assert isinstance(decoded, Ink)
    assert len(decoded.points) == MAX_INK_POINTS


def test_ink_for_a_short_stroke_keeps_every_point_clamped_and_rounded() -> None:
    message = ink_message("k1", [(0.123456, 0.5), (1.2, -0.3)], "#000000")
    assert message == Ink(id="k1", points=[(0.1235, 0.5), (1.0, 0.0)], color="#000000")
    assert decode_message(encode_message(message)) == message


def test_ink_for_a_long_stroke_is_thinned_to_fit_and_keeps_both_ends() -> None:
    points = [(i / 9999, (i * 7919 % 9973) / 9973) for i in range(10_000)]
    message = ink_message("k1", points)
    wire = encode_message(message)
    assert len(wire) <= MAX_MESSAGE_BYTES
    assert len(message.points) <= MAX_INK_POINTS
    assert len(message.points) > 500  # thinned by halves, not to a stub
    assert message.points[0] == (0.0, 0.0)
    assert message.points[-1] == (round(points[-1][0], 4), round(points[-1][1], 4))
    assert decode_message(wire) == message


# --- Liveness, with time as an argument ------------------------------------------------------


def test_a_heartbeat_is_due_at_once_and_then_every_interval() -> None:
    liveness = Liveness(now=100.0, interval=1.0, timeout=5.0)
    assert liveness.send_due(100.0)
    liveness.sent(100.0)
    assert not liveness.send_due(100.9)
    assert liveness.send_due(101.0)


def test_the_peer_is_lost_after_the_timeout_of_silence_and_not_before() -> None:
    liveness = Liveness(now=0.0, interval=1.0, timeout=5.0)
    assert not liveness.lost(4.99)
    assert liveness.lost(5.0)


def test_anything_heard_restarts_the_silence() -> None:
    liveness = Liveness(now=0.0, interval=1.0, timeout=5.0)
    liveness.heard(4.0)
    assert not liveness.lost(8.9)
    assert liveness.lost(9.0)
    liveness.heard(2.0)  # a late report from an earlier moment changes nothing
    assert liveness.lost(9.0)


def test_the_next_deadline_is_the_sooner_of_heartbeat_and_loss() -> None:
    liveness = Liveness(now=0.0, interval=1.0, timeout=5.0)
    liveness.sent(0.0)
    assert liveness.next_deadline() == 1.0
    liveness.sent(4.5)
    assert liveness.next_deadline() == 5.0


def test_an_interval_not_below_the_timeout_is_refused() -> None:
    with pytest.raises(ValueError, match="interval"):
        Liveness(now=0.0, interval=5.0, timeout=5.0)


# --- A real channel --------------------------------------------------------------------------


@dataclass
class Channels:
    offerer: RTCDataChannel
    answerer: RTCDataChannel
    pcs: tuple[RTCPeerConnection, RTCPeerConnection]


@pytest.fixture
async def channels(loopback_ice: None) -> AsyncIterator[Channels]:
    a = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    b = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    arrived: asyncio.Future[RTCDataChannel] = asyncio.get_running_loop().create_future()
    b.on("datachannel", arrived.set_result)
    offered = create_control_channel(a)
    opened = asyncio.Event()
    offered.on("open", opened.set)
    await a.setLocalDescription(await a.createOffer())
    await b.setRemoteDescription(a.localDescription)
    await b.setLocalDescription(await b.createAnswer())
    await a.setRemoteDescription(b.localDescription)
    answered = await asyncio.wait_for(arrived, UNIT)
    await asyncio.wait_for(opened.wait(), UNIT)
    assert is_control_channel(answered)
    yield Channels(offered, answered, (a, b))
    await a.close()
    await b.close()


async def test_messages_cross_and_heartbeats_stay_below_the_app(channels: Channels) -> None:
    received: asyncio.Queue[ControlMessage] = asyncio.Queue()
    lost: list[str] = []
    kiosk = ControlChannel(
        channels.answerer, received.put_nowait, lost.append, interval=TICK, timeout=20 * TICK
    )
    staff = ControlChannel(
        channels.offerer, lambda m: None, lost.append, interval=TICK, timeout=20 * TICK
    )
    kiosk.start()
    staff.start()
    assert staff.send(Text(text="お待たせしました"))
    assert await asyncio.wait_for(received.get(), UNIT) == Text(text="お待たせしました")
    await asyncio.sleep(5 * TICK)  # several heartbeats each way
    assert received.empty()
    assert lost == []
    await kiosk.close()
    await staff.close()


async def test_a_peer_that_stops_talking_is_declared_lost_once(channels: Channels) -> None:
    lost: asyncio.Queue[str] = asyncio.Queue()
    # The other end has no ControlChannel: its channel is open but says nothing.
    staff = ControlChannel(
        channels.offerer, lambda m: None, lost.put_nowait, interval=TICK, timeout=6 * TICK
    )
    staff.start()
    reason = await asyncio.wait_for(lost.get(), UNIT)
    assert "no sign of life" in reason
    await asyncio.sleep(4 * TICK)
    assert lost.empty()
    await staff.close()


async def test_a_channel_closed_by_the_other_end_is_a_loss_at_once(channels: Channels) -> None:
    lost: asyncio.Queue[str] = asyncio.Queue()
    staff = ControlChannel(
        channels.offerer, lambda m: None, lost.put_nowait, interval=TICK, timeout=UNIT
    )
    staff.start()
    await channels.pcs[1].close()
    assert await asyncio.wait_for(lost.get(), UNIT / 2) == "the control channel closed"
    await staff.close()


async def test_a_bad_message_is_dropped_but_still_counts_as_life(channels: Channels) -> None:
    received: list[ControlMessage] = []
    lost: list[str] = []
    staff = ControlChannel(
        channels.offerer, received.append, lost.append, interval=TICK, timeout=6 * TICK
    )
    staff.start()
    for _ in range(10):
        channels.answerer.send('{"type":"from_the_future"}')
        await asyncio.sleep(TICK)
    assert lost == []
    assert received == []
    await staff.close()


async def test_sending_on_a_closed_channel_drops_the_message(channels: Channels) -> None:
    staff = ControlChannel(channels.offerer, lambda m: None, lambda r: None)
    channels.offerer.close()
    assert not staff.send(Phrase(phrase=QuickPhrase.YES))
    await staff.close()
