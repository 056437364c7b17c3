"""The writing pad (筆談): the controller's intents and events, and the widget drawn by a finger."""

from __future__ import annotations

from typing import Any

import pytest
from kiosk_scenes import RecordingEngine
from PyQt6.QtCore import QPoint, QPointF, Qt
from PyQt6.QtGui import QColor
from PyQt6.QtTest import QTest

from call.ink import MAX_STROKE_POINTS
from kiosk.core import engine_port as e
from kiosk.core.controller import KioskController
from kiosk.core.model import STROKES_KEPT, Stroke
from kiosk.core.state import KioskState as S
from kiosk.core.viewmodels import InCallVM, PadVM
from kiosk.i18n import Language
from kiosk.theme import STANDARD, Theme
from kiosk.widgets.writing_pad import MIN_INK_PX, WritingPad
from signaling import protocol as p
from tests.kiosk.test_controller import started, to_call

LEFT = Qt.MouseButton.LeftButton


def pad_vm(controller: KioskController) -> PadVM:
    screen = controller.view().screen
    assert isinstance(screen, InCallVM)
    return screen.pad


# --- The controller ----------------------------------------------------------------------------


def test_the_pad_opens_and_closes_and_tells_staff(
    controller: KioskController, engine: RecordingEngine
) -> None:
    to_call(controller)
    assert not pad_vm(controller).open
    controller.open_pad()
    controller.open_pad()  # already open: said once
    assert pad_vm(controller).open
    controller.close_pad()
    assert not pad_vm(controller).open
    assert engine.named("set_pad_open") == [("set_pad_open", True), ("set_pad_open", False)]


def test_a_growing_stroke_goes_to_the_engine_each_time_and_is_kept_once(
    controller: KioskController, engine: RecordingEngine
) -> None:
    to_call(controller)
    controller.open_pad()
    controller.draw_stroke("k1", [(0.1, 0.1)])
    controller.draw_stroke("k1", [(0.1, 0.1), (0.2, 0.3)])
    assert engine.named("send_ink") == [
        ("send_ink", "k1", ((0.1, 0.1),)),
        ("send_ink", "k1", ((0.1, 0.1), (0.2, 0.3))),
    ]
    assert pad_vm(controller).strokes == (Stroke("k1", ((0.1, 0.1), (0.2, 0.3)), staff=False),)


def test_nothing_is_drawn_or_sent_while_the_pad_is_closed_or_outside_a_call(
    controller: KioskController, engine: RecordingEngine
) -> None:
    controller.open_pad()
    controller.draw_stroke("k1", [(0.1, 0.1)])
    to_call(controller)
    controller.draw_stroke("k1", [(0.1, 0.1)])
    controller.clear_pad()
    assert engine.named("send_ink") == engine.named("clear_ink") == []
    assert engine.named("set_pad_open") == []


def test_staff_ink_text_clear_and_open_arrive_on_the_pad(controller: KioskController) -> None:
    to_call(controller)
    controller.handle(e.PadChanged("s-1", open=True))
    controller.handle(e.StaffText("s-1", "お名前を書いてください"))
    controller.handle(e.InkChanged("s-1", "s1", ((0.5, 0.5),), "#005AFF"))
    controller.handle(e.InkChanged("s-1", "s1", ((0.5, 0.5), (0.6, 0.5)), "#005AFF"))
    controller.draw_stroke("s1", [(0.2, 0.2)])  # the citizen's own ids are apart from staff's
    pad = pad_vm(controller)
    assert pad.open
    assert pad.staff_texts == ("In Japanese: お名前を書いてください",)  # to an English reader
    assert pad.strokes == (
        Stroke("s1", ((0.5, 0.5), (0.6, 0.5)), staff=True, color="#005AFF"),
        Stroke("s1", ((0.2, 0.2),), staff=False),
    )
    controller.handle(e.InkCleared("s-1"))
    assert pad_vm(controller).strokes == ()
    controller.handle(e.PadChanged("s-1", open=False))
    assert not pad_vm(controller).open


def test_ink_for_another_session_is_dropped(controller: KioskController) -> None:
    to_call(controller)
    controller.handle(e.PadChanged("other", open=True))
    controller.handle(e.InkChanged("other", "s1", ((0.5, 0.5),)))
    assert not pad_vm(controller).open
    assert pad_vm(controller).strokes == ()


def test_the_citizen_clears_both_sides_strokes(
    controller: KioskController, engine: RecordingEngine
) -> None:
    to_call(controller)
    controller.open_pad()
    controller.handle(e.InkChanged("s-1", "s1", ((0.5, 0.5),)))
    controller.draw_stroke("k1", [(0.1, 0.1)])
    controller.clear_pad()
    assert pad_vm(controller).strokes == ()
    assert engine.named("clear_ink") == [("clear_ink",)]


def test_the_pad_keeps_a_bounded_number_of_strokes_dropping_the_oldest(
    controller: KioskController,
) -> None:
    to_call(controller)
    for n in range(STROKES_KEPT + 5):
        controller.handle(e.InkChanged("s-1", f"s{n}", ((0.5, 0.5),)))
    strokes = pad_vm(controller).strokes
    assert len(strokes) == STROKES_KEPT
    assert strokes[0].id == "s5"


def test_the_pad_is_forgotten_on_transfer_and_at_the_reset(controller: KioskController) -> None:
    to_call(controller)
    controller.open_pad()
    controller.draw_stroke("k1", [(0.1, 0.1)])
    controller.handle(e.InkChanged("s-1", "s1", ((0.5, 0.5),)))
    controller.handle(
        p.SessionTransferred(session_id="s-1", department_id="fukushi", department_names={})
    )
    assert controller.state is S.TRANSFERRING
    assert not controller.citizen.pad.open
    assert controller.citizen.pad.strokes == {}

    controller.handle(started())
    controller.open_pad()
    controller.draw_stroke("k2", [(0.1, 0.1)])
    pad = controller.citizen.pad
    controller.back()  # end the call
    controller.primary()  # yes, end
    assert controller.citizen.pad.strokes == {}
    controller.back()  # skip the survey
    assert controller.state is S.THANK_YOU
    controller.primary()
    assert controller.state is S.ATTRACT
    assert controller.citizen.pad is not pad
    assert controller.citizen.pad.strokes == {}


def test_the_pad_labels_are_translated(controller: KioskController) -> None:
    to_call(controller)
    controller.choose_language(Language.JA)
    pad = pad_vm(controller)
    assert (pad.open_label, pad.clear_label) == ("筆談で話す", "全部消す")


# --- The widget --------------------------------------------------------------------------------


@pytest.fixture
def pad(qtbot: Any) -> WritingPad:
    widget = WritingPad(Theme(STANDARD, Language.JA))
    qtbot.addWidget(widget)
    widget.resize(1212, 824)  # a 1200 x 800 surface inside the margins
    widget.draw(PadVM(open=True, hint="ここに 指で 書いてください"))
    widget.show()
    return widget


def at(pad: WritingPad, x: float, y: float) -> QPoint:
    surface = pad.surface_rect()
    return QPointF(surface.x() + x * surface.width(), surface.y() + y * surface.height()).toPoint()


def drawn(pad: WritingPad) -> list[tuple[str, list[tuple[float, float]]]]:
    strokes: list[tuple[str, list[tuple[float, float]]]] = []
    pad.stroke_drawn.connect(lambda stroke_id, points: strokes.append((stroke_id, points)))
    return strokes


def test_the_surface_is_three_by_two_below_staff_texts(pad: WritingPad) -> None:
    surface = pad.surface_rect()
    assert surface.width() == pytest.approx(1.5 * surface.height())
    assert (surface.width(), surface.height()) == (1188.0, 792.0)
    pad.draw(PadVM(open=True, staff_texts=("お名前を書いてください",)))
    below = pad.surface_rect()
    assert below.top() > surface.top() + 40  # a heading's height at least
    assert below.width() == pytest.approx(1.5 * below.height())


def test_a_finger_stroke_is_emitted_as_it_begins_grows_and_ends_with_its_fractions(
    pad: WritingPad,
) -> None:
    strokes = drawn(pad)
    QTest.mousePress(pad, LEFT, Qt.KeyboardModifier.NoModifier, at(pad, 0.1, 0.2))
    for step in range(1, 11):
        QTest.mouseMove(pad, at(pad, 0.1 + step * 0.05, 0.2 + step * 0.03))
    QTest.mouseRelease(pad, LEFT, Qt.KeyboardModifier.NoModifier, at(pad, 0.6, 0.5))
    assert len(strokes) >= 2  # at the touch, and whole at the release
    ids = {stroke_id for stroke_id, _ in strokes}
    assert len(ids) == 1
    first, last = strokes[0][1], strokes[-1][1]
    assert first == [pytest.approx((0.1, 0.2), abs=0.002)]
    assert len(last) == 11
    assert last[-1] == pytest.approx((0.6, 0.5), abs=0.002)
    for step, point in enumerate(last):
        assert point == pytest.approx((0.1 + step * 0.05, 0.2 + step * 0.03), abs=0.002)
    # Each emission is the whole stroke so far: every one is a prefix of the last.
    assert all(points == last[: len(points)] for _, points in strokes)


def test_the_next_stroke_has_a_new_id_and_points_outside_are_clamped(pad: WritingPad) -> None:
    strokes = drawn(pad)
    QTest.mousePress(pad, LEFT, Qt.KeyboardModifier.NoModifier, at(pad, 0.5, 0.5))
    QTest.mouseRelease(pad, LEFT, Qt.KeyboardModifier.NoModifier, at(pad, 0.5, 0.5))
    QTest.mousePress(pad, LEFT, Qt.KeyboardModifier.NoModifier, at(pad, 0.9, 0.9))
    QTest.mouseMove(pad, QPoint(pad.width() - 1, pad.height() - 1))
    QTest.mouseRelease(pad, LEFT, Qt.KeyboardModifier.NoModifier, QPoint(pad.width() - 1, 2))
    assert len({stroke_id for stroke_id, _ in strokes}) == 2
    assert strokes[-1][1][-1] == (1.0, 0.0)


def test_a_closed_pad_takes_no_ink(pad: WritingPad) -> None:
    strokes = drawn(pad)
    pad.draw(PadVM(open=False))
    QTest.mousePress(pad, LEFT, Qt.KeyboardModifier.NoModifier, at(pad, 0.5, 0.5))
    QTest.mouseRelease(pad, LEFT, Qt.KeyboardModifier.NoModifier, at(pad, 0.5, 0.5))
    assert strokes == []


def color_near(pad: WritingPad, x: float, y: float) -> QColor:
    image = pad.grab().toImage()
    return image.pixelColor(at(pad, x, y))


def test_citizen_ink_is_thick_black_and_staff_ink_cud_blue(pad: WritingPad) -> None:
    pad.draw(
        PadVM(
            open=True,
            strokes=(
                Stroke("k1", ((0.1, 0.5), (0.4, 0.5)), staff=False),
                Stroke("s1", ((0.6, 0.5), (0.9, 0.5)), staff=True),
            ),
        )
    )
    assert color_near(pad, 0.25, 0.5).getRgb()[:3] == (0, 0, 0)
    assert color_near(pad, 0.75, 0.5).getRgb()[:3] == (0, 90, 255)
    surface_height = pad.surface_rect().height()
    half = int(MIN_INK_PX // 2) - 1
    below = QPointF(0, half / surface_height)
    assert color_near(pad, 0.25, 0.5 + below.y()).getRgb()[:3] == (0, 0, 0)  # >= 6 px thick
    assert color_near(pad, 0.25, 0.3).getRgb()[:3] == (255, 255, 255)


def test_the_strokes_on_the_widget_are_gone_with_the_vm_of_a_new_citizen(pad: WritingPad) -> None:
    pad.draw(PadVM(open=True, strokes=(Stroke("k1", ((0.1, 0.5), (0.4, 0.5)), staff=False),)))
    assert color_near(pad, 0.25, 0.5).getRgb()[:3] == (0, 0, 0)
    pad.draw(PadVM())
    assert color_near(pad, 0.25, 0.5).getRgb()[:3] == (255, 255, 255)


def test_a_very_long_stroke_goes_on_under_a_new_id_from_where_it_was(pad: WritingPad) -> None:
    strokes = drawn(pad)
    QTest.mousePress(pad, LEFT, Qt.KeyboardModifier.NoModifier, at(pad, 0.0, 0.3))
    for step in range(1, MAX_STROKE_POINTS + 10):
        QTest.mouseMove(pad, at(pad, step / 2000, 0.3 if step % 2 == 0 else 0.7))
    QTest.mouseRelease(pad, LEFT, Qt.KeyboardModifier.NoModifier, at(pad, 0.6, 0.3))
    ids = list(dict.fromkeys(stroke_id for stroke_id, _ in strokes))
    assert len(ids) == 2
    first = [points for stroke_id, points in strokes if stroke_id == ids[0]][-1]
    second = [points for stroke_id, points in strokes if stroke_id == ids[1]][-1]
    assert len(first) == MAX_STROKE_POINTS
    assert second[0] == first[-1]  # no gap where one stroke ends and the next begins
