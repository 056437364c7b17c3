"""The city file's merge into an edited database (pure): each rule of signaling/city_import.py."""

from __future__ import annotations

import msgspec
import pytest

from signaling.city_import import Change, CityImport, InUse, merge_city_file
from signaling.directory import (
    Category,
    Department,
    Directory,
    DirectoryError,
    OutcomeCode,
    Service,
    Site,
    Ward,
)

JA = {"ja": "名"}
BASE = Directory(
    wards=[Ward(id="moji", names={"ja": "門司区"}), Ward(id="kokura", names={"ja": "小倉区"})],
    sites=[Site(id="moji-center", ward_id="moji", names=JA)],
    services=[Service(id="juminhyo", names={"ja": "住民票"})],
    departments=[
        Department(id="moji-shimin", names=JA, ward_id="moji", services=["juminhyo"]),
        Department(id="kokura-shimin", names=JA, ward_id="kokura", services=["juminhyo"]),
        Department(id="zeimu", names={"ja": "税務課"}),
    ],
    categories=[
        Category(id="juminhyo", names={"ja": "住民票"}, service_id="juminhyo"),
        Category(id="zei", names={"ja": "税"}, department_id="zeimu"),
    ],
    outcome_codes=[OutcomeCode(code="resolved", names={"ja": "解決"})],
)


def changes(result: CityImport) -> list[tuple[str, str, Change]]:
    return [(c.kind, c.id, c.change) for c in result.changes]


def with_departments(directory: Directory, *departments: Department) -> Directory:
    return msgspec.structs.replace(directory, departments=list(departments))


def named(department: Department, english: str) -> Department:
    return msgspec.structs.replace(department, names={**department.names, "en": english})


def test_the_unchanged_file_changes_nothing() -> None:
    result = merge_city_file(BASE, BASE, BASE)
    assert result.directory == BASE
    assert result.changes == ()


def test_a_first_import_into_an_empty_database_creates_everything() -> None:
    result = merge_city_file(None, Directory(), BASE)
    assert result.directory == BASE
    assert {c.change for c in result.changes} == {Change.CREATED}
    assert result.differences == ()


def test_the_files_change_comes_in_and_the_admins_edit_of_another_entry_stays() -> None:
    moji, kokura, zeimu = BASE.departments
    stored = with_departments(BASE, named(moji, "Edited on the page"), kokura, zeimu)
    file = with_departments(BASE, moji, named(kokura, "Renamed in the file"), zeimu)
    result = merge_city_file(BASE, stored, file)
    assert result.directory.departments == [
        named(moji, "Edited on the page"),
        named(kokura, "Renamed in the file"),
        zeimu,
    ]
    assert changes(result) == [
        ("department", "moji-shimin", Change.KEPT_EDIT),
        ("department", "kokura-shimin", Change.UPDATED),
    ]
    assert result.changes[1].reason == "names"


def test_when_both_changed_an_entry_the_files_change_wins() -> None:
    moji, kokura, zeimu = BASE.departments
    stored = with_departments(BASE, named(moji, "page"), kokura, zeimu)
    file = with_departments(BASE, named(moji, "file"), kokura, zeimu)
    result = merge_city_file(BASE, stored, file)
    assert result.directory.department("moji-shimin") == named(moji, "file")
    assert changes(result) == [("department", "moji-shimin", Change.UPDATED)]


def test_without_a_base_the_file_wins_for_what_it_names_and_nothing_is_removed() -> None:
    moji, kokura, zeimu = BASE.departments
    kenko = Department(id="kenko", names={"ja": "健康課"})
    stored = with_departments(BASE, named(moji, "page"), kokura, zeimu, kenko)
    result = merge_city_file(None, stored, BASE)
    assert result.directory.department("moji-shimin") == moji
    assert result.directory.department("kenko") == kenko
    assert ("department", "kenko", Change.KEPT_ADDITION) in changes(result)


def test_an_entry_the_admin_added_stays_and_is_a_difference() -> None:
    kenko = Department(id="kenko", names={"ja": "健康課"})
    stored = with_departments(BASE, *BASE.departments, kenko)
    result = merge_city_file(BASE, stored, BASE)
    assert result.directory == stored
    assert [d.describe() for d in result.differences] == [
        "department kenko (added in the database; not in the file)"
    ]


def test_an_entry_the_admin_deleted_stays_deleted_while_the_file_does_not_change_it() -> None:
    stored = msgspec.structs.replace(BASE, outcome_codes=[])
    result = merge_city_file(BASE, stored, BASE)
    assert result.directory.outcome_codes == []
    assert changes(result) == [("outcome_code", "resolved", Change.KEPT_DELETION)]


def test_an_entry_the_file_dropped_is_removed() -> None:
    file = msgspec.structs.replace(BASE, outcome_codes=[])
    result = merge_city_file(BASE, BASE, file)
    assert result.directory == file
    assert changes(result) == [("outcome_code", "resolved", Change.REMOVED)]


def test_a_department_with_staff_that_the_file_dropped_is_kept() -> None:
    file = msgspec.structs.replace(
        BASE, departments=BASE.departments[:2], categories=BASE.categories[:1]
    )
    result = merge_city_file(BASE, BASE, file, InUse(departments_with_staff=frozenset({"zeimu"})))
    assert result.directory.department("zeimu") == BASE.departments[2]
    assert result.directory.category("zei") is None
    assert changes(result) == [
        ("department", "zeimu", Change.KEPT_IN_USE),
        ("category", "zei", Change.REMOVED),
    ]
    assert result.differences[0].describe() == (
        "department zeimu (has staff; removed from the file)"
    )


def test_a_site_with_kiosks_keeps_itself_and_its_ward() -> None:
    file = msgspec.structs.replace(
        BASE,
        wards=BASE.wards[1:],
        sites=[],
        departments=BASE.departments[1:],
    )
    in_use = InUse(sites_with_kiosks_or_staff=frozenset({"moji-center"}))
    result = merge_city_file(BASE, BASE, file, in_use)
    assert result.directory.site("moji-center") is not None
    assert result.directory.ward("moji") is not None
    assert result.directory.department("moji-shimin") is None  # nothing holds it
    assert changes(result) == [
        ("site", "moji-center", Change.KEPT_IN_USE),
        ("ward", "moji", Change.KEPT_IN_USE),
        ("department", "moji-shimin", Change.REMOVED),
    ]
    assert result.changes[1].reason == "site moji-center is in it"


def test_a_kept_category_of_a_service_keeps_a_department_that_offers_it() -> None:
    # The admin added a topic for 国保; the file then drops the service and its only desk.
    kokuho = Service(id="kokuho", names={"ja": "国保"})
    desk = Department(id="kokuho-ka", names=JA, services=["kokuho"])
    base = msgspec.structs.replace(
        BASE, services=[*BASE.services, kokuho], departments=[*BASE.departments, desk]
    )
    topic = Category(id="kokuho", names={"ja": "国保"}, service_id="kokuho")
    stored = msgspec.structs.replace(base, categories=[*base.categories, topic])
    result = merge_city_file(base, stored, BASE)
    assert result.directory.category("kokuho") == topic
    assert result.directory.department("kokuho-ka") == desk
    assert result.directory.service("kokuho") == kokuho
    kept = {(c.kind, c.id) for c in result.changes if c.change is Change.KEPT_IN_USE}
    assert kept == {("service", "kokuho"), ("department", "kokuho-ka")}


def test_a_merge_that_cannot_be_made_consistent_raises() -> None:
    # The admin's topic names a service no department will offer any more, in file or database.
    topic = Category(id="kokuho", names={"ja": "国保"}, service_id="kokuho")
    kokuho = Service(id="kokuho", names={"ja": "国保"})
    stored = msgspec.structs.replace(
        BASE, services=[*BASE.services, kokuho], categories=[*BASE.categories, topic]
    )
    with pytest.raises(DirectoryError, match="no department offers service 'kokuho'"):
        merge_city_file(BASE, stored, BASE)
