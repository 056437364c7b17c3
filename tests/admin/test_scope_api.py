"""A ward supervisor's own ward, and the admin's reports per ward and per site, on a real hub."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import msgspec
import pytest

from signaling import protocol as p
from tests.fixtures.hub import RunningHub

from .admin_hub import AdminClient
from .wards import (
    SUPERVISOR,
    SUPERVISOR_PASSWORD,
    TwoWards,
    admin_session,
    call,
    seed_two_wards,
    sign_in_supervisor,
)


@pytest.fixture
async def two_wards(hub: RunningHub) -> TwoWards:
    return await seed_two_wards(hub)


@pytest.fixture
async def admin(hub: RunningHub) -> AsyncIterator[AdminClient]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        yield await admin_session(hub, session)


async def read(client: AdminClient, path: str) -> Any:
    status, text = await call(client, "GET", path)
    assert status == 200, f"{path}: {status} {text}"
    return msgspec.json.decode(text)


async def csv_ids(client: AdminClient, path: str) -> set[str]:
    status, text = await call(client, "GET", path)
    assert status == 200, text
    return {row[0] for row in list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))[1:]}


async def test_a_ward_supervisor_signs_in_to_their_ward(
    client: AdminClient, two_wards: TwoWards
) -> None:
    response = await client.login(SUPERVISOR, SUPERVISOR_PASSWORD)
    signed_in = await response.json()
    assert signed_in["can_manage"] is False
    expected = {"ward_id": "chuo", "ward": "中央区", "manages_ward": True}
    assert signed_in["scope"] == expected
    assert (await read(client, "/api/me"))["scope"] == expected


async def test_a_city_wide_supervisor_and_an_admin_have_no_ward(client: AdminClient) -> None:
    for username in ("yamada", "admin"):
        await client.login(username)
        assert (await read(client, "/api/me"))["scope"] == {
            "ward_id": None, "ward": None, "manages_ward": False,
        }  # fmt: skip


async def test_a_ward_supervisor_sees_their_wards_kiosks_people_places_and_history(
    client: AdminClient, two_wards: TwoWards
) -> None:
    await sign_in_supervisor(client)
    assert {k["name"] for k in await read(client, "/api/kiosks")} == {
        "中央公民館",
        "本町市民センター",
    }
    accounts = {a["username"]: a for a in await read(client, "/api/accounts")}
    assert set(accounts) == {"tanaka", "sato", SUPERVISOR}
    assert accounts["tanaka"]["departments"] == ["shimin", "zeimu"]  # zeimu is city-wide
    assert [w["id"] for w in await read(client, "/api/wards")] == ["chuo"]
    assert {s["id"] for s in await read(client, "/api/sites")} == {
        "chuo-office", "chuo-kominkan", "chuo-honmachi",
    }  # fmt: skip
    departments = {d["id"] for d in await read(client, "/api/departments")}
    assert {"shimin", "zeimu"} <= departments
    assert not departments & {"kita-shimin", "minami-shimin"}
    history = await read(client, "/api/history")
    assert {r["id"] for r in history["rows"]} == {"c-chuo", "c-chuo-out", "c-overflow-in"}
    assert await csv_ids(client, "/api/history.csv") == {"c-chuo", "c-chuo-out", "c-overflow-in"}
    one_site = await read(client, "/api/history?site=chuo-kominkan")
    assert {r["id"] for r in one_site["rows"]} == {"c-chuo", "c-chuo-out"}


async def test_a_ward_supervisors_kpis_are_their_citizens_with_the_overflow_both_ways(
    client: AdminClient, two_wards: TwoWards
) -> None:
    await sign_in_supervisor(client)
    for path in ("/api/overview", "/api/overview?ward=chuo"):
        report = await read(client, path)
        total = report["total"]
        # Its citizens: c-chuo (its own desk) and c-chuo-out (南区's desk answered).
        assert (total["requested"], total["served"], total["overflowed"]) == (2, 2, 1)
        assert total["overflow_percent"] == pytest.approx(50.0)
        assert report["overflowed_in"] == 1  # 北部支所's citizen its 市民課 answered
    site = await read(client, "/api/overview?site=chuo-honmachi")
    assert (site["total"]["requested"], site["overflowed_in"]) == (0, None)


async def test_an_admin_reads_kpis_history_and_csv_per_ward_and_per_site(
    admin: AdminClient, two_wards: TwoWards
) -> None:
    city = await read(admin, "/api/overview")
    assert (city["total"]["requested"], city["total"]["overflowed"]) == (4, 2)
    assert city["total"]["overflow_percent"] == pytest.approx(50.0)
    assert city["overflowed_in"] is None
    kita = await read(admin, "/api/overview?ward=kita")
    assert (kita["total"]["requested"], kita["total"]["overflowed"]) == (2, 1)
    assert kita["overflowed_in"] == 0
    aoba = await read(admin, "/api/overview?site=kita-aoba")
    assert (aoba["total"]["requested"], aoba["total"]["overflowed"]) == (1, 0)
    # A ward's history is what its supervisor sees: its citizens and the ones its desks took.
    assert await csv_ids(admin, "/api/history.csv?ward=kita") == {"c-overflow-in", "c-kita-only"}
    assert await csv_ids(admin, "/api/history.csv?ward=minami") == {"c-chuo-out"}
    assert await csv_ids(admin, "/api/history.csv?site=kita-aoba") == {"c-kita-only"}
    assert await csv_ids(admin, "/api/history.csv") == {
        "c-chuo", "c-chuo-out", "c-overflow-in", "c-kita-only",
    }  # fmt: skip
    for path in ("/api/overview?ward=nowhere", "/api/history?site=nowhere"):
        assert (await call(admin, "GET", path))[0] == 404


async def test_a_ward_supervisor_manages_their_wards_kiosks_and_sites_audited(
    hub: RunningHub, client: AdminClient, two_wards: TwoWards
) -> None:
    await sign_in_supervisor(client)
    kiosk = two_wards.a_kiosk_id
    assert (await call(client, "POST", f"/api/kiosks/{kiosk}/disabled", {"disabled": True}))[
        0
    ] == 200
    assert (await call(client, "POST", f"/api/kiosks/{kiosk}/disabled", {"disabled": False}))[
        0
    ] == 200
    moved = await call(client, "PUT", f"/api/kiosks/{kiosk}/site", {"site_id": "chuo-honmachi"})
    assert moved[0] == 200
    assert msgspec.json.decode(moved[1])["site_id"] == "chuo-honmachi"
    site = {"ward_id": "chuo", "names": {"ja": "中央出張所"}, "kind": "center"}
    assert (await call(client, "PUT", "/api/sites/chuo-demae", site))[0] == 200
    renamed = {**site, "names": {"ja": "中央出張所 (新)"}}
    assert (await call(client, "PUT", "/api/sites/chuo-demae", renamed))[0] == 200
    assert (await call(client, "DELETE", "/api/sites/chuo-demae"))[0] == 200
    # Nothing city-wide, even in their own ward: the ward itself, its desks, its people.
    assert (await call(client, "PUT", "/api/wards/chuo", {"names": {"ja": "X"}}))[0] == 403
    assert (await call(client, "DELETE", "/api/departments/shimin"))[0] == 403
    tanaka = next(a.username for a in hub.demo.accounts if a.username == "tanaka")
    accounts = {a["username"]: a["id"] for a in await read(client, "/api/accounts")}
    assert (
        await call(client, "POST", f"/api/accounts/{accounts[tanaka]}/disabled", {"disabled": True})
    )[0] == 403
    audit = await read(client, "/api/audit")
    actions = [e["action"] for e in audit if e["actor"] == two_wards.supervisor_id]
    assert {
        "kiosk_disabled",
        "kiosk_enabled",
        "kiosk_site_set",
        "site_saved",
        "site_deleted",
    } <= set(actions)


async def test_a_supervisor_at_no_site_still_reads_the_whole_city_and_changes_nothing(
    client: AdminClient, two_wards: TwoWards
) -> None:
    await client.login("yamada")
    assert len(await read(client, "/api/kiosks")) == 5
    assert {w["id"] for w in await read(client, "/api/wards")} == {"chuo", "kita", "minami"}
    status, _ = await call(
        client, "POST", f"/api/kiosks/{two_wards.a_kiosk_id}/disabled", {"disabled": True}
    )
    assert status == 403
    assert (await call(client, "DELETE", "/api/sites/chuo-honmachi"))[0] == 403


async def test_a_disabled_kiosk_is_cut_off_when_its_ward_supervisor_disables_it(
    hub: RunningHub, client: AdminClient, two_wards: TwoWards
) -> None:
    from call.link import Credentials
    from tests.participant import Participant

    kiosk = next(k for k in hub.demo.kiosks if k.name == "中央公民館")
    await sign_in_supervisor(client)
    async with Participant(hub.url, Credentials(token=kiosk.token)) as connected:
        await connected.expect(p.Directory)
        status, _ = await call(
            client, "POST", f"/api/kiosks/{kiosk.kiosk_id}/disabled", {"disabled": True}
        )
        assert status == 200
        error = await connected.expect(p.Error)
        assert error.code is p.ErrorCode.ACCOUNT_DISABLED
