"""The writing pad (筆談) at the console: the controller, and the panel drawn with the mouse."""

from __future__ import annotations

from typing import Any

import pytest
from PyQt6.QtCore import QPoint, QPointF, Qt
from PyQt6.QtTest import QTest

from signaling import protocol as p
from staff_console.app import ConsoleApp
from staff_console.core.engine_port import InkChanged, InkCleared, PadChanged
from staff_console.core.pad import STROKES_KEPT
from staff_console.core.viewmodels import PadVM, Stroke
from staff_console.screens.writing_pad import WritingPad
from tests.staff_console import messages as m
from tests.staff_console.test_controller import Console
from tests.staff_console.test_screens import NOW, engine_of, logged_in

LEFT = Qt.MouseButton.LeftButton


def pad_of(console: Console) -> PadVM:
    call = console.view.call
    assert call is not None
    return call.pad


# --- The controller ----------------------------------------------------------------------------


def test_the_citizens_strokes_replace_by_id_and_clear_empties_the_pad() -> None:
    console = Console().in_call()
    console.hear(PadChanged("s1", open=True))
    console.hear(InkChanged("s1", "k1", ((0.1, 0.1),)))
    console.hear(InkChanged("s1", "k1", ((0.1, 0.1), (0.2, 0.2))))
    console.hear(InkChanged("s1", "k2", ((0.5, 0.5),)))
    pad = pad_of(console)
    assert pad.open
    assert pad.strokes == (
        Stroke("k1", ((0.1, 0.1), (0.2, 0.2)), staff=False),
        Stroke("k2", ((0.5, 0.5),), staff=False),
    )
    console.hear(InkCleared("s1"))
    assert pad_of(console).strokes == ()
    console.hear(PadChanged("s1", open=False))
    assert not pad_of(console).open


def test_ink_of_another_session_is_ignored() -> None:
    console = Console().in_call()
    console.hear(InkChanged("someone else", "k1", ((0.1, 0.1),)), PadChanged("other", True))
    assert pad_of(console) == PadVM()


def test_staff_writing_on_a_closed_pad_opens_it_on_the_kiosk_first() -> None:
    console = Console().in_call()
    console.controller.draw_stroke("s7", [(0.5, 0.5)])
    console.controller.draw_stroke("s7", [(0.5, 0.5), (0.6, 0.5)])
    engine = console.engine
    assert engine.named("set_pad_open") == [(True,)]
    assert engine.named("send_ink") == [("s7", ((0.5, 0.5),)), ("s7", ((0.5, 0.5), (0.6, 0.5)))]
    assert pad_of(console).strokes == (Stroke("s7", ((0.5, 0.5), (0.6, 0.5)), staff=True),)
    assert [name for name, _ in engine.calls][-3:] == ["set_pad_open", "send_ink", "send_ink"]


def test_open_asks_the_kiosk_once_and_clear_clears_both_ends() -> None:
    console = Console().in_call()
    console.controller.open_pad()
    console.controller.open_pad()
    console.hear(InkChanged("s1", "k1", ((0.1, 0.1),)))
    console.controller.clear_pad()
    assert console.engine.named("set_pad_open") == [(True,)]
    assert console.engine.named("clear_ink") == [()]
    assert pad_of(console).strokes == ()


def test_the_pad_is_bounded_and_goes_with_the_call() -> None:
    console = Console().in_call()
    for n in range(STROKES_KEPT + 3):
        console.hear(InkChanged("s1", f"k{n}", ((0.1, 0.1),)))
    strokes = pad_of(console).strokes
    assert (len(strokes), strokes[0].id) == (STROKES_KEPT, "k3")
    console.hear(p.SessionEnded(session_id="s1", reason=p.EndReason.COMPLETED))
    console.hear(m.started("s2"))
    assert pad_of(console) == PadVM()


def test_no_pad_commands_without_a_call() -> None:
    console = Console().logged_in()
    console.controller.draw_stroke("s1", [(0.5, 0.5)])
    console.controller.clear_pad()
    console.controller.open_pad()
    assert [name for name, _ in console.engine.calls if "ink" in name or "pad" in name] == []


# --- The panel ---------------------------------------------------------------------------------


def at(surface: WritingPad, x: float, y: float) -> QPoint:
    box = surface.surface_rect()
    return QPointF(box.x() + x * box.width(), box.y() + y * box.height()).toPoint()


def test_the_pad_tab_shows_the_citizens_ink_and_sends_staffs_with_the_mouse(
    console: ConsoleApp, qtbot: Any
) -> None:
    logged_in(console, qtbot)
    console.controller.handle(m.started(), NOW)
    call_page = console.window.call
    panel = call_page.pad
    assert call_page.tabs.currentWidget() is not panel
    console.controller.handle(PadChanged("s1", open=True), NOW)
    assert call_page.tabs.currentWidget() is panel  # the citizen opened it: it comes forward
    assert not panel.open_on_kiosk.isEnabled()
    console.controller.handle(InkChanged("s1", "k1", ((0.1, 0.5), (0.4, 0.5))), NOW)
    surface = panel.surface
    surface.resize(600, 400)
    image = surface.grab().toImage()
    assert image.pixelColor(at(surface, 0.25, 0.5)).getRgb()[:3] == (0, 0, 0)

    QTest.mousePress(surface, LEFT, Qt.KeyboardModifier.NoModifier, at(surface, 0.6, 0.2))
    QTest.mouseMove(surface, at(surface, 0.7, 0.3))
    QTest.mouseRelease(surface, LEFT, Qt.KeyboardModifier.NoModifier, at(surface, 0.8, 0.4))
    sent = engine_of(console).named("send_ink")
    stroke_id, points = sent[-1]
    assert {s for s, _ in sent} == {stroke_id}
    assert points == (
        pytest.approx((0.6, 0.2), abs=0.004),
        pytest.approx((0.7, 0.3), abs=0.004),
        pytest.approx((0.8, 0.4), abs=0.004),
    )
    image = surface.grab().toImage()
    assert image.pixelColor(at(surface, 0.7, 0.3)).getRgb()[:3] == (0, 90, 255)

    qtbot.mouseClick(panel.clear, LEFT)
    assert engine_of(console).named("clear_ink") == [()]
    assert surface.grab().toImage().pixelColor(at(surface, 0.25, 0.5)).getRgb()[:3] == (
        255,
        255,
        255,
    )
