"""Kiosk test fixtures: offscreen Qt, a recording engine, a manual clock, the demo city.

QT_QPA_PLATFORM is set before anything imports Qt, so every Qt test runs offscreen.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import datetime as dt  # after the platform is chosen
from dataclasses import dataclass, field
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
import pytest

from kiosk.controller import KioskController
from kiosk.engine import HubConnected, Image8, Phrase
from kiosk.settings import KioskSettings
from signaling import protocol as p
from signaling.directory import OpeningHours, load_directory
from signaling.views import directory as directory_view

# A Tuesday, 10:30 in Tokyo: every department of the demo city is open but 税務課, whose hours
# the fixture takes away for the day.
TUESDAY_MORNING = dt.datetime(2026, 6, 2, 10, 30, tzinfo=ZoneInfo("Asia/Tokyo")).timestamp()


@dataclass
class ManualClock:
    """Monotonic and wall time that move only when a test says so."""

    now: float = 1000.0
    wall: float = TUESDAY_MORNING

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return self.wall

    def advance(self, seconds: float) -> None:
        self.now += seconds
        self.wall += seconds


@dataclass
class RecordingEngine:
    """Stands in for the call engine in pure controller tests: it records the commands."""

    calls: list[tuple[Any, ...]] = field(default_factory=list)

    def named(self, name: str) -> list[tuple[Any, ...]]:
        return [call for call in self.calls if call[0] == name]

    def request_consultation(self, category_id: str, language: str) -> None:
        self.calls.append(("request_consultation", category_id, language))

    def cancel_request(self) -> None:
        self.calls.append(("cancel_request",))

    def hang_up(self) -> None:
        self.calls.append(("hang_up",))

    def submit_survey(self, session_id: str, score: int) -> None:
        self.calls.append(("submit_survey", session_id, score))

    def send_phrase(self, phrase: Phrase) -> None:
        self.calls.append(("send_phrase", phrase))

    def set_activity(self, activity: p.KioskActivity) -> None:
        self.calls.append(("set_activity", activity))

    def set_volume(self, volume: float) -> None:
        self.calls.append(("set_volume", volume))

    def set_muted(self, muted: bool) -> None:
        self.calls.append(("set_muted", muted))

    def set_document_camera(self, on: bool) -> None:
        self.calls.append(("set_document_camera", on))

    def forget_citizen(self) -> None:
        self.calls.append(("forget_citizen",))

    def reconnect(self) -> None:
        self.calls.append(("reconnect",))


@dataclass
class StillFeeds:
    """Media feeds with fixed pictures, for screen tests (no camera or peer here)."""

    staff: Image8 | None = None
    content: Image8 | None = None
    own: Image8 | None = None
    level: float | None = 0.3

    def staff_frame(self) -> Image8 | None:
        return self.staff

    def content_frame(self) -> Image8 | None:
        return self.content

    def self_frame(self) -> Image8 | None:
        return self.own

    def microphone_level(self) -> float | None:
        return self.level


def demo_directory(
    now: float = TUESDAY_MORNING, closed: tuple[str, ...] = ("zeimu",)
) -> p.Directory:
    """The demo city 窓口市 as the hub would send it at `now`, with `closed` departments shut."""
    text = resources.files("signaling").joinpath("demo_city.toml").read_bytes()
    city = load_directory(text)
    weekdays = ("mon", "tue", "wed", "thu", "fri")
    afternoon = OpeningHours(weekly={d: ["13:00-17:15"] for d in weekdays})
    departments = [
        msgspec.structs.replace(d, hours=afternoon) if d.id in closed else d
        for d in city.departments
    ]
    return directory_view(msgspec.structs.replace(city, departments=departments), now)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def engine() -> RecordingEngine:
    return RecordingEngine()


@pytest.fixture
def settings() -> KioskSettings:
    return KioskSettings(server="ws://hub.invalid/ws", token="t", center_name="窓口市 中央公民館")


@pytest.fixture
def controller(
    engine: RecordingEngine, settings: KioskSettings, clock: ManualClock
) -> KioskController:
    """A controller connected to a hub that has sent the demo city's directory."""
    controller = KioskController(engine, settings, clock=clock.monotonic, wall_clock=clock.time)
    controller.handle(HubConnected(resumed=False, name="中央公民館"))
    controller.handle(demo_directory())
    return controller
