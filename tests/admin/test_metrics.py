"""/metrics tells Prometheus what the admin page tells a supervisor: the same KPIs, same day.

A real hub takes citizens through consultations answered quickly, answered slowly, abandoned,
transferred and surveyed, with one still waiting; then every KPI on the overview is rebuilt from
/metrics the way docs/operations.md tells a city to, and must agree. The hub's clock is skewed
back for one request, so that a wait beyond the service level takes no real minute.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

import signaling.app
from signaling import protocol as p
from signaling.admin.kpis import DEFAULT_SERVICE_LEVEL_SECONDS
from signaling.hub import Hub
from tests.fixtures.hub import RunningHub
from tests.participant import UNIT, Participant, eventually

from .admin_hub import AdminClient

SLOW = DEFAULT_SERVICE_LEVEL_SECONDS + 30


@dataclass
class SkewableClock:
    """The hub's clock: real time plus an offset the test sets."""

    offset: float = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> SkewableClock:
    clock = SkewableClock()
    # Today's figures are re-read within 0.1 s of a change instead of 10 s.
    hub = functools.partial(Hub, clock=clock, kpi_refresh_seconds=UNIT / 50)
    monkeypatch.setattr(signaling.app, "Hub", hub)
    return clock


@pytest.fixture
async def hub(clock: SkewableClock, hub: RunningHub) -> RunningHub:
    """The admin tests' hub, started after its clock was made skewable."""
    return hub


class Scrape:
    """One /metrics answer, parsed as Prometheus would."""

    def __init__(self, text: str) -> None:
        self.samples = [
            (sample.name, sample.labels, sample.value)
            for family in text_string_to_metric_families(text)
            for sample in family.samples
        ]

    def sum(self, name: str, **labels: str) -> float:
        """``sum(name{labels})``."""
        return sum(
            value
            for sample, have, value in self.samples
            if sample == name and all(have.get(k) == v for k, v in labels.items())
        )

    def values(self, name: str) -> list[tuple[dict[str, str], float]]:
        return [(have, value) for sample, have, value in self.samples if sample == name]

    def today(self, department: str = "", hour: str = "") -> dict[str, float]:
        """Every madoguchi_today_* figure for one department or hour ("" for the whole day)."""
        return {
            name.removeprefix("madoguchi_today_"): value
            for name, have, value in self.samples
            if name.startswith("madoguchi_today_")
            and have.get("department") == department
            and have.get("hour") == hour
        }


async def scrape(hub: RunningHub) -> Scrape:
    async with aiohttp.ClientSession() as http, http.get(f"{hub.http}/metrics") as response:
        assert response.status == 200
        return Scrape(await response.text())


def page_figures(kpis: Mapping[str, Any]) -> dict[str, float]:
    """The overview API's figures under the names of the madoguchi_today_* gauges."""
    names = {
        "requested": "requested",
        "served": "served",
        "offered": "offered",
        "abandoned": "abandoned",
        "wait_average_seconds": "average_wait_seconds",
        "wait_p90_seconds": "p90_wait_seconds",
        "service_level_ratio": "service_level_percent",
        "abandonment_ratio": "abandonment_percent",
        "talk_average_seconds": "average_talk_seconds",
        "transfers": "transfers",
        "survey_responses": "survey_responses",
        "survey_score_average": "average_survey_score",
    }
    figures = {}
    for gauge, field in names.items():
        value = kpis[field]
        if value is not None:  # the page shows "—" and /metrics has no series
            figures[gauge] = value / 100 if field.endswith("_percent") else value
    return figures


async def consult(kiosk: Participant, staff: Participant, category: str, survey: int | None) -> str:
    await kiosk.send(p.RequestConsultation(category_id=category, language="ja"))
    queued = await kiosk.expect(p.Queued)
    await staff.send(p.Accept(session_id=queued.session_id))
    await kiosk.expect(p.SessionStarted)
    await staff.send(p.HangUp(session_id=queued.session_id))
    await kiosk.expect(p.SessionEnded)
    await end_politely(kiosk, staff, queued.session_id, survey)
    return queued.session_id


async def end_politely(
    kiosk: Participant, staff: Participant, session_id: str, survey: int | None
) -> None:
    if survey is not None:
        await kiosk.send(p.SubmitSurvey(session_id=session_id, score=survey))
        await kiosk.expect(p.SurveySaved)
    await staff.send(p.WrapUp(session_id=session_id, outcome_code="resolved"))
    await staff.expect(p.WrapUpSaved)


async def test_every_kpi_on_metrics_agrees_with_the_admin_overview(
    hub: RunningHub, clock: SkewableClock, client: AdminClient
) -> None:
    assert (await client.login("admin")).status == 200
    async with (
        Participant(hub.url, hub.kiosk(0)) as chuo,
        Participant(hub.url, hub.kiosk(1)) as hokubu,
        Participant(hub.url, hub.staff("tanaka")) as tanaka,  # 市民課, 税務課
        Participant(hub.url, hub.staff("suzuki")) as suzuki,  # 子育て支援課, 福祉課
    ):
        # Answered at once, and rated 5.
        await consult(chuo, tanaka, "juminhyo", survey=5)

        # Asked SLOW seconds ago (by the hub's clock): answered beyond the service level.
        clock.offset = -SLOW
        await chuo.send(p.RequestConsultation(category_id="juminhyo", language="ja"))
        slow = await chuo.expect(p.Queued)
        clock.offset = 0.0
        await tanaka.send(p.Accept(session_id=slow.session_id))
        await chuo.expect(p.SessionStarted)
        await chuo.send(p.HangUp(session_id=slow.session_id))
        await chuo.expect(p.SessionEnded)
        await end_politely(chuo, tanaka, slow.session_id, survey=2)

        # Abandoned: the citizen gives up before anyone answers.
        await hokubu.send(p.RequestConsultation(category_id="jido-teate", language="ja"))
        abandoned = await hokubu.expect(p.Queued)
        await hokubu.send(p.CancelRequest(session_id=abandoned.session_id))
        await hokubu.expect(p.SessionEnded)

        # Answered by 市民課, transferred to 子育て支援課, rated 4.
        await hokubu.send(p.RequestConsultation(category_id="juminhyo", language="ja"))
        moved = await hokubu.expect(p.Queued)
        await tanaka.send(p.Accept(session_id=moved.session_id))
        await hokubu.expect(p.SessionStarted)
        await tanaka.send(p.Transfer(session_id=moved.session_id, department_id="kosodate"))
        await hokubu.expect(p.SessionTransferred)
        await suzuki.send(p.Accept(session_id=moved.session_id))
        await hokubu.expect(p.SessionStarted)
        await suzuki.send(p.HangUp(session_id=moved.session_id))
        await hokubu.expect(p.SessionEnded)
        await end_politely(hokubu, suzuki, moved.session_id, survey=4)
        await tanaka.send(p.WrapUp(session_id=moved.session_id, outcome_code="resolved"))
        await tanaka.expect(p.WrapUpSaved)

        # Still waiting while we look.
        await chuo.send(p.RequestConsultation(category_id="mynumber", language="ja"))
        await chuo.expect(p.Queued)

        async def all_read() -> bool:
            today = (await scrape(hub)).today()
            return today.get("requested") == 5 and today.get("survey_responses") == 3

        await eventually(all_read)
        metrics = await scrape(hub)
        async with await client.get("/api/overview") as response:
            page = await response.json()
        async with await client.get("/api/snapshot") as response:
            live = await response.json()

    # The scenario gave what it meant to: 2 of 4 offered within the threshold, 1 abandoned.
    total = page["total"]
    assert (total["requested"], total["served"], total["offered"]) == (5, 3, 4)
    assert (total["service_level_percent"], total["abandonment_percent"]) == (50.0, 25.0)
    assert (total["transfers"], total["survey_responses"]) == (1, 3)
    assert total["service_level_seconds"] == DEFAULT_SERVICE_LEVEL_SECONDS
    assert metrics.sum("madoguchi_service_level_threshold_seconds") == DEFAULT_SERVICE_LEVEL_SECONDS

    # The madoguchi_today_* gauges are the page's figures, exactly: whole, per department, hour.
    assert metrics.today() == pytest.approx(page_figures(total))
    for department, figures in page["by_department"].items():
        assert metrics.today(department=department) == pytest.approx(page_figures(figures))
    for hour, figures in page["by_hour"].items():
        assert metrics.today(hour=f"{int(hour):02d}") == pytest.approx(page_figures(figures))
    assert {have["department"] for have, _ in metrics.values("madoguchi_today_requested")} == {
        "",
        *page["by_department"],
    }

    # The counters and histograms, summed over a day as the documented PromQL does.
    for department, figures in [("", total), *page["by_department"].items()]:
        by = {"department": department} if department else {}
        served = metrics.sum("madoguchi_consultations_served_total", **by)
        unanswered = metrics.sum("madoguchi_consultations_ended_total", answered="false", **by)
        offered = served + unanswered
        assert metrics.sum("madoguchi_consultations_requested_total", **by) == figures["requested"]
        assert served == figures["served"]
        assert offered == figures["offered"]
        abandoned = metrics.sum(
            "madoguchi_consultations_ended_total",
            answered="false",
            reason="citizen_cancelled",
            **by,
        )
        assert abandoned == figures["abandoned"]
        assert metrics.sum("madoguchi_transfers_total", **by) == figures["transfers"]
        assert metrics.sum("madoguchi_wait_seconds_count", **by) == figures["served"]
        assert metrics.sum("madoguchi_survey_score_count", **by) == figures["survey_responses"]
        if offered:
            within = metrics.sum("madoguchi_wait_seconds_bucket", le="60.0", **by)
            assert 100 * within / offered == pytest.approx(figures["service_level_percent"])
            assert 100 * abandoned / offered == pytest.approx(figures["abandonment_percent"])
        for histogram, field in (
            ("madoguchi_wait_seconds", "average_wait_seconds"),
            ("madoguchi_talk_seconds", "average_talk_seconds"),
            ("madoguchi_survey_score", "average_survey_score"),
        ):
            count = metrics.sum(f"{histogram}_count", **by)
            average = metrics.sum(f"{histogram}_sum", **by) / count if count else None
            assert average == pytest.approx(figures[field])

    # Waiting now and the longest current wait, as the live view showed them a moment apart.
    assert metrics.sum("madoguchi_queue_length") == live["waiting_now"] == 1
    oldest = max(value for _, value in metrics.values("madoguchi_oldest_wait_seconds"))
    assert oldest == pytest.approx(live["longest_wait_seconds"], abs=UNIT)
