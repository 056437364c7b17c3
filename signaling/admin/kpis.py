"""The service figures a city reports: pure functions over stored consultations.

Every figure on the admin page, in the CSV and on /metrics comes from here, so they agree.
Definitions (docs/admin.md §KPIs):
- *offered*: consultations that were answered, or ended without an answer;
- *wait*: from the request to the first answer (what the citizen felt before a face appeared);
- *service level*: answered within N seconds, as a share of offered;
- *abandoned*: cancelled by the citizen while waiting, never answered;
- *overflowed*: answered, at some turn, by another ward's desk than the one it queued at.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from signaling.protocol import EndReason
from signaling.store.records import ConsultationRecord

TOKYO = ZoneInfo("Asia/Tokyo")
DEFAULT_SERVICE_LEVEL_SECONDS = 60


@dataclass(frozen=True, slots=True, kw_only=True)
class Kpis:
    """One period's figures; averages are None when there is nothing to average."""

    requested: int
    served: int
    offered: int
    abandoned: int
    average_wait_seconds: float | None
    p90_wait_seconds: float | None
    service_level_seconds: int
    service_level_percent: float | None
    abandonment_percent: float | None
    average_talk_seconds: float | None
    transfers: int
    survey_responses: int
    average_survey_score: float | None
    overflowed: int = 0
    overflow_percent: float | None = None  # overflowed over served


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    """A period's figures overall, per department (the first one asked) and per hour (JST)."""

    total: Kpis
    by_department: dict[str, Kpis] = field(default_factory=dict)
    by_hour: dict[int, Kpis] = field(default_factory=dict)
    # One ward's report (scope.py): other wards' citizens its desks answered by overflow, which
    # its figures above do not count (they are its own kiosks' citizens). None for the city.
    overflowed_in: int | None = None


def first_wait(record: ConsultationRecord) -> float | None:
    if record.first_answered_at is None:
        return None
    return record.first_answered_at - record.requested_at


def overflowed(record: ConsultationRecord) -> bool:
    return any(leg.overflowed_from is not None for leg in record.legs)


def is_abandoned(record: ConsultationRecord) -> bool:
    return record.first_answered_at is None and record.end_reason is EndReason.CITIZEN_CANCELLED


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Nearest-rank percentile: the smallest value with ``fraction`` of values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _percent(part: int, whole: int) -> float | None:
    return 100.0 * part / whole if whole else None


def compute(
    records: Iterable[ConsultationRecord],
    service_level_seconds: int = DEFAULT_SERVICE_LEVEL_SECONDS,
) -> Kpis:
    records = list(records)
    waits = [w for r in records if (w := first_wait(r)) is not None]
    unanswered_ended = [r for r in records if r.first_answered_at is None and r.ended_at]
    offered = len(waits) + len(unanswered_ended)
    abandoned = sum(is_abandoned(r) for r in records)
    talks = [r.talk_seconds for r in records if r.first_answered_at and r.talk_seconds is not None]
    scores = [r.survey_score for r in records if r.survey_score is not None]
    within = sum(w <= service_level_seconds for w in waits)
    overflows = sum(overflowed(r) for r in records if r.first_answered_at is not None)
    return Kpis(
        requested=len(records),
        served=len(waits),
        offered=offered,
        abandoned=abandoned,
        average_wait_seconds=_mean(waits),
        p90_wait_seconds=percentile(waits, 0.9),
        service_level_seconds=service_level_seconds,
        service_level_percent=_percent(within, offered),
        abandonment_percent=_percent(abandoned, offered),
        average_talk_seconds=_mean(talks),
        transfers=sum(r.transfers for r in records),
        survey_responses=len(scores),
        average_survey_score=_mean([float(s) for s in scores]),
        overflowed=overflows,
        overflow_percent=_percent(overflows, len(waits)),
    )


def department_of(record: ConsultationRecord) -> str:
    """The department the citizen first asked for; transfers are counted, not re-attributed."""
    return record.legs[0].department_id if record.legs else ""


def hour_of(at: float) -> int:
    return datetime.fromtimestamp(at, TOKYO).hour


def report(
    records: Iterable[ConsultationRecord],
    service_level_seconds: int = DEFAULT_SERVICE_LEVEL_SECONDS,
) -> Report:
    records = list(records)
    departments: dict[str, list[ConsultationRecord]] = {}
    hours: dict[int, list[ConsultationRecord]] = {}
    for record in records:
        departments.setdefault(department_of(record), []).append(record)
        hours.setdefault(hour_of(record.requested_at), []).append(record)
    return Report(
        total=compute(records, service_level_seconds),
        by_department={
            d: compute(rs, service_level_seconds) for d, rs in sorted(departments.items())
        },
        by_hour={h: compute(rs, service_level_seconds) for h, rs in sorted(hours.items())},
    )


def day_bounds(day: str) -> tuple[float, float]:
    """A JST calendar day ``YYYY-MM-DD`` as [start, end) epoch seconds."""
    start = datetime.fromisoformat(day).replace(tzinfo=TOKYO)
    end = datetime.fromordinal(start.toordinal() + 1).replace(tzinfo=TOKYO)
    return start.timestamp(), end.timestamp()


def today(now: float) -> str:
    return datetime.fromtimestamp(now, TOKYO).date().isoformat()
