"""Editing departments and categories through the admin API, against the real hub and SQLite.

An edit is checked, stored with its audit entry, reaches connected kiosks at once, and survives a
restart with the city file configured; the file is imported again only when it changes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from demo.hub import write_city_open_always
from signaling import protocol as p
from signaling.demo import seed_demo
from signaling.directory import CATEGORY_ICONS
from tests.fixtures.hub import RunningHub
from tests.participant import Participant

from .admin_hub import AdminClient, origin, start_admin_hub

ALWAYS = {day: ["00:00-24:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
KENKO = {
    "names": {"ja": "健康推進課", "en": "Health Promotion"},
    "hours": {"weekly": ALWAYS, "national_holidays_closed": False},
}
KENSHIN = {
    "department_id": "kenko",
    "names": {"ja": "健康診断", "en": "Health check"},
    "descriptions": {"ja": "特定健診の予約について"},
    "icon": "help",
}


async def send(
    client: AdminClient,
    method: str,
    path: str,
    body: Any = None,
    *,
    csrf: str | None = None,
    origin_header: str | None = None,
) -> aiohttp.ClientResponse:
    """A change as the page sends it: JSON, the listed Origin and the CSRF token."""
    headers = {"Origin": origin_header or origin(client.hub), "X-CSRF-Token": csrf or client.csrf}
    return await client.http.request(
        method, f"{client.hub.http}/admin/api{path}", json=body, headers=headers
    )


async def read(client: AdminClient, path: str) -> Any:
    response = await client.get(f"/api{path}")
    assert response.status == 200, path
    return await response.json()


def department(departments: list[dict[str, Any]], department_id: str) -> dict[str, Any]:
    return next(d for d in departments if d["id"] == department_id)


async def audit_actions(client: AdminClient) -> list[tuple[str, str]]:
    return [(e["action"], e["target"]) for e in await read(client, "/audit")]


async def admin_id(client: AdminClient) -> str:
    accounts = await read(client, "/accounts")
    return str(next(a["id"] for a in accounts if a["username"] == "admin"))


# Reading.


async def test_a_supervisor_reads_every_department_and_category_in_full(
    client: AdminClient,
) -> None:
    await client.login("yamada")
    departments = await read(client, "/departments")
    assert [d["id"] for d in departments][:4] == [
        "shimin",
        "kita-shimin",
        "minami-shimin",
        "kosodate",
    ]
    assert department(departments, "shimin")["names"]["ja"] == "市民課"
    assert department(departments, "shimin")["hours"]["weekly"]["mon"] == ["00:00-24:00"]
    assert department(departments, "kita-shimin")["ward_id"] == "kita"
    categories = await read(client, "/categories")
    juminhyo = next(c for c in categories if c["id"] == "juminhyo")
    assert (juminhyo["service_id"], juminhyo["icon"]) == ("jumin", "document")
    juminzei = next(c for c in categories if c["id"] == "juminzei")
    assert juminzei["department_id"] == "zeimu"


# Editing, live.


async def test_an_edited_department_is_stored_audited_and_sent_to_a_connected_kiosk(
    hub: RunningHub, client: AdminClient
) -> None:
    await client.login("admin")
    zeimu = department(await read(client, "/departments"), "zeimu")
    zeimu["names"]["en"] = "Tax Office"
    zeimu["hours"]["weekly"]["mon"] = ["09:00-12:00", "13:00-16:00"]
    zeimu["hours"]["closed_dates"] = ["12-31", "2027-01-04"]
    async with Participant(hub.url, hub.kiosk(0)) as kiosk:
        await kiosk.expect(p.Directory)
        response = await send(client, "PUT", "/departments/zeimu", zeimu)
        assert response.status == 200
        pushed = await kiosk.expect(p.Directory)
    sent = next(d for d in pushed.departments if d.id == "zeimu")
    assert sent.names["en"] == "Tax Office"
    stored = department(await read(client, "/departments"), "zeimu")
    assert stored == zeimu
    entry = (await read(client, "/audit"))[0]
    assert (entry["action"], entry["target"], entry["actor"]) == (
        "department_saved",
        "zeimu",
        await admin_id(client),
    )
    assert entry["detail"]["before"] == {
        "names.en": "Taxation",
        "hours.weekly.mon": ["00:00-24:00"],
        "hours.closed_dates": [],
    }
    assert entry["detail"]["after"] == {
        "names.en": "Tax Office",
        "hours.weekly.mon": ["09:00-12:00", "13:00-16:00"],
        "hours.closed_dates": ["12-31", "2027-01-04"],
    }


async def test_a_new_department_and_category_can_be_asked_for_at_once(
    hub: RunningHub, client: AdminClient
) -> None:
    await client.login("admin")
    async with Participant(hub.url, hub.kiosk(0)) as kiosk:
        await kiosk.expect(p.Directory)
        assert (await send(client, "PUT", "/departments/kenko", KENKO)).status == 200
        assert (await send(client, "PUT", "/categories/kenshin", KENSHIN)).status == 200
        await kiosk.expect(p.Directory)
        pushed = await kiosk.expect(p.Directory)
        assert pushed.departments[-1].id == "kenko"
        assert pushed.categories[-1].names == KENSHIN["names"]
        await kiosk.send(p.RequestConsultation(category_id="kenshin", language="en"))
        queued = await kiosk.expect(p.Queued)
    assert queued.department_id == "kenko"
    actions = await audit_actions(client)
    assert actions[:2] == [("category_saved", "kenshin"), ("department_saved", "kenko")]
    created = (await read(client, "/audit"))[0]["detail"]
    assert created["before"] == {}
    assert created["after"]["names.en"] == "Health check"


async def test_saving_an_entry_unchanged_writes_no_audit_entry(client: AdminClient) -> None:
    await client.login("admin")
    shimin = department(await read(client, "/departments"), "shimin")
    before = await audit_actions(client)
    assert (await send(client, "PUT", "/departments/shimin", shimin)).status == 200
    assert await audit_actions(client) == before


# Refusals: each says what is wrong, and nothing changes.

BAD_DEPARTMENTS = [
    ({"hours": {"weekly": {"mon": ["8:30-17:15"]}}}, "bad opening span '8:30-17:15'"),
    ({"hours": {"weekly": {"mon": ["17:15-08:30"]}}}, "ends before it starts"),
    ({"hours": {"weekly": {"mon": ["09:00-13:00", "12:00-17:00"]}}}, "mon: opening spans overlap"),
    ({"hours": {"weekly": {"mon": ["09:00-25:00"]}}}, "bad opening span"),
    ({"hours": {"weekly": {"monday": ["09:00-17:00"]}}}, "unknown weekday 'monday'"),
    ({"hours": {"closed_dates": ["13-01"]}}, "closed date '13-01'"),
    ({"hours": {"closed_dates": ["2027-02-30"]}}, "closed date '2027-02-30'"),
    ({"hours": {"closed_dates": ["12/29"]}}, "neither MM-DD (every year) nor YYYY-MM-DD"),
    ({"names": {"en": "Taxation"}}, "a Japanese (ja) one is required"),
    ({"names": {"ja": "税務課", "en": " "}}, "en is empty"),
    ({"names": {"ja": "税務課", "fr": "Impôts"}}, "unknown language 'fr'"),
    ({"names": {"ja": 1}}, "Expected `str`, got `int` - at `$.names[...]`"),
    ({"names": {"ja": "税務課"}, "colour": "red"}, "unknown field `colour`"),
    ({"id": "shimin", "names": {"ja": "税務課"}}, "the body's id 'shimin' is not the path's"),
    ({"names": None}, "Expected `object`, got `null` - at `$.names`"),
]


@pytest.mark.parametrize(("body", "message"), BAD_DEPARTMENTS)
async def test_a_bad_department_is_refused_with_what_is_wrong(
    client: AdminClient, body: dict[str, Any], message: str
) -> None:
    await client.login("admin")
    before = (await read(client, "/departments"), await audit_actions(client))
    response = await send(client, "PUT", "/departments/zeimu", {"names": {"ja": "税務課"}} | body)
    assert response.status == 400
    refusal = await response.json()
    assert refusal["error"] == "invalid"
    assert message in refusal["message"]
    assert (await read(client, "/departments"), await audit_actions(client)) == before


async def test_an_unsafe_id_or_a_body_that_is_not_json_is_refused(client: AdminClient) -> None:
    await client.login("admin")
    unsafe = await send(client, "PUT", "/departments/Zei%20Mu", KENKO)
    assert unsafe.status == 400
    assert "department id 'Zei Mu' must be" in (await unsafe.json())["message"]
    broken = await client.http.put(
        f"{client.hub.http}/admin/api/departments/kenko",
        data=b"{names",
        headers={"Origin": origin(client.hub), "X-CSRF-Token": client.csrf},
    )
    assert broken.status == 400
    assert (await broken.json())["message"].startswith("the body is not JSON")
    nameless = await send(client, "PUT", "/departments/kenko", {"hours": KENKO["hours"]})
    assert (await nameless.json())["message"] == "Object missing required field `names`"
    assert all(d["id"] != "kenko" for d in await read(client, "/departments"))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"department_id": "nowhere"}, "there is no department 'nowhere'"),
        ({"names": {"en": "Health check"}}, "names: a Japanese (ja) one is required"),
        ({"descriptions": {"ja": ""}}, "descriptions: ja is empty"),
        ({"icon": "<img>"}, "icon '<img>' is not one of document, house"),
    ],
)
async def test_a_bad_category_is_refused_with_what_is_wrong(
    client: AdminClient, body: dict[str, Any], message: str
) -> None:
    await client.login("admin")
    assert (await send(client, "PUT", "/departments/kenko", KENKO)).status == 200
    response = await send(client, "PUT", "/categories/kenshin", KENSHIN | body)
    assert response.status == 400
    assert message in (await response.json())["message"]
    assert all(c["id"] != "kenshin" for c in await read(client, "/categories"))


async def test_a_department_its_categories_use_cannot_be_deleted(client: AdminClient) -> None:
    await client.login("admin")
    response = await send(client, "DELETE", "/departments/zeimu")
    assert response.status == 409
    refusal = await response.json()
    assert refusal == {
        "error": "conflict",
        "message": "department 'zeimu' is used by categories juminzei, zei-shomei: "
        "move or delete them first",
    }
    assert any(d["id"] == "zeimu" for d in await read(client, "/departments"))


async def test_a_department_with_staff_cannot_be_deleted(client: AdminClient) -> None:
    await client.login("admin")
    assert (await send(client, "PUT", "/departments/kenko", KENKO)).status == 200
    account = {
        "username": "kato",
        "display_name": "加藤",
        "password": "kato-first-1",
        "departments": ["kenko"],
    }
    assert (await client.post("/api/accounts", account)).status == 201
    response = await send(client, "DELETE", "/departments/kenko")
    assert response.status == 409
    assert "kenko still have staff" in (await response.json())["message"]


async def test_a_department_with_citizens_waiting_cannot_be_deleted(
    hub: RunningHub, client: AdminClient
) -> None:
    await client.login("admin")
    assert (await send(client, "PUT", "/departments/kenko", KENKO)).status == 200
    assert (await send(client, "PUT", "/categories/kenshin", KENSHIN)).status == 200
    async with Participant(hub.url, hub.kiosk(0)) as kiosk:
        await kiosk.send(p.RequestConsultation(category_id="kenshin", language="ja"))
        await kiosk.expect(p.Queued)
        assert (await send(client, "DELETE", "/categories/kenshin")).status == 200
        response = await send(client, "DELETE", "/departments/kenko")
        assert response.status == 409
        assert "1 citizens are waiting for 'kenko'" in (await response.json())["message"]


async def test_unused_entries_are_deleted_audited_and_gone_from_the_kiosk(
    hub: RunningHub, client: AdminClient
) -> None:
    await client.login("admin")
    assert (await send(client, "PUT", "/departments/kenko", KENKO)).status == 200
    async with Participant(hub.url, hub.kiosk(0)) as kiosk:
        await kiosk.expect(p.Directory)
        assert (await send(client, "DELETE", "/categories/seikatsu")).status == 200
        assert (await send(client, "DELETE", "/departments/kenko")).status == 200
        await kiosk.expect(p.Directory)
        pushed = await kiosk.expect(p.Directory)
    assert "seikatsu" not in {c.id for c in pushed.categories}
    assert "kenko" not in {d.id for d in pushed.departments}
    assert (await send(client, "DELETE", "/departments/kenko")).status == 404
    assert (await send(client, "DELETE", "/categories/seikatsu")).status == 404
    entries = await read(client, "/audit")
    assert [(e["action"], e["target"]) for e in entries[:2]] == [
        ("department_deleted", "kenko"),
        ("category_deleted", "seikatsu"),
    ]
    assert entries[0]["detail"]["after"] == {}
    assert entries[0]["detail"]["before"]["names.ja"] == "健康推進課"


# The order: the kiosk shows topics in the order of the categories.


async def test_reordered_categories_are_stored_audited_and_sent_to_a_connected_kiosk(
    hub: RunningHub, client: AdminClient
) -> None:
    await client.login("admin")
    before = [c["id"] for c in await read(client, "/categories")]
    after = [before[-1], *before[:-1]]  # the last topic first
    async with Participant(hub.url, hub.kiosk(0)) as kiosk:
        await kiosk.expect(p.Directory)
        response = await send(client, "PUT", "/category-order", {"ids": after})
        assert response.status == 200
        pushed = await kiosk.expect(p.Directory)
    assert [c.id for c in pushed.categories] == after
    assert [c["id"] for c in await read(client, "/categories")] == after
    entry = (await read(client, "/audit"))[0]
    assert (entry["action"], entry["target"]) == ("categories_reordered", "categories")
    assert entry["detail"] == {"before": {"order": before}, "after": {"order": after}}


async def test_reordered_departments_are_stored_and_an_unchanged_order_is_not_audited(
    client: AdminClient,
) -> None:
    await client.login("admin")
    before = [d["id"] for d in await read(client, "/departments")]
    audited = len(await read(client, "/audit"))
    assert (await send(client, "PUT", "/department-order", {"ids": before})).status == 200
    assert len(await read(client, "/audit")) == audited
    after = list(reversed(before))
    assert (await send(client, "PUT", "/department-order", {"ids": after})).status == 200
    assert [d["id"] for d in await read(client, "/departments")] == after
    assert (await read(client, "/audit"))[0]["action"] == "departments_reordered"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (lambda ids: {"ids": ids[1:]}, "missing juminhyo"),
        (lambda ids: {"ids": [*ids, "nowhere"]}, "unknown nowhere"),
        (lambda ids: {"ids": [*ids, ids[0]]}, "twice juminhyo"),
        (lambda ids: {"order": ids}, 'the body must be {"ids": [...]}'),
    ],
)
async def test_an_order_that_does_not_name_every_category_once_is_refused(
    client: AdminClient, body: Callable[[list[str]], Any], message: str
) -> None:
    await client.login("admin")
    before = [c["id"] for c in await read(client, "/categories")]
    response = await send(client, "PUT", "/category-order", body(before))
    assert response.status == 400
    assert message in (await response.json())["message"]
    assert [c["id"] for c in await read(client, "/categories")] == before


# Who may edit.

EDITS = [
    ("PUT", "/departments/kenko", KENKO),
    ("DELETE", "/departments/fukushi", None),
    ("PUT", "/categories/seikatsu", {**KENSHIN, "department_id": "fukushi"}),
    ("DELETE", "/categories/seikatsu", None),
    ("PUT", "/category-order", {"ids": ["seikatsu"]}),
    ("PUT", "/department-order", {"ids": ["fukushi"]}),
]


async def test_a_supervisor_reads_the_directory_but_every_edit_is_refused(
    client: AdminClient,
) -> None:
    await client.login("yamada")
    before = (await read(client, "/departments"), await read(client, "/categories"))
    for method, path, body in EDITS:
        assert (await send(client, method, path, body)).status == 403, (method, path)
    assert (await read(client, "/departments"), await read(client, "/categories")) == before


async def test_a_kiosk_token_or_a_staff_session_token_cannot_edit(
    hub: RunningHub, client: AdminClient
) -> None:
    async with Participant(hub.url, hub.staff("tanaka")) as tanaka:
        staff_token = tanaka.welcome.session_token
    assert staff_token is not None
    for token in (hub.demo.kiosks[0].token, staff_token):
        async with aiohttp.ClientSession(cookies={"madoguchi_admin": token}) as http:
            for path in ("/departments", "/categories"):
                async with http.get(f"{hub.http}/admin/api{path}") as response:
                    assert response.status == 401, path
            headers = {"Origin": origin(hub), "Authorization": f"Bearer {token}"}
            for method, path, body in EDITS:
                url = f"{hub.http}/admin/api{path}"
                async with http.request(method, url, json=body, headers=headers) as response:
                    assert response.status == 401, (method, path)


async def test_an_edit_without_the_csrf_token_or_from_another_site_is_refused(
    client: AdminClient,
) -> None:
    await client.login("admin")
    for method, path, body in EDITS:
        assert (await send(client, method, path, body, csrf="forged")).status == 403
        evil = "https://evil.example"
        assert (await send(client, method, path, body, origin_header=evil)).status == 403
        url = f"{client.hub.http}/admin/api{path}"
        no_origin = await client.http.request(
            method, url, json=body, headers={"X-CSRF-Token": client.csrf}
        )
        assert no_origin.status == 403
    assert {d["id"] for d in await read(client, "/departments")} >= {"fukushi"}
    assert "kenko" not in {d["id"] for d in await read(client, "/departments")}
    assert "seikatsu" in {c["id"] for c in await read(client, "/categories")}


# Restarts with the city file configured.


@pytest.fixture
async def city_hub(tmp_path: Path, aiohttp_server: Any) -> RunningHub:
    """The hub as a city runs it: accounts in the store, the directory from `city_file`."""
    city_file = write_city_open_always(tmp_path / "city.toml")
    return await start_admin_hub(
        tmp_path, aiohttp_server, seed_directory=False, city_file=str(city_file)
    )


def rename_shimin_in(city_file: Path, english: str) -> None:
    text = city_file.read_text(encoding="utf-8")
    city_file.write_text(text.replace('"Citizens\' Affairs"', f'"{english}"'), encoding="utf-8")


async def signed_in(hub: RunningHub, http: aiohttp.ClientSession) -> AdminClient:
    client = AdminClient(hub, http)
    assert (await client.login("admin")).status == 200
    return client


async def test_an_edit_survives_a_restart_with_the_city_file_configured(
    city_hub: RunningHub,
) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        client = await signed_in(city_hub, http)
        assert (await send(client, "PUT", "/departments/kenko", KENKO)).status == 200
        await city_hub.restart()
        async with Participant(city_hub.url, city_hub.kiosk(0)) as kiosk:
            directory = await kiosk.expect(p.Directory)
        assert "kenko" in {d.id for d in directory.departments}
        await city_hub.restart()
        assert "kenko" in {d["id"] for d in await read(client, "/departments")}
        imports = [a for a in await audit_actions(client) if a[0] == "directory_imported"]
        assert imports == [("directory_imported", city_hub.settings.city_file)]


async def test_a_changed_city_file_is_imported_at_the_next_start(city_hub: RunningHub) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        client = await signed_in(city_hub, http)
        assert (await send(client, "PUT", "/departments/kenko", KENKO)).status == 200
        assert city_hub.settings.city_file is not None
        rename_shimin_in(Path(city_hub.settings.city_file), "Residents")
        await city_hub.restart()
        departments = await read(client, "/departments")
        imports = [a for a in await audit_actions(client) if a[0] == "directory_imported"]
    # The database is the source of truth: the file brings in its change, the admin's stays.
    assert "kenko" in {d["id"] for d in departments}
    assert department(departments, "shimin")["names"]["en"] == "Residents"
    assert len(imports) == 2


async def test_the_city_file_is_imported_again_after_the_whole_directory_was_replaced(
    city_hub: RunningHub,
) -> None:
    store = await city_hub.store()
    try:
        await seed_demo(store)  # as `madoguchi-admin seed-demo` would: the real demo hours
    finally:
        await store.close()
    await city_hub.restart()
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        client = await signed_in(city_hub, http)
        shimin = department(await read(client, "/departments"), "shimin")
        assert shimin["hours"]["weekly"]["sun"] == ["00:00-24:00"]
        actions = [a for a, _ in await audit_actions(client) if a.startswith("directory_")]
    assert actions[:2] == ["directory_imported", "directory_replaced"]


def test_the_page_offers_exactly_the_category_icons_the_hub_accepts() -> None:
    script = (Path(__file__).parents[2] / "signaling/admin/static/directory.js").read_text()
    offered = re.search(r"const ICONS = \[(.*?)\];", script, re.DOTALL)
    assert offered is not None
    values = re.findall(r'\["([a-z]*)", "', offered.group(1))
    assert values == ["", *CATEGORY_ICONS]
