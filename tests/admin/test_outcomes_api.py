"""Outcome codes on the admin API against the real hub: edited, ordered and deleted by admins
with an audit entry each, refused when malformed, never down to none, and live for staff."""

from __future__ import annotations

from typing import Any

from signaling import protocol as p
from tests.fixtures.hub import RunningHub
from tests.participant import Participant

from .admin_hub import AdminClient
from .test_accounts_api import audit_entries, send

SIX = {"ja": "予約受付", "ja-easy": "よやく", "en": "Appointment made", "zh": "已预约",
       "ko": "예약 접수", "vi": "Đã đặt lịch"}  # fmt: skip


async def codes(client: AdminClient) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = await (await client.get("/api/outcome-codes")).json()
    return result


async def test_an_admin_adds_a_code_in_six_languages_that_staff_can_use_at_once(
    hub: RunningHub, client: AdminClient
) -> None:
    await client.login("admin")
    async with (
        Participant(hub.url, hub.kiosk(0)) as kiosk,
        Participant(hub.url, hub.staff("tanaka")) as tanaka,
    ):
        await kiosk.expect(p.Directory)
        added = await send(client, "PUT", "/outcome-codes/booked", {"names": SIX})
        assert added.status == 200
        assert (await added.json()) == {"code": "booked", "names": SIX}
        # The console's list changes at once (after the directories it got on connecting).
        while "booked" not in [o.code for o in (await tanaka.expect(p.Directory)).outcome_codes]:
            pass
        await kiosk.send(p.RequestConsultation(category_id="juminhyo", language="ja"))
        queued = await kiosk.expect(p.Queued)
        await tanaka.send(p.Accept(session_id=queued.session_id))
        await kiosk.expect(p.SessionStarted)
        await kiosk.send(p.HangUp(session_id=queued.session_id))
        await kiosk.expect(p.SessionEnded)
        await tanaka.send(p.WrapUp(session_id=queued.session_id, outcome_code="booked"))
        await tanaka.expect(p.WrapUpSaved, session_id=queued.session_id)
    assert [c["code"] for c in await codes(client)][-1] == "booked"
    renamed = await send(client, "PUT", "/outcome-codes/booked", {"names": {"ja": "予約済み"}})
    assert renamed.status == 200
    [first, second] = reversed(await audit_entries(client, "outcome_code_saved"))
    assert (first["target"], first["detail"]["after"]["names.vi"]) == ("booked", "Đã đặt lịch")
    assert second["detail"]["before"]["names.ja"] == "予約受付"
    assert second["detail"]["after"] == {"names.ja": "予約済み"}


async def test_codes_are_reordered_and_deleted_but_never_the_last(client: AdminClient) -> None:
    await client.login("admin")
    order = [c["code"] for c in await codes(client)][::-1]
    assert (await send(client, "PUT", "/outcome-code-order", {"codes": order})).status == 200
    assert [c["code"] for c in await codes(client)] == order
    for code in order[:-1]:
        assert (await send(client, "DELETE", f"/outcome-codes/{code}")).status == 200
    last = await send(client, "DELETE", f"/outcome-codes/{order[-1]}")
    assert last.status == 409
    assert "last outcome code" in (await last.json())["message"]
    assert [c["code"] for c in await codes(client)] == [order[-1]]
    assert len(await audit_entries(client, "outcome_code_deleted")) == len(order) - 1
    assert len(await audit_entries(client, "outcome_codes_reordered")) == 1
    # The history filter lists what is left, by its Japanese name.
    names = await (await client.get("/api/directory")).json()
    assert list(names["outcomes"]) == [order[-1]]


async def test_malformed_codes_are_refused_with_a_reason_and_change_nothing(
    client: AdminClient,
) -> None:
    await client.login("admin")
    before = await codes(client)
    refusals: list[tuple[str, str, Any, int]] = [
        ("PUT", "/outcome-codes/Bad%20Code", {"names": {"ja": "x"}}, 400),
        ("PUT", "/outcome-codes/booked", {"names": {"en": "no Japanese"}}, 400),
        ("PUT", "/outcome-codes/booked", {"names": {"ja": "予約", "fr": "réservé"}}, 400),
        ("PUT", "/outcome-codes/booked", {"names": {"ja": "  "}}, 400),
        ("PUT", "/outcome-codes/booked", {"names": {"ja": "x" * 101}}, 400),
        ("PUT", "/outcome-codes/booked", {"names": {"ja": "予約"}, "color": "red"}, 400),
        ("PUT", "/outcome-codes/booked", "not an object", 400),
        ("DELETE", "/outcome-codes/never-was", None, 404),
        ("PUT", "/outcome-code-order", {"codes": ["resolved"]}, 400),
        ("PUT", "/outcome-code-order", {"codes": [c["code"] for c in before] * 2}, 400),
    ]
    for method, path, body, status in refusals:
        response = await send(client, method, path, body)
        assert response.status == status, (path, body, await response.text())
        assert (await response.json())["message"]
    assert await codes(client) == before
    assert await audit_entries(client, "outcome_code_saved") == []
