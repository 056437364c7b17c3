"""The history table and its CSV: filtering, names instead of ids, and Excel-friendly export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from signaling.admin.kpis import TOKYO, department_of, first_wait
from signaling.store import ConsultationRecord


@dataclass(frozen=True, slots=True, kw_only=True)
class Filters:
    """What the store cannot filter on itself: staff, outcome and end reason."""

    staff_id: str | None = None
    outcome_code: str | None = None
    end_reason: str | None = None

    def match(self, record: ConsultationRecord) -> bool:
        if self.staff_id and all(leg.staff_id != self.staff_id for leg in record.legs):
            return False
        if self.outcome_code and all(leg.outcome_code != self.outcome_code for leg in record.legs):
            return False
        reason = record.end_reason.value if record.end_reason else ""
        return not self.end_reason or reason == self.end_reason


@dataclass(frozen=True, slots=True)
class Names:
    """Ids to what people call them; an unknown id shows as itself."""

    kiosks: Mapping[str, str]
    staff: Mapping[str, str]
    departments: Mapping[str, str]

    def kiosk(self, kiosk_id: str) -> str:
        return self.kiosks.get(kiosk_id, kiosk_id)

    def person(self, staff_id: str | None) -> str:
        return "" if staff_id is None else self.staff.get(staff_id, staff_id)

    def department(self, department_id: str) -> str:
        return self.departments.get(department_id, department_id)


def row(record: ConsultationRecord, names: Names) -> dict[str, Any]:
    """One consultation for the page, with its transfer chain leg by leg."""
    return {
        "id": record.id,
        "requested_at": record.requested_at,
        "kiosk": names.kiosk(record.kiosk_id),
        "kiosk_id": record.kiosk_id,
        "department": names.department(department_of(record)),
        "category_id": record.category_id,
        "language": record.language,
        "staff": [names.person(leg.staff_id) for leg in record.legs if leg.staff_id],
        "wait_seconds": first_wait(record),
        "talk_seconds": record.talk_seconds,
        "transfers": record.transfers,
        "outcome_code": record.outcome_code,
        "end_reason": record.end_reason.value if record.end_reason else None,
        "survey_score": record.survey_score,
        "legs": [
            {
                "department": names.department(leg.department_id),
                "staff": names.person(leg.staff_id),
                "queued_at": leg.queued_at,
                "answered_at": leg.answered_at,
                "ended_at": leg.ended_at,
                "end_reason": leg.end_reason.value if leg.end_reason else None,
                "transfer_note": leg.transfer_note,
                "transferred_by": names.person(leg.transferred_by),
                "outcome_code": leg.outcome_code,
                "wrap_up_note": leg.wrap_up_note,
            }
            for leg in record.legs
        ],
    }


CSV_HEADERS = (
    "受付ID",
    "受付日時",
    "キオスク",
    "担当課",
    "相談項目",
    "言語",
    "担当職員",
    "待ち時間(秒)",
    "通話時間(秒)",
    "転送回数",
    "転送経路",
    "結果",
    "終了理由",
    "満足度",
)


def _seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.0f}"


# A cell starting with one of these is a formula to Excel and LibreOffice, even in a CSV.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell: object) -> object:
    """OWASP's rule for CSV injection: a text cell that could start a formula gets a leading '.

    Names and codes come from admins, city files and kiosks, and an export is opened by someone
    else: "=HYPERLINK(...)" must show as text, never run.
    """
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def to_csv(records: Iterable[ConsultationRecord], names: Names) -> bytes:
    """UTF-8 with a BOM and CRLF lines: what Excel needs to read Japanese without mojibake."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(CSV_HEADERS)
    for record in records:
        chain = " → ".join(names.department(leg.department_id) for leg in record.legs)
        staff = " / ".join(names.person(leg.staff_id) for leg in record.legs if leg.staff_id)
        cells = (
            record.id,
            datetime.fromtimestamp(record.requested_at, TOKYO).strftime("%Y-%m-%d %H:%M:%S"),
            names.kiosk(record.kiosk_id),
            names.department(department_of(record)),
            record.category_id,
            record.language,
            staff,
            _seconds(first_wait(record)),
            _seconds(record.talk_seconds),
            record.transfers,
            chain,
            record.outcome_code or "",
            record.end_reason.value if record.end_reason else "",
            "" if record.survey_score is None else record.survey_score,
        )
        writer.writerow(spreadsheet_safe(cell) for cell in cells)
    return "\ufeff".encode() + text.getvalue().encode("utf-8")
