"""1:1 pages and sharp zoom through the engines' commands, in a whole call through a real hub."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from call.content_messages import Focus, View, Viewer
from call.document import Document, fit_size, open_document
from call.page_receiver import PageReady
from call.sharing import DocumentEvent
from tests.call.fixtures.text_pdf import Line, dense_text_lines, text_pdf
from tests.call.test_engine import STAFF, connect, make_probe
from tests.fixtures.hub import RunningHub

MM_PER_PX = 0.2745


def a_page(whole: bool) -> Callable[[DocumentEvent], bool]:
    return lambda e: isinstance(e.event, PageReady) and (e.event.region is None) is whole


async def test_the_kiosk_engine_announces_its_viewer_and_staff_zoom_it_sharp(
    hub: RunningHub, loopback_ice: None, tmp_path: Path
) -> None:
    kiosk = await make_probe(hub, hub.kiosk(0), mm_per_px=MM_PER_PX)
    staff = await make_probe(hub, hub.staff(STAFF))
    lines = [Line("Residence record", 14.0), *dense_text_lines(7.0, 40)]
    document: Document = open_document(text_pdf(tmp_path / "form.pdf", lines))
    try:
        # Announced before the call: remembered, and announced when the content channel opens.
        await kiosk.engine.announce_viewer(900, 700)
        await connect(kiosk, staff)
        viewer = (await staff.expect(DocumentEvent, lambda e: isinstance(e.event, Viewer))).event
        assert isinstance(viewer, Viewer)
        assert (viewer.width, viewer.height, viewer.mm_per_px) == (900, 700, MM_PER_PX)

        await staff.engine.show_document_page(document, 0, "form")
        page = (await kiosk.expect(DocumentEvent, a_page(whole=True))).event
        assert isinstance(page, PageReady)
        assert page.image.size == fit_size(document.page_size_pt(0), (900, 700))

        # The kiosk's layout changed: staff render the page on screen again for it.
        await kiosk.engine.announce_viewer(1000, 900)
        page = (await kiosk.expect(DocumentEvent, a_page(whole=True))).event
        assert isinstance(page, PageReady)
        assert page.image.tobytes() == document.render_page(0, (1000, 900)).tobytes()

        # Staff say "look here"; the kiosk zooms and reports its view; staff send it sharp.
        box = (0.05, 0.02, 0.5, 0.25)
        await staff.engine.focus("form", 0, box)
        focus = (await kiosk.expect(DocumentEvent, lambda e: isinstance(e.event, Focus))).event
        assert isinstance(focus, Focus)
        assert (focus.doc_id, focus.page, focus.box) == ("form", 0, box)
        width_px, height_px = fit_size((0.5 * 595, 0.25 * 842), (1000, 900))
        view = View(
            doc_id="form", page=0, x=box[0], y=box[1], width=box[2], height=box[3],
            width_px=width_px, height_px=height_px,
        )  # fmt: skip
        await kiosk.engine.report_view(view)
        heard = await staff.expect(DocumentEvent, lambda e: isinstance(e.event, View))
        assert heard.event == view
        region = (await kiosk.expect(DocumentEvent, a_page(whole=False))).event
        assert isinstance(region, PageReady)
        assert region.image.size == (width_px, height_px)
        fresh = document.render_region(0, box, (width_px, height_px))
        assert region.image.tobytes() == fresh.tobytes()

        with pytest.raises(ValueError, match="past the page"):
            await staff.engine.focus("form", 0, (0.8, 0.0, 0.5, 0.5))
    finally:
        await kiosk.engine.close()
        await staff.engine.close()
        document.close()
