"""Hub messages as the demo city's hub would send them to a console, for controller tests."""

from __future__ import annotations

from typing import Any

from signaling import protocol as p

KIOSK = p.KioskInfo(kiosk_id="k1", name="中央公民館", location="1階ロビー")
STAFF = p.StaffInfo(staff_id="u1", display_name="田中", department_id="shimin")


def welcome(*, resumed: bool = False, presence: p.Presence = p.Presence.AVAILABLE) -> p.Welcome:
    return p.Welcome(
        protocol_version=1,
        role=p.Role.STAFF,
        principal_id="u1",
        display_name="田中",
        resume_token="r",
        resumed=resumed,
        departments=["shimin", "zeimu"],
        presence=presence,
        session_token="t",
    )


def directory() -> p.Directory:
    return p.Directory(
        departments=[
            p.DepartmentStatus(
                id="shimin", names={"ja": "市民課", "en": "Citizens"}, open_now=True
            ),
            p.DepartmentStatus(id="zeimu", names={"ja": "税務課", "en": "Taxation"}, open_now=True),
            p.DepartmentStatus(id="kaigo", names={"ja": "介護保険課"}, open_now=False),
        ],
        categories=[
            p.CategoryInfo(id="juminhyo", department_id="shimin", names={"ja": "住民票・戸籍"}),
            p.CategoryInfo(id="zei", department_id="zeimu", names={"ja": "住民税"}),
        ],
        outcome_codes=[
            p.OutcomeInfo(code="resolved", names={"ja": "解決", "en": "Resolved"}),
            p.OutcomeInfo(code="other", names={"ja": "その他", "en": "Other"}),
        ],
    )


def entry(session_id: str = "s1", *, queued_at: float = 1000.0, **fields: Any) -> p.QueueEntry:
    values: dict[str, Any] = {
        "session_id": session_id,
        "department_id": "shimin",
        "position": 1,
        "kiosk": KIOSK,
        "category_id": "juminhyo",
        "language": "ja",
        "requested_at": queued_at,
        "queued_at": queued_at,
    }
    return p.QueueEntry(**{**values, **fields})


def snapshot(*entries: p.QueueEntry) -> p.QueueSnapshot:
    return p.QueueSnapshot(entries=list(entries))


def started(session_id: str = "s1", *, resumed: bool = False, **fields: Any) -> p.SessionStarted:
    values: dict[str, Any] = {
        "kiosk": KIOSK,
        "staff": STAFF,
        "category_id": "juminhyo",
        "language": "ja",
        "you_offer": True,
    }
    return p.SessionStarted(session_id=session_id, resumed=resumed, **{**values, **fields})
