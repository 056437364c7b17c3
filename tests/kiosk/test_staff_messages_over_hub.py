"""A staff message chosen in the console reaches the kiosk in the citizen's language, through a
real hub with the demo city's messages: the two apps, each with its engine, as in production."""

from __future__ import annotations

from typing import Any

import pytest
from app_on_hub import screen, tap, texts_on_screen

from kiosk.app import KioskApp
from kiosk.core.engine_port import CallMedia
from kiosk.core.model import StaffWords
from kiosk.core.state import KioskState as S
from kiosk.core.viewmodels import Page
from kiosk.i18n import Language
from kiosk.screens.language import LanguageScreen
from kiosk.screens.topic import TopicScreen
from staff_console.core.engine_port import CallPhase
from tests.fixtures.consoles import logged_in
from tests.fixtures.hub import RunningHub, always_open_demo_city
from tests.qt_waiting import until

WAIT = next(m.texts for m in always_open_demo_city().staff_messages if m.id == "wait")


@pytest.mark.parametrize("language", [Language.EN, Language.VI])
async def test_a_staff_message_arrives_in_the_citizens_language(
    hub: RunningHub,
    kiosk: KioskApp,
    consoles: Any,
    qtbot: Any,
    language: Language,
) -> None:
    kiosk.window.resize(1920, 1080)
    console = await logged_in(consoles, hub, "tanaka")
    await until(lambda: kiosk.controller.state is S.ATTRACT)
    tap(qtbot, screen(kiosk, Page.ATTRACT))
    languages = screen(kiosk, Page.LANGUAGE)
    assert isinstance(languages, LanguageScreen)
    tap(qtbot, languages.buttons[language])
    topics = screen(kiosk, Page.TOPIC)
    assert isinstance(topics, TopicScreen)
    tap(qtbot, topics.tiles[0])
    tap(qtbot, kiosk.window.bottom.primary)  # agree and call
    await until(lambda: console.window.queue.table.rowCount() == 1)
    console.controller.accept_next()
    await until(lambda: kiosk.controller.citizen.media is CallMedia.CONNECTED)
    await until(lambda: console.controller.view().call.phase is CallPhase.CONNECTED)

    call = console.controller.view().call
    wait = next(m for m in call.messages if m.id == "wait")
    assert (wait.meaning, wait.for_citizen) == (WAIT["ja"], WAIT[language.value])
    console.controller.send_message("wait")
    expected = StaffWords(WAIT[language.value], language.value)
    await until(lambda: kiosk.controller.citizen.staff_texts[-1:] == [expected])
    await until(lambda: any(WAIT[language.value] in t for t in texts_on_screen(kiosk)))
    assert not any(WAIT["ja"] in t for t in texts_on_screen(kiosk))
