"""HubMetrics and the today gauges, fed events directly; tests/admin/test_metrics.py runs a hub."""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from signaling import events
from signaling.admin import kpis
from signaling.metrics import HubMetrics
from signaling.protocol import EndReason, Presence, Role
from signaling.session import Leg, Session, SessionState
from signaling.store import ConsultationRecord, Store
from signaling.switchboard import Overview
from signaling.today_kpis import ALL, ReadHistory
from tests.fixtures.hub import always_open_demo_city
from tests.participant import UNIT, eventually
from tests.signaling.board import Board
from tests.signaling.wards import city, kiosk_at

QUIET = Overview(
    connections={Role.KIOSK: 2, Role.STAFF: 1},
    queue_lengths={"shimin": 0},
    oldest_wait_seconds={"shimin": 0.0},
    active_sessions=0,
    staff_presence={Presence.AVAILABLE: 1},
)
# 2026-04-01 10:00 JST, a Wednesday morning.
MORNING = 1775005200.0


async def nothing_stored(since: float, until: float) -> Sequence[ConsultationRecord]:
    return []


def hub_metrics(
    read_history: ReadHistory = nothing_stored,
    clock: Callable[[], float] = lambda: MORNING,
    **options: object,
) -> HubMetrics:
    return HubMetrics(
        overview=lambda: QUIET,
        store_backlog=lambda: 0,
        read_history=read_history,
        clock=clock,
        **options,  # type: ignore[arg-type]
    )


def samples(metrics: HubMetrics) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    text = metrics.render().decode()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(metrics: HubMetrics, name: str, **labels: str) -> float | None:
    return samples(metrics).get((name, frozenset(labels.items())))


def a_consultation(session_id: str, at: float, wait: float, talk: float) -> list[events.Event]:
    answered, ended = at + wait, at + wait + talk
    return [
        events.ConsultationRequested(session_id, "k-1", "juminhyo", "ja", "shimin", at),
        events.LegQueued(session_id, 0, "shimin", at),
        events.LegAnswered(session_id, 0, "u-1", answered),
        events.LegEnded(session_id, 0, EndReason.COMPLETED, ended),
        events.ConsultationEnded(session_id, EndReason.COMPLETED, ended, wait, talk, 0, True),
        events.SurveyRecorded(session_id, 5, ended + 5),
    ]


def test_each_connected_kiosk_and_each_departments_opening_state_is_a_series() -> None:
    overview = dataclasses.replace(
        QUIET, kiosks_connected=("k-1", "k-2"), departments_open={"shimin": True, "zeimu": False}
    )
    metrics = HubMetrics(
        overview=lambda: overview,
        store_backlog=lambda: 0,
        read_history=nothing_stored,
        clock=lambda: MORNING,
    )
    found = samples(metrics)
    kiosks = {
        dict(labels)["kiosk"]: v
        for (name, labels), v in found.items()
        if name == "madoguchi_kiosk_connected"
    }
    assert kiosks == {"k-1": 1, "k-2": 1}
    assert value(metrics, "madoguchi_department_open", department="shimin") == 1
    assert value(metrics, "madoguchi_department_open", department="zeimu") == 0


def test_the_wait_histogram_has_a_bucket_at_exactly_the_service_level_threshold() -> None:
    metrics = hub_metrics(service_level_seconds=45)
    for event in a_consultation("s-1", MORNING, wait=44.5, talk=100):
        metrics.observe(event)
    assert value(metrics, "madoguchi_service_level_threshold_seconds") == 45
    assert value(metrics, "madoguchi_wait_seconds_bucket", department="shimin", le="45.0") == 1
    assert value(metrics, "madoguchi_wait_seconds_bucket", department="shimin", le="30.0") == 0


def test_a_transfer_is_counted_for_the_department_first_asked_and_served_once() -> None:
    metrics = hub_metrics()
    for event in [
        events.ConsultationRequested("s-1", "k-1", "juminhyo", "ja", "shimin", MORNING),
        events.LegQueued("s-1", 0, "shimin", MORNING),
        events.LegAnswered("s-1", 0, "u-1", MORNING + 10),
        events.LegEnded("s-1", 0, EndReason.TRANSFERRED, MORNING + 60),
        events.LegQueued("s-1", 1, "zeimu", MORNING + 60),
        events.LegAnswered("s-1", 1, "u-2", MORNING + 90),
    ]:
        metrics.observe(event)
    assert value(metrics, "madoguchi_transfers_total", department="shimin", to_department="zeimu")
    assert value(metrics, "madoguchi_consultations_served_total", department="shimin") == 1
    assert value(metrics, "madoguchi_wait_seconds_sum", department="shimin") == 10
    # Each department's own queue still shows in the per-leg histogram.
    assert value(metrics, "madoguchi_queue_wait_seconds_sum", department="zeimu") == 30


def test_a_consultation_restored_after_a_restart_is_counted_when_answered() -> None:
    waiting = Session(
        id="s-1",
        kiosk_id="k-1",
        category_id="juminhyo",
        language="ja",
        requested_at=MORNING,
        legs=[Leg(department_id="shimin", queued_at=MORNING)],
        state=SessionState.QUEUED,
    )
    metrics = hub_metrics(restored=[waiting])
    metrics.observe(events.LegAnswered("s-1", 0, "u-1", MORNING + 20))
    metrics.observe(
        events.ConsultationEnded("s-1", EndReason.COMPLETED, MORNING + 80, 20, 60, 0, True)
    )
    assert value(metrics, "madoguchi_consultations_served_total", department="shimin") == 1
    assert value(metrics, "madoguchi_wait_seconds_sum", department="shimin") == 20
    assert value(metrics, "madoguchi_talk_seconds_sum", department="shimin") == 60


async def test_yesterdays_figures_are_not_shown_after_midnight() -> None:
    now = [MORNING + 14 * 3600 - 1]  # 23:59:59 JST
    metrics = hub_metrics(clock=lambda: now[0])
    await metrics.today.refresh()
    assert value(metrics, "madoguchi_today_requested", department="", hour="") == 0
    now[0] += 2
    assert value(metrics, "madoguchi_today_requested", department="", hour="") is None
    assert value(metrics, "madoguchi_today_kpis_age_seconds") is None


async def test_todays_figures_are_read_again_after_the_history_changes() -> None:
    reads: list[float] = []

    async def read(since: float, until: float) -> Sequence[ConsultationRecord]:
        reads.append(since)
        return []

    metrics = hub_metrics(read, clock=time.time, today_refresh_seconds=UNIT / 100)
    reader = asyncio.create_task(metrics.today.run())
    try:
        await eventually(lambda: _settled(reads, 1))  # the first read, at start
        await asyncio.sleep(UNIT / 20)
        assert len(reads) == 1  # nothing changed: no reads
        metrics.today.history_changed()
        await eventually(lambda: _settled(reads, 2))
        assert reads == [kpis.day_bounds(kpis.today(time.time()))[0]] * 2
    finally:
        reader.cancel()


async def _settled(reads: list[float], count: int) -> bool:
    return len(reads) == count


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    store = await Store.open(f"sqlite+aiosqlite:///{tmp_path}/hub.db")
    await store.replace_directory(always_open_demo_city(), actor="test", now=0)
    yield store
    await store.close()


async def test_a_failing_history_read_keeps_the_last_figures_and_every_other_metric(
    store: Store, tmp_path: Path
) -> None:
    now = MORNING  # not the wall clock: five minutes before now is yesterday just after midnight

    async def read(since: float, until: float) -> Sequence[ConsultationRecord]:
        return await store.list_consultations(since=since, until=until, limit=ALL)

    metrics = hub_metrics(read, clock=lambda: now)
    consultation = a_consultation("s-1", now - 300, wait=12, talk=200)
    for event in consultation:
        metrics.observe(event)
    await store.apply(consultation)
    await metrics.today.refresh()
    assert value(metrics, "madoguchi_today_served", department="", hour="") == 1

    # The database really fails: its consultations table is gone.
    with sqlite3.connect(tmp_path / "hub.db") as db:
        db.execute("ALTER TABLE consultations RENAME TO consultations_lost")
    metrics.today.history_changed()
    await metrics.today.refresh()

    after = samples(metrics)
    assert after["madoguchi_today_kpis_read_failures_total", frozenset()] == 1
    assert after["madoguchi_today_served", frozenset({("department", ""), ("hour", "")})] == 1
    assert after["madoguchi_connections", frozenset({("role", "kiosk")})] == 2
    assert after["madoguchi_consultations_served_total", frozenset({("department", "shimin")})] == 1
    assert after["madoguchi_survey_score_sum", frozenset({("department", "shimin")})] == 5


def test_departments_and_kiosks_carry_their_ward_and_site_to_sum_any_figure_by_ward() -> None:
    board = Board(directory=city())
    board.connect(kiosk_at(1, "moji-center"))
    board.connect(kiosk_at(2, None))  # not placed yet: no info series
    metrics = HubMetrics(
        overview=lambda: board.board.overview(board.now),
        store_backlog=lambda: 0,
        read_history=nothing_stored,
        clock=lambda: MORNING,
    )
    assert value(metrics, "madoguchi_department_info", department="moji-shimin", ward="moji")
    assert value(metrics, "madoguchi_department_info", department="zeimu", ward="") == 1
    kiosks = [dict(labels) for (name, labels) in samples(metrics) if name == "madoguchi_kiosk_info"]
    assert kiosks == [{"kiosk": "k1", "site": "moji-center", "ward": "moji"}]


def test_a_citizen_answered_by_another_wards_desk_is_an_overflow() -> None:
    metrics = hub_metrics()
    at = MORNING - 600
    for event in (
        events.ConsultationRequested("s1", "k1", "juminhyo", "ja", "moji-shimin", at),
        events.LegQueued("s1", 0, "moji-shimin", at),
        events.LegOverflowed("s1", 0, ("kokura-shimin",), at + 120),
        events.LegAnswered("s1", 0, "u2", at + 130, "kokura-shimin", "moji-shimin"),
    ):
        metrics.observe(event)
    overflows = value(
        metrics,
        "madoguchi_overflows_total",
        department="moji-shimin",
        to_department="kokura-shimin",
    )
    assert overflows == 1
