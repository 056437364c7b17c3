"""Where a citizen's request may be answered: their own ward's desk first, then overflow. Pure.

A topic that names a department goes there and nowhere else. A topic that names a service goes
to the desk of the kiosk's own ward that offers it (or, when the ward has none, to a city-wide
desk that does), and may overflow to every other desk offering the service: other wards' and the
city-wide ones. Overflow happens after the service's ``overflow_after_seconds``, or at once when
the home desk is closed or has nobody on duty (the switchboard decides when; this module says
where). It never crosses a boundary the city forbids: a service with no overflow wait, or a ward
that does not share overflow, whose citizens stay home and whose desks take no other ward's.
"""

from __future__ import annotations

from dataclasses import dataclass

from signaling.directory import Category, Department, Directory


@dataclass(frozen=True, slots=True)
class Desks:
    home: str  # the department whose queue the citizen joins
    overflow: tuple[str, ...] = ()  # the departments that may take them too, after the wait
    overflow_after: float | None = None  # seconds; None when there is no overflow


def kiosk_ward(directory: Directory, site_id: str | None) -> str | None:
    site = directory.site(site_id)
    return site.ward_id if site is not None else None


def desks_for(directory: Directory, category: Category, ward_id: str | None) -> Desks:
    """The desks for a request on `category` from a kiosk in `ward_id` (None: no known ward)."""
    if category.department_id:
        return Desks(category.department_id)
    offering = [d for d in directory.departments if category.service_id in d.services]
    home = (
        [d for d in offering if ward_id is not None and d.ward_id == ward_id]
        or [d for d in offering if d.ward_id is None]
        or offering
    )
    service = directory.service(category.service_id)
    after = service.overflow_after_seconds if service is not None else None
    if after is None or not _shares(directory, ward_id):
        return Desks(home[0].id)
    others = [d for d in offering if d is not home[0] and _takes_overflow(directory, d)]
    # Several desks of the home ward (rare) come first among the others.
    others.sort(key=lambda d: d not in home)
    if not others:
        return Desks(home[0].id)
    return Desks(home[0].id, tuple(d.id for d in others), after)


def _shares(directory: Directory, ward_id: str | None) -> bool:
    ward = directory.ward(ward_id)
    return ward is None or ward.shares_overflow


def _takes_overflow(directory: Directory, department: Department) -> bool:
    return department.ward_id is None or _shares(directory, department.ward_id)
