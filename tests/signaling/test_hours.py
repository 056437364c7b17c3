"""Opening hours in Tokyo time, with national holidays and the city's closed days."""

import datetime as dt

import pytest

from signaling.directory import OpeningHours
from signaling.hours import TOKYO, closes_at, is_open, next_change, next_opening, parse_span

WEEKDAYS = OpeningHours(
    weekly={day: ["08:30-17:15"] for day in ("mon", "tue", "wed", "thu", "fri")},
    closed_dates=["12-29", "12-30", "12-31", "01-01", "01-02", "01-03"],
)


def tokyo(*args: int) -> float:
    return dt.datetime(*args, tzinfo=TOKYO).timestamp()


def test_open_during_weekday_hours_and_closed_outside() -> None:
    assert is_open(WEEKDAYS, tokyo(2026, 12, 1, 8, 30))
    assert not is_open(WEEKDAYS, tokyo(2026, 12, 1, 8, 29))
    assert not is_open(WEEKDAYS, tokyo(2026, 12, 1, 17, 15))
    assert not is_open(WEEKDAYS, tokyo(2026, 12, 5, 10, 0))  # Saturday


def test_closed_on_a_national_holiday() -> None:
    assert not is_open(WEEKDAYS, tokyo(2026, 11, 23, 10, 0))  # 勤労感謝の日, a Monday


def test_national_holidays_can_be_worked() -> None:
    hours = OpeningHours(weekly=WEEKDAYS.weekly, national_holidays_closed=False)
    assert is_open(hours, tokyo(2026, 11, 23, 10, 0))


def test_year_end_closure_pushes_the_next_opening_into_january() -> None:
    evening = tokyo(2026, 12, 28, 18, 0)
    assert next_opening(WEEKDAYS, evening) == tokyo(2027, 1, 4, 8, 30)


def test_a_single_date_can_be_closed() -> None:
    hours = OpeningHours(weekly=WEEKDAYS.weekly, closed_dates=["2026-12-02"])
    assert not is_open(hours, tokyo(2026, 12, 2, 10, 0))
    assert is_open(hours, tokyo(2026, 12, 3, 10, 0))


def test_closing_time_and_next_change_while_open() -> None:
    now = tokyo(2026, 12, 1, 10, 0)
    assert closes_at(WEEKDAYS, now) == tokyo(2026, 12, 1, 17, 15)
    assert next_change(WEEKDAYS, now) == tokyo(2026, 12, 1, 17, 15)
    assert next_opening(WEEKDAYS, now) == now


def test_a_day_can_run_to_midnight() -> None:
    hours = OpeningHours(weekly={"tue": ["00:00-24:00"]}, national_holidays_closed=False)
    assert is_open(hours, tokyo(2026, 12, 1, 23, 59))
    assert closes_at(hours, tokyo(2026, 12, 1, 12, 0)) == tokyo(2026, 12, 2, 0, 0)


def test_never_open_has_no_next_opening() -> None:
    assert next_opening(OpeningHours(), tokyo(2026, 12, 1, 10, 0)) is None


@pytest.mark.parametrize("span", ["8:30", "17:00-08:00", "08:30-25:00", "x-y"])
def test_malformed_spans_are_refused(span: str) -> None:
    with pytest.raises(ValueError, match="span"):
        parse_span(span)
