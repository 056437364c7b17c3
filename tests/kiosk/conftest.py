"""Kiosk test fixtures: offscreen Qt, a recording engine, a manual clock, the demo city.

QT_QPA_PLATFORM is set before anything imports Qt, so every Qt test runs offscreen.

`kiosk` is the real kiosk app on the real hub (in an empty `home`), for the over-hub tests; the
hub, loopback-only ICE and staff `consoles` come from tests/fixtures/.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import asyncio  # after the platform is chosen
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from app_on_hub import CALL
from kiosk_scenes import ManualClock, RecordingEngine, demo_directory

from call.devices import MediaSettings
from kiosk.app import KioskApp
from kiosk.core.controller import KioskController
from kiosk.core.engine_port import HubConnected
from kiosk.engine_adapter import EngineAdapter
from kiosk.settings import KioskSettings
from tests.fixtures.hub import RunningHub


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


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty home for the kiosk, with every XDG directory in it (see also test_privacy.py)."""
    home = tmp_path / "home"
    for name, path in {
        "HOME": home,
        "XDG_CONFIG_HOME": home / ".config",
        "XDG_CACHE_HOME": home / ".cache",
        "XDG_DATA_HOME": home / ".local" / "share",
        "XDG_STATE_HOME": home / ".local" / "state",
    }.items():
        path.mkdir(parents=True, exist_ok=True)
        monkeypatch.setenv(name, str(path))
    return home


@pytest.fixture
async def kiosk(
    hub: RunningHub, qtbot: Any, loopback_ice: None, home: Path
) -> AsyncIterator[KioskApp]:
    settings = KioskSettings(server=hub.url, token=hub.demo.kiosks[0].token, windowed=True)
    engine = EngineAdapter(
        hub.url,
        settings.token,
        media=MediaSettings(synthetic=True),
        call=CALL,
        backoff_initial=0.05,
        backoff_max=0.5,
    )
    app = KioskApp(settings, engine, engine, tick=False)
    qtbot.addWidget(app.window)
    app.start()
    engine.start()
    yield app
    app.window.may_close = True
    await asyncio.to_thread(engine.close)
