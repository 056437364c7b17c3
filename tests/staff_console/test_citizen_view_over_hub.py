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
from call.page_receiver import PageReady
from staff_console.core.engine_port import CallPhase
from staff_console.core.legibility import LEGIBLE_MM, fit, px_per_pt, text_height_mm
from tests.call.fixtures.text_pdf import A4_PT, text_pdf
from tests.fixtures.consoles import ConsoleFactory, Kiosk
from tests.fixtures.hub import RunningHub
from tests.qt_waiting import until
from tests.staff_console.test_console_over_hub import in_call
from tests.staff_console.test_screens import FORM_LINES, KIOSK_MM_PER_PX, KIOSK_VIEWER


@pytest.fixture
async def kiosk(hub: RunningHub, loopback_ice: None) -> AsyncIterator[Kiosk]:
    kiosk = Kiosk(hub.url, hub.demo.kiosks[0].token, mm_per_px=KIOSK_MM_PER_PX)
    await kiosk.engine.start()
    await kiosk.engine.announce_viewer(*KIOSK_VIEWER)
    yield kiosk
    await kiosk.engine.close()


async def test_the_console_warns_of_small_text_and_zooms_the_citizen_to_4_8_mm(
    hub: RunningHub,
    kiosk: Kiosk,
    consoles: ConsoleFactory,
    tmp_path: Path,
    qtbot: Any,
) -> None:
    tanaka = await in_call(consoles, hub, kiosk)
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
