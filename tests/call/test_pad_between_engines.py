"""The writing pad (筆談) between two real engines through a real hub: strokes, clear, open."""

from __future__ import annotations

import pytest

from call.session import InkCleared, InkReceived, PadChanged
from signaling import protocol as p
from tests.call.test_engine import Probe, connect

pytestmark = pytest.mark.usefixtures("loopback_ice")


async def test_strokes_clear_and_open_cross_the_control_channel_both_ways(
    probes: tuple[Probe, Probe],
) -> None:
    kiosk, staff = probes
    await connect(kiosk, staff)

    assert await kiosk.engine.set_pad_open(True)
    assert (await staff.expect(PadChanged)).open is True

    # A growing stroke is sent again under its id; the last one sent is the whole stroke.
    assert await kiosk.engine.send_ink("k1", [(0.1, 0.2)])
    assert await kiosk.engine.send_ink("k1", [(0.1, 0.2), (0.3, 0.25), (0.5, 0.3)])
    first = await staff.expect(InkReceived)
    grown = await staff.expect(InkReceived)
    assert (first.stroke_id, first.points) == ("k1", ((0.1, 0.2),))
    assert grown.points == ((0.1, 0.2), (0.3, 0.25), (0.5, 0.3))
    assert grown.color is None

    assert await staff.engine.send_ink("s1", [(0.9, 0.9), (0.8, 0.7)], "#005AFF")
    back = await kiosk.expect(InkReceived)
    assert (back.stroke_id, back.points, back.color) == ("s1", ((0.9, 0.9), (0.8, 0.7)), "#005AFF")

    assert await staff.engine.clear_ink()
    await kiosk.expect(InkCleared)
    assert await staff.engine.set_pad_open(False)
    assert (await kiosk.expect(PadChanged)).open is False


async def test_a_pad_command_without_a_call_is_refused(
    probes: tuple[Probe, Probe],
) -> None:
    kiosk, _ = probes
    with pytest.raises(p.LocalProtocolError, match="not in a call"):
        await kiosk.engine.send_ink("k1", [(0.5, 0.5)])
    with pytest.raises(p.LocalProtocolError, match="not in a call"):
        await kiosk.engine.set_pad_open(True)
