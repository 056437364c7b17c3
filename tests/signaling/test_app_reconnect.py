"""Reconnect is resume, and a live kiosk's token cannot be used twice (docs/protocol.md)."""

from __future__ import annotations

import asyncio

from websockets.asyncio.client import ClientConnection

from signaling import protocol as p
from tests.fixtures.hub import RunningHub
from tests.participant import UNIT, Participant, eventually

from .test_app_limits import closed_with, hello, open_raw


async def next_of(ws: ClientConnection, kind: type[p.ServerMessage]) -> p.ServerMessage:
    """Skip to the next message of ``kind`` (the probe of the old link takes up to 3 s)."""
    async with asyncio.timeout(2 * UNIT):
        while not isinstance(message := p.decode_server(await ws.recv()), kind):
            pass
    return message


async def kiosk_in_a_call(hub: RunningHub, tanaka: Participant) -> tuple[ClientConnection, str]:
    kiosk = await open_raw(hub)
    assert isinstance(await hello(kiosk, token=hub.demo.kiosks[0].token), p.Welcome)
    await kiosk.send(
        p.encode(p.RequestConsultation(category_id="juminhyo", language="ja")).decode()
    )
    queued = await next_of(kiosk, p.Queued)
    assert isinstance(queued, p.Queued)
    await tanaka.send(p.Accept(session_id=queued.session_id))
    await next_of(kiosk, p.SessionStarted)
    await tanaka.expect(p.SessionStarted)
    return kiosk, queued.session_id


async def test_a_kiosk_that_reconnects_without_its_resume_token_keeps_its_call(
    hub: RunningHub,
) -> None:
    async with Participant(hub.url, hub.staff("tanaka")) as tanaka:
        old, session_id = await kiosk_in_a_call(hub, tanaka)
        # The kiosk's network goes: the hub still has the socket, but nothing comes back.
        old.transport.pause_reading()
        new = await open_raw(hub)
        welcome = await hello(new, token=hub.demo.kiosks[0].token)  # no resume token
        assert isinstance(welcome, p.Welcome)
        assert welcome.resumed
        started = await next_of(new, p.SessionStarted)
        assert isinstance(started, p.SessionStarted)
        assert (started.session_id, started.resumed) == (session_id, True)
        assert (await tanaka.expect(p.PeerLinkChanged)).online
        await tanaka.send(p.SdpOffer(session_id=session_id, sdp="v=0 renegotiate"))
        offer = await next_of(new, p.SdpOffer)
        assert isinstance(offer, p.SdpOffer)
        assert offer.sdp == "v=0 renegotiate"
        assert not [m for m in tanaka.inbox if isinstance(m, p.SessionEnded)]
        await tanaka.send(p.HangUp(session_id=session_id))
        ended = await next_of(new, p.SessionEnded)
        assert isinstance(ended, p.SessionEnded)
        assert ended.reason is p.EndReason.COMPLETED
        assert (await tanaka.expect(p.SessionEnded)).reason is p.EndReason.COMPLETED
        old.transport.abort()
        await new.close()

    async def one_completed_session() -> bool:
        store = await hub.store()
        try:
            records = await store.list_consultations()
        finally:
            await store.close()
        return [(r.id, r.end_reason) for r in records] == [(session_id, p.EndReason.COMPLETED)]

    await eventually(one_completed_session)


async def test_a_second_live_connection_with_a_kiosk_token_is_refused_and_audited(
    hub: RunningHub,
) -> None:
    async with (
        Participant(hub.url, hub.staff("tanaka")) as tanaka,
        Participant(hub.url, hub.kiosk(0)) as kiosk,
    ):
        await kiosk.send(p.RequestConsultation(category_id="juminhyo", language="ja"))
        queued = await kiosk.expect(p.Queued)
        await tanaka.send(p.Accept(session_id=queued.session_id))
        await kiosk.expect(p.SessionStarted)

        thief = await open_raw(hub)
        error = await hello(thief, token=hub.demo.kiosks[0].token)
        assert isinstance(error, p.Error)
        assert error.code is p.ErrorCode.ALREADY_CONNECTED
        await closed_with(thief, 4409, "already_connected")

        # The first kiosk is untouched: still connected, still in its call.
        await tanaka.send(p.SdpOffer(session_id=queued.session_id, sdp="v=0 still here"))
        assert (await kiosk.expect(p.SdpOffer)).sdp == "v=0 still here"
        assert not [m for m in kiosk.inbox if isinstance(m, p.SessionEnded | p.Error)]
    store = await hub.store()
    try:
        entries = await store.list_audit()
    finally:
        await store.close()
    refusals = [e for e in entries if e.action == "concurrent_connection_refused"]
    assert len(refusals) == 1
    assert (refusals[0].target, refusals[0].ip) == (hub.demo.kiosks[0].kiosk_id, "127.0.0.1")
    assert refusals[0].detail["suspicious"] is True
