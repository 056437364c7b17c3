"""The city bench/signaling_load.py seeds: wards with a 市民課 each that overflow, city-wide desks.

``wards`` wards, each with its ward office and two community centers, and a 市民課 at the office
offering the ``shimin`` service (the resident-record work every ward does alike), which
overflows to the other wards' 市民課 after ``overflow_after`` seconds, or at once when a desk
has nobody on duty. Two city-wide departments (税務課, 国保年金課) are reached by their topics
directly. The last ward's 市民課 gets no staff (with two wards or more), so its citizens'
requests overflow at once, as an unstaffed desk's do; every tenth call, when it is to a ward's
desk, comes from a kiosk there, so that another ward's desk answers it. Open around the clock, as
in tests/fixtures/hub.py, or requests get ``department_closed``.
"""

from __future__ import annotations

from dataclasses import dataclass

from signaling.directory import (
    ALWAYS_OPEN,
    Category,
    Department,
    Directory,
    OutcomeCode,
    Service,
    Site,
    SiteKind,
    Ward,
)

ALWAYS = ALWAYS_OPEN
SERVICE = "shimin"
CITY_WIDE = {
    "zeimu": ("税務課", "zei", "住民税・固定資産税"),
    "kokuho": ("国保年金課", "kokuho", "国民健康保険"),
}
# 北九州市's seven wards, then made-up ones for a bigger --wards.
WARD_NAMES = ("門司区", "若松区", "戸畑区", "小倉北区", "小倉南区", "八幡東区", "八幡西区")
CENTERS = 2  # community centers per ward, besides the office
OVERFLOWED_CALL_EVERY = 10  # every tenth call, when to a ward desk, is from the unstaffed ward


@dataclass(frozen=True)
class WardCity:
    """The directory, and where the bench puts each kiosk and staff member in it."""

    directory: Directory
    desks: list[str]  # staffed departments, staff i serves desks[i % len(desks)]
    categories: dict[str, str]  # department -> the topic a kiosk asks to reach it
    unstaffed_ward: str | None  # a ward whose 市民課 nobody serves: its requests overflow at once

    @property
    def wards(self) -> list[Ward]:
        return self.directory.wards

    def desk_of_staff(self, index: int) -> str:
        return self.desks[index % len(self.desks)]

    def staff_site(self, index: int) -> str | None:
        """A ward desk's staff work at its ward office; city-wide staff at no one site."""
        ward = self.directory.department(self.desk_of_staff(index))
        return f"{ward.ward_id}-office" if ward is not None and ward.ward_id else None

    def kiosk_site(self, index: int, calls: int) -> str:
        """Kiosk ``index``'s site: for the first ``calls`` kiosks, one staff ``index`` can take.

        A call's kiosk stands in its staff member's ward (for a ward desk), except every tenth,
        which stands in the unstaffed ward so that its request overflows at once to that desk.
        A city-wide desk's call comes from any ward.
        The other kiosks are spread over every ward's sites in turn.
        """
        wards = [w.id for w in self.wards]
        ward = wards[index % len(wards)]
        if index < calls:
            desk = self.directory.department(self.desk_of_staff(index))
            if desk is not None and desk.ward_id is not None:
                ward = desk.ward_id
                if self.unstaffed_ward and index % OVERFLOWED_CALL_EVERY == 9:
                    ward = self.unstaffed_ward
        sites = [s.id for s in self.directory.sites if s.ward_id == ward]
        return sites[index // len(wards) % len(sites)]


def ward_city(wards: int, overflow_after: float) -> WardCity:
    if wards < 1:
        raise ValueError("a city needs at least one ward")
    ward_list = [
        Ward(id=f"w{n}", names={"ja": WARD_NAMES[n] if n < len(WARD_NAMES) else f"第{n + 1}区"})
        for n in range(wards)
    ]
    sites, departments = [], []
    for ward in ward_list:
        name = ward.names["ja"]
        sites.append(
            Site(
                id=f"{ward.id}-office",
                ward_id=ward.id,
                names={"ja": f"{name}役所"},
                kind=SiteKind.WARD_OFFICE,
            )
        )
        sites += [
            Site(
                id=f"{ward.id}-center-{c}", ward_id=ward.id, names={"ja": f"{name} 市民センター{c}"}
            )
            for c in range(1, CENTERS + 1)
        ]
        departments.append(
            Department(
                id=f"{ward.id}-shimin",
                names={"ja": f"{name} 市民課"},
                hours=ALWAYS,
                ward_id=ward.id,
                services=[SERVICE],
            )
        )
    categories = [Category(id=SERVICE, service_id=SERVICE, names={"ja": "住民票・戸籍"})]
    for department_id, (name, topic, topic_name) in CITY_WIDE.items():
        departments.append(Department(id=department_id, names={"ja": name}, hours=ALWAYS))
        categories.append(Category(id=topic, department_id=department_id, names={"ja": topic_name}))
    directory = Directory(
        wards=ward_list,
        sites=sites,
        services=[
            Service(
                id=SERVICE, names={"ja": "市民課の手続き"}, overflow_after_seconds=overflow_after
            )
        ],
        departments=departments,
        categories=categories,
        outcome_codes=[OutcomeCode(code="resolved", names={"ja": "解決"})],
    )
    unstaffed = ward_list[-1].id if wards >= 2 else None
    desks = [d.id for d in departments if d.ward_id is None or d.ward_id != unstaffed]
    topics = {d.id: SERVICE if d.ward_id else CITY_WIDE[d.id][1] for d in departments}
    return WardCity(directory, desks, topics, unstaffed)
