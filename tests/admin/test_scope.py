"""Who sees and manages what (signaling/admin/scope.py), and the overflow rate in the KPIs."""

from __future__ import annotations

import msgspec
import pytest

from signaling.admin import city_shape_edit, directory_edit, kpis
from signaling.admin.scope import (
    CITY,
    ForbiddenError,
    OutOfScopeError,
    access_for,
    narrow,
    ward_scope,
    ward_site_edit,
)
from signaling.demo import demo_directory
from signaling.directory import Site, SiteKind
from signaling.protocol import EndReason, Role
from signaling.session import Leg, Session
from signaling.store import NotFoundError
from signaling.store.records import Account, ConsultationRecord, Kiosk, LegRecord

CITY_DIRECTORY = demo_directory()  # 中央区 (chuo), 北区 (kita), 南区 (minami), city-wide desks
CHUO = ward_scope(CITY_DIRECTORY, "chuo")
SITES = {"k-chuo": "chuo-kominkan", "k-kita": "kita-hokubu", "k-nowhere": None}


def account(role: Role, site_id: str | None = None, departments: tuple[str, ...] = ()) -> Account:
    return Account(
        id=f"a-{role}-{site_id}",
        username="u",
        display_name="U",
        role=role,
        disabled=False,
        created_at=0.0,
        departments=departments,
        password_hash="",
        site_id=site_id,
    )


def kiosk(site_id: str | None) -> Kiosk:
    return Kiosk(
        id="k", name="K", location="", disabled=False, created_at=0, last_seen_at=None,
        site_id=site_id,
    )  # fmt: skip


def leg(department_id: str, overflowed_from: str | None = None, answered: bool = True) -> LegRecord:
    return LegRecord(
        leg=0, department_id=department_id, staff_id="s" if answered else None, queued_at=0.0,
        answered_at=5.0 if answered else None, ended_at=9.0, end_reason=EndReason.COMPLETED,
        transfer_note="", transferred_by=None, outcome_code=None, wrap_up_note=None,
        overflowed_from=overflowed_from,
    )  # fmt: skip


def consultation(kiosk_id: str, *legs: LegRecord) -> ConsultationRecord:
    answered = any(leg.answered_at is not None for leg in legs)
    return ConsultationRecord(
        id=f"c-{kiosk_id}", kiosk_id=kiosk_id, category_id="juminhyo", language="ja",
        requested_at=0.0, first_answered_at=5.0 if answered else None, ended_at=9.0,
        end_reason=EndReason.COMPLETED if answered else EndReason.CITIZEN_CANCELLED,
        wait_seconds=5.0, talk_seconds=4.0 if answered else None, transfers=0,
        survey_score=None, outcome_code=None, note=None, legs=legs,
    )  # fmt: skip


def test_an_admin_sees_and_manages_the_whole_city() -> None:
    access = access_for(account(Role.ADMIN, "kita-office"), CITY_DIRECTORY)
    assert (access.scope, access.manages_city, access.manages_ward) == (CITY, True, False)


def test_a_supervisor_at_no_site_reads_the_whole_city_and_changes_nothing() -> None:
    access = access_for(account(Role.SUPERVISOR), CITY_DIRECTORY)
    assert (access.scope, access.may_change_kiosks_and_sites) == (CITY, False)


def test_a_supervisor_at_a_site_is_their_wards_supervisor() -> None:
    access = access_for(account(Role.SUPERVISOR, "chuo-kominkan"), CITY_DIRECTORY)
    assert access.scope.ward_id == "chuo"
    assert access.scope.site_ids == {"chuo-office", "chuo-kominkan", "chuo-honmachi"}
    assert access.scope.department_ids == {"shimin"}  # city-wide desks are no ward's
    assert (access.manages_city, access.manages_ward) == (False, True)


def test_a_supervisor_whose_site_is_gone_sees_nothing() -> None:
    access = access_for(account(Role.SUPERVISOR, "demolished"), CITY_DIRECTORY)
    assert not access.scope.whole_city
    assert not access.scope.sees_site("chuo-office")
    assert not access.may_change_kiosks_and_sites


def test_a_ward_sees_its_kiosks_and_its_people_and_lists_city_wide_desks() -> None:
    assert CHUO.sees_kiosk(kiosk("chuo-honmachi"))
    assert not CHUO.sees_kiosk(kiosk("kita-hokubu"))
    assert not CHUO.sees_kiosk(kiosk(None))
    assert CHUO.sees_account(account(Role.STAFF, "chuo-office"))
    assert CHUO.sees_account(account(Role.STAFF, None, ("shimin",)))
    assert not CHUO.sees_account(account(Role.STAFF, "kita-office", ("kita-shimin",)))
    assert not CHUO.sees_account(account(Role.STAFF, None, ("zeimu",)))
    zeimu, kita = CITY_DIRECTORY.department("zeimu"), CITY_DIRECTORY.department("kita-shimin")
    assert zeimu is not None
    assert kita is not None
    assert CHUO.lists_department(zeimu)
    assert not CHUO.sees_department("zeimu")
    assert not CHUO.lists_department(kita)


def test_a_ward_sees_its_citizens_and_the_ones_its_desks_answered_in_and_out() -> None:
    own = consultation("k-chuo", leg("zeimu"))
    out = consultation("k-chuo", leg("kita-shimin", overflowed_from="shimin"))
    taken_in = consultation("k-kita", leg("shimin", overflowed_from="kita-shimin"))
    others = consultation("k-kita", leg("kita-shimin"))
    unplaced = consultation("k-nowhere", leg("zeimu"))
    assert [CHUO.involves(r, SITES) for r in (own, out, taken_in, others, unplaced)] == [
        True, True, True, False, False,
    ]  # fmt: skip
    assert [CHUO.taken_in(r, SITES) for r in (own, out, taken_in, others)] == [
        False, False, True, False,
    ]  # fmt: skip
    assert all(CITY.involves(r, SITES) for r in (own, out, taken_in, others, unplaced))


def test_a_live_session_is_the_wards_by_its_kiosk_or_any_of_its_desks() -> None:
    session = Session(
        id="s", kiosk_id="k-kita", category_id="juminhyo", language="ja", requested_at=0,
        legs=[Leg(department_id="kita-shimin", queued_at=0)],
    )  # fmt: skip
    assert not CHUO.involves_session(session, SITES)
    session.legs[-1].overflowed_from, session.legs[-1].department_id = "kita-shimin", "shimin"
    assert CHUO.involves_session(session, SITES)


def test_a_report_narrows_within_ones_scope_and_refuses_alike_an_unknown_or_foreign_id() -> None:
    kita = ward_scope(CITY_DIRECTORY, "kita")
    assert narrow(CITY, CITY_DIRECTORY, ward="kita", site=None) == kita
    site = narrow(CHUO, CITY_DIRECTORY, ward=None, site="chuo-honmachi")
    assert site.site_ids == {"chuo-honmachi"}
    assert not site.department_ids
    assert narrow(CHUO, CITY_DIRECTORY, ward="chuo", site=None) == CHUO
    for ward, where in (("kita", None), ("nowhere", None), (None, "kita-office"), (None, "x")):
        with pytest.raises(OutOfScopeError):
            narrow(CHUO, CITY_DIRECTORY, ward=ward, site=where)


def _site(site_id: str, ward_id: str) -> Site:
    return Site(id=site_id, ward_id=ward_id, names={"ja": "新しい場所"}, kind=SiteKind.CENTER)


def test_a_ward_supervisor_edits_adds_and_deletes_their_wards_sites_only() -> None:
    renamed = _site("chuo-honmachi", "chuo")
    change = ward_site_edit(city_shape_edit.put(renamed), CHUO, "chuo-honmachi")(CITY_DIRECTORY)
    assert change.directory.site("chuo-honmachi") == renamed
    added = ward_site_edit(city_shape_edit.put(_site("chuo-new", "chuo")), CHUO, "chuo-new")
    assert added(CITY_DIRECTORY).directory.site("chuo-new") is not None
    gone = ward_site_edit(city_shape_edit.delete_site("chuo-honmachi"), CHUO, "chuo-honmachi")
    assert gone(CITY_DIRECTORY).directory.site("chuo-honmachi") is None


def test_another_wards_site_is_not_found_and_a_site_cannot_leave_the_ward() -> None:
    with pytest.raises(NotFoundError):
        ward_site_edit(city_shape_edit.put(_site("kita-aoba", "chuo")), CHUO, "kita-aoba")(
            CITY_DIRECTORY
        )
    with pytest.raises(NotFoundError):
        ward_site_edit(city_shape_edit.delete_site("kita-aoba"), CHUO, "kita-aoba")(CITY_DIRECTORY)
    for site in (_site("chuo-honmachi", "kita"), _site("kita-new", "kita")):
        with pytest.raises(ForbiddenError):
            ward_site_edit(city_shape_edit.put(site), CHUO, site.id)(CITY_DIRECTORY)


def test_an_edit_that_changes_more_than_the_named_site_is_refused() -> None:
    zeimu = CITY_DIRECTORY.department("zeimu")
    assert zeimu is not None
    sneaky = directory_edit.put_department(msgspec.structs.replace(zeimu, names={"ja": "X"}))
    with pytest.raises(ForbiddenError):
        ward_site_edit(sneaky, CHUO, "chuo-office")(CITY_DIRECTORY)


def test_the_overflow_rate_is_answered_by_another_wards_desk_over_answered() -> None:
    records = [
        consultation("k-chuo", leg("shimin")),
        consultation("k-chuo", leg("kita-shimin", overflowed_from="shimin")),
        consultation("k-chuo", leg("shimin"), leg("minami-shimin", overflowed_from="shimin")),
        consultation("k-chuo", leg("shimin", answered=False)),
    ]
    figures = kpis.compute(records)
    assert (figures.served, figures.overflowed) == (3, 2)
    assert figures.overflow_percent == pytest.approx(100 * 2 / 3)
    assert kpis.compute([]).overflow_percent is None
