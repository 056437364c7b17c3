"""The kiosk app on the real hub: its call settings, and the taps that walk a citizen to a call.

Shared by the kiosk's over-hub tests (test_kiosk_over_hub.py and the document, writing-pad and
staff-message ones); the `kiosk` and `home` fixtures that start the app are in conftest.py.
"""

from __future__ import annotations

from typing import Any

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QWidget

from call.session import CallSettings
from kiosk.app import KioskApp
from kiosk.core.state import KioskState as S
from kiosk.core.viewmodels import Page
from kiosk.engine_adapter import EngineAdapter
from kiosk.i18n import Language
from kiosk.screens.language import LanguageScreen
from kiosk.screens.ready import ReadyScreen
from kiosk.screens.topic import TopicScreen
from kiosk.widgets.text import KText
from kiosk.widgets.touch_button import TouchButton
from tests.qt_waiting import until

# The real loss timeout: these tests are not about loss, and a page crossing a busy machine
# must not look like one.
CALL = CallSettings(heartbeat_interval=0.2, connect_timeout=5.0)
LEFT = Qt.MouseButton.LeftButton


def screen(app: KioskApp, page: Page) -> QWidget:
    return app.window.screens[page]


def tap(qtbot: Any, widget: QWidget) -> None:
    qtbot.mouseClick(widget, LEFT)


async def to_waiting(app: KioskApp, qtbot: Any) -> None:
    """Attract, language, topic (住民票・戸籍), then one tap on the ready screen (the self-view,
    the microphone level, the privacy points) agrees and makes a request to 市民課."""
    await until(lambda: app.controller.state is S.ATTRACT)
    tap(qtbot, screen(app, Page.ATTRACT))
    assert app.window.page is Page.LANGUAGE
    language = screen(app, Page.LANGUAGE)
    assert isinstance(language, LanguageScreen)
    tap(qtbot, language.buttons[Language.JA])
    topic = screen(app, Page.TOPIC)
    assert isinstance(topic, TopicScreen)
    assert topic.tiles[0].label() == "住民票・戸籍"
    tap(qtbot, topic.tiles[0])
    assert app.window.page is Page.READY
    ready = screen(app, Page.READY)
    assert isinstance(ready, ReadyScreen)
    assert ready.level.isVisible()
    engine = app.engine
    assert isinstance(engine, EngineAdapter)
    await until(lambda: (engine.microphone_level() or 0) > 0.3)  # the synthetic voice
    assert app.window.bottom.primary.label() == "同意して 係の人を よぶ"
    tap(qtbot, app.window.bottom.primary)
    assert app.controller.state is S.WAITING


def texts_on_screen(app: KioskApp) -> list[str]:
    window = app.window
    return [t.text() for t in window.findChildren(KText)] + [
        b.label() for b in window.findChildren(TouchButton)
    ]
