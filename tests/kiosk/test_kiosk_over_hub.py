"""The kiosk app against a real hub, with headless staff members (the engine, no Qt).

The hub and the staff engines run on the test's asyncio loop; the kiosk runs its engine on its
own network thread through the real adapter, as in production. The citizen's side is driven
by taps on the real widgets. Waits pump Qt's events and the loop together.
"""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import msgspec
import pytest
from app_on_hub import CALL, screen, tap, texts_on_screen, to_waiting
from kiosk_scenes import form_page
from PIL import Image
from PyQt6.QtWidgets import QApplication

from call.control_messages import QuickPhrase
from call.devices import MediaSettings
from call.document import open_document
from call.engine import Engine, EngineEvent, EngineSettings, HubMessage, LinkChanged
from call.link import Credentials, LinkState
from call.page_sender import PageSender
from call.session import PhraseReceived
from kiosk.app import KioskApp
from kiosk.core.state import KioskState as S
from kiosk.core.viewmodels import Page
from kiosk.engine_adapter import EngineAdapter
from kiosk.i18n import Language
from kiosk.screens.in_call import InCallScreen
from kiosk.screens.language import LanguageScreen
from kiosk.screens.survey import SurveyScreen
from kiosk.screens.topic import TopicScreen
from signaling import protocol as p
from signaling.directory import OpeningHours
from tests.fixtures.hub import RunningHub
from tests.participant import UNIT, eventually
from tests.qt_waiting import until


class Headless:
    """A headless participant: the real engine with synthetic media, and what it heard."""

    def __init__(self, hub: RunningHub, credentials: Credentials) -> None:
        self.events: list[EngineEvent] = []
        settings = EngineSettings(
            url=hub.url,
            app="test-staff",
            media=MediaSettings(synthetic=True),
            call=CALL,
            backoff_initial=0.05,
            backoff_max=0.5,
        )
        self.engine = Engine(settings, credentials, self.events.append)

    async def start(self) -> None:
        await self.engine.start()
        await until(
            lambda: self.heard(
                lambda e: isinstance(e, LinkChanged) and e.state is LinkState.CONNECTED
            )
        )

    def heard(self, match: Callable[[EngineEvent], bool]) -> bool:
        return any(match(event) for event in self.events)

    def hub_said(self, kind: type[Any]) -> bool:
        return self.heard(lambda e: isinstance(e, HubMessage) and isinstance(e.message, kind))


@pytest.fixture
async def staff(hub: RunningHub, loopback_ice: None) -> AsyncIterator[dict[str, Headless]]:
    members = {name: Headless(hub, hub.staff(name)) for name in ("tanaka", "sato", "suzuki")}
    for member in members.values():
        await member.start()
    yield members
    for member in members.values():
        await member.engine.close()


def files_in(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


async def test_a_whole_consultation_from_the_first_touch_to_the_reset(
    hub: RunningHub,
    staff: dict[str, Headless],
    kiosk: KioskApp,
    qtbot: Any,
    tmp_path: Path,
    home: Path,
) -> None:
    tanaka, sato, suzuki = staff["tanaka"], staff["sato"], staff["suzuki"]
    controller = kiosk.controller

    # 1. Another citizen waits first, so this one sees the place in line move up.
    other = Headless(hub, Credentials(token=hub.demo.kiosks[1].token))
    await other.start()
    try:
        await other.engine.request_consultation("juminhyo", "en")
        await until(lambda: other.hub_said(p.Queued))
        await to_waiting(kiosk, qtbot)
        await until(lambda: controller.citizen.place is not None)
        assert controller.view().screen.position == "あなたの順番は 2番目です"  # type: ignore[union-attr]
        await sato.engine.accept_next()  # 市民課 too: takes the other citizen
        await until(
            lambda: controller.citizen.place is not None and controller.citizen.place.position == 1
        )
        assert controller.view().screen.position == "つぎが あなたの番です"  # type: ignore[union-attr]

        # 2. The call connects and the staff member's video is painted.
        await tanaka.engine.accept_next()
        await until(lambda: controller.state is S.IN_CALL)
        call = screen(kiosk, Page.IN_CALL)
        assert isinstance(call, InCallScreen)
        await until(lambda: call.stage.staff_video.frames_painted > 0)
        assert "市民課　田中" in controller.view().screen.staff_label  # type: ignore[union-attr]

        # 2b. The media controls are there and reach the engine; staff's voice lights the ring.
        assert isinstance(kiosk.engine, EngineAdapter)
        assert kiosk.engine.engine is not None
        devices = kiosk.engine.engine.devices
        for button in (call.mute, call.quieter, call.louder):
            assert button.isVisible()
        tap(qtbot, call.louder)
        tap(qtbot, call.mute)
        await until(lambda: devices.microphone_muted and devices.speaker_volume == 0.6)
        tap(qtbot, call.mute)
        await until(lambda: not devices.microphone_muted)
        await until(lambda: controller.citizen.staff_speaking)

        # 3. A document page is shown, exactly as sent; the next page was sent ahead and kept,
        #    and so was the first, so flipping on and back shows what the kiosk already holds.
        path = tmp_path / "staff" / "form.tiff"
        path.parent.mkdir()
        pages = [Image.fromarray(form_page(800, 1000)), Image.new("RGB", (800, 1000), "white")]
        pages[0].save(path, save_all=True, append_images=pages[1:])
        staff_call = tanaka.engine.call
        assert staff_call is not None
        document = open_document(path)
        # A busy machine may rebuild the peer between flips: its new sender starts afresh, with
        # the page on screen and its neighbour sent again, so the flips are counted over both.
        senders: dict[int, PageSender] = {}
        try:
            for index in (0, 1, 0):
                painted = call.stage.document.pages_painted
                await tanaka.engine.show_document_page(document, index, "form")
                # This page, painted: a repaint of the last page does not count.
                await until(
                    lambda painted=painted, index=index: (
                        controller.citizen.document is not None
                        and controller.citizen.document.page == index
                        and call.stage.document.pages_painted > painted
                    )
                )
                shown = controller.citizen.document
                assert shown is not None
                assert (shown.page, shown.page_count) == (index, 2)
                assert shown.image.shape[2] == 3
                sender = staff_call.sharing._pages
                assert sender is not None
                senders[id(sender)] = sender
                await until(lambda sender=sender: sender.stats.pages_sent_ahead == 1)
        finally:
            document.close()
        assert sum(sender.stats.pages_shown_kept for sender in senders.values()) == 2

        # 4. A quick phrase reaches the staff member.
        tap(qtbot, call.phrases[next(iter(call.phrases))])  # 聞こえません
        await until(
            lambda: tanaka.heard(
                lambda e: isinstance(e, PhraseReceived) and e.phrase is QuickPhrase.CANNOT_HEAR
            )
        )

        # 5. Transfer to 福祉課, answered there, then the citizen ends and rates the call.
        await tanaka.engine.transfer("fukushi", "住民票の件は済み。生活相談です。")
        await until(lambda: controller.state is S.TRANSFERRING)
        assert controller.view().screen.title == "福祉課に おつなぎします"  # type: ignore[union-attr]
        await suzuki.engine.accept_next()
        await until(lambda: controller.state is S.IN_CALL)
        tap(qtbot, kiosk.window.bottom.back)  # 相談を おわる
        assert kiosk.window.page is Page.CONFIRM_END
        tap(qtbot, kiosk.window.bottom.primary)  # はい、おわる
        assert controller.state is S.SURVEY
        survey = screen(kiosk, Page.SURVEY)
        assert isinstance(survey, SurveyScreen)
        tap(qtbot, survey.faces[1])  # 満足: 4
        assert controller.state is S.THANK_YOU
        await until(lambda: suzuki.hub_said(p.SessionEnded))

        async def survey_stored() -> bool:
            store = await hub.store()
            try:
                records = await store.list_consultations()
            finally:
                await store.close()
            return any(r.survey_score == 4 and r.transfers == 1 for r in records)

        await eventually(survey_stored, within=3 * UNIT)

        # 6. The reset: nothing of the citizen in memory or on screen.
        citizen = weakref.ref(controller.citizen)
        tap(qtbot, kiosk.window.bottom.primary)  # おわる
        assert controller.state is S.ATTRACT
        QApplication.processEvents()
        gc.collect()
        assert citizen() is None
        visible = texts_on_screen(kiosk)
        assert not [t for t in visible if "田中" in t or "鈴木" in t or "福祉課に" in t]
        assert files_in(home) == [], "the kiosk wrote nothing under its home"
    finally:
        await other.engine.close()


async def test_cancel_while_waiting_leaves_the_queue_at_the_hub(
    hub: RunningHub, staff: dict[str, Headless], kiosk: KioskApp, qtbot: Any
) -> None:
    controller = kiosk.controller
    await to_waiting(kiosk, qtbot)
    await until(lambda: controller.citizen.place is not None)
    tap(qtbot, kiosk.window.bottom.back)  # やめる
    assert controller.state is S.TOPIC
    await tanaka_sees_an_empty_queue(staff["tanaka"])


async def tanaka_sees_an_empty_queue(tanaka: Headless) -> None:
    def empty() -> bool:
        snapshots = [
            e.message
            for e in tanaka.events
            if isinstance(e, HubMessage) and isinstance(e.message, p.QueueSnapshot)
        ]
        return bool(snapshots) and snapshots[-1].entries == []

    await until(empty)


async def test_the_hub_unreachable_then_back(hub: RunningHub, kiosk: KioskApp, qtbot: Any) -> None:
    controller = kiosk.controller
    await until(lambda: controller.state is S.ATTRACT)
    tap(qtbot, screen(kiosk, Page.ATTRACT))
    await hub.server.close()
    await until(lambda: not controller.model.hub_up)
    await asyncio.sleep(controller.settings.hub_down_grace)
    controller.tick()
    assert kiosk.window.page is Page.UNAVAILABLE
    hub.server = await hub.start()
    await until(lambda: controller.state is S.ATTRACT)
    assert kiosk.window.page is Page.ATTRACT


async def test_a_closed_department_shows_its_hours_instead_of_a_queue(
    hub: RunningHub, kiosk: KioskApp, qtbot: Any
) -> None:
    # Every ward's 市民課 never open: closed now, whatever the clock says. (With another ward's
    # open, this kiosk's citizens would overflow to it, and the kiosk would show 市民課 open.)
    store = await hub.store()
    try:
        city = await store.load_directory()
        never = OpeningHours(weekly={}, national_holidays_closed=False)
        departments = [
            msgspec.structs.replace(d, hours=never) if "jumin" in d.services else d
            for d in city.departments
        ]
        closed_city = msgspec.structs.replace(city, departments=departments)
        await store.replace_directory(closed_city, actor="test", now=0)
    finally:
        await store.close()
    await hub.restart()  # the kiosk reconnects and is sent the new directory

    def shimin_closed() -> bool:
        directory = kiosk.controller.model.directory
        return directory is not None and not any(
            d.open_now for d in directory.departments if d.id == "shimin"
        )

    await until(shimin_closed)
    await until(lambda: kiosk.controller.state is S.ATTRACT)
    tap(qtbot, screen(kiosk, Page.ATTRACT))
    language = screen(kiosk, Page.LANGUAGE)
    assert isinstance(language, LanguageScreen)
    tap(qtbot, language.buttons[Language.JA])
    topic = screen(kiosk, Page.TOPIC)
    assert isinstance(topic, TopicScreen)
    tap(qtbot, topic.tiles[0])  # 住民票・戸籍, of 市民課
    assert kiosk.controller.state is S.CLOSED
    assert kiosk.window.page is Page.CLOSED
    tap(qtbot, kiosk.window.bottom.back)
    assert kiosk.controller.state is S.TOPIC
