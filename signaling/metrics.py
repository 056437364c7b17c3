"""Prometheus metrics for the hub: counters fed by switchboard events, gauges read live.

The KPI metrics follow the admin page's definitions (signaling/admin/kpis.py, docs/admin.md):
a consultation belongs to the department first asked for, its wait runs from the request to
the first answer, and the wait histogram has a bucket at exactly the service level threshold.
docs/operations.md gives the PromQL for each KPI.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from signaling import events
from signaling.admin.kpis import DEFAULT_SERVICE_LEVEL_SECONDS
from signaling.session import Session, SessionState
from signaling.switchboard import Overview
from signaling.today_kpis import REFRESH_SECONDS, ReadHistory, TodayKpis

# Waits a city cares about, up to an hour; the service level threshold is added to these.
_WAIT_BUCKETS = (5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600)
_TALK_BUCKETS = (30, 60, 120, 300, 600, 900, 1200, 1800, 3600)
_SCORE_BUCKETS = (1, 2, 3, 4, 5)
_ENDED_KEPT = 10_000  # ended consultations remembered for their survey, which comes after


@dataclass(slots=True)
class _Consultation:
    department: str  # the first asked for, as on the page
    requested_at: float
    answered: bool = False


class HubMetrics:
    """One registry per app, so several hubs (and tests) never share counters."""

    def __init__(
        self,
        overview: Callable[[], Overview],
        store_backlog: Callable[[], int],
        read_history: ReadHistory,
        clock: Callable[[], float],
        *,
        restored: Iterable[Session] = (),
        service_level_seconds: int = DEFAULT_SERVICE_LEVEL_SECONDS,
        today_refresh_seconds: float = REFRESH_SECONDS,
    ) -> None:
        self.registry = CollectorRegistry()
        self.registry.register(_LiveCollector(overview, store_backlog))
        self.today = TodayKpis(read_history, clock, service_level_seconds, today_refresh_seconds)
        self.registry.register(self.today)
        Gauge(
            "madoguchi_service_level_threshold_seconds",
            "Answered within this many seconds counts toward the service level",
            registry=self.registry,
        ).set(service_level_seconds)
        self.messages = Counter(
            "madoguchi_messages_total", "Protocol messages", ["direction"], registry=self.registry
        )
        # Looked up once: a label lookup per message was a tenth of the hub's time per relay.
        self.messages_in = self.messages.labels("in")
        self.messages_out = self.messages.labels("out")
        self.errors = Counter(
            "madoguchi_errors_total",
            "Error messages sent, by code",
            ["code"],
            registry=self.registry,
        )
        self.requests = Counter(
            "madoguchi_consultations_requested_total",
            "Consultations requested",
            ["department"],
            registry=self.registry,
        )
        self.served = Counter(
            "madoguchi_consultations_served_total",
            "Consultations answered (counted at their first answer)",
            ["department"],
            registry=self.registry,
        )
        self.ended = Counter(
            "madoguchi_consultations_ended_total",
            "Consultations ended, by reason and whether they were ever answered",
            ["department", "reason", "answered"],
            registry=self.registry,
        )
        self.transfers = Counter(
            "madoguchi_transfers_total",
            "Transfers, by the department first asked for and the one transferred to",
            ["department", "to_department"],
            registry=self.registry,
        )
        self.wait = Histogram(
            "madoguchi_wait_seconds",
            "Time from the request to the first answer, per consultation",
            ["department"],
            buckets=sorted({*_WAIT_BUCKETS, service_level_seconds}),
            registry=self.registry,
        )
        self.queue_wait = Histogram(
            "madoguchi_queue_wait_seconds",
            "Time in one department's queue until answered, transferred legs included",
            ["department"],
            buckets=_WAIT_BUCKETS,
            registry=self.registry,
        )
        self.talk = Histogram(
            "madoguchi_talk_seconds",
            "Time with staff per answered consultation",
            ["department"],
            buckets=_TALK_BUCKETS,
            registry=self.registry,
        )
        self.survey = Histogram(
            "madoguchi_survey_score",
            "Survey answers (1-5)",
            ["department"],
            buckets=_SCORE_BUCKETS,
            registry=self.registry,
        )
        self.store_failures = Counter(
            "madoguchi_store_write_failures_total",
            "Failed history writes (retried)",
            registry=self.registry,
        )
        self.overflows = Counter(
            "madoguchi_overflows_total",
            "Citizens answered by another ward's desk than the one they queued at",
            ["department", "to_department"],
            registry=self.registry,
        )
        self.state_write_failures = Counter(
            "madoguchi_state_write_failures_total",
            "Failed writes of the switchboard's state file (a crash now would lose changes)",
            registry=self.registry,
        )
        self._open: dict[str, _Consultation] = {}
        self._ended: OrderedDict[str, str] = OrderedDict()  # session -> department
        # (session, leg) -> (department, queued at), until the leg is answered or ends.
        self._queued: dict[tuple[str, int], tuple[str, float]] = {}
        for session in restored:  # a graceful restart: carry on counting these
            answered = any(leg.answered_at is not None for leg in session.legs)
            self._open[session.id] = _Consultation(
                session.legs[0].department_id, session.requested_at, answered
            )
            if session.state is SessionState.QUEUED:
                leg = session.leg
                self._queued[session.id, len(session.legs) - 1] = (
                    leg.department_id,
                    leg.queued_at,
                )

    def observe(self, event: events.Event) -> None:
        match event:
            case events.ConsultationRequested():
                self._open[event.session_id] = _Consultation(event.department_id, event.at)
                self.requests.labels(event.department_id).inc()
            case events.LegQueued():
                self._queued[event.session_id, event.leg] = (event.department_id, event.at)
                if event.leg > 0:
                    first = self._department(event.session_id)
                    self.transfers.labels(first, event.department_id).inc()
            case events.LegAnswered():
                self._answered(event)
                if event.overflowed_from is not None:
                    self.overflows.labels(event.overflowed_from, event.department_id).inc()
            case events.LegEnded():
                self._queued.pop((event.session_id, event.leg), None)
            case events.ConsultationEnded():
                consultation = self._open.pop(event.session_id, None)
                department = consultation.department if consultation else ""
                answered = "true" if event.answered else "false"
                self.ended.labels(department, event.reason.value, answered).inc()
                if event.answered:
                    self.talk.labels(department).observe(event.talk_seconds)
                self._ended[event.session_id] = department
                if len(self._ended) > _ENDED_KEPT:
                    self._ended.popitem(last=False)
            case events.SurveyRecorded():
                department = self._ended.get(event.session_id, "")
                self.survey.labels(department).observe(event.score)
            case (
                events.WrapUpRecorded()
                | events.LegOverflowed()
                | events.PrincipalOnline()
                | events.PrincipalOffline()
                | events.KioskStatusReported()
                | events.CallStatsReported()
            ):
                pass

    def _answered(self, event: events.LegAnswered) -> None:
        queued = self._queued.pop((event.session_id, event.leg), None)
        if queued is not None:
            self.queue_wait.labels(queued[0]).observe(event.at - queued[1])
        consultation = self._open.get(event.session_id)
        if consultation is None or consultation.answered:
            return  # a transferred leg, or a consultation from before a restart without snapshot
        consultation.answered = True
        self.served.labels(consultation.department).inc()
        self.wait.labels(consultation.department).observe(event.at - consultation.requested_at)

    def _department(self, session_id: str) -> str:
        consultation = self._open.get(session_id)
        return consultation.department if consultation else ""

    def render(self) -> bytes:
        return generate_latest(self.registry)


class _LiveCollector(Collector):
    """Gauges computed at scrape time from the switchboard, so they are never stale."""

    def __init__(self, overview: Callable[[], Overview], store_backlog: Callable[[], int]) -> None:
        self._overview = overview
        self._store_backlog = store_backlog

    def collect(self) -> Iterator[Metric]:
        overview = self._overview()
        connections = GaugeMetricFamily(
            "madoguchi_connections", "Open client connections", labels=["role"]
        )
        for role, count in overview.connections.items():
            connections.add_metric([role.value], count)
        queues = GaugeMetricFamily(
            "madoguchi_queue_length", "Citizens waiting", labels=["department"]
        )
        oldest = GaugeMetricFamily(
            "madoguchi_oldest_wait_seconds", "Longest current wait", labels=["department"]
        )
        for department, length in overview.queue_lengths.items():
            queues.add_metric([department], length)
            oldest.add_metric([department], overview.oldest_wait_seconds[department])
        presence = GaugeMetricFamily(
            "madoguchi_staff_presence", "Staff online by presence", labels=["presence"]
        )
        for value, count in overview.staff_presence.items():
            presence.add_metric([value.value], count)
        # One series per connected kiosk, and none for one that is not: Prometheus remembers
        # which kiosks were there, so an alert can name the one that went away.
        kiosks = GaugeMetricFamily(
            "madoguchi_kiosk_connected", "1 for each kiosk connected now", labels=["kiosk"]
        )
        for kiosk_id in overview.kiosks_connected:
            kiosks.add_metric([kiosk_id], 1)
        opened = GaugeMetricFamily(
            "madoguchi_department_open",
            "1 while the department's opening hours say it is open, else 0",
            labels=["department"],
        )
        for department, is_open in overview.departments_open.items():
            opened.add_metric([department], 1 if is_open else 0)
        # Info metrics: join any figure by department or kiosk to its ward and site, e.g.
        # sum by (ward) (madoguchi_queue_length * on (department) group_left (ward)
        # madoguchi_department_info) (docs/operations.md, Metrics).
        department_info = GaugeMetricFamily(
            "madoguchi_department_info",
            "1 for each department, with its ward (empty: city-wide)",
            labels=["department", "ward"],
        )
        for department, ward in overview.department_wards.items():
            department_info.add_metric([department, ward], 1)
        kiosk_info = GaugeMetricFamily(
            "madoguchi_kiosk_info",
            "1 for each connected kiosk placed at a site, with the site and its ward",
            labels=["kiosk", "site", "ward"],
        )
        for kiosk_id, (site, ward) in overview.kiosk_places.items():
            kiosk_info.add_metric([kiosk_id, site, ward], 1)
        yield department_info
        yield kiosk_info
        yield connections
        yield queues
        yield oldest
        yield presence
        yield kiosks
        yield opened
        yield GaugeMetricFamily(
            "madoguchi_active_sessions", "Calls in progress", value=overview.active_sessions
        )
        yield GaugeMetricFamily(
            "madoguchi_store_backlog_events",
            "History events not yet written",
            value=self._store_backlog(),
        )
