"""Who sees and manages what on the admin page: the whole city, or one ward (docs/admin.md).

Pure: every admin route asks a ``Scope`` whether a kiosk, account, department, site,
consultation or live session is one it may show, and an ``Access`` whether its user may change
things at all. The rules:

- An admin sees and manages the whole city.
- A supervisor placed at a site (``accounts.site_id``) is that site's ward's supervisor: they see
  the ward only (its sites, the kiosks standing there, its own departments' queues and staff,
  the consultations of its kiosks and those its desks answered, overflows in and out), and may
  manage its sites and kiosks, nothing city-wide.
- A supervisor at no site sees the whole city, read-only (as before wards existed).

A scope can be narrowed further for a report: to a ward, or to one site (its kiosks' citizens).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import msgspec

from signaling.directory import Department, Directory
from signaling.protocol import Role
from signaling.session import Session
from signaling.store.city import DirectoryChange, DirectoryEdit
from signaling.store.errors import NotFoundError
from signaling.store.records import Account, ConsultationRecord, Kiosk

KioskSites = Mapping[str, str | None]  # kiosk id -> the site it stands at now


class OutOfScopeError(Exception):
    """A ward or site filter the user may not use, or that does not exist: answered as 404."""


class ForbiddenError(Exception):
    """A change the user's role may never make, whatever it names: answered as 403."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Scope:
    """What one view covers: the whole city, one ward, or one site's kiosks."""

    whole_city: bool
    ward_id: str | None = None
    site_ids: frozenset[str] = frozenset()
    # The ward's own desks; empty for a site (desks belong to a ward, not to a site).
    department_ids: frozenset[str] = frozenset()

    def sees_site(self, site_id: str | None) -> bool:
        return self.whole_city or (site_id is not None and site_id in self.site_ids)

    def sees_kiosk(self, kiosk: Kiosk) -> bool:
        return self.sees_site(kiosk.site_id)

    def sees_department(self, department_id: str | None) -> bool:
        """Its queue, its staff: the ward's own desks (a city-wide desk serves every ward)."""
        return self.whole_city or (
            department_id is not None and department_id in self.department_ids
        )

    def lists_department(self, department: Department) -> bool:
        """In directory reads: the ward's own desks and the city-wide ones, which serve it too."""
        return self.whole_city or department.ward_id is None or department.ward_id == self.ward_id

    def sees_account(self, account: Account) -> bool:
        """Someone working at one of its sites, or for one of its desks."""
        return (
            self.whole_city
            or self.sees_site(account.site_id)
            or any(d in self.department_ids for d in account.departments)
        )

    def has_citizen(self, record: ConsultationRecord, kiosk_sites: KioskSites) -> bool:
        """Requested at one of its kiosks (where that kiosk stands now)."""
        return self.whole_city or self.sees_site(kiosk_sites.get(record.kiosk_id))

    def desks_took(self, record: ConsultationRecord) -> bool:
        """One of its desks was asked, answered, or overflowed the citizen to another ward."""
        return any(
            leg.department_id in self.department_ids or leg.overflowed_from in self.department_ids
            for leg in record.legs
        )

    def involves(self, record: ConsultationRecord, kiosk_sites: KioskSites) -> bool:
        return self.has_citizen(record, kiosk_sites) or self.desks_took(record)

    def taken_in(self, record: ConsultationRecord, kiosk_sites: KioskSites) -> bool:
        """Another ward's citizen that one of its desks answered by overflow."""
        return not self.has_citizen(record, kiosk_sites) and any(
            leg.overflowed_from is not None and leg.department_id in self.department_ids
            for leg in record.legs
        )

    def involves_session(self, session: Session, kiosk_sites: KioskSites) -> bool:
        """A live consultation: from one of its kiosks, or at one of its desks now or before."""
        return (
            self.whole_city
            or self.sees_site(kiosk_sites.get(session.kiosk_id))
            or any(
                leg.department_id in self.department_ids
                or leg.overflowed_from in self.department_ids
                for leg in session.legs
            )
        )


CITY = Scope(whole_city=True)
NOTHING = Scope(whole_city=False)  # a supervisor whose site has gone: fail closed


def ward_scope(directory: Directory, ward_id: str) -> Scope:
    return Scope(
        whole_city=False,
        ward_id=ward_id,
        site_ids=frozenset(s.id for s in directory.sites if s.ward_id == ward_id),
        department_ids=frozenset(d.id for d in directory.departments if d.ward_id == ward_id),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Access:
    """A signed-in user's scope, and what they may change in it."""

    scope: Scope
    manages_city: bool  # an admin: everything
    manages_ward: bool  # a ward supervisor: their ward's sites and kiosks

    @property
    def may_change_kiosks_and_sites(self) -> bool:
        return self.manages_city or self.manages_ward


def access_for(account: Account, directory: Directory) -> Access:
    if account.role is Role.ADMIN:
        return Access(scope=CITY, manages_city=True, manages_ward=False)
    if account.site_id is None:
        return Access(scope=CITY, manages_city=False, manages_ward=False)
    site = directory.site(account.site_id)
    if site is None:
        return Access(scope=NOTHING, manages_city=False, manages_ward=False)
    return Access(scope=ward_scope(directory, site.ward_id), manages_city=False, manages_ward=True)


def narrow(scope: Scope, directory: Directory, *, ward: str | None, site: str | None) -> Scope:
    """The ``?ward=&site=`` of a report, within ``scope``; OutOfScopeError for one outside it.

    An unknown id and another ward's id get the same refusal, so a ward supervisor cannot learn
    which ids exist elsewhere.
    """
    if ward:
        if directory.ward(ward) is None or not (scope.whole_city or scope.ward_id == ward):
            raise OutOfScopeError(f"no ward {ward!r} here")
        scope = ward_scope(directory, ward)
    if site:
        place = directory.site(site)
        if place is None or not scope.sees_site(site):
            raise OutOfScopeError(f"no site {site!r} here")
        scope = Scope(whole_city=False, ward_id=place.ward_id, site_ids=frozenset({site}))
    return scope


def kiosk_sites(kiosks: Iterable[Kiosk]) -> dict[str, str | None]:
    return {k.id: k.site_id for k in kiosks}


def visible_ids(
    scope: Scope, kiosks: Iterable[Kiosk], accounts: Iterable[Account]
) -> frozenset[str]:
    """Everything of the scope an audit entry can be about: ward, sites, desks, kiosks, people."""
    ids = {scope.ward_id or "", *scope.site_ids, *scope.department_ids}
    ids.update(k.id for k in kiosks if scope.sees_kiosk(k))
    for account in accounts:
        if scope.sees_account(account):
            ids.update((account.id, account.username))
    ids.discard("")
    return frozenset(ids)


def ward_site_edit(edit: DirectoryEdit, scope: Scope, site_id: str) -> DirectoryEdit:
    """A ward supervisor's edit of one site, checked on the directory as the store has it.

    Another ward's site is not found (as an unknown one: the supervisor learns nothing of it);
    a site cannot leave the ward, and the edit may change nothing but that one site.
    """

    def guarded(before: Directory) -> DirectoryChange:
        existing = before.site(site_id)
        if existing is not None and existing.ward_id != scope.ward_id:
            raise NotFoundError(f"no site {site_id!r} in your ward")
        change = edit(before)
        after = change.directory
        placed = after.site(site_id)
        if placed is not None and placed.ward_id != scope.ward_id:
            raise ForbiddenError("a ward supervisor's sites stay in their ward")
        others_before = [s for s in before.sites if s.id != site_id]
        others_after = [s for s in after.sites if s.id != site_id]
        if (
            others_after != others_before
            or msgspec.structs.replace(after, sites=before.sites) != before
        ):
            raise ForbiddenError("a ward supervisor changes one site of their ward at a time")
        return change

    return guarded


def ward_actors(scope: Scope, accounts: Iterable[Account]) -> frozenset[str]:
    """The ward's people whose every change is the ward's: not an admin, who acts city-wide."""
    return frozenset(a.id for a in accounts if scope.sees_account(a) and a.role is not Role.ADMIN)
