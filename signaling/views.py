"""How the switchboard's state looks to each client: pure builders of the hub's messages."""

from __future__ import annotations

from collections.abc import Collection

from signaling import hours, routing
from signaling import protocol as p
from signaling.directory import Directory
from signaling.principal import Principal
from signaling.session import Leg, Session


def kiosk_info(kiosk: Principal, ward_id: str | None = None) -> p.KioskInfo:
    return p.KioskInfo(
        kiosk_id=kiosk.id,
        name=kiosk.display_name,
        location=kiosk.location,
        site_id=kiosk.site_id,
        ward_id=ward_id,
    )


def handoff(leg: Leg) -> p.HandoffStep:
    """A transferred leg as the next staff member sees it: who sent it, and the note."""
    return p.HandoffStep(
        department_id=leg.department_id,
        staff_name=leg.transferred_by_name,
        note=leg.transfer_note,
    )


def session_started(
    session: Session,
    kiosk: Principal,
    staff: Principal,
    ice_servers: list[p.IceServer],
    *,
    for_staff: bool,
    resumed: bool,
    ward_id: str | None = None,
) -> p.SessionStarted:
    return p.SessionStarted(
        session_id=session.id,
        kiosk=kiosk_info(kiosk, ward_id),
        staff=p.StaffInfo(
            staff_id=staff.id,
            display_name=staff.display_name,
            department_id=session.leg.department_id,
            name_reading=staff.name_reading,
        ),
        category_id=session.category_id,
        language=session.language,
        ice_servers=ice_servers,
        handoffs=[handoff(leg) for leg in session.legs[1:]],
        you_offer=for_staff,  # the staff end makes the first offer
        resumed=resumed,
        overflowed_from=session.leg.overflowed_from,
    )


def queue_entry(
    session: Session,
    kiosk: Principal,
    position: int,
    *,
    kiosk_online: bool,
    ward_id: str | None = None,
    overflowed: bool = False,
) -> p.QueueEntry:
    """`overflowed`: shown to another ward's desk, which may take the citizen now."""
    return p.QueueEntry(
        session_id=session.id,
        department_id=session.leg.department_id,
        position=position,
        kiosk=kiosk_info(kiosk, ward_id),
        overflowed=overflowed,
        category_id=session.category_id,
        language=session.language,
        requested_at=session.requested_at,
        queued_at=session.leg.queued_at,
        kiosk_online=kiosk_online,
        transferred_from=handoff(session.leg) if session.leg.transferred_by else None,
    )


def directory(
    city: Directory, now: float, staffed: Collection[str], ward_id: str | None = None
) -> p.Directory:
    """The city as a kiosk in `ward_id` reaches it at ``now``; `staffed` has staff on duty.

    Each topic names the desk the kiosk's citizens queue at (routing.py). That desk shows as
    open and staffed when any desk that may take them is, since overflow is then immediate.
    """
    routes = {c.id: routing.desks_for(city, c, ward_id) for c in city.categories}
    reach: dict[str, set[str]] = {}
    for route in routes.values():
        reach.setdefault(route.home, {route.home}).update(route.overflow)
    departments = []
    for d in city.departments:
        desks = [x for x in (city.department(i) for i in sorted(reach.get(d.id, {d.id}))) if x]
        open_desks = [x for x in desks if hours.is_open(x.hours, now)]
        openings = [hours.next_opening(x.hours, now) for x in desks]
        closings = [hours.closes_at(x.hours, now) for x in open_desks]
        departments.append(
            p.DepartmentStatus(
                id=d.id,
                names=d.names,
                open_now=bool(open_desks),
                opens_at=None if open_desks else min((t for t in openings if t), default=None),
                closes_at=max((t for t in closings if t), default=None) if open_desks else None,
                staffed=any(x.id in staffed for x in open_desks or desks),
            )
        )
    return p.Directory(
        departments=departments,
        categories=[
            p.CategoryInfo(
                id=c.id,
                department_id=routes[c.id].home,
                names=c.names,
                descriptions=c.descriptions,
                icon=c.icon,
            )
            for c in city.categories
        ],
        outcome_codes=[p.OutcomeInfo(code=o.code, names=o.names) for o in city.outcome_codes],
        wards=[p.WardInfo(id=w.id, names=w.names) for w in city.wards],
        sites=[
            p.SiteInfo(id=s.id, names=s.names)
            for s in city.sites
            if ward_id is None or s.ward_id == ward_id
        ],
        staff_messages=[p.StaffMessageInfo(id=m.id, texts=m.texts) for m in city.staff_messages],
        readings={r.word: r.reading for r in city.readings},
    )
