"""The citizen's paper, from 撮影 to showing it back: which still is read, the document panel
drawing it from its pixels, marks on it going to the kiosk, and nothing of it left after the call.
"""

from __future__ import annotations

import gc
import tempfile
import weakref
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PyQt6.QtCore import QPoint, QRectF, Qt
from PyQt6.QtGui import QColor
from PyQt6.QtWidgets import QToolButton, QWidget

from signaling import protocol as p
from staff_console.app import ConsoleApp
from staff_console.core.engine_port import (
    CallPhase,
    CallPhaseChanged,
    HighlightMark,
    MarkTool,
    PaperArrived,
    PenMark,
    PointerMark,
    RemoteContentChanged,
    Rgb,
)
from staff_console.i18n import Language, Translator
from staff_console.screens.call_page import CallPage
from tests.staff_console import messages as m
from tests.staff_console.test_screens import NOW, engine_of, logged_in

JA = Translator(Language.JA)
RED = (220, 30, 30)
BLOCK = (0.2, 0.3, 0.4, 0.5)  # left, top, right, bottom of the red block, in fractions


def paper(width: int = 1200, height: int = 1600, block: tuple[int, int, int] = RED) -> Rgb:
    """A white sheet, larger than the preview, with one solid block at `BLOCK`."""
    image = np.full((height, width, 3), 255, np.uint8)
    left, top, right, bottom = BLOCK
    image[int(top * height) : int(bottom * height), int(left * width) : int(right * width)] = block
    return image


def in_call_with_the_document_camera(console: ConsoleApp, qtbot: Any) -> CallPage:
    logged_in(console, qtbot)
    c = console.controller
    c.handle(m.started(), NOW)
    c.handle(CallPhaseChanged("s1", CallPhase.CONNECTED, "up"), NOW)
    c.handle(RemoteContentChanged("s1", "document_camera"), NOW)
    return console.window.call


def colour_at(widget: QWidget, page: QRectF, x: float, y: float) -> tuple[int, int, int]:
    """The colour drawn at fraction (x, y) of the page drawn at `page` in `widget`."""
    image = widget.grab().toImage()
    pixel = QColor(
        image.pixel(round(page.x() + x * page.width()), round(page.y() + y * page.height()))
    )
    return (pixel.red(), pixel.green(), pixel.blue())


def near(colour: tuple[int, int, int], expected: tuple[int, int, int]) -> bool:
    return all(abs(a - b) <= 12 for a, b in zip(colour, expected, strict=True))


def at_fraction(page: QRectF, x: float, y: float) -> QPoint:
    return QPoint(round(page.x() + x * page.width()), round(page.y() + y * page.height()))


def test_take_still_asks_the_kiosk_only_while_its_document_camera_is_on(
    console: ConsoleApp, qtbot: Any
) -> None:
    page = in_call_with_the_document_camera(console, qtbot)
    engine = engine_of(console)
    assert page.tabs.currentWidget() is page.paper
    qtbot.mouseClick(page.paper.take_still, Qt.MouseButton.LeftButton)
    assert engine.named("ask_for_paper") == [()]
    console.controller.handle(PaperArrived("s1", "paper-1", paper()), NOW)
    console.controller.handle(RemoteContentChanged("s1", None), NOW)
    assert page.tabs.currentWidget() is page.paper  # the still stays up to read
    assert not page.paper.take_still.isEnabled()  # nothing to photograph with
    qtbot.mouseClick(page.paper.take_still, Qt.MouseButton.LeftButton)
    assert engine.named("ask_for_paper") == [()]


def test_the_newest_still_comes_up_and_the_thumbnails_pick_another(
    console: ConsoleApp, qtbot: Any
) -> None:
    page = in_call_with_the_document_camera(console, qtbot)
    c = console.controller
    c.handle(PaperArrived("s1", "paper-1", paper(1200, 1600)), NOW)
    assert page.paper.strip.isHidden()  # one still: nothing to choose
    c.handle(PaperArrived("s1", "paper-2", paper(1600, 1200)), NOW)
    tab = page.paper
    assert tab.still is not None
    assert tab.still.paper_id == "paper-2"
    assert tab.view.zoom is not None
    assert tab.view.zoom.image == (1600, 1200)
    assert not tab.strip.isHidden()
    shown = [b for b in tab.strip.findChildren(QToolButton) if b.isVisibleTo(tab.strip)]
    first, second = tab.strip.buttons.values()
    assert shown == [first, second]
    assert (first.text(), second.text()) == ("1", "2")
    assert second.isChecked()
    assert not first.isChecked()
    qtbot.mouseClick(first, Qt.MouseButton.LeftButton)
    assert tab.still is not None
    assert tab.still.paper_id == "paper-1"
    assert tab.view.zoom is not None
    assert tab.view.zoom.image == (1200, 1600)  # at fit, the other way up
    assert first.isChecked()
    assert not second.isChecked()


def test_show_back_puts_the_still_on_screen_on_the_kiosk_as_the_document(
    console: ConsoleApp, qtbot: Any
) -> None:
    page = in_call_with_the_document_camera(console, qtbot)
    c = console.controller
    c.handle(PaperArrived("s1", "paper-1", paper()), NOW)
    c.handle(PaperArrived("s1", "paper-2", paper(block=(30, 30, 220))), NOW)
    tab = page.paper
    assert not tab.show_back.isHidden()
    assert tab.show_back.text() == JA("paper.show_back")
    qtbot.mouseClick(tab.strip.buttons["paper-1"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(tab.show_back, Qt.MouseButton.LeftButton)
    assert engine_of(console).named("show_paper") == [("paper-1",)]
    documents = page.documents
    assert page.tabs.currentWidget() is documents  # where staff point at it
    assert documents.name.text() == "市民の書類 1"
    assert documents.previous.isHidden()
    assert documents.next.isHidden()
    assert documents.page.isHidden()  # one page: nothing to turn
    assert not tab.show_back.isEnabled()  # it is on the kiosk already
    assert tab.show_back.text() == JA("paper.shown_back")
    qtbot.mouseClick(tab.strip.buttons["paper-2"], Qt.MouseButton.LeftButton)
    assert tab.show_back.isEnabled()  # another still: it can go instead


def test_the_document_panel_draws_the_still_and_marks_on_it_go_to_the_kiosk(
    console: ConsoleApp, qtbot: Any
) -> None:
    page = in_call_with_the_document_camera(console, qtbot)
    c = console.controller
    c.handle(PaperArrived("s1", "paper-1", paper()), NOW)
    qtbot.mouseClick(page.paper.show_back, Qt.MouseButton.LeftButton)
    canvas = page.documents.canvas
    qtbot.waitExposed(canvas)
    drawn = canvas.page_rect()
    assert drawn.width() / drawn.height() == pytest.approx(1200 / 1600, abs=0.01)
    middle = ((BLOCK[0] + BLOCK[2]) / 2, (BLOCK[1] + BLOCK[3]) / 2)
    assert near(colour_at(canvas, drawn, *middle), RED)
    assert near(colour_at(canvas, drawn, 0.7, 0.8), (255, 255, 255))
    picture = page.documents.citizen.picture  # what the citizen sees: the same still
    part = picture.page_part_rect()
    assert part is not None
    assert near(colour_at(picture, part, *middle), RED)

    engine = engine_of(console)
    engine.calls.clear()
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=at_fraction(drawn, *middle))
    ((doc_id, page_number, (pointer,)),) = engine.named("send_marks")
    assert (doc_id, page_number) == ("paper-1", 0)
    assert isinstance(pointer, PointerMark)
    assert (pointer.x, pointer.y) == pytest.approx(middle, abs=2 / drawn.width())

    engine.calls.clear()
    qtbot.mouseClick(page.documents.tools[MarkTool.HIGHLIGHTER], Qt.MouseButton.LeftButton)
    start, end = at_fraction(drawn, 0.1, 0.6), at_fraction(drawn, 0.5, 0.65)
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(canvas, end)
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=end)
    ((doc_id, page_number, (highlight,)),) = engine.named("send_marks")
    assert (doc_id, page_number) == ("paper-1", 0)
    assert isinstance(highlight, HighlightMark)
    box = (highlight.x, highlight.y, highlight.width, highlight.height)
    assert box == pytest.approx((0.1, 0.6, 0.4, 0.05), abs=2 / drawn.width())

    engine.calls.clear()
    qtbot.mouseClick(page.documents.tools[MarkTool.PEN], Qt.MouseButton.LeftButton)
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(canvas, end)
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=end)
    *_, (doc_id, page_number, (pen,)) = engine.named("send_marks")
    assert (doc_id, page_number) == ("paper-1", 0)
    assert isinstance(pen, PenMark)
    assert pen.points[0] == pytest.approx((0.1, 0.6), abs=2 / drawn.width())
    assert pen.points[-1] == pytest.approx((0.5, 0.65), abs=2 / drawn.width())


def files_under(*roots: Path) -> set[tuple[Path, int]]:
    return {(f, f.stat().st_size) for root in roots for f in root.rglob("*") if f.is_file()}


@pytest.fixture
def private_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HOME and the temporary folder inside tmp_path, so that anything written shows there."""
    home, temp = tmp_path / "home", tmp_path / "tmp"
    home.mkdir()
    temp.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    return home


def test_after_the_call_no_paper_remains_in_memory_or_on_screen_and_none_was_written(
    private_home: Path, console: ConsoleApp, qtbot: Any, tmp_path: Path
) -> None:
    page = in_call_with_the_document_camera(console, qtbot)
    c = console.controller
    before = files_under(tmp_path)
    still = paper()
    alive = weakref.ref(still)
    c.handle(PaperArrived("s1", "paper-1", still), NOW)
    c.handle(PaperArrived("s1", "paper-2", paper(block=(30, 30, 220))), NOW)
    del still
    qtbot.mouseClick(page.paper.strip.buttons["paper-1"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(page.paper.show_back, Qt.MouseButton.LeftButton)
    canvas = page.documents.canvas
    qtbot.mouseClick(
        canvas, Qt.MouseButton.LeftButton, pos=at_fraction(canvas.page_rect(), 0.3, 0.4)
    )
    assert alive() is not None
    assert canvas.image is not None

    c.handle(p.SessionEnded(session_id="s1", reason=p.EndReason.COMPLETED), NOW + 60)
    assert console.window.stack.currentWidget() is console.window.wrap_up
    view = c.view()
    assert view.call is None
    gc.collect()
    assert alive() is None  # nothing holds the still's pixels: not the controller, not a screen
    assert canvas.image is None
    assert page.documents.citizen.picture.image is None
    assert page.paper.view.image is None
    assert page.paper.still is None
    assert page.paper.strip.buttons == {}
    assert files_under(tmp_path) == before
