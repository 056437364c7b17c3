"""Staff console fixtures: offscreen Qt, a console app on a recording engine, a headless kiosk.

QT_QPA_PLATFORM is set before anything imports Qt, so every Qt test runs offscreen. Qt warnings
fail these tests, as a warning is a fault the user would meet; until pyproject sets
``qt_log_level_fail``, the marker is added to each test here.

`kiosk` is the headless kiosk engine the over-hub tests' consoles serve; `consoles` and the hub
come from tests/fixtures/ (tests/kiosk's `kiosk` is the real kiosk app instead).
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import AsyncIterator  # after the platform is chosen
from pathlib import Path
from typing import Any

import pytest
from PyQt6.QtCore import QSettings

from staff_console.app import ConsoleApp, Remembered
from staff_console.settings import ConsoleSettings
from tests.fixtures.consoles import Kiosk
from tests.fixtures.hub import RunningHub
from tests.staff_console.fake_engine import RecordingEngine


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.qt_log_level_fail("WARNING"))
            # The offscreen platform's own complaint about dialogs, not the console's.
            item.add_marker(pytest.mark.qt_log_ignore("does not support propagateSizeHints"))


@pytest.fixture
def remembered(tmp_path: Path) -> Remembered:
    return Remembered(QSettings(str(tmp_path / "console.ini"), QSettings.Format.IniFormat))


@pytest.fixture
def console(qtbot: Any, remembered: Remembered, tmp_path: Path) -> ConsoleApp:
    """A console on a recording engine, shown, with the login dialog up."""
    forms = tmp_path / "forms"
    forms.mkdir()
    settings = ConsoleSettings(server="ws://hub.invalid/ws", forms_folder=str(forms))
    app = ConsoleApp(settings, RecordingEngine(), remembered, clock=False)
    qtbot.addWidget(app.window)
    app.window.resize(1366, 768)
    app.start()
    return app


@pytest.fixture
async def kiosk(hub: RunningHub, loopback_ice: None) -> AsyncIterator[Kiosk]:
    kiosk = Kiosk(hub.url, hub.demo.kiosks[0].token)
    await kiosk.engine.start()
    yield kiosk
    await kiosk.engine.close()
