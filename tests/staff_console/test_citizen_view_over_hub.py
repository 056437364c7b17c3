"""Look here and the citizen view over a real call: a real hub, the console's real engine on its
thread, and a headless kiosk engine that announces its view and answers a focus as a kiosk would.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from PyQt6.QtCore import Qt

from call.content_messages import Focus, View
from call.devices import MediaSettings
from call.engine import Engine, EngineEvent, EngineSettings
from call.page_receiver import PageReady
from call.sharing import DocumentEvent
from staff_console.engine_port import CallPhase
from staff_console.legibility import LEGIBLE_MM, fit, px_per_pt, text_height_mm
from staff_console.view import Stage
from tests.call.conftest import loopback_ice  # noqa: F401
from tests.call.fixtures.text_pdf import A4_PT, Line, text_pdf
from tests.qt_waiting import until
from tests.signaling.conftest import RunningHub, hub, hub_factory  # noqa: F401
from tests.staff_console.test_console_over_hub import (
    CALL,
    ConsoleFactory,
    consoles,  # noqa: F401
    logged_in,
    p_credentials,
)

KIOSK_VIEWER = (1700, 950)
KIOSK_MM_PER_PX = 0.2745  # the reference 23.8" 1920x1080 panel
FORM_LINES = [
    Line("住民票の写し等交付請求書", 18.0, at=(60.0, 80.0)),
    Line("請求者の住所と氏名をご記入ください。", 8.0, at=(60.0, 160.0)),
    Line("本人確認書類をお持ちください。", 8.0, at=(60.0, 180.0)),
]


class PitchedKiosk:
    """A headless kiosk that knows its panel's pixel pitch, and what it heard."""

    def __init__(self, url: str, token: str) -> None:
        self.events: list[EngineEvent] = []
        settings = EngineSettings(
            url=url,
            app="test-kiosk",
            media=MediaSettings(synthetic=True),
            call=CALL,
            backoff_initial=0.05,
            backoff_max=0.5,
            mm_per_px=KIOSK_MM_PER_PX,
        )
        self.engine = Engine(settings, p_credentials(token), self.events.append)

    def content(self, kind: type[Any]) -> list[Any]:
        return [
            e.event
            for e in self.events
            if isinstance(e, DocumentEvent) and isinstance(e.event, kind)
        ]


@pytest.fixture
async def kiosk(hub: RunningHub, loopback_ice: None) -> AsyncIterator[PitchedKiosk]:  # noqa: F811
    kiosk = PitchedKiosk(hub.url, hub.demo.kiosks[0].token)
    await kiosk.engine.start()
    await kiosk.engine.announce_viewer(*KIOSK_VIEWER)
    yield kiosk
    await kiosk.engine.close()


async def test_the_console_warns_of_small_text_and_zooms_the_citizen_to_4_8_mm(
    hub: RunningHub,  # noqa: F811
    kiosk: PitchedKiosk,
    consoles: ConsoleFactory,  # noqa: F811
    tmp_path: Path,
    qtbot: Any,
) -> None:
    tanaka = await logged_in(consoles, hub, "tanaka")
    await kiosk.engine.request_consultation("juminhyo", "ja")
    await until(lambda: tanaka.window.queue.table.rowCount() == 1)
    tanaka.controller.accept_next()
    await until(lambda: tanaka.controller.stage is Stage.CALL)
    await until(lambda: tanaka.controller.view().call.phase is CallPhase.CONNECTED)  # type: ignore[union-attr]

    form = text_pdf(tmp_path / "forms" / "form.pdf", FORM_LINES)
    documents = tanaka.window.call.documents
    documents.file_chosen.emit(str(form))
    await until(lambda: bool(kiosk.content(PageReady)))
    citizen = documents.citizen
    # The kiosk's `viewer` (with its pitch) reached the console: 8 pt at fit is 2.5 mm there.
    await until(lambda: citizen.zoom.isVisible())
    assert "2.5 mm" in citizen.text.text()

    qtbot.mouseClick(citizen.zoom, Qt.MouseButton.LeftButton)
    await until(lambda: bool(kiosk.content(Focus)))
    (focus,) = kiosk.content(Focus)
    box = (focus.x, focus.y, focus.width, focus.height)
    drawn = fit(box, A4_PT, KIOSK_VIEWER)  # the kiosk fills its view with the box
    assert text_height_mm(8.0, px_per_pt(box, A4_PT, drawn), KIOSK_MM_PER_PX) >= LEGIBLE_MM

    view = View(
        doc_id=focus.doc_id, page=focus.page, x=focus.x, y=focus.y, width=focus.width,
        height=focus.height, width_px=drawn[0], height_px=drawn[1],
    )  # fmt: skip
    await kiosk.engine.report_view(view)
    await until(lambda: documents.canvas._citizen_box is not None)
    assert documents.canvas._citizen_box == pytest.approx(box)
    assert not citizen.zoom.isVisible()
    assert "4.9 mm" in citizen.text.text()
