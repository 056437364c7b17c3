"""An account's lifecycle against the real hub: name, role and departments, disable and enable,
and a password reset that must be changed at the next sign-in; every change audited, and
every route refused to supervisors, to a forged CSRF token and to another site."""

from __future__ import annotations

from typing import Any

import aiohttp

from call.link import Credentials
from signaling import protocol as p
from tests.fixtures.hub import RunningHub
from tests.participant import Participant
from tests.signaling.test_app_limits import closed_with, hello, open_raw

from .admin_hub import AdminClient, origin

TEMPORARY = "temporary-pass-1"
CHOSEN = "my-own-password-2"


async def send(
    client: AdminClient,
    method: str,
    path: str,
    body: Any = None,
    *,
    csrf: str | None = None,
    origin_header: str | None = None,
) -> aiohttp.ClientResponse:
    headers = {"Origin": origin_header or origin(client.hub), "X-CSRF-Token": csrf or client.csrf}
    return await client.http.request(
        method, f"{client.hub.http}/admin/api{path}", json=body, headers=headers
    )


async def account_id(client: AdminClient, username: str) -> str:
    accounts = await (await client.get("/api/accounts")).json()
    return str(next(a["id"] for a in accounts if a["username"] == username))


async def audit_entries(client: AdminClient, action: str) -> list[dict[str, Any]]:
    return [e for e in await (await client.get("/api/audit")).json() if e["action"] == action]


async def change_own_password(
    hub: RunningHub, username: str, password: str, new_password: str, **headers: str
) -> aiohttp.ClientResponse:
    async with aiohttp.ClientSession() as http:
        response = await http.post(
            f"{hub.http}/account/password",
            json={"username": username, "password": password, "new_password": new_password},
            headers=headers,
        )
        await response.read()
        return response


async def test_an_admin_moves_staff_to_other_departments_renames_and_promotes_them(
    hub: RunningHub, client: AdminClient
) -> None:
    await client.login("admin")
    tanaka = await account_id(client, "tanaka")
    async with Participant(hub.url, hub.staff("tanaka")) as console:
        assert console.welcome.departments == ["shimin", "zeimu"]
        moved = await send(client, "PUT", f"/accounts/{tanaka}", {"departments": ["fukushi"]})
        assert moved.status == 200
        assert (await moved.json())["departments"] == ["fukushi"]
        # What staff may do is fixed at sign-in: the console is told to sign in again.
        error = await console.expect(p.Error)
        assert error.code is p.ErrorCode.SESSION_EXPIRED
    async with Participant(hub.url, hub.staff("tanaka")) as console:
        assert console.welcome.departments == ["fukushi"]
    renamed = await send(client, "PUT", f"/accounts/{tanaka}", {"display_name": " 田中 一郎 "})
    assert (await renamed.json())["display_name"] == "田中 一郎"
    promoted = await send(client, "PUT", f"/accounts/{tanaka}", {"role": "supervisor"})
    assert (await promoted.json())["role"] == "supervisor"
    same = await send(client, "PUT", f"/accounts/{tanaka}", {"role": "supervisor"})
    assert same.status == 200
    updates = await audit_entries(client, "account_updated")
    assert [(e["detail"]["before"], e["detail"]["after"]) for e in reversed(updates)] == [
        ({"departments": ["shimin", "zeimu"]}, {"departments": ["fukushi"]}),
        ({"display_name": "田中"}, {"display_name": "田中 一郎"}),
        ({"role": "staff"}, {"role": "supervisor"}),
    ]  # the change to nothing is not audited
    assert {e["target"] for e in updates} == {tanaka}
    assert all(e["actor"] != "" and e["ip"] for e in updates)


async def test_account_changes_that_make_no_sense_are_refused_and_change_nothing(
    hub: RunningHub, client: AdminClient
) -> None:
    await client.login("admin")
    tanaka, admin = await account_id(client, "tanaka"), await account_id(client, "admin")
    before = await (await client.get("/api/accounts")).json()
    refusals = [
        (f"/accounts/{tanaka}", {"departments": ["no-such-desk"]}, 400),
        (f"/accounts/{tanaka}", {"role": "kiosk"}, 400),
        (f"/accounts/{tanaka}", {"role": "mayor"}, 400),
        (f"/accounts/{tanaka}", {"display_name": "   "}, 400),
        (f"/accounts/{tanaka}", {"display_name": "x" * 101}, 400),
        (f"/accounts/{tanaka}", {"site": "moji"}, 400),
        (f"/accounts/{tanaka}", [1, 2], 400),
        ("/accounts/u-nobody", {"display_name": "誰か"}, 404),
        (f"/accounts/{admin}", {"role": "staff"}, 409),  # nobody demotes themselves
    ]
    for path, body, status in refusals:
        response = await send(client, "PUT", path, body)
        assert response.status == status, (path, body, await response.text())
        assert (await response.json())["message"]
    assert await (await client.get("/api/accounts")).json() == before
    assert await audit_entries(client, "account_updated") == []


async def test_departments_do_not_change_under_a_staff_member_in_a_call(
    hub: RunningHub, client: AdminClient
) -> None:
    await client.login("admin")
    tanaka = await account_id(client, "tanaka")
    async with (
        Participant(hub.url, hub.kiosk(0)) as kiosk,
        Participant(hub.url, hub.staff("tanaka")) as console,
    ):
        await kiosk.expect(p.Directory)
        await kiosk.send(p.RequestConsultation(category_id="juminhyo", language="ja"))
        queued = await kiosk.expect(p.Queued)
        await console.send(p.Accept(session_id=queued.session_id))
        await kiosk.expect(p.SessionStarted)
        busy = await send(client, "PUT", f"/accounts/{tanaka}", {"departments": ["fukushi"]})
        assert busy.status == 409
        assert "call" in (await busy.json())["message"]
        # A new name is harmless mid-call: it is stored, and the call goes on.
        assert (
            await send(client, "PUT", f"/accounts/{tanaka}", {"display_name": "田中"})
        ).status == 200
        await kiosk.send(p.HangUp(session_id=queued.session_id))
        await kiosk.expect(p.SessionEnded)
    accounts = await (await client.get("/api/accounts")).json()
    assert next(a for a in accounts if a["id"] == tanaka)["departments"] == ["shimin", "zeimu"]


async def test_a_reset_password_is_temporary_until_its_owner_chooses_one(
    hub: RunningHub, client: AdminClient
) -> None:
    await client.login("admin")
    tanaka = await account_id(client, "tanaka")
    reset = await client.post(f"/api/accounts/{tanaka}/password", {"password": TEMPORARY})
    assert (await reset.json()) == {"ok": True, "temporary": True}
    listed = await (await client.get("/api/accounts")).json()
    assert next(a for a in listed if a["id"] == tanaka)["must_change_password"] is True
    # The temporary password opens nothing: not the console...
    ws = await open_raw(hub)
    error = await hello(ws, username="tanaka", password=TEMPORARY)
    assert isinstance(error, p.Error)
    assert error.code is p.ErrorCode.PASSWORD_CHANGE_REQUIRED
    await closed_with(ws, 4403, "password_change_required")
    # ...and it is useless for changing it without its owner's new choice being valid.
    assert (await change_own_password(hub, "tanaka", "wrong-guess-1", CHOSEN)).status == 401
    assert (await change_own_password(hub, "tanaka", TEMPORARY, "short")).status == 400
    assert (await change_own_password(hub, "tanaka", TEMPORARY, TEMPORARY)).status == 400
    evil = await change_own_password(
        hub, "tanaka", TEMPORARY, CHOSEN, Origin="https://evil.example"
    )
    assert evil.status == 403
    assert (await change_own_password(hub, "tanaka", TEMPORARY, CHOSEN)).status == 200
    assert (await change_own_password(hub, "tanaka", TEMPORARY, "another-one-3")).status == 401
    async with Participant(hub.url, Credentials(username="tanaka", password=CHOSEN)) as console:
        assert console.welcome.role is p.Role.STAFF
    listed = await (await client.get("/api/accounts")).json()
    assert next(a for a in listed if a["id"] == tanaka)["must_change_password"] is False
    [set_entry] = await audit_entries(client, "password_set")
    assert (set_entry["target"], set_entry["detail"]) == (tanaka, {"must_change": True})
    [changed] = await audit_entries(client, "password_changed")
    assert (changed["actor"], changed["target"]) == (tanaka, tanaka)
    refused = await audit_entries(client, "login_failed")
    assert {"password_change_required", "wrong_password"} <= {
        e["detail"]["reason"] for e in refused
    }


async def test_a_forced_admin_signs_in_to_the_page_only_after_choosing_a_password(
    hub: RunningHub, client: AdminClient
) -> None:
    await client.login("admin")
    yamada = await account_id(client, "yamada")
    assert (
        await client.post(f"/api/accounts/{yamada}/password", {"password": TEMPORARY})
    ).status == 200
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        other = AdminClient(hub, http)
        forced = await other.login("yamada", TEMPORARY)
        assert forced.status == 403
        assert (await forced.json())["error"] == "password_change_required"
        assert "madoguchi_admin" not in forced.cookies
        assert (await change_own_password(hub, "yamada", TEMPORARY, CHOSEN)).status == 200
        assert (await other.login("yamada", CHOSEN)).status == 200


async def test_a_reset_can_set_a_password_to_keep_and_ends_the_accounts_connections(
    hub: RunningHub, client: AdminClient
) -> None:
    await client.login("admin")
    tanaka = await account_id(client, "tanaka")
    async with Participant(hub.url, hub.staff("tanaka")) as console:
        kept = {"password": CHOSEN, "temporary": False}
        assert (await client.post(f"/api/accounts/{tanaka}/password", kept)).status == 200
        assert (await console.expect(p.Error)).code is p.ErrorCode.SESSION_EXPIRED
    async with Participant(hub.url, Credentials(username="tanaka", password=CHOSEN)) as console:
        assert console.welcome.role is p.Role.STAFF
    too_long = {"password": "x" * 257}
    assert (await client.post(f"/api/accounts/{tanaka}/password", too_long)).status == 400


async def test_an_admin_disables_and_enables_an_account(
    hub: RunningHub, client: AdminClient
) -> None:
    await client.login("admin")
    tanaka = await account_id(client, "tanaka")
    assert (await client.post(f"/api/accounts/{tanaka}/disabled", {"disabled": True})).status == 200
    ws = await open_raw(hub)
    error = await hello(ws, username="tanaka", password=hub.staff("tanaka").password)
    assert isinstance(error, p.Error)
    assert error.code is p.ErrorCode.ACCOUNT_DISABLED
    await closed_with(ws, 4403)
    assert (
        await client.post(f"/api/accounts/{tanaka}/disabled", {"disabled": False})
    ).status == 200
    async with Participant(hub.url, hub.staff("tanaka")) as console:
        assert console.welcome.role is p.Role.STAFF
    actions = [e["action"] for e in await (await client.get("/api/audit")).json()]
    assert {"account_disabled", "account_enabled"} <= set(actions)


ROUTES = [
    ("PUT", "/accounts/{tanaka}", {"display_name": "変更"}),
    ("POST", "/accounts/{tanaka}/password", {"password": TEMPORARY}),
    ("POST", "/accounts/{tanaka}/disabled", {"disabled": True}),
    ("PUT", "/outcome-codes/resolved", {"names": {"ja": "変更"}}),
    ("DELETE", "/outcome-codes/other", None),
    ("PUT", "/outcome-code-order", {"codes": ["other", "resolved"]}),
]


async def test_supervisors_forged_tokens_and_other_sites_change_no_account_or_outcome(
    hub: RunningHub, client: AdminClient
) -> None:
    await client.login("admin")
    tanaka = await account_id(client, "tanaka")
    before = await (await client.get("/api/accounts")).json()
    codes = await (await client.get("/api/outcome-codes")).json()
    for method, path, body in ROUTES:
        path = path.format(tanaka=tanaka)
        forged = await send(client, method, path, body, csrf="forged")
        assert forged.status == 403, path
        elsewhere = await send(client, method, path, body, origin_header="https://evil.example")
        assert elsewhere.status == 403, path
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        supervisor = AdminClient(hub, http)
        await supervisor.login("yamada")
        for method, path, body in ROUTES:
            path = path.format(tanaka=tanaka)
            assert (await send(supervisor, method, path, body)).status == 403, path
        assert (await supervisor.get("/api/outcome-codes")).status == 200
    async with aiohttp.ClientSession() as anonymous:
        for method, path, body in ROUTES:
            url = f"{hub.http}/admin/api{path.format(tanaka=tanaka)}"
            headers = {"Origin": origin(hub)}
            async with anonymous.request(method, url, json=body, headers=headers) as response:
                assert response.status == 401, path
        async with anonymous.get(f"{hub.http}/admin/api/outcome-codes") as response:
            assert response.status == 401
    assert await (await client.get("/api/accounts")).json() == before
    assert await (await client.get("/api/outcome-codes")).json() == codes


async def test_the_password_change_route_is_guarded_like_a_sign_in(
    hub: RunningHub, client: AdminClient
) -> None:
    await client.login("admin")
    tanaka = await account_id(client, "tanaka")
    await client.post(f"/api/accounts/{tanaka}/password", {"password": TEMPORARY})
    async with aiohttp.ClientSession() as http:
        url = f"{hub.http}/account/password"
        as_form = await http.post(url, data={"username": "tanaka", "password": TEMPORARY})
        assert as_form.status == 400  # JSON only: a cross-site form cannot post it
        extra = {"username": "tanaka", "password": TEMPORARY, "new_password": CHOSEN, "x": 1}
        assert (await http.post(url, json=extra)).status == 400
        huge = {"username": "tanaka", "password": TEMPORARY, "new_password": "x" * 5000}
        assert (await http.post(url, json=huge)).status == 400
    for _ in range(3):  # login_failures_allowed = 3 in this hub
        assert (await change_own_password(hub, "tanaka", "wrong-guess-1", CHOSEN)).status == 401
    throttled = await change_own_password(hub, "tanaka", TEMPORARY, CHOSEN)
    assert throttled.status == 429  # even the right password waits, as at a sign-in
    suzuki = await account_id(client, "suzuki")
    await client.post(f"/api/accounts/{suzuki}/disabled", {"disabled": True})
    secret = hub.staff("suzuki").password
    assert secret is not None
    assert (await change_own_password(hub, "suzuki", secret, CHOSEN)).status == 403
    assert await audit_entries(client, "password_changed") == []


async def test_an_admin_places_staff_at_a_site_or_at_none(
    hub: RunningHub, client: AdminClient
) -> None:
    await client.login("admin")
    tanaka = await account_id(client, "tanaka")
    site = await send(client, "PUT", f"/accounts/{tanaka}", {"site_id": "kita-office"})
    assert (await site.json())["site_id"] == "kita-office"
    bad = {"site_id": "nowhere", "display_name": "別名"}
    refused = await send(client, "PUT", f"/accounts/{tanaka}", bad)
    assert refused.status == 400
    assert "nowhere" in (await refused.json())["message"]
    listed = {a["id"]: a for a in await (await client.get("/api/accounts")).json()}
    assert (listed[tanaka]["site_id"], listed[tanaka]["display_name"]) == ("kita-office", "田中")
    nowhere = await send(client, "PUT", f"/accounts/{tanaka}", {"site_id": None})
    assert (await nowhere.json())["site_id"] is None
    moves = [(e["detail"]["before"], e["detail"]["after"])
             for e in reversed(await audit_entries(client, "account_site_set"))]  # fmt: skip
    assert moves[-2:] == [("chuo-office", "kita-office"), ("kita-office", None)]
