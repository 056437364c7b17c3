"""A city with wards for switchboard tests: three wards that share overflow, one that does not.

門司 (moji) and 小倉 (kokura) have a 市民課 each offering 住民票 (overflow after 120 s) and
生活相談 (never overflows); 若松 (wakamatsu) has one too but shares no overflow; a city-wide
pool (ward None) also does 住民票, and a city-wide 税務課 is reached by its topic directly.
"""

from __future__ import annotations

from signaling import protocol as p
from signaling.directory import (
    Category,
    Department,
    Directory,
    OpeningHours,
    OutcomeCode,
    Service,
    Site,
    SiteKind,
    Ward,
)
from signaling.principal import Principal

from .board import WEEKDAYS

OVERFLOW_AFTER = 120.0
HOURS = OpeningHours(weekly=WEEKDAYS)
SATURDAY_ONLY = OpeningHours(weekly={"sat": ["09:00-12:00"]})
OFFICE = SiteKind.WARD_OFFICE


def city(*, moji_hours: OpeningHours = HOURS, with_pool: bool = False) -> Directory:
    departments = [
        Department(
            id="moji-shimin",
            names={"ja": "門司区 市民課"},
            hours=moji_hours,
            ward_id="moji",
            services=["juminhyo", "seikatsu"],
        ),
        Department(
            id="kokura-shimin",
            names={"ja": "小倉北区 市民課"},
            hours=HOURS,
            ward_id="kokura",
            services=["juminhyo", "seikatsu"],
        ),
        Department(
            id="wakamatsu-shimin",
            names={"ja": "若松区 市民課"},
            hours=HOURS,
            ward_id="wakamatsu",
            services=["juminhyo"],
        ),
        Department(id="zeimu", names={"ja": "税務課"}, hours=HOURS),
    ]
    if with_pool:
        departments.append(
            Department(
                id="pool", names={"ja": "コールセンター"}, hours=HOURS, services=["juminhyo"]
            )
        )
    return Directory(
        wards=[
            Ward(id="moji", names={"ja": "門司区"}),
            Ward(id="kokura", names={"ja": "小倉北区"}),
            Ward(id="wakamatsu", names={"ja": "若松区"}, shares_overflow=False),
        ],
        sites=[
            Site(
                id="moji-office",
                ward_id="moji",
                names={"ja": "門司区役所"},
                kind=SiteKind.WARD_OFFICE,
            ),
            Site(id="moji-center", ward_id="moji", names={"ja": "門司市民センター"}),
            Site(id="kokura-center", ward_id="kokura", names={"ja": "小倉市民センター"}),
            Site(id="wakamatsu-center", ward_id="wakamatsu", names={"ja": "若松市民センター"}),
        ],
        services=[
            Service(id="juminhyo", names={"ja": "住民票"}, overflow_after_seconds=OVERFLOW_AFTER),
            Service(id="seikatsu", names={"ja": "生活相談"}, overflow_after_seconds=None),
        ],
        departments=departments,
        categories=[
            Category(id="juminhyo", service_id="juminhyo", names={"ja": "住民票"}),
            Category(id="seikatsu", service_id="seikatsu", names={"ja": "生活相談"}),
            Category(id="zei", department_id="zeimu", names={"ja": "住民税"}),
        ],
        outcome_codes=[OutcomeCode(code="resolved", names={"ja": "解決"})],
    )


def kiosk_at(n: int, site_id: str | None) -> Principal:
    return Principal(role=p.Role.KIOSK, id=f"k{n}", display_name=f"キオスク{n}", site_id=site_id)


def desk_staff(n: int, *departments: str) -> Principal:
    return Principal(
        role=p.Role.STAFF, id=f"u{n}", display_name=f"職員{n}", departments=departments
    )
