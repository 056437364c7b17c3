"""The admin API for wards, sites, services and a kiosk's site, against a real hub."""

from __future__ import annotations

from tests.fixtures.hub import RunningHub
from tests.participant import Participant

from .admin_hub import AdminClient
from .test_directory_api import read, send

MOJI = {"names": {"ja": "門司区", "en": "Moji"}}
MOJI_CENTER = {"ward_id": "moji", "names": {"ja": "門司市民センター"}, "kind": "center"}


async def test_an_admin_adds_a_ward_and_a_site_and_places_a_kiosk_there(
    hub: RunningHub, client: AdminClient
) -> None:
    await client.login("admin")
    assert (await send(client, "PUT", "/wards/moji", MOJI)).status == 200
    assert (await send(client, "PUT", "/sites/moji-center", MOJI_CENTER)).status == 200
    assert "moji" in [w["id"] for w in await read(client, "/wards")]
    assert {"id": "moji-center", **MOJI_CENTER} in await read(client, "/sites")
    kiosk_id = hub.demo.kiosks[0].kiosk_id
    placed = await send(client, "PUT", f"/kiosks/{kiosk_id}/site", {"site_id": "moji-center"})
    assert placed.status == 200
    assert (await placed.json())["site_id"] == "moji-center"
    listed = next(k for k in await read(client, "/kiosks") if k["id"] == kiosk_id)
    assert listed["site_id"] == "moji-center"
    actions = [(e["action"], e["target"]) for e in await read(client, "/audit")][:3]
    assert actions == [
        ("kiosk_site_set", kiosk_id),
        ("site_saved", "moji-center"),
        ("ward_saved", "moji"),
    ]
    async with Participant(hub.url, hub.kiosk(0)) as kiosk:  # still signs in, now placed
        assert kiosk.welcome.principal_id == kiosk_id


async def test_a_kiosk_is_registered_at_a_site(client: AdminClient) -> None:
    await client.login("admin")
    await send(client, "PUT", "/wards/moji", MOJI)
    await send(client, "PUT", "/sites/moji-center", MOJI_CENTER)
    body = {"name": "門司9", "location": "1F", "site_id": "moji-center"}
    created = await client.post("/api/kiosks", body)
    assert created.status == 201
    assert (await created.json())["kiosk"]["site_id"] == "moji-center"
    unknown = await client.post("/api/kiosks", {**body, "name": "門司10", "site_id": "nowhere"})
    assert unknown.status == 404
    assert "no site 'nowhere'" in await unknown.text()
    assert "門司10" not in {k["name"] for k in await read(client, "/kiosks")}


async def test_a_site_in_an_unknown_ward_is_refused(client: AdminClient) -> None:
    await client.login("admin")
    response = await send(client, "PUT", "/sites/moji-center", MOJI_CENTER)
    assert response.status == 400
    assert "unknown ward 'moji'" in (await response.json())["message"]
    assert "moji-center" not in {s["id"] for s in await read(client, "/sites")}


async def test_a_ward_with_sites_and_a_site_with_kiosks_cannot_be_deleted(
    hub: RunningHub, client: AdminClient
) -> None:
    await client.login("admin")
    await send(client, "PUT", "/wards/moji", MOJI)
    await send(client, "PUT", "/sites/moji-center", MOJI_CENTER)
    kiosk_id = hub.demo.kiosks[0].kiosk_id
    await send(client, "PUT", f"/kiosks/{kiosk_id}/site", {"site_id": "moji-center"})
    ward = await send(client, "DELETE", "/wards/moji")
    assert ward.status == 409
    assert "site moji-center" in (await ward.json())["message"]
    site = await send(client, "DELETE", "/sites/moji-center")
    assert site.status == 409
    assert "moji-center still have kiosks" in (await site.json())["message"]
    await send(client, "PUT", f"/kiosks/{kiosk_id}/site", {"site_id": None})
    assert (await send(client, "DELETE", "/sites/moji-center")).status == 200
    assert (await send(client, "DELETE", "/wards/moji")).status == 200


async def test_a_kiosk_cannot_be_placed_at_an_unknown_site(
    hub: RunningHub, client: AdminClient
) -> None:
    await client.login("admin")
    kiosk_id = hub.demo.kiosks[0].kiosk_id
    response = await send(client, "PUT", f"/kiosks/{kiosk_id}/site", {"site_id": "nowhere"})
    assert response.status == 404
    assert (await response.json())["message"] == "no site 'nowhere'"


async def test_a_supervisor_reads_wards_and_sites_but_cannot_change_them(
    client: AdminClient,
) -> None:
    await client.login("yamada")
    before = await read(client, "/wards")
    assert (await send(client, "PUT", "/wards/moji", MOJI)).status == 403
    assert await read(client, "/wards") == before
    assert "moji" not in {w["id"] for w in before}


async def test_a_service_in_use_cannot_be_deleted_and_an_unused_one_can(
    client: AdminClient,
) -> None:
    await client.login("admin")
    kokuho = {"names": {"ja": "国保"}, "overflow_after_seconds": None}
    assert (await send(client, "PUT", "/services/kokuho-test", kokuho)).status == 200
    desk = {"names": {"ja": "国保課"}, "services": ["kokuho-test"]}
    assert (await send(client, "PUT", "/departments/kokuho-ka", desk)).status == 200
    refused = await send(client, "DELETE", "/services/kokuho-test")
    assert refused.status == 409
    assert (await refused.json())["message"] == (
        "service 'kokuho-test' is used by department kokuho-ka: change them first"
    )
    assert (
        await send(client, "PUT", "/departments/kokuho-ka", {**desk, "services": []})
    ).status == 200
    assert (await send(client, "DELETE", "/services/kokuho-test")).status == 200
    assert "kokuho-test" not in {s["id"] for s in await read(client, "/services")}
