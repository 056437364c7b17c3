"""The admin API against the real hub: sign-in, roles, CSRF and Origin, management, history."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from call.link import Credentials
from signaling import protocol as p
from signaling.events import ConsultationRequested, LegQueued
from tests.fixtures.hub import RunningHub
from tests.participant import Participant, eventually

from .admin_hub import AdminClient, origin, start_admin_hub

CHANGES = [
    ("/api/kiosks", {"name": "東公民館", "location": "2F"}),
    ("/api/kiosks/k-unknown/disabled", {"disabled": True}),
    ("/api/accounts", {"username": "x", "display_name": "X", "password": "long-enough"}),
    ("/api/accounts/a-unknown/password", {"password": "long-enough"}),
    ("/api/accounts/a-unknown/disabled", {"disabled": True}),
]
READS = ["/api/me", "/api/overview", "/api/snapshot", "/api/history", "/api/history.csv",
         "/api/kiosks", "/api/accounts", "/api/audit", "/api/directory"]  # fmt: skip


async def test_an_admin_signs_in_with_a_strict_http_only_cookie(client: AdminClient) -> None:
    response = await client.login("admin")
    assert response.status == 200
    body = await response.json()
    assert (body["role"], body["can_manage"]) == ("admin", True)
    cookie = response.cookies["madoguchi_admin"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Strict"
    assert cookie["path"] == "/admin"
    assert (await client.get("/api/me")).status == 200


async def test_nothing_but_the_page_and_its_sign_in_opens_without_a_session(
    client: AdminClient,
) -> None:
    for path in READS:
        assert (await client.get(path)).status == 401, path
    assert (await client.get("/")).status == 200


async def test_a_staff_account_cannot_sign_in_to_the_admin_page(client: AdminClient) -> None:
    response = await client.login("tanaka")
    assert response.status == 403
    assert "madoguchi_admin" not in response.cookies
    assert (await client.get("/api/snapshot")).status == 401


async def test_a_kiosk_token_or_a_staff_session_token_opens_no_admin_api(
    hub: RunningHub, client: AdminClient
) -> None:
    async with Participant(hub.url, hub.staff("tanaka")) as tanaka:
        staff_token = tanaka.welcome.session_token
    assert staff_token is not None
    for token in (hub.demo.kiosks[0].token, staff_token):
        cookies = {"madoguchi_admin": token}
        async with aiohttp.ClientSession(cookies=cookies) as http:
            for path in READS:
                async with http.get(f"{hub.http}/admin{path}") as response:
                    assert response.status == 401, path
            headers = {"Origin": origin(hub), "Authorization": f"Bearer {token}"}
            for path, body in CHANGES:
                async with http.post(
                    f"{hub.http}/admin{path}", json=body, headers=headers
                ) as response:
                    assert response.status == 401, path


async def test_a_supervisor_can_read_everything_but_the_api_refuses_every_change(
    client: AdminClient,
) -> None:
    response = await client.login("yamada")
    assert (await response.json())["can_manage"] is False
    for path in READS:
        assert (await client.get(path)).status == 200, path
    for path, body in CHANGES:
        assert (await client.post(path, body)).status == 403, path


async def test_a_change_without_the_csrf_token_or_from_another_site_is_refused(
    client: AdminClient,
) -> None:
    await client.login("admin")
    body = {"name": "東公民館", "location": "2F"}
    assert (await client.post("/api/kiosks", body, csrf="forged")).status == 403
    evil = "https://evil.example"
    assert (await client.post("/api/kiosks", body, origin_header=evil)).status == 403
    no_origin = await client.http.post(
        f"{client.hub.http}/admin/api/kiosks", json=body, headers={"X-CSRF-Token": client.csrf}
    )
    assert no_origin.status == 403
    assert (await client.get("/api/kiosks")).status == 200
    assert all(k["name"] != "東公民館" for k in await (await client.get("/api/kiosks")).json())


async def test_a_sign_in_from_another_site_is_refused(hub: RunningHub) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{hub.http}/admin/api/login",
            json={"username": "admin", "password": "admin-demo"},
            headers={"Origin": "https://evil.example"},
        ) as response:
            assert response.status == 403


async def test_the_live_socket_refuses_another_site_even_with_the_cookie(
    client: AdminClient,
) -> None:
    await client.login("admin")
    url = f"{client.hub.http}/admin/live"
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await client.http.ws_connect(url, origin="https://evil.example")
    assert refused.value.status == 403
    async with client.http.ws_connect(url, origin=origin(client.hub)) as ws:
        snapshot = await ws.receive_json()
    assert {k["name"] for k in snapshot["kiosks"]} >= {"中央公民館", "北部支所"}


async def test_repeated_wrong_passwords_are_throttled(client: AdminClient) -> None:
    for _ in range(3):  # login_failures_allowed = 3 in this hub
        assert (await client.login("admin", "wrong-password")).status == 401
    throttled = await client.login("admin")
    assert throttled.status == 429
    assert (await throttled.json())["error"] == "login_throttled"


async def test_an_admin_registers_a_kiosk_whose_token_then_connects(
    hub: RunningHub, client: AdminClient
) -> None:
    await client.login("admin")
    response = await client.post("/api/kiosks", {"name": "東公民館", "location": "2F ロビー"})
    assert response.status == 201
    created = await response.json()
    async with Participant(hub.url, Credentials(token=created["token"])) as kiosk:
        assert kiosk.welcome.role is p.Role.KIOSK
        disabled = await client.post(
            f"/api/kiosks/{created['kiosk']['id']}/disabled", {"disabled": True}
        )
        assert disabled.status == 200
        error = await kiosk.expect(p.Error)
        assert error.code is p.ErrorCode.ACCOUNT_DISABLED
    audit = await (await client.get("/api/audit")).json()
    actions = [entry["action"] for entry in audit]
    assert "kiosk_created" in actions
    assert "kiosk_disabled" in actions


async def test_an_admin_creates_staff_resets_a_password_and_disables_the_account(
    hub: RunningHub, client: AdminClient
) -> None:
    await client.login("admin")
    body = {
        "username": "kato",
        "display_name": "加藤",
        "password": "kato-first-1",
        "role": "staff",
        "departments": ["shimin"],
    }
    created = await client.post("/api/accounts", body)
    assert created.status == 201
    account_id = (await created.json())["id"]
    assert (await client.post("/api/accounts", body)).status == 409
    reset = await client.post(
        f"/api/accounts/{account_id}/password", {"password": "kato-second-2", "temporary": False}
    )
    assert reset.status == 200
    async with Participant(hub.url, Credentials(username="kato", password="kato-second-2")) as kato:
        assert kato.welcome.role is p.Role.STAFF
    assert (
        await client.post(f"/api/accounts/{account_id}/disabled", {"disabled": True})
    ).status == 200
    admins = [a for a in await (await client.get("/api/accounts")).json() if a["role"] == "admin"]
    own = await client.post(f"/api/accounts/{admins[0]['id']}/disabled", {"disabled": True})
    assert own.status == 409
    actions = [entry["action"] for entry in await (await client.get("/api/audit")).json()]
    assert {"account_created", "password_set", "account_disabled"} <= set(actions)


async def test_history_and_csv_show_a_served_consultation_with_japanese_headers(
    hub: RunningHub, client: AdminClient
) -> None:
    async with (
        Participant(hub.url, hub.kiosk(0)) as kiosk,
        Participant(hub.url, hub.staff("tanaka")) as tanaka,
    ):
        await kiosk.expect(p.Directory)
        await kiosk.send(p.RequestConsultation(category_id="juminhyo", language="ja"))
        queued = await kiosk.expect(p.Queued)
        await tanaka.send(p.Accept(session_id=queued.session_id))
        await kiosk.expect(p.SessionStarted)
        await kiosk.send(p.HangUp(session_id=queued.session_id))
        await kiosk.expect(p.SessionEnded)
    await client.login("yamada")

    async def stored() -> bool:
        rows = (await (await client.get("/api/history")).json())["rows"]
        return bool(rows) and rows[0]["end_reason"] == "completed"

    await eventually(stored)
    row = (await (await client.get("/api/history?reason=completed")).json())["rows"][0]
    assert (row["kiosk"], row["department"], row["staff"]) == ("中央公民館", "市民課", ["田中"])
    assert (await (await client.get("/api/history?reason=timeout")).json())["rows"] == []
    response = await client.get("/api/history.csv")
    raw = await response.read()
    assert raw.startswith("\ufeff".encode())
    lines = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert lines[0][:4] == ["受付ID", "受付日時", "キオスク", "担当課"]
    assert lines[1][0] == queued.session_id
    assert lines[1][2:4] == ["中央公民館", "市民課"]
    overview = await (await client.get("/api/overview")).json()
    assert (overview["total"]["requested"], overview["total"]["served"]) == (1, 1)


async def test_the_csv_export_never_hands_excel_a_formula(
    hub: RunningHub, client: AdminClient
) -> None:
    """Names admins type and codes stored before the hub checked them are all text in Excel."""
    kiosk_name, staff_name = '=HYPERLINK("http://evil.example","x")', "@SUM(1+1)"
    await client.login("admin")
    kiosk_created = await client.post("/api/kiosks", {"name": kiosk_name, "location": "+1"})
    assert kiosk_created.status == 201
    account = {"username": "evil", "display_name": staff_name, "password": "evil-password-1",
               "role": "staff", "departments": ["shimin"]}  # fmt: skip
    assert (await client.post("/api/accounts", account)).status == 201
    async with (
        Participant(hub.url, Credentials(token=(await kiosk_created.json())["token"])) as kiosk,
        Participant(hub.url, Credentials(username="evil", password="evil-password-1")) as staff,
    ):
        await kiosk.expect(p.Directory)
        await kiosk.send(p.RequestConsultation(category_id="juminhyo", language="=1+2"))
        refused = await kiosk.expect(p.Error)
        assert refused.code is p.ErrorCode.UNKNOWN_LANGUAGE
        await kiosk.send(p.RequestConsultation(category_id="juminhyo", language="en"))
        queued = await kiosk.expect(p.Queued)
        await staff.send(p.Accept(session_id=queued.session_id))
        await kiosk.expect(p.SessionStarted)
        await kiosk.send(p.HangUp(session_id=queued.session_id))
        await kiosk.expect(p.SessionEnded)
    queued_at = time.time()  # today, which is what the export shows by default
    store = await hub.store()
    try:  # a row from before the hub checked languages
        await store.apply(
            [
                ConsultationRequested(
                    session_id="old", kiosk_id="k-gone", category_id="+cmd", language="-1+2",
                    department_id="shimin", at=queued_at,
                ),
                LegQueued(session_id="old", leg=0, department_id="shimin", at=queued_at),
            ]
        )  # fmt: skip
    finally:
        await store.close()

    async def stored() -> bool:
        rows = (await (await client.get("/api/history")).json())["rows"]
        return any(row["end_reason"] == "completed" for row in rows) and len(rows) == 2

    await eventually(stored)
    raw = await (await client.get("/api/history.csv")).read()
    rows = {row[0]: row for row in csv.reader(io.StringIO(raw.decode("utf-8-sig")))}
    served, old = rows[queued.session_id], rows["old"]
    assert (served[2], served[5], served[6]) == ("'" + kiosk_name, "en", "'" + staff_name)
    assert (old[4], old[5]) == ("'+cmd", "'-1+2")
    for row in rows.values():
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row), row
    # The page shows names as they are: only the spreadsheet needs the quote.
    page_rows = (await (await client.get("/api/history")).json())["rows"]
    assert kiosk_name in {row["kiosk"] for row in page_rows}


async def test_the_service_level_threshold_is_one_setting_for_the_page_and_metrics(
    tmp_path: Path, aiohttp_server: Any
) -> None:
    hub = await start_admin_hub(tmp_path, aiohttp_server, service_level_seconds=30)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        client = AdminClient(hub, session)
        assert (await client.login("admin")).status == 200
        overview = await (await client.get("/api/overview")).json()
        metrics = await (await session.get(f"{hub.http}/metrics")).text()
    assert overview["total"]["service_level_seconds"] == 30
    assert "madoguchi_service_level_threshold_seconds 30.0" in metrics
