"""The writing pad (筆談) end to end: the kiosk app and the staff console, a real hub between.

Both apps run as in production, each with its engine on its own network thread; the hub runs on
the test's loop. The citizen writes on the kiosk's pad with a finger (mouse events on the real
widget), and staff write back on the console's pad with the mouse. After the call and the
privacy reset, nothing of the pad is left in the kiosk's model or on its widgets.
"""

from __future__ import annotations

import gc
import weakref
from typing import Any

from app_on_hub import screen, tap, to_waiting
from PyQt6.QtCore import QPoint, QPointF, Qt
from PyQt6.QtTest import QTest
from PyQt6.QtWidgets import QApplication, QWidget

from kiosk.app import KioskApp
from kiosk.core.engine_port import CallMedia
from kiosk.core.state import KioskState as S
from kiosk.core.viewmodels import Page
from kiosk.screens.in_call import InCallScreen
from staff_console.core.engine_port import CallPhase
from staff_console.core.viewmodels import CallVM
from tests.fixtures.consoles import logged_in
from tests.fixtures.hub import RunningHub
from tests.qt_waiting import until

LEFT = Qt.MouseButton.LeftButton
NONE = Qt.KeyboardModifier.NoModifier
CUD_BLUE = (0, 90, 255)


def at(pad: Any, x: float, y: float) -> QPoint:
    """The widget point at fractions (x, y) of a pad's writing surface (either app's)."""
    box = pad.surface_rect()
    return QPointF(box.x() + x * box.width(), box.y() + y * box.height()).toPoint()


def draw(pad: QWidget, points: list[tuple[float, float]]) -> None:
    QTest.mousePress(pad, LEFT, NONE, at(pad, *points[0]))
    for point in points[1:]:
        QTest.mouseMove(pad, at(pad, *point))
    QTest.mouseRelease(pad, LEFT, NONE, at(pad, *points[-1]))


def colour_at(pad: Any, x: float, y: float) -> tuple[int, int, int]:
    rgb = pad.grab().toImage().pixelColor(at(pad, x, y)).getRgb()
    return (rgb[0], rgb[1], rgb[2])


def close_to(points: tuple[tuple[float, float], ...], expected: list[tuple[float, float]]) -> bool:
    return len(points) == len(expected) and all(
        abs(x - ex) < 0.005 and abs(y - ey) < 0.005
        for (x, y), (ex, ey) in zip(points, expected, strict=True)
    )


async def test_kiosk_strokes_reach_the_console_and_back_and_are_gone_after_the_reset(
    hub: RunningHub,
    kiosk: KioskApp,
    consoles: Any,
    qtbot: Any,
) -> None:
    kiosk.window.resize(1920, 1080)
    console = await logged_in(consoles, hub, "tanaka")
    controller = kiosk.controller
    await to_waiting(kiosk, qtbot)
    await until(lambda: console.window.queue.table.rowCount() == 1)
    console.controller.accept_next()

    def staff_call() -> CallVM:
        call = console.controller.view().call
        assert call is not None
        return call

    await until(lambda: controller.citizen.media is CallMedia.CONNECTED)
    await until(lambda: staff_call().phase is CallPhase.CONNECTED)
    call = screen(kiosk, Page.IN_CALL)
    assert isinstance(call, InCallScreen)

    # 1. The citizen opens the pad: the console's pad tab comes forward, open.
    tap(qtbot, call.tools.pad)  # 筆談で話す
    assert controller.citizen.pad.open
    kiosk_pad = call.stage.pad
    assert kiosk_pad.isVisible()
    await until(lambda: staff_call().pad.open)
    staff_panel = console.window.call.pad
    assert console.window.call.tabs.currentWidget() is staff_panel

    # 2. The citizen writes; the stroke arrives whole at the console and is drawn there in black.
    written = [(0.1 + 0.04 * step, 0.5 - 0.02 * step) for step in range(10)]
    draw(kiosk_pad, written)
    await until(lambda: any(close_to(s.points, written) for s in staff_call().pad.strokes))
    (citizen_stroke,) = staff_call().pad.strokes
    assert not citizen_stroke.staff
    surface = staff_panel.surface
    surface.resize(600, 400)
    assert colour_at(surface, *written[5]) == (0, 0, 0)

    # 3. Staff write back with the mouse and send a text: both show on the kiosk's pad.
    answer = [(0.6, 0.2), (0.7, 0.3), (0.8, 0.4), (0.9, 0.5)]
    draw(surface, answer)
    console.controller.send_text("お名前を書いてください")
    await until(
        lambda: (
            any(s.staff and close_to(s.points, answer) for s in kiosk_pad.strokes)
            and [w.text for w in controller.citizen.staff_texts[-1:]] == ["お名前を書いてください"]
        )
    )
    assert colour_at(kiosk_pad, 0.7, 0.3) == CUD_BLUE
    assert colour_at(kiosk_pad, *written[5]) == (0, 0, 0)

    # 4. Staff clear the pad: both sides' strokes go at both ends. The citizen writes again.
    qtbot.mouseClick(staff_panel.clear, LEFT)
    await until(lambda: kiosk_pad.strokes == ())
    assert staff_call().pad.strokes == ()
    draw(kiosk_pad, written)
    await until(lambda: len(staff_call().pad.strokes) == 1)

    # 5. The call ends and the citizen moves on: the pad is forgotten, model and widgets.
    pad_state = weakref.ref(controller.citizen.pad)
    console.controller.end_call()
    await until(lambda: controller.state is S.SURVEY)
    assert controller.citizen.pad.strokes == {}
    tap(qtbot, kiosk.window.bottom.back)  # no answer to the survey
    assert controller.state is S.THANK_YOU
    tap(qtbot, kiosk.window.bottom.primary)
    assert controller.state is S.ATTRACT
    QApplication.processEvents()
    gc.collect()
    assert pad_state() is None
    assert not controller.citizen.pad.open
    assert controller.citizen.pad.strokes == {}
    fresh = screen(kiosk, Page.IN_CALL)
    assert isinstance(fresh, InCallScreen)
    assert fresh.stage.pad.strokes == ()
    assert colour_at(fresh.stage.pad, *written[5]) == (255, 255, 255)
