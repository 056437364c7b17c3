"""Routing by ward with overflow (signaling/routing.py, the switchboard): one behaviour a test."""

from __future__ import annotations

import dataclasses

import pytest

from signaling import events
from signaling import protocol as p
from signaling.routing import Desks, desks_for

from .board import Board
from .wards import OVERFLOW_AFTER, SATURDAY_ONLY, city, desk_staff, kiosk_at


@pytest.fixture
def b() -> Board:
    return Board(directory=city())


def request(b: Board, kiosk: int) -> p.Queued:
    b.send(kiosk, p.RequestConsultation(category_id="juminhyo", language="ja"))
    return b.last(kiosk, p.Queued)


def entries(b: Board, conn: int) -> list[tuple[str, bool]]:
    """The staff member's queue as the latest snapshot they received shows it."""
    latest = [m for m in b.inbox[conn] if isinstance(m, p.QueueSnapshot)][-1]
    return [(e.session_id, e.overflowed) for e in latest.entries]


# Where: routing.desks_for.


def test_a_service_goes_to_the_kiosks_own_ward_first_and_may_overflow_to_the_others() -> None:
    directory = city(with_pool=True)
    juminhyo = directory.category("juminhyo")
    assert juminhyo is not None
    assert desks_for(directory, juminhyo, "moji") == Desks(
        "moji-shimin", ("kokura-shimin", "pool"), OVERFLOW_AFTER
    )
    # No known ward: the city-wide desk first.
    assert desks_for(directory, juminhyo, None).home == "pool"


def test_boundaries_the_city_forbids_are_never_crossed() -> None:
    directory = city()
    juminhyo, seikatsu, zei = (directory.category(c) for c in ("juminhyo", "seikatsu", "zei"))
    assert juminhyo is not None
    assert seikatsu is not None
    assert zei is not None
    # A ward that does not share overflow: its citizens stay, and its desk takes nobody else's.
    assert desks_for(directory, juminhyo, "wakamatsu") == Desks("wakamatsu-shimin")
    assert "wakamatsu-shimin" not in desks_for(directory, juminhyo, "moji").overflow
    # A service with no overflow wait stays in the ward; a topic naming a department goes there.
    assert desks_for(directory, seikatsu, "moji") == Desks("moji-shimin")
    assert desks_for(directory, zei, "moji") == Desks("zeimu")


# When: the switchboard.


def test_a_citizen_queues_at_their_own_wards_desk_and_other_wards_cannot_take_them_yet(
    b: Board,
) -> None:
    moji, kokura = (
        b.connect(desk_staff(1, "moji-shimin")),
        b.connect(desk_staff(2, "kokura-shimin")),
    )
    k = b.connect(kiosk_at(1, "moji-center"))
    queued = request(b, k)
    session_id = queued.session_id
    assert queued.department_id == "moji-shimin"
    assert entries(b, moji) == [(session_id, False)]
    assert entries(b, kokura) == []
    with pytest.raises(p.RemoteProtocolError) as refused:
        b.send(kokura, p.Accept(session_id=session_id))
    assert refused.value.code is p.ErrorCode.FORBIDDEN


def test_after_the_services_wait_another_wards_desk_takes_the_citizen(b: Board) -> None:
    b.connect(desk_staff(1, "moji-shimin"))
    kokura = b.connect(desk_staff(2, "kokura-shimin"))
    k = b.connect(kiosk_at(1, "moji-center"))
    session_id = b.request(k)
    b.advance(OVERFLOW_AFTER - 1)
    assert not b.of_type(events.LegOverflowed)
    b.advance(1)
    [overflowed] = b.of_type(events.LegOverflowed)
    assert overflowed.departments == ("kokura-shimin",)  # wakamatsu shares no overflow
    assert entries(b, kokura) == [(session_id, True)]
    [entry] = b.last(kokura, p.QueueSnapshot).entries
    assert entry.kiosk.ward_id == "moji"  # staff see where the caller comes from
    b.send(kokura, p.AcceptNext())
    started = b.last(k, p.SessionStarted)
    assert (started.staff.department_id, started.overflowed_from) == (
        "kokura-shimin",
        "moji-shimin",
    )
    [answered] = b.of_type(events.LegAnswered)
    assert (answered.department_id, answered.overflowed_from) == ("kokura-shimin", "moji-shimin")


def test_with_nobody_on_duty_at_home_the_citizen_overflows_at_once(b: Board) -> None:
    kokura = b.connect(desk_staff(2, "kokura-shimin"))
    k = b.connect(kiosk_at(1, "moji-center"))
    queued = request(b, k)
    assert entries(b, kokura) == [(queued.session_id, True)]
    assert queued.staff_on_duty == 1  # counted across the desks that may take them


def test_a_desk_whose_last_staff_member_leaves_overflows_its_queue(b: Board) -> None:
    moji = b.connect(desk_staff(1, "moji-shimin"))
    kokura = b.connect(desk_staff(2, "kokura-shimin"))
    k = b.connect(kiosk_at(1, "moji-center"))
    session_id = b.request(k)
    assert entries(b, kokura) == []
    b.send(moji, p.SetPresence(presence=p.Presence.AWAY))
    assert entries(b, kokura) == [(session_id, True)]


def test_a_closed_home_desk_overflows_at_once_instead_of_turning_the_citizen_away() -> None:
    b = Board(directory=city(moji_hours=SATURDAY_ONLY))  # OPEN_TIME is a Tuesday
    kokura = b.connect(desk_staff(2, "kokura-shimin"))
    k = b.connect(kiosk_at(1, "moji-center"))
    directory = b.last(k, p.Directory)
    topic = next(c for c in directory.categories if c.id == "juminhyo")
    home = next(d for d in directory.departments if d.id == topic.department_id)
    assert (home.id, home.open_now, home.staffed) == ("moji-shimin", True, True)  # reachable
    session_id = b.request(k)
    b.send(kokura, p.Accept(session_id=session_id))
    assert b.last(k, p.SessionStarted).overflowed_from == "moji-shimin"


def test_a_ward_that_shares_no_overflow_keeps_its_citizens_however_long_they_wait(
    b: Board,
) -> None:
    kokura = b.connect(desk_staff(2, "kokura-shimin"))
    k = b.connect(kiosk_at(1, "wakamatsu-center"))
    queued = request(b, k)
    b.advance(3600)
    assert entries(b, kokura) == []
    assert queued.staff_on_duty == 0
    assert not b.take(k, p.Queued)  # nothing changed for them
    with pytest.raises(p.RemoteProtocolError):
        b.send(kokura, p.Accept(session_id=queued.session_id))


def test_one_position_and_one_eta_across_the_desks_that_may_take_the_citizen(b: Board) -> None:
    b.connect(desk_staff(1, "moji-shimin"))
    b.connect(desk_staff(2, "kokura-shimin"))
    first = b.connect(kiosk_at(1, "moji-center"))
    b.request(first)
    b.advance(OVERFLOW_AFTER)  # the moji citizen may now be taken at kokura too
    second = b.connect(kiosk_at(2, "kokura-center"))
    # At the kokura desk the moji citizen, who waited longer, comes first.
    assert request(b, second).position == 2
    mine = b.last(first, p.Queued)
    assert (mine.position, mine.staff_on_duty) == (1, 2)


def test_accept_next_takes_the_longest_waiting_citizen_across_own_and_overflowed(
    b: Board,
) -> None:
    b.connect(desk_staff(1, "moji-shimin"))
    kokura = b.connect(desk_staff(2, "kokura-shimin"))
    moji_citizen = b.connect(kiosk_at(1, "moji-center"))
    moji_session = b.request(moji_citizen)
    b.advance(OVERFLOW_AFTER + 1)
    kokura_citizen = b.connect(kiosk_at(2, "kokura-center"))
    b.request(kokura_citizen)
    b.send(kokura, p.AcceptNext())
    assert b.last(moji_citizen, p.SessionStarted).session_id == moji_session
    assert [e.session_id for e in b.last(kokura, p.QueueSnapshot).entries] != [moji_session]


def test_a_transfer_may_go_to_another_wards_desk(b: Board) -> None:
    moji = b.connect(desk_staff(1, "moji-shimin"))
    kokura = b.connect(desk_staff(2, "kokura-shimin"))
    k = b.connect(kiosk_at(1, "moji-center"))
    session_id = b.request(k)
    b.send(moji, p.Accept(session_id=session_id))
    b.send(moji, p.Transfer(session_id=session_id, department_id="kokura-shimin", note="転居"))
    assert entries(b, kokura) == [(session_id, False)]
    b.send(kokura, p.AcceptNext())
    assert b.last(k, p.SessionStarted).handoffs[0].note == "転居"


def test_overflow_survives_a_snapshot_and_restore() -> None:
    b = Board(directory=city())
    b.connect(desk_staff(1, "moji-shimin"))
    overflowed = b.request(b.connect(kiosk_at(1, "moji-center")))
    b.advance(OVERFLOW_AFTER)
    waiting = b.request(b.connect(kiosk_at(2, "moji-center")))
    restarted = Board(now=b.now, directory=city())
    restarted.board.restore(b.board.snapshot(), restarted.now)
    kokura = restarted.connect(desk_staff(2, "kokura-shimin"))
    assert entries(restarted, kokura) == [(overflowed, True)]  # the moji desk still waits
    for n in (1, 2):
        restarted.connect(kiosk_at(n, "moji-center"))  # the citizens' kiosks come back
    restarted.advance(31)  # for its staff member, whose grace runs out: nobody there now
    assert entries(restarted, kokura) == [(overflowed, True), (waiting, True)]


def test_a_burst_of_requests_overflows_in_one_flush_on_a_whole_second(b: Board) -> None:
    b.connect(desk_staff(1, "moji-shimin"))
    kokura = b.connect(desk_staff(2, "kokura-shimin"))
    b.now += 0.2
    first = b.request(b.connect(kiosk_at(1, "moji-center")))
    b.now += 0.5
    second = b.request(b.connect(kiosk_at(2, "moji-center")))
    b.take(kokura, p.QueueSnapshot)
    # Each one flush would send every staff member of every desk a snapshot per citizen.
    timer = b.board.get_timer()
    assert timer == int(timer)
    b.advance(timer - b.now)
    snapshots = b.take(kokura, p.QueueSnapshot)
    assert len(snapshots) == 1
    assert [(e.session_id, e.overflowed) for e in snapshots[0].entries] == [
        (first, True),
        (second, True),
    ]


def test_a_kiosk_learns_its_site_and_the_staff_members_name_reading(b: Board) -> None:
    """So that it names its center and the staff member in the citizen's language."""
    tanaka = dataclasses.replace(desk_staff(1, "moji-shimin"), name_reading="たなか はなこ")
    staff = b.connect(tanaka)
    k = b.connect(kiosk_at(1, "moji-center"))
    assert b.welcome(k).site_id == "moji-center"
    assert b.welcome(staff).site_id is None
    directory = b.last(k, p.Directory)
    assert [s.id for s in directory.sites] == ["moji-office", "moji-center"]  # its ward's
    b.send(staff, p.Accept(session_id=b.request(k)))
    assert b.last(k, p.SessionStarted).staff.name_reading == "たなか はなこ"
