"""Prometheus metrics for the hub: counters fed by switchboard events, gauges read live."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from signaling import events
from signaling.switchboard import Overview

# Waits a city cares about: the 30 s service level up to an hour.
_WAIT_BUCKETS = (5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600)
_TALK_BUCKETS = (30, 60, 120, 300, 600, 900, 1200, 1800, 3600)


class HubMetrics:
    """One registry per app, so several hubs (and tests) never share counters."""

    def __init__(self, overview: Callable[[], Overview], store_backlog: Callable[[], int]) -> None:
        self.registry = CollectorRegistry()
        self.registry.register(_LiveCollector(overview, store_backlog))
        self.messages = Counter(
            "madoguchi_messages_total", "Protocol messages", ["direction"], registry=self.registry
        )
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
        self.ended = Counter(
            "madoguchi_consultations_ended_total",
            "Consultations ended, by reason",
            ["reason"],
            registry=self.registry,
        )
        self.transfers = Counter(
            "madoguchi_transfers_total",
            "Transfers to another department",
            ["department"],
            registry=self.registry,
        )
        self.wait = Histogram(
            "madoguchi_wait_seconds",
            "Time a citizen waited until answered, per department",
            ["department"],
            buckets=_WAIT_BUCKETS,
            registry=self.registry,
        )
        self.talk = Histogram(
            "madoguchi_talk_seconds",
            "Time with staff per consultation",
            buckets=_TALK_BUCKETS,
            registry=self.registry,
        )
        self.surveys = Counter(
            "madoguchi_survey_responses_total",
            "Survey answers by score",
            ["score"],
            registry=self.registry,
        )
        self.store_failures = Counter(
            "madoguchi_store_write_failures_total",
            "Failed history writes (retried)",
            registry=self.registry,
        )
        # (session, leg) -> (department, queued at), until the leg is answered or ends.
        self._queued: dict[tuple[str, int], tuple[str, float]] = {}

    def observe(self, event: events.Event) -> None:
        match event:
            case events.ConsultationRequested():
                self.requests.labels(event.department_id).inc()
            case events.LegQueued():
                self._queued[event.session_id, event.leg] = (event.department_id, event.at)
                if event.leg > 0:
                    self.transfers.labels(event.department_id).inc()
            case events.LegAnswered():
                queued = self._queued.pop((event.session_id, event.leg), None)
                if queued is not None:  # None for a leg queued before a hub restart
                    self.wait.labels(queued[0]).observe(event.at - queued[1])
            case events.LegEnded():
                self._queued.pop((event.session_id, event.leg), None)
            case events.ConsultationEnded():
                self.ended.labels(event.reason.value).inc()
                if event.answered:
                    self.talk.observe(event.talk_seconds)
            case events.SurveyRecorded():
                self.surveys.labels(str(event.score)).inc()
            case (
                events.WrapUpRecorded()
                | events.PrincipalOnline()
                | events.PrincipalOffline()
                | events.KioskStatusReported()
                | events.CallStatsReported()
            ):
                pass

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
        yield connections
        yield queues
        yield oldest
        yield presence
        yield GaugeMetricFamily(
            "madoguchi_active_sessions", "Calls in progress", value=overview.active_sessions
        )
        yield GaugeMetricFamily(
            "madoguchi_store_backlog_events",
            "History events not yet written",
            value=self._store_backlog(),
        )
