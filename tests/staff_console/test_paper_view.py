"""The reading view of the citizen's paper: the view state alone, the widget, the pop-out, and
how large 10 pt text is on screen, measured on the widget's own pixels.

Run with -s to see the measured ems. Run as a module under Xvfb, it takes the reading view's
screenshots for docs/console.md (the whole X screen), in Japanese or English:

    xvfb-run -s "-screen 0 1920x1080x24" .venv/bin/python -m tests.staff_console.test_paper_view ja
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw
from PyQt6.QtCore import QPoint, QPointF, QSettings, Qt
from PyQt6.QtGui import QGuiApplication, QImage, QWheelEvent
from PyQt6.QtTest import QTest
from PyQt6.QtWidgets import QApplication, QWidget

from call.pictures import cjk_font
from staff_console import desktop
from staff_console.app import ConsoleApp, Remembered
from staff_console.core.engine_port import (
    CallPhase,
    CallPhaseChanged,
    HubConnected,
    PageDelivered,
    PaperArrived,
    RemoteContentChanged,
    Rgb,
    ViewerChanged,
)
from staff_console.core.viewmodels import PaperStill
from staff_console.i18n import Language, Translator
from staff_console.paper_zoom import MAX_SCALE, PaperZoom
from staff_console.screens.paper_view import PaperView
from staff_console.screens.paper_window import PaperTab, PaperWindow
from staff_console.settings import ConsoleSettings
from tests.kiosk.kiosk_scenes import PT_MM, a4_form
from tests.staff_console import messages as m
from tests.staff_console.fake_engine import RecordingEngine
from tests.staff_console.screenshots import Stills
from tests.staff_console.test_screens import NOW, logged_in

A4 = (1071.0, 1515.0)  # px, at 18 px per 10 pt
JA = Translator(Language.JA)
# The offscreen platform cannot raise a window; the pop-out asks so that it comes to the front.
NO_RAISE = pytest.mark.qt_log_ignore(
    "does not support propagateSizeHints", "does not support raise"
)


def close_to(a: tuple[float, float], b: tuple[float, float], within: float = 1e-6) -> bool:
    return abs(a[0] - b[0]) <= within and abs(a[1] - b[1]) <= within


# The view state, no Qt.


def test_fit_shows_the_whole_paper_centred() -> None:
    zoom = PaperZoom.fit(A4, (800, 600))
    assert zoom.scale == pytest.approx(600 / 1515)
    top_left, bottom_right = zoom.to_view((0, 0)), zoom.to_view(A4)
    assert top_left[1] == pytest.approx(0)
    assert bottom_right[1] == pytest.approx(600)
    assert top_left[0] == pytest.approx(800 - bottom_right[0])  # equal margins left and right


def test_zooming_keeps_the_image_point_under_the_cursor() -> None:
    zoom = PaperZoom.fit(A4, (800, 600))
    cursor = (300.0, 150.0)
    under = zoom.to_image(cursor)
    for factor in (1.25, 1.25, 3.0, 0.9):
        zoom = zoom.zoomed(factor, cursor)
        assert close_to(zoom.to_view(under), cursor, 1e-6)


def test_zoom_stops_at_fit_and_at_the_largest_scale() -> None:
    zoom = PaperZoom.fit(A4, (800, 600))
    assert zoom.zoomed(0.5, (10, 10)) == zoom
    assert zoom.zoomed(1000, (400, 300)).scale == MAX_SCALE


def test_a_drag_moves_the_paper_with_the_pointer_and_stops_at_its_edges() -> None:
    zoom = PaperZoom.fit(A4, (800, 600)).zoomed_about_centre(4)
    point = zoom.to_image((400, 300))
    dragged = zoom.dragged(30, -20)
    assert close_to(dragged.to_view(point), (430, 280))
    far = zoom.dragged(1e6, 1e6)  # to the top-left corner, and no further
    assert close_to(far.to_view((0, 0)), (0, 0))


def test_a_paper_narrower_than_the_view_moves_in_it_but_not_out_of_it() -> None:
    zoom = PaperZoom.fit(A4, (800, 600)).zoomed_about_centre(1.2)  # 509 px wide in 800
    x, y = zoom.to_view((0, 0))
    assert close_to(zoom.dragged(100, 0).to_view((0, 0)), (x + 100, y))
    assert zoom.dragged(1e6, 0).to_view(A4)[0] == pytest.approx(800)


def test_rotating_turns_about_the_centre_and_refits_at_fit() -> None:
    zoom = PaperZoom.fit(A4, (800, 600))
    turned = zoom.rotated()
    assert turned.scale == pytest.approx(800 / 1515)  # the long side now lies across
    margin = (600 - A4[0] * turned.scale) / 2
    assert close_to(turned.to_view((0, 0)), (800, margin), 1e-6)  # the top-left corner, turned
    assert close_to(turned.to_view(A4), (0, 600 - margin), 1e-6)
    zoomed = zoom.zoomed_about_centre(3).dragged(50, 80)
    centre = zoomed.to_image((400, 300))
    assert close_to(zoomed.rotated().to_image((400, 300)), centre, 1e-6)
    assert close_to(zoomed.rotated(4).to_image((400, 300)), centre, 1e-6)


@pytest.mark.parametrize("turns", [0, 1, 2, 3])
def test_view_and_image_points_map_both_ways_at_every_turn(turns: int) -> None:
    zoom = PaperZoom.fit(A4, (800, 600), turns).zoomed((2.5), (123, 456))
    for point in ((0.0, 0.0), (100.0, 900.0), A4):
        assert close_to(zoom.to_image(zoom.to_view(point)), point, 1e-6)


def test_a_double_click_zooms_to_native_pixels_or_twice_fit_then_back_to_fit() -> None:
    small = PaperZoom.fit(A4, (800, 600))  # fit 0.40: 1:1 is the larger step
    assert small.double_clicked((400, 300)).scale == pytest.approx(1.0)
    large = PaperZoom.fit(A4, (1920, 1040))  # fit 0.69: twice fit is larger
    zoomed = large.double_clicked((900, 700))
    assert zoomed.scale == pytest.approx(2 * large.scale)
    assert zoomed.double_clicked((10, 10)) == large


def test_a_new_frame_of_the_same_size_keeps_the_view_and_another_size_fits() -> None:
    zoom = PaperZoom.fit(A4, (800, 600)).rotated().zoomed_about_centre(2)
    assert zoom.with_image(A4) is zoom
    refit = zoom.with_image((1920, 1080))
    assert refit == PaperZoom.fit((1920, 1080), (800, 600), 1)


def test_resizing_at_fit_stays_at_fit_and_zoomed_keeps_the_scale() -> None:
    zoom = PaperZoom.fit(A4, (800, 600))
    assert zoom.resized((1000, 1000)) == PaperZoom.fit(A4, (1000, 1000))
    zoomed = zoom.zoomed_about_centre(2)
    assert zoomed.resized((1000, 1000)).scale == zoomed.scale


# The widget.


def a4_with_mark() -> tuple[Rgb, tuple[float, float, float, float]]:
    """The kiosk scenes' A4 form at 18 px per 10 pt, with a solid 10 pt square far from all ink."""
    px_per_mm = 18 / (10 * PT_MM)
    page = a4_form(px_per_mm)
    left, top, side = 150 * px_per_mm, 262 * px_per_mm, 10 * PT_MM * px_per_mm
    draw = ImageDraw.Draw(page)
    corners = (round(left), round(top), round(left + side) - 1, round(top + side) - 1)
    draw.rectangle(corners, "black")
    return np.asarray(page, dtype=np.uint8), (left, top, side, side)


def measured_side(widget: QWidget, near: tuple[float, float]) -> float:
    """The side in screen px of the solid square drawn around `near`, from the widget's pixels."""
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_Grayscale8)
    width, height = image.width(), image.height()
    bits = image.constBits()
    assert bits is not None
    bits.setsize(image.bytesPerLine() * height)
    gray = np.frombuffer(bits, np.uint8).reshape(height, image.bytesPerLine())[:, :width]
    dark = (gray < 128).astype(np.uint8)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(dark, connectivity=8)
    x, y = round(near[0]), round(near[1])
    label = labels[y, x]
    assert label != 0, f"no ink at {near}"
    left, top, w, h = stats[label][:4]
    assert abs(int(w) - int(h)) <= 1  # a square, not a run of text
    # The square's area from its coverage (anti-aliased edges count in part), then its side.
    box = gray[max(0, top - 2) : top + h + 2, max(0, left - 2) : left + w + 2].astype(float)
    return float(np.sqrt(((255 - box) / 255).sum()))


def test_the_view_opens_at_fit_and_the_drawing_agrees_with_its_state(qtbot: Any) -> None:
    view = PaperView()
    qtbot.addWidget(view)
    view.resize(700, 500)
    view.show()
    qtbot.waitExposed(view)
    paper, (left, top, side, _) = a4_with_mark()
    view.show_still(paper)
    zoom = view.zoom
    assert zoom is not None
    assert zoom == PaperZoom.fit(A4, (700, 500))
    centre = zoom.to_view((left + side / 2, top + side / 2))
    assert measured_side(view, centre) == pytest.approx(side * zoom.scale, abs=1.0)


def wheel(view: QWidget, at: QPoint, notches: int) -> None:
    event = QWheelEvent(
        QPointF(at),
        QPointF(view.mapToGlobal(at)),
        QPoint(0, 0),
        QPoint(0, 120 * notches),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(view, event)


def shown_view(qtbot: Any, size: tuple[int, int] = (800, 600)) -> PaperView:
    view = PaperView()
    qtbot.addWidget(view)
    view.resize(*size)
    view.show()
    qtbot.waitExposed(view)
    view.show_still(a4_with_mark()[0])
    return view


def state(view: PaperView) -> PaperZoom:
    assert view.zoom is not None
    return view.zoom


def test_the_wheel_zooms_keeping_the_point_under_the_cursor(qtbot: Any) -> None:
    view = shown_view(qtbot)
    under = state(view).to_image((520, 140))
    wheel(view, QPoint(520, 140), 1)  # still narrower than the view: it moves inside it
    assert state(view).scale == pytest.approx(state(view).fit_scale * 1.25)
    assert close_to(state(view).to_view(under), (520, 140), 1.0)
    under = state(view).to_image((300, 400))
    wheel(view, QPoint(300, 400), 3)  # now larger than the view every way
    assert state(view).scale == pytest.approx(state(view).fit_scale * 1.25**4)
    assert close_to(state(view).to_view(under), (300, 400), 1.0)


def test_a_left_drag_pans_and_cannot_drag_the_paper_out_of_view(qtbot: Any) -> None:
    view = shown_view(qtbot)
    wheel(view, QPoint(400, 300), 6)
    before = state(view).to_image((400, 300))
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=QPoint(400, 300))
    qtbot.mouseMove(view, QPoint(350, 260))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=QPoint(350, 260))
    assert close_to(state(view).to_view(before), (350, 260), 1.0)
    for _ in range(4):  # far past the top-left corner
        qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=QPoint(10, 10))
        qtbot.mouseMove(view, QPoint(790, 590))
        qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=QPoint(790, 590))
    assert close_to(state(view).to_view((0, 0)), (0, 0), 1e-6)  # the corner, no further


def test_the_keys_zoom_about_the_centre_rotate_and_fit(qtbot: Any) -> None:
    view = shown_view(qtbot)
    fit = state(view)
    middle = fit.to_image((400, 300))
    qtbot.keyClick(view, Qt.Key.Key_Plus)
    assert state(view).scale == pytest.approx(fit.scale * 1.25)
    assert close_to(state(view).to_view(middle), (400, 300), 1e-6)
    qtbot.keyClick(view, Qt.Key.Key_Minus)
    assert state(view) == fit
    qtbot.keyClick(view, Qt.Key.Key_R)
    assert state(view).quarter_turns == 1
    assert state(view).scale == pytest.approx(800 / A4[1])  # fitted the other way up
    assert close_to(state(view).to_image((400, 300)), middle, 1e-6)
    qtbot.keyClick(view, Qt.Key.Key_Plus)
    qtbot.keyClick(view, Qt.Key.Key_0)
    assert state(view) == PaperZoom.fit(A4, (800, 600), 1)


def test_a_double_click_zooms_about_the_point_and_a_second_returns_to_fit(qtbot: Any) -> None:
    view = shown_view(qtbot)
    fit = state(view)
    clicked = QPoint(420, 330)
    under = fit.to_image((420, 330))
    qtbot.mouseDClick(view, Qt.MouseButton.LeftButton, pos=clicked)
    assert state(view).scale == pytest.approx(max(1.0, 2 * fit.scale))
    assert close_to(state(view).to_view(under), (420, 330), 1.0)
    qtbot.mouseDClick(view, Qt.MouseButton.LeftButton, pos=QPoint(100, 100))
    assert state(view) == fit


def test_live_frames_keep_the_view_until_their_size_changes(qtbot: Any) -> None:
    view = shown_view(qtbot)
    frame = a4_with_mark()[0]
    view.show_frame(frame)
    qtbot.keyClick(view, Qt.Key.Key_Plus)
    zoomed = state(view)
    view.show_frame(frame.copy())
    assert state(view) == zoomed
    view.show_frame(np.zeros((1080, 1920, 3), np.uint8))
    assert state(view) == PaperZoom.fit((1920, 1080), (800, 600))
    view.show_frame(None)
    assert view.zoom is None
    assert view.image is None


@NO_RAISE
def test_the_pop_out_opens_gets_the_frames_and_closing_brings_the_paper_back(qtbot: Any) -> None:
    tab = PaperTab(JA)
    qtbot.addWidget(tab)
    tab.resize(800, 600)
    tab.show()
    paper = a4_with_mark()[0]
    tab.show_frame(paper)
    qtbot.keyClick(tab.panel.view, Qt.Key.Key_R)
    qtbot.mouseClick(tab.pop_out, Qt.MouseButton.LeftButton)
    window = tab.window_view
    assert window is not None
    qtbot.waitExposed(window)
    assert tab.view is window.view
    assert tab.panel.view.image is None  # one view paints the paper
    assert state(window.view).quarter_turns == 1
    frame = np.full((1080, 1920, 3), 200, np.uint8)
    tab.show_frame(frame)
    assert state(window.view).image == (1920, 1080)
    qtbot.keyClick(window, Qt.Key.Key_F11)
    assert window.isFullScreen()
    assert window.full_screen.text() == JA("paper.leave_full_screen")
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert not window.isFullScreen()
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert not window.isVisible()
    assert tab.window_view is None
    assert tab.view is tab.panel.view
    assert state(tab.view).image == (1920, 1080)  # the newest frame came back with it
    assert state(tab.view).quarter_turns == 1


def test_a_still_stays_up_over_live_frames_until_let_go(qtbot: Any) -> None:
    tab = PaperTab(JA)
    qtbot.addWidget(tab)
    tab.resize(800, 600)
    still = a4_with_mark()[0]
    tab.show_still(PaperStill("p1", still))
    tab.show_frame(np.zeros((1080, 1920, 3), np.uint8))
    assert state(tab.view).image == A4
    tab.show_still(None)
    tab.show_frame(np.zeros((1080, 1920, 3), np.uint8))
    assert state(tab.view).image == (1920, 1080)


def test_a_still_that_arrives_comes_up_in_the_call_at_fit_over_the_live_camera(
    console: ConsoleApp, qtbot: Any
) -> None:
    logged_in(console, qtbot)
    c = console.controller
    c.handle(m.started(), NOW)
    c.handle(CallPhaseChanged("s1", CallPhase.CONNECTED, "up"), NOW)
    page = console.window.call
    assert page.tabs.indexOf(page.paper) < 0
    c.handle(RemoteContentChanged("s1", "document_camera"), NOW)
    with qtbot.waitSignal(page.paper.take_still_requested):
        page.paper.take_still.click()
    c.handle(RemoteContentChanged("s1", None), NOW)  # the citizen turned it off meanwhile
    c.handle(PaperArrived("s1", "p1", a4_with_mark()[0]), NOW)
    assert page.tabs.currentWidget() is page.paper
    assert state(page.paper.view) == PaperZoom.fit(A4, state(page.paper.view).viewport)
    page.paper.show_frame(np.zeros((1080, 1920, 3), np.uint8))
    assert state(page.paper.view).image == A4  # the still stays up
    qtbot.mouseClick(page.paper.live, Qt.MouseButton.LeftButton)
    assert not page.paper.showing_still
    assert page.tabs.indexOf(page.paper) < 0  # no document camera: nothing left to show


# How large 10 pt is on screen: the still at its smallest (18 px per 10 pt em).


def em_at_fit_and_after_a_double_click(qtbot: Any, view: PaperView) -> tuple[float, float]:
    paper, (left, top, side, _) = a4_with_mark()
    mark = (left + side / 2, top + side / 2)
    view.show_still(paper)
    at_fit = measured_side(view, state(view).to_view(mark))
    x, y = state(view).to_view(mark)
    qtbot.mouseDClick(view, Qt.MouseButton.LeftButton, pos=QPoint(round(x), round(y)))
    assert state(view).zoomed_in
    zoomed = measured_side(view, state(view).to_view(mark))
    return at_fit, zoomed


@NO_RAISE
@pytest.mark.parametrize("monitor", [(1920, 1080), (1366, 768)])
def test_10_pt_text_in_the_full_screen_pop_out_reads_at_14_px_after_one_double_click(
    qtbot: Any, monitor: tuple[int, int]
) -> None:
    window = PaperWindow(JA)
    qtbot.addWidget(window)
    window.resize(*monitor)  # full screen on that monitor: the window is the whole screen
    window.show()
    qtbot.waitExposed(window)
    assert (window.width(), window.height()) == monitor
    at_fit, zoomed = em_at_fit_and_after_a_double_click(qtbot, window.view)
    print(f"\npop-out {monitor[0]}x{monitor[1]}: 10 pt em {at_fit:.1f} px at fit, {zoomed:.1f} px")
    assert zoomed >= 14


@NO_RAISE
@pytest.mark.parametrize("monitor", [(1920, 1080), (1366, 768)])
def test_10_pt_text_in_the_call_tab_after_one_double_click(
    console: ConsoleApp, qtbot: Any, monitor: tuple[int, int]
) -> None:
    console.window.resize(*monitor)
    logged_in(console, qtbot)
    c = console.controller
    c.handle(m.started(), NOW)
    c.handle(CallPhaseChanged("s1", CallPhase.CONNECTED, "up"), NOW)
    c.handle(RemoteContentChanged("s1", "document_camera"), NOW)
    page = console.window.call
    assert page.tabs.currentWidget() is page.paper
    qtbot.wait(1)  # the layout settles
    at_fit, zoomed = em_at_fit_and_after_a_double_click(qtbot, page.paper.view)
    width = page.paper.view.width()
    print(
        f"\ncall tab {monitor[0]}x{monitor[1]} (view {width}x{page.paper.view.height()}): "
        f"10 pt em {at_fit:.1f} px at fit, {zoomed:.1f} px"
    )
    assert zoomed >= 14


# The screenshots.

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "console"
NAME_ROW_MM = (40.0, 50.0)  # the form's first row, 請求者 氏名, where staff read first


def filled_in_form() -> tuple[Rgb, float]:
    """The A4 form at its smallest still (18 px per 10 pt) with a name written in, and its px/mm."""
    px_per_mm = 18 / (10 * PT_MM)
    page = a4_form(px_per_mm)
    at = (round(64 * px_per_mm), round(49 * px_per_mm))
    ImageDraw.Draw(page).text(at, "窓口 花子", fill=(20, 40, 120), font=cjk_font(30))
    return np.asarray(page, dtype=np.uint8), px_per_mm


def city_notice(px_per_mm: float) -> Rgb:
    """A second paper for the thumbnails: an A4 notice, a title and a few lines of text."""
    page = Image.new("RGB", (round(210 * px_per_mm), round(297 * px_per_mm)), "white")
    draw = ImageDraw.Draw(page)
    draw.text((round(30 * px_per_mm), round(25 * px_per_mm)), "国民健康保険税 納税通知書",
              fill="black", font=cjk_font(round(8 * px_per_mm)))  # fmt: skip
    for row in range(12):
        top = round((60 + row * 14) * px_per_mm)
        draw.line((round(25 * px_per_mm), top, round(185 * px_per_mm), top), "black", 2)
        draw.text((round(28 * px_per_mm), top - round(9 * px_per_mm)), f"第{row + 1}期  納期限",
                  fill="black", font=cjk_font(round(4 * px_per_mm)))  # fmt: skip
    return np.asarray(page, dtype=np.uint8)


def take_screenshots(language: str) -> None:
    app = QApplication(sys.argv[:1])
    desktop.apply_ui_font(app)
    screen = QGuiApplication.primaryScreen()
    assert screen is not None
    tag = f"{language}-{screen.size().width()}x{screen.size().height()}"
    work = Path(tempfile.mkdtemp(prefix="paper-shots-"))
    settings = ConsoleSettings(server="wss://madoguchi.city.example/ws", language=language)
    store = QSettings(str(work / "console.ini"), QSettings.Format.IniFormat)
    frames = Stills()  # the citizen and staff cameras; the paper is the still below
    console = ConsoleApp(settings, RecordingEngine(), Remembered(store), frames=frames, clock=False)
    console.window.setGeometry(screen.availableGeometry())
    console.start()

    def shot(name: str) -> None:
        for _ in range(20):
            app.processEvents()
            time.sleep(0.02)
        screen.grabWindow(0).save(str(SHOTS / f"paper_{name}-{tag}.png"))

    c = console.controller
    c.submit_login(settings.server, "tanaka", "x")
    for message in (HubConnected(m.welcome()), m.directory(), m.snapshot()):
        c.handle(message, NOW)
    c.handle(m.started(), NOW)
    c.handle(CallPhaseChanged("s1", CallPhase.CONNECTED, "up"), NOW)
    c.handle(RemoteContentChanged("s1", "document_camera"), NOW)
    page = console.window.call
    still, px_per_mm = filled_in_form()
    name_row = (NAME_ROW_MM[0] * px_per_mm, NAME_ROW_MM[1] * px_per_mm)
    c.handle(PaperArrived("s1", "paper-1", still), NOW)
    shot("1_call_fit")
    x, y = state(page.paper.view).to_view(name_row)
    QTest.mouseDClick(page.paper.view, Qt.MouseButton.LeftButton, pos=QPoint(round(x), round(y)))
    shot("2_call_double_click")
    page.paper.pop_out.click()
    window = page.paper.window_view
    assert window is not None
    window.toggle_full_screen()
    window.setGeometry(screen.geometry())  # what a window manager does; Xvfb runs none
    shot("3_window_full_screen_fit")
    app.processEvents()
    x, y = state(window.view).to_view(name_row)
    QTest.mouseDClick(window.view, Qt.MouseButton.LeftButton, pos=QPoint(round(x), round(y)))
    shot("4_window_full_screen_double_click")
    window.close()
    # A second paper comes; staff pick the first again and show it back to point at its name row.
    c.handle(PaperArrived("s1", "paper-2", city_notice(px_per_mm)), NOW)
    c.handle(ViewerChanged(1700, 950, 0.2745), NOW)
    page.paper.strip.buttons["paper-1"].click()
    shot("5_call_two_stills_show_back")
    page.paper.show_back.click()
    c.handle(PageDelivered("paper-1", 0, True), NOW)
    canvas = page.documents.canvas
    app.processEvents()
    drawn = canvas.page_rect()
    height, width = still.shape[:2]
    at = QPoint(
        round(drawn.x() + (name_row[0] + 21 * px_per_mm) / width * drawn.width()),
        round(drawn.y() + name_row[1] / height * drawn.height()),
    )
    QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=at)
    shot("6_document_panel_paper_pointer")
    console.window.close()


if __name__ == "__main__":
    take_screenshots(sys.argv[1] if len(sys.argv) > 1 else "ja")
