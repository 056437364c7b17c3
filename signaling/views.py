"""How the switchboard's state looks to each client: pure builders of the hub's messages."""

from __future__ import annotations

from collections.abc import Collection

from signaling import hours
from signaling import protocol as p
from signaling.directory import Directory
from signaling.principal import Principal
from signaling.session import Leg, Session


def kiosk_info(kiosk: Principal) -> p.KioskInfo:
    return p.KioskInfo(kiosk_id=kiosk.id, name=kiosk.display_name, location=kiosk.location)


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
) -> p.SessionStarted:
    return p.SessionStarted(
        session_id=session.id,
        kiosk=kiosk_info(kiosk),
        staff=p.StaffInfo(
            staff_id=staff.id,
            display_name=staff.display_name,
            department_id=session.leg.department_id,
        ),
        category_id=session.category_id,
        language=session.language,
        ice_servers=ice_servers,
        handoffs=[handoff(leg) for leg in session.legs[1:]],
        you_offer=for_staff,  # the staff end makes the first offer
        resumed=resumed,
    )


def queue_entry(
    session: Session, kiosk: Principal, position: int, *, kiosk_online: bool
) -> p.QueueEntry:
    return p.QueueEntry(
        session_id=session.id,
        department_id=session.leg.department_id,
        position=position,
        kiosk=kiosk_info(kiosk),
        category_id=session.category_id,
        language=session.language,
        requested_at=session.requested_at,
        queued_at=session.leg.queued_at,
        kiosk_online=kiosk_online,
        transferred_from=handoff(session.leg) if session.leg.transferred_by else None,
    )


def directory(city: Directory, now: float, staffed: Collection[str]) -> p.Directory:
    """The city with each department's open state at ``now``; `staffed` has staff on duty."""
    departments = []
    for d in city.departments:
        open_now = hours.is_open(d.hours, now)
        departments.append(
            p.DepartmentStatus(
                id=d.id,
                names=d.names,
                open_now=open_now,
                opens_at=None if open_now else hours.next_opening(d.hours, now),
                closes_at=hours.closes_at(d.hours, now) if open_now else None,
                staffed=d.id in staffed,
            )
        )
    return p.Directory(
        departments=departments,
        categories=[
            p.CategoryInfo(
                id=c.id,
                department_id=c.department_id,
                names=c.names,
                descriptions=c.descriptions,
                icon=c.icon,
            )
            for c in city.categories
        ],
        outcome_codes=[p.OutcomeInfo(code=o.code, names=o.names) for o in city.outcome_codes],
    )
