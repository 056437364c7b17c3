"""Opening hours in Asia/Tokyo, with Japan's national holidays (祝日) and city closed days.

Pure functions of a timestamp: the switchboard passes ``now`` in, so tests need no clock.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import holidays

from signaling.directory import OpeningHours

TOKYO = ZoneInfo("Asia/Tokyo")
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Far enough to cross 年末年始 plus a long weekend (Golden Week).
_SEARCH_DAYS = 21


def parse_span(span: str) -> tuple[int, int]:
    """Parse ``"08:30-17:15"`` into minutes after midnight; ``24:00`` ends a whole day."""
    try:
        start, end = (_minutes(part.strip()) for part in span.split("-"))
    except ValueError:
        raise ValueError(f"bad opening span {span!r}, expected HH:MM-HH:MM") from None
    if end <= start:
        raise ValueError(f"opening span {span!r} ends before it starts")
    return start, end


def _minutes(text: str) -> int:
    if text == "24:00":
        return 24 * 60
    time = dt.time.fromisoformat(text)
    return time.hour * 60 + time.minute


@functools.lru_cache(maxsize=8)
def _japan_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("JP", years=year)


def _closed_on(hours: OpeningHours, day: dt.date) -> bool:
    if hours.national_holidays_closed and day in _japan_holidays(day.year):
        return True
    return day.strftime("%m-%d") in hours.closed_dates or day.isoformat() in hours.closed_dates


def _intervals_on(hours: OpeningHours, day: dt.date) -> list[tuple[float, float]]:
    """The day's opening intervals as epoch seconds."""
    if _closed_on(hours, day):
        return []
    intervals = []
    midnight = dt.datetime.combine(day, dt.time(), TOKYO).timestamp()  # Japan has no DST
    for span in hours.weekly.get(_WEEKDAYS[day.weekday()], []):
        start, end = parse_span(span)
        intervals.append((midnight + start * 60, midnight + end * 60))
    return sorted(intervals)


def _intervals_from(hours: OpeningHours, now: float) -> Iterator[tuple[float, float]]:
    """Opening intervals that have not ended by ``now``, in order, lazily."""
    today = dt.datetime.fromtimestamp(now, TOKYO).date()
    for offset in range(_SEARCH_DAYS):
        for opens, closes in _intervals_on(hours, today + dt.timedelta(days=offset)):
            if closes > now:
                yield opens, closes


def is_open(hours: OpeningHours, now: float) -> bool:
    return closes_at(hours, now) is not None


def next_opening(hours: OpeningHours, now: float) -> float | None:
    """When it next opens (``now`` if open now); None if not within three weeks."""
    for opens, _closes in _intervals_from(hours, now):
        return max(opens, now)
    return None


def closes_at(hours: OpeningHours, now: float) -> float | None:
    """When the current opening ends; None when closed now."""
    for opens, closes in _intervals_from(hours, now):
        return closes if opens <= now else None
    return None


def next_change(hours: OpeningHours, now: float) -> float | None:
    """The next moment the open/closed state may flip."""
    for opens, closes in _intervals_from(hours, now):
        return closes if opens <= now else opens
    return None
