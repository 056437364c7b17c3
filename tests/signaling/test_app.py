"""The hub over real sockets: a whole consultation, resume, restart, health and metrics."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

import aiohttp

from call.link import LinkConnected, LinkDisconnected
from signaling import protocol as p
from signaling.store import ConsultationRecord
from tests.fixtures.hub import RunningHub
from tests.participant import Participant, eventually


async def stored_consultation(hub: RunningHub, session_id: str) -> ConsultationRecord | None:
    store = await hub.store()
    try:
        return next((r for r in await store.list_consultations() if r.id == session_id), None)
    finally:
        await store.close()


async def survey_stored(hub: RunningHub, session_id: str) -> bool:
    record = await stored_consultation(hub, session_id)
    return record is not None and record.survey_score is not None


async def test_a_whole_consultation_over_real_sockets_is_stored_as_it_happened(
    hub: RunningHub,
) -> None:
    async with (
        Participant(hub.url, hub.kiosk(0)) as kiosk,
        Participant(hub.url, hub.staff("tanaka")) as tanaka,
        Participant(hub.url, hub.staff("suzuki")) as suzuki,
    ):
        assert tanaka.welcome.session_token is not None
        await tanaka.expect(p.QueueSnapshot)
        await suzuki.expect(p.QueueSnapshot)
        await kiosk.expect(p.Directory)

        # The citizen asks about a resident certificate (市民課).
        await kiosk.send(p.RequestConsultation(category_id="juminhyo", language="ja"))
        queued = await kiosk.expect(p.Queued)
        assert (queued.department_id, queued.position, queued.staff_on_duty) == ("shimin", 1, 1)
        entry = (await tanaka.expect(p.QueueSnapshot)).entries[0]
        assert entry.kiosk.name == "中央公民館"

        # Tanaka accepts; both ends learn about each other.
        await tanaka.send(p.Accept(session_id=queued.session_id))
        started = await kiosk.expect(p.SessionStarted)
        assert (
            started.staff.display_name == (await tanaka.expect(p.SessionStarted)).staff.display_name
        )
        sid = started.session_id

        # Negotiation is relayed between the two ends only.
        await tanaka.send(p.SdpOffer(session_id=sid, sdp="v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n"))
        assert (await kiosk.expect(p.SdpOffer)).sdp.startswith("v=0")
        await kiosk.send(p.SdpAnswer(session_id=sid, sdp="v=0\r\nanswer\r\n"))
        await tanaka.expect(p.SdpAnswer, session_id=sid)
        candidate = p.IceCandidate(
            session_id=sid,
            candidate="candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host",
            sdp_mid="0",
            sdp_mline_index=0,
        )
        await kiosk.send(candidate)
        assert await tanaka.expect(p.IceCandidate) == candidate
        await kiosk.send(p.EndOfCandidates(session_id=sid))
        await tanaka.expect(p.EndOfCandidates)

        # Tanaka hands the citizen to 福祉課 with a note; Suzuki sees it and takes over.
        await tanaka.send(p.Transfer(session_id=sid, department_id="fukushi", note="生活費の相談"))
        moved = await kiosk.expect(p.SessionTransferred)
        assert moved.department_names["ja"] == "福祉課"
        await kiosk.expect(p.Queued, department_id="fukushi", position=1)
        snapshot = await _snapshot_with_entries(suzuki)
        assert snapshot.entries[0].transferred_from is not None
        assert snapshot.entries[0].transferred_from.note == "生活費の相談"
        await suzuki.send(p.AcceptNext())
        handed = await suzuki.expect(p.SessionStarted)
        assert (handed.session_id, handed.handoffs[0].note) == (sid, "生活費の相談")
        await kiosk.expect(p.SessionStarted, session_id=sid)

        # The citizen hangs up; both staff wrap up and the citizen rates the service.
        await kiosk.send(p.HangUp(session_id=sid))
        assert (await kiosk.expect(p.SessionEnded)).reason is p.EndReason.COMPLETED
        await suzuki.expect(p.SessionEnded, session_id=sid)
        await tanaka.send(p.WrapUp(session_id=sid, outcome_code="referred", note="福祉課へ"))
        await tanaka.expect(p.WrapUpSaved, session_id=sid)
        await suzuki.send(p.WrapUp(session_id=sid, outcome_code="resolved", note="申請書を案内"))
        await suzuki.expect(p.WrapUpSaved, session_id=sid)
        await kiosk.send(p.SubmitSurvey(session_id=sid, score=4))
        await kiosk.expect(p.SurveySaved, session_id=sid)

    await eventually(lambda: survey_stored(hub, sid))  # history is written asynchronously
    record = await stored_consultation(hub, sid)
    assert record is not None
    assert record.kiosk_id == hub.demo.kiosks[0].kiosk_id
    assert (record.category_id, record.language) == ("juminhyo", "ja")
    assert (record.end_reason, record.transfers, record.survey_score) == (
        p.EndReason.COMPLETED,
        1,
        4,
    )
    assert (record.outcome_code, record.note) == ("resolved", "申請書を案内")
    assert record.first_answered_at is not None
    assert record.ended_at is not None
    assert record.wait_seconds >= 0
    assert record.talk_seconds > 0
    assert record.requested_at <= record.first_answered_at <= record.ended_at
    legs = [
        (leg.department_id, leg.end_reason, leg.transfer_note, leg.outcome_code)
        for leg in record.legs
    ]
    assert legs == [
        ("shimin", p.EndReason.TRANSFERRED, "", "referred"),
        ("fukushi", p.EndReason.COMPLETED, "生活費の相談", "resolved"),
    ]
    tanaka_id = next(a for a in await _accounts(hub) if a.username == "tanaka").id
    assert record.legs[0].staff_id == tanaka_id
    assert record.legs[1].transferred_by == tanaka_id


async def _snapshot_with_entries(participant: Participant) -> p.QueueSnapshot:
    while True:
        snapshot = await participant.expect(p.QueueSnapshot)
        if snapshot.entries:
            return snapshot


async def _accounts(hub: RunningHub):  # type: ignore[no-untyped-def]
    store = await hub.store()
    try:
        return await store.list_accounts()
    finally:
        await store.close()


async def test_a_dropped_kiosk_resumes_its_place_in_the_queue(hub: RunningHub) -> None:
    async with Participant(hub.url, hub.kiosk(0)) as kiosk:
        await kiosk.send(p.RequestConsultation(category_id="juminhyo", language="en"))
        queued = await kiosk.expect(p.Queued)
        ws = kiosk.link._ws  # drop the TCP connection without a close handshake
        assert ws is not None
        ws.transport.abort()
        await kiosk.expect(LinkDisconnected)
        resumed = (await kiosk.expect(LinkConnected)).welcome
        assert resumed.resumed is True
        assert (await kiosk.expect(p.Queued)).session_id == queued.session_id


async def test_a_call_survives_a_hub_restart(hub: RunningHub) -> None:
    async with (
        Participant(hub.url, hub.kiosk(0)) as kiosk,
        Participant(hub.url, hub.staff("tanaka")) as tanaka,
    ):
        await kiosk.send(p.RequestConsultation(category_id="juminhyo", language="ja"))
        queued = await kiosk.expect(p.Queued)
        await tanaka.send(p.Accept(session_id=queued.session_id))
        await kiosk.expect(p.SessionStarted)
        await tanaka.expect(p.SessionStarted)

        await hub.restart()

        await kiosk.expect(LinkDisconnected)
        await tanaka.expect(LinkDisconnected)
        assert (await kiosk.expect(LinkConnected)).welcome.resumed
        assert (await tanaka.expect(LinkConnected)).welcome.resumed
        again = await tanaka.expect(p.SessionStarted)
        assert (again.session_id, again.resumed) == (queued.session_id, True)
        await tanaka.send(p.SdpOffer(session_id=again.session_id, sdp="v=0 renegotiate"))
        assert (await kiosk.expect(p.SdpOffer)).sdp == "v=0 renegotiate"
    # The restart did not end the live call in the history (unlike a crash).
    record = await stored_consultation(hub, queued.session_id)
    assert record is not None
    assert record.end_reason is None  # still live, within its grace period


async def test_healthz_and_metrics_report_live_figures(hub: RunningHub) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{hub.http}/healthz") as response:
            assert response.status == 200
            assert (await response.json())["status"] == "ok"
        async with Participant(hub.url, hub.kiosk(1)) as kiosk:
            await kiosk.send(p.RequestConsultation(category_id="jido-teate", language="vi"))
            await kiosk.expect(p.Queued)
            async with http.get(f"{hub.http}/metrics") as response:
                text = await response.text()
    assert 'madoguchi_connections{role="kiosk"} 1.0' in text
    assert 'madoguchi_queue_length{department="kosodate"} 1.0' in text
    assert 'madoguchi_consultations_requested_total{department="kosodate"} 1.0' in text


async def test_turn_credentials_come_in_the_welcome_when_a_secret_is_set(
    hub_factory,  # type: ignore[no-untyped-def]
) -> None:
    hub = await hub_factory(
        stun_urls=["stun:turn.city.example:3478"],
        turn_urls=["turn:turn.city.example:3478"],
        turn_secret="shared-with-coturn",
        turn_ttl_seconds=600,
    )
    async with Participant(hub.url, hub.kiosk(0)) as kiosk:
        stun, turn = kiosk.welcome.ice_servers
    assert stun == p.IceServer(urls=["stun:turn.city.example:3478"])
    assert turn.username is not None
    expiry, user = turn.username.split(":")
    assert user == kiosk.welcome.principal_id
    assert 0 < int(expiry) - time.time() <= 600
    digest = hmac.new(b"shared-with-coturn", turn.username.encode(), hashlib.sha1).digest()
    assert turn.credential == base64.b64encode(digest).decode()


async def test_without_ice_settings_no_public_stun_server_is_handed_out(hub: RunningHub) -> None:
    async with Participant(hub.url, hub.kiosk(0)) as kiosk:
        assert kiosk.welcome.ice_servers == []
