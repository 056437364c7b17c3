"""Today's KPIs on /metrics, computed by ``kpis.report`` from the stored history like the page's.

A scrape never touches the database: a background task re-reads today's consultations after
the history changes, at most once per ``refresh_seconds``, and the collector serves the last
figures it read. A failed read keeps the previous figures (their age says how old) and is
retried, so a database outage never breaks /metrics.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator, Sequence

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from signaling import events
from signaling.admin import kpis
from signaling.store import ConsultationRecord, StoreError

logger = logging.getLogger("madoguchi.metrics")

REFRESH_SECONDS = 10.0
ALL = 1_000_000  # KPIs need every consultation of the day, not a page of them

ReadHistory = Callable[[float, float], Awaitable[Sequence[ConsultationRecord]]]

# The events that change a stored consultation, so today's figures need a new read.
_CONSULTATION_EVENTS = (
    events.ConsultationRequested,
    events.LegQueued,
    events.LegAnswered,
    events.LegEnded,
    events.ConsultationEnded,
    events.SurveyRecorded,
)

# (name, help, the figure). Ratios rather than percent: Prometheus's base unit.
_FIGURES: tuple[tuple[str, str, Callable[[kpis.Kpis], float | None]], ...] = (
    ("requested", "Consultations requested", lambda k: k.requested),
    ("served", "Consultations answered", lambda k: k.served),
    ("offered", "Consultations answered, or ended unanswered", lambda k: k.offered),
    ("abandoned", "Cancelled by the citizen while waiting, never answered", lambda k: k.abandoned),
    (
        "wait_average_seconds",
        "Average wait, request to first answer",
        lambda k: k.average_wait_seconds,
    ),
    ("wait_p90_seconds", "90th percentile wait (nearest rank)", lambda k: k.p90_wait_seconds),
    (
        "service_level_ratio",
        "Answered within the service level threshold, over offered",
        lambda k: _ratio(k.service_level_percent),
    ),
    ("abandonment_ratio", "Abandoned over offered", lambda k: _ratio(k.abandonment_percent)),
    ("talk_average_seconds", "Average time with staff", lambda k: k.average_talk_seconds),
    ("transfers", "Transfers to another department", lambda k: k.transfers),
    ("survey_responses", "Survey answers", lambda k: k.survey_responses),
    ("survey_score_average", "Average survey score (1-5)", lambda k: k.average_survey_score),
)


def _ratio(percent: float | None) -> float | None:
    return None if percent is None else percent / 100


def affects_kpis(event: events.Event) -> bool:
    return isinstance(event, _CONSULTATION_EVENTS)


class TodayKpis(Collector):
    """``madoguchi_today_*`` gauges: the admin overview's figures for today (JST), exactly."""

    def __init__(
        self,
        read_history: ReadHistory,
        clock: Callable[[], float],
        service_level_seconds: int,
        refresh_seconds: float = REFRESH_SECONDS,
    ) -> None:
        self._read_history = read_history
        self._clock = clock
        self._service_level_seconds = service_level_seconds
        self._refresh_seconds = refresh_seconds
        self._changed = asyncio.Event()
        self._changed.set()  # read what a previous run stored today, at start
        self._day: str | None = None
        self._report: kpis.Report | None = None
        self._read_at: float | None = None
        self._failures = 0

    def history_changed(self) -> None:
        """The store has written a consultation event: today's figures are out of date."""
        self._changed.set()

    async def run(self) -> None:
        """Re-read after each change, at most once per refresh interval; and at midnight."""
        while True:
            if not self._changed.is_set():
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._until_tomorrow()):
                        await self._changed.wait()
            await self.refresh()
            await asyncio.sleep(self._refresh_seconds)

    async def refresh(self) -> None:
        self._changed.clear()
        now = self._clock()
        day = kpis.today(now)
        try:
            records = await self._read_history(*kpis.day_bounds(day))
        except StoreError as exc:
            self._failures += 1
            self._changed.set()  # try again after the interval
            logger.error("= today's KPIs not refreshed (kept the last ones): %s", exc)
            return
        self._report = kpis.report(records, self._service_level_seconds)
        self._day, self._read_at = day, now

    def _until_tomorrow(self) -> float:
        now = self._clock()
        _, midnight = kpis.day_bounds(kpis.today(now))
        return max(0.0, midnight - now) + 1.0

    def collect(self) -> Iterator[Metric]:
        now = self._clock()
        yield CounterMetricFamily(
            "madoguchi_today_kpis_read_failures",
            "Reads of today's history for the madoguchi_today_* gauges that failed",
            value=self._failures,
        )
        if self._read_at is None or self._report is None or self._day != kpis.today(now):
            return  # nothing read yet, or yesterday's figures: better none than wrong ones
        yield GaugeMetricFamily(
            "madoguchi_today_kpis_age_seconds",
            "How long ago the madoguchi_today_* figures were read from the history",
            value=now - self._read_at,
        )
        rows: list[tuple[str, str, kpis.Kpis]] = [("", "", self._report.total)]
        rows += [(d, "", k) for d, k in self._report.by_department.items()]
        rows += [("", f"{h:02d}", k) for h, k in self._report.by_hour.items()]
        for name, text, figure in _FIGURES:
            family = GaugeMetricFamily(
                f"madoguchi_today_{name}",
                f"{text}, today (JST); department and hour empty for the whole",
                labels=["department", "hour"],
            )
            for department, hour, figures in rows:
                value = figure(figures)
                if value is not None:  # the page shows "—": no series at all
                    family.add_metric([department, hour], value)
            yield family
