"""The city's shape in the store: wards, sites, services, and the city file's import."""

from __future__ import annotations

import msgspec
import pytest

from signaling.city_import import Change
from signaling.directory import (
    Category,
    Department,
    Directory,
    OutcomeCode,
    Reading,
    Service,
    Site,
    SiteKind,
    StaffMessage,
    Ward,
)
from signaling.store import ConflictError, NotFoundError, Store
from tests.signaling.test_store import NOW, add_staff, database_url, store

__all__ = ["database_url", "store"]  # the fixtures, run on SQLite and PostgreSQL

JA = {"ja": "名"}

SHAPED = Directory(
    wards=[
        Ward(id="moji", names={"ja": "門司区", "en": "Moji"}),
        Ward(id="kokura", names={"ja": "小倉北区"}, shares_overflow=False),
    ],
    sites=[
        Site(
            id="moji-office", ward_id="moji", names={"ja": "門司区役所"}, kind=SiteKind.WARD_OFFICE
        ),
        Site(id="moji-center", ward_id="moji", names={"ja": "門司市民センター"}),
        Site(id="kokura-office", ward_id="kokura", names=JA, kind=SiteKind.WARD_OFFICE),
    ],
    services=[
        Service(id="juminhyo", names={"ja": "住民票"}, overflow_after_seconds=90.0),
        Service(id="kokuho", names={"ja": "国保"}, overflow_after_seconds=None),
    ],
    departments=[
        Department(id="moji-shimin", names=JA, ward_id="moji", services=["kokuho", "juminhyo"]),
        Department(id="kokura-shimin", names=JA, ward_id="kokura", services=["juminhyo"]),
        Department(id="zeimu", names={"ja": "税務課"}),  # city-wide
    ],
    categories=[
        Category(id="juminhyo", names={"ja": "住民票"}, service_id="juminhyo"),
        Category(id="kokuho", names={"ja": "国保"}, service_id="kokuho"),
        Category(id="zei", names={"ja": "税"}, department_id="zeimu", icon="yen"),
    ],
    outcome_codes=[OutcomeCode(code="resolved", names={"ja": "解決"})],
    staff_messages=[
        StaffMessage(id="wait", texts={"ja": "少々お待ちください。", "en": "One moment, please."}),
        StaffMessage(id="thanks", texts={"ja": "ありがとうございました。"}),
    ],
    readings=[Reading(word="門司", reading="もじ"), Reading(word="小倉", reading="こくら")],
)


async def test_the_whole_shaped_directory_round_trips_in_order(store: Store) -> None:
    assert await store.replace_directory(SHAPED, actor="test", now=NOW) is True
    assert await store.load_directory() == SHAPED
    assert await store.replace_directory(SHAPED, actor="test", now=NOW) is False


async def test_a_department_moves_ward_and_changes_services_in_place(store: Store) -> None:
    await store.replace_directory(SHAPED, actor="test", now=NOW)
    await add_staff(store, "tanaka", "moji-shimin")  # rows that point at it stay valid
    moved = msgspec.structs.replace(SHAPED.departments[0], ward_id="kokura", services=["juminhyo"])
    changed = msgspec.structs.replace(
        SHAPED,
        departments=[moved, *SHAPED.departments[1:]],
        categories=[c for c in SHAPED.categories if c.id != "kokuho"],
        services=SHAPED.services[:1],
    )
    await store.replace_directory(changed, actor="test", now=NOW)
    assert await store.load_directory() == changed


async def test_a_site_with_a_kiosk_cannot_be_removed(store: Store) -> None:
    await store.replace_directory(SHAPED, actor="test", now=NOW)
    await store.create_kiosk("門司1", "", actor="test", now=NOW, site_id="moji-center")
    smaller = msgspec.structs.replace(SHAPED, sites=SHAPED.sites[:1] + SHAPED.sites[2:])
    with pytest.raises(ConflictError, match="moji-center still have kiosks"):
        await store.replace_directory(smaller, actor="test", now=NOW)
    assert await store.load_directory() == SHAPED


async def test_a_kiosk_is_placed_at_a_site_and_the_change_is_audited(store: Store) -> None:
    await store.replace_directory(SHAPED, actor="test", now=NOW)
    kiosk, _ = await store.create_kiosk("門司1", "1F", actor="test", now=NOW)
    assert kiosk.site_id is None
    moved = await store.set_kiosk_site(kiosk.id, "moji-center", actor="admin", now=NOW + 1)
    assert moved.site_id == "moji-center"
    assert (await store.get_kiosk(kiosk.id)) == moved
    entry = (await store.list_audit(limit=1))[0]
    assert (entry.action, entry.target, entry.detail) == (
        "kiosk_site_set",
        kiosk.id,
        {"before": None, "after": "moji-center"},
    )


async def test_a_kiosk_cannot_be_placed_at_an_unknown_site(store: Store) -> None:
    await store.replace_directory(SHAPED, actor="test", now=NOW)
    kiosk, _ = await store.create_kiosk("門司1", "", actor="test", now=NOW)
    with pytest.raises(NotFoundError, match="no site 'nowhere'"):
        await store.set_kiosk_site(kiosk.id, "nowhere", actor="admin", now=NOW)
    with pytest.raises(NotFoundError, match="no site 'nowhere'"):
        await store.create_kiosk("門司2", "", actor="test", now=NOW, site_id="nowhere")
    assert (await store.get_kiosk(kiosk.id)) == kiosk


# The city file's import.


def without(directory: Directory, department_id: str) -> Directory:
    return msgspec.structs.replace(
        directory,
        departments=[d for d in directory.departments if d.id != department_id],
        categories=[c for c in directory.categories if c.department_id != department_id],
    )


async def test_a_file_that_drops_a_department_with_staff_is_imported_around_it(
    store: Store,
) -> None:
    first = await store.import_city_file(SHAPED, source="city.toml", now=NOW)
    assert first is not None
    await add_staff(store, "sato", "zeimu")
    result = await store.import_city_file(without(SHAPED, "zeimu"), source="city.toml", now=NOW)
    assert result is not None
    assert not result.error
    assert [(d.kind, d.id, d.change) for d in result.differences] == [
        ("department", "zeimu", Change.KEPT_IN_USE)
    ]
    stored = await store.load_directory()
    assert stored.department("zeimu") is not None
    assert stored.category("zei") is None  # nothing keeps the category: it went as the file says
    actions = {e.action: e.detail for e in reversed(await store.list_audit())}  # the latest
    assert actions["directory_import_differences"] == {
        "kept_in_use": ["department zeimu (has staff; removed from the file)"]
    }
    assert actions["directory_imported"]["removed"] == ["category zei"]


async def test_the_same_file_is_imported_once(store: Store) -> None:
    assert await store.import_city_file(SHAPED, source="city.toml", now=NOW) is not None
    assert await store.import_city_file(SHAPED, source="city.toml", now=NOW) is None


async def test_replacing_the_whole_directory_makes_the_file_import_afresh(store: Store) -> None:
    await store.import_city_file(SHAPED, source="city.toml", now=NOW)
    await store.replace_directory(without(SHAPED, "zeimu"), actor="seed", now=NOW)
    result = await store.import_city_file(SHAPED, source="city.toml", now=NOW)
    assert result is not None
    assert (await store.load_directory()) == SHAPED
