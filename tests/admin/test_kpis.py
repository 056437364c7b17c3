"""The KPIs, each checked against figures worked out by hand."""

from __future__ import annotations

from datetime import datetime

import pytest

from signaling.admin import kpis
from signaling.protocol import EndReason
from signaling.store import ConsultationRecord, LegRecord

# 2025-06-16 09:00 JST
NINE = datetime.fromisoformat("2025-06-16T09:00:00+09:00").timestamp()


def record(
    n: int,
    *,
    at: float = NINE,
    wait: float | None,
    talk: float | None = None,
    reason: EndReason | None = EndReason.COMPLETED,
    department: str = "shimin",
    transfers: int = 0,
    score: int | None = None,
) -> ConsultationRecord:
    answered = None if wait is None else at + wait
    ended = None if reason is None else (answered or at) + (talk or 0) + 1
    return ConsultationRecord(
        id=f"s{n}",
        kiosk_id="k1",
        category_id="juminhyo",
        language="ja",
        requested_at=at,
        first_answered_at=answered,
        ended_at=ended,
        end_reason=reason,
        wait_seconds=wait,
        talk_seconds=talk,
        transfers=transfers,
        survey_score=score,
        outcome_code=None,
        note=None,
        legs=(
            LegRecord(
                leg=0,
                department_id=department,
                staff_id=None,
                queued_at=at,
                answered_at=answered,
                ended_at=ended,
                end_reason=reason,
                transfer_note="",
                transferred_by=None,
                outcome_code=None,
                wrap_up_note=None,
            ),
        ),
    )


# Waits 10, 20, 30, 90 s answered; one cancelled while waiting; one closed unanswered;
# one still waiting (not offered yet).
DAY = [
    record(1, wait=10, talk=100, score=5),
    record(2, wait=20, talk=200, score=4, transfers=1),
    record(3, wait=30, talk=300, department="fukushi", at=NINE + 3600),
    record(4, wait=90, talk=400, score=3, department="fukushi", transfers=2),
    record(5, wait=None, reason=EndReason.CITIZEN_CANCELLED),
    record(6, wait=None, reason=EndReason.CLOSED, department="fukushi"),
    record(7, wait=None, reason=None, at=NINE + 3600),
]


def test_counts_are_requested_served_offered_and_abandoned() -> None:
    figures = kpis.compute(DAY)
    assert (figures.requested, figures.served, figures.offered, figures.abandoned) == (7, 4, 6, 1)


def test_average_wait_is_the_mean_of_waits_until_the_first_answer() -> None:
    assert kpis.compute(DAY).average_wait_seconds == pytest.approx((10 + 20 + 30 + 90) / 4)


def test_p90_wait_is_the_nearest_rank_percentile() -> None:
    # ceil(0.9 * 4) = 4th of [10, 20, 30, 90]
    assert kpis.compute(DAY).p90_wait_seconds == 90
    assert kpis.percentile([float(v) for v in range(1, 11)], 0.9) == 9


def test_service_level_is_answered_within_n_seconds_over_offered() -> None:
    assert kpis.compute(DAY).service_level_percent == pytest.approx(100 * 3 / 6)
    assert kpis.compute(DAY, service_level_seconds=20).service_level_percent == pytest.approx(
        100 * 2 / 6
    )


def test_abandonment_rate_counts_only_citizens_who_cancelled_while_waiting() -> None:
    assert kpis.compute(DAY).abandonment_percent == pytest.approx(100 / 6)


def test_talk_time_transfers_and_survey_score() -> None:
    figures = kpis.compute(DAY)
    assert figures.average_talk_seconds == pytest.approx(250)
    assert figures.transfers == 3
    assert (figures.survey_responses, figures.average_survey_score) == (3, pytest.approx(4.0))


def test_no_consultations_give_no_averages_rather_than_zeros() -> None:
    figures = kpis.compute([])
    assert figures.requested == 0
    assert figures.average_wait_seconds is None
    assert figures.p90_wait_seconds is None
    assert figures.service_level_percent is None
    assert figures.abandonment_percent is None
    assert figures.average_survey_score is None


def test_report_breaks_figures_down_by_first_department_and_jst_hour() -> None:
    report = kpis.report(DAY)
    assert report.total == kpis.compute(DAY)
    assert sorted(report.by_department) == ["fukushi", "shimin"]
    assert report.by_department["shimin"].requested == 4
    assert report.by_department["fukushi"].served == 2
    assert report.by_department["fukushi"].average_wait_seconds == pytest.approx(60)
    assert {hour: k.requested for hour, k in report.by_hour.items()} == {9: 5, 10: 2}


def test_a_jst_day_starts_at_midnight_in_tokyo() -> None:
    start, end = kpis.day_bounds("2025-06-16")
    assert start == datetime.fromisoformat("2025-06-16T00:00:00+09:00").timestamp()
    assert end - start == 86400
    assert kpis.today(NINE) == "2025-06-16"
    assert kpis.today(start - 1) == "2025-06-15"
