"""Kiosk test fixtures: offscreen Qt, a recording engine, a manual clock, the demo city.

QT_QPA_PLATFORM is set before anything imports Qt, so every Qt test runs offscreen.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # after the platform is chosen
from kiosk_scenes import ManualClock, RecordingEngine, demo_directory

from kiosk.core.controller import KioskController
from kiosk.core.engine_port import HubConnected
from kiosk.settings import KioskSettings


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


# The real hub (with the whole demo city and its people) and loopback-only ICE, for the tests
# that run the kiosk against them.
from tests.call.conftest import loopback_ice  # noqa: E402, F401
from tests.signaling.conftest import hub, hub_factory  # noqa: E402, F401
