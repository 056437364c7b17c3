"""The document-first call screen, measured from the widgets' geometry at 1920 x 1080.

On the reference 23.8" panel (0.2745 mm a pixel): an A4 page at fit is at least 950 px tall and
88 % of real size, a 16:9 share or document-camera frame at least 1600 px wide, drawn 1:1 when
staff render for the size the kiosk announced, with nothing over it; the fixed buttons never
move between the call's states; a staff focus zooms to its box and reports what the citizen sees.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from kiosk_scenes import (
    ManualClock,
    RecordingEngine,
    a4_form,
    connected_controller,
    layout_problems,
    person_frame,
    queued,
    scene_feeds,
    shown_window,
    started,
)
from PyQt6.QtCore import QPoint, QPointF, QRect, QRectF, Qt
from PyQt6.QtGui import QImage
from PyQt6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from call.document import fit_size
from kiosk.core import engine_port as e
from kiosk.core.controller import KioskController
from kiosk.core.engine_port import Image8
from kiosk.core.viewmodels import Page
from kiosk.i18n import Language, Translator
from kiosk.screens.in_call import InCallScreen
from kiosk.theme import BLACK, YELLOW, Kind, Theme, contrast_ratio
from kiosk.widgets.document_view import FOCUS_ANIMATION_MS, VIEW_SETTLES_MS
from kiosk.widgets.paper_panel import OUTLINE_PX
from kiosk.widgets.touch_button import TouchButton
from kiosk.window import KioskWindow
from signaling import protocol as p

MM_PER_PX = 0.2745
A4_MM = (210.0, 297.0)
MAIN_AREA = (1600, 968)


def _window(qtbot: QtBot, controller: KioskController, **feeds: Image8) -> KioskWindow:
    still = scene_feeds()
    for name, image in feeds.items():
        setattr(still, name, image)
    window = shown_window(qtbot, controller, still)
    assert isinstance(window, KioskWindow)
    return window


def _in_call(
    language: Language = Language.JA, *, large_text: bool = False
) -> tuple[KioskController, RecordingEngine, ManualClock]:
    controller, engine, clock = connected_controller(language)
    if large_text:
        controller.toggle_large_text()
    controller.handle(
        e.DevicesChanged(p.DeviceHealth.OK, p.DeviceHealth.OK, p.DeviceHealth.OK, True)
    )
    controller.start()
    controller.choose_language(language)
    controller.choose_topic("juminhyo")
    controller.primary()
    controller.primary()
    controller.handle(queued())
    controller.handle(started())
    controller.handle(e.CallMediaChanged("s-1", e.CallMedia.CONNECTED))
    return controller, engine, clock


def _call_screen(window: KioskWindow) -> InCallScreen:
    screen = window.screens[Page.IN_CALL]
    assert isinstance(screen, InCallScreen)
    return screen


def _announced(engine: RecordingEngine) -> tuple[int, int]:
    calls = engine.named("announce_viewer")
    assert calls, "the kiosk never told staff the size it draws pages at"
    return calls[-1][1], calls[-1][2]


def _page_for(viewer: tuple[int, int], paper_mm: tuple[float, float]) -> Image8:
    """A page rendered as staff render it: fitted to the size the kiosk announced."""
    width, height = fit_size(paper_mm, viewer)
    return np.full((height, width, 3), 255, dtype=np.uint8)


def _content_in_window(window: KioskWindow) -> QRect:
    document = _call_screen(window).stage.document
    rect = document.content_rect()
    return QRect(document.mapTo(window, rect.topLeft()), rect.size())


# --- Sizes at fit --------------------------------------------------------------------------------


@pytest.mark.parametrize("large_text", [False, True], ids=["standard", "large-text"])
def test_the_kiosk_announces_its_main_area_to_staff(qtbot: QtBot, large_text: bool) -> None:
    controller, engine, _ = _in_call(large_text=large_text)
    _window(qtbot, controller)
    assert _announced(engine) == MAIN_AREA


@pytest.mark.parametrize("large_text", [False, True], ids=["standard", "large-text"])
@pytest.mark.parametrize(
    "paper", [A4_MM, (A4_MM[1], A4_MM[0])], ids=["a4-portrait", "a4-landscape"]
)
def test_a_page_rendered_for_the_kiosk_is_drawn_1_to_1_at_88_percent_of_real_size(
    qtbot: QtBot, paper: tuple[float, float], large_text: bool
) -> None:
    controller, engine, _ = _in_call(large_text=large_text)
    window = _window(qtbot, controller)
    page = _page_for(_announced(engine), paper)
    controller.handle(e.PageShown("doc", 0, 1, page))
    drawn = _content_in_window(window)
    assert (drawn.width(), drawn.height()) == (page.shape[1], page.shape[0])  # unscaled
    real = min(drawn.width() * MM_PER_PX / paper[0], drawn.height() * MM_PER_PX / paper[1])
    print(f"{paper} drawn {drawn.width()}x{drawn.height()} px, {real:.1%} of real size")
    assert real >= 0.88
    if paper == A4_MM:
        assert drawn.height() >= 950


@pytest.mark.parametrize("large_text", [False, True], ids=["standard", "large-text"])
@pytest.mark.parametrize("source", ["fitted", "1080p"])
def test_a_16_9_share_is_drawn_at_least_1600_px_wide(
    qtbot: QtBot, source: str, large_text: bool
) -> None:
    controller, _, _ = _in_call(large_text=large_text)
    size = fit_size((16, 9), MAIN_AREA) if source == "fitted" else (1920, 1080)
    frame = person_frame(*size, "share", (200, 200, 200))
    window = _window(qtbot, controller, content=frame)
    controller.handle(e.ScreenShareChanged(active=True))
    window.screens[Page.IN_CALL].show_media(window._feeds)  # one poll, now
    assert _content_in_window(window).width() >= 1600


@pytest.mark.parametrize("large_text", [False, True], ids=["standard", "large-text"])
def test_the_document_camera_picture_is_drawn_1280_by_720_beside_the_paper_panel(
    qtbot: QtBot, large_text: bool
) -> None:
    controller, _, _ = _in_call(large_text=large_text)
    frame = person_frame(1920, 1080, "paper", (120, 100, 80))
    window = _window(qtbot, controller, document_camera=frame)
    controller.toggle_document_camera()
    window.screens[Page.IN_CALL].show_media(window._feeds)
    picture = _content_in_window(window)
    panel = _rect_in(window, _call_screen(window).stage.paper)
    assert (picture.width(), picture.height()) == (1280, 720)
    assert panel.left() > picture.right()
    assert panel.right() == window.width() - 1


def test_the_call_screen_opens_no_window_of_its_own(qtbot: QtBot) -> None:
    controller, _, _ = _in_call()
    window = _window(qtbot, controller)
    shown = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
    assert shown == [window]


def test_the_staff_video_stays_big_enough_to_lip_read_beside_content(qtbot: QtBot) -> None:
    controller, engine, _ = _in_call()
    window = _window(qtbot, controller)
    controller.handle(e.PageShown("doc", 0, 1, _page_for(_announced(engine), A4_MM)))
    video = _call_screen(window).video
    assert video.isVisible()
    assert (video.width(), video.height()) >= (320, 240)


# --- Nothing over the content, nothing moves -----------------------------------------------------

Setup = Callable[[KioskController, RecordingEngine], None]


def _document(c: KioskController, engine: RecordingEngine) -> None:
    c.handle(e.PageShown("doc", 0, 2, _page_for(_announced(engine), A4_MM)))


def _document_with_text(c: KioskController, engine: RecordingEngine) -> None:
    _document(c, engine)
    c.handle(e.StaffText("s-1", "ここに お名前を 書いてください。住所は 下の欄です。" * 3))


def _share_with_text(c: KioskController, engine: RecordingEngine) -> None:
    c.handle(e.ScreenShareChanged(active=True))
    c.handle(e.StaffText("s-1", "記入例を お見せします"))


def _landscape_with_status(c: KioskController, engine: RecordingEngine) -> None:
    c.handle(e.PageShown("doc", 0, 2, _page_for(_announced(engine), (297.0, 210.0))))
    c.handle(p.PeerLinkChanged(session_id="s-1", online=False))


def _share_with_status(c: KioskController, engine: RecordingEngine) -> None:
    c.handle(e.ScreenShareChanged(active=True))
    c.handle(p.PeerLinkChanged(session_id="s-1", online=False))


def _document_camera_with_text(c: KioskController, engine: RecordingEngine) -> None:
    c.toggle_document_camera()
    c.handle(e.StaffText("s-1", "紙を 送ってください"))


CONTENT_STATES: dict[str, Setup] = {
    "document": _document,
    "share-and-status": _share_with_status,
    "document-and-staff-text": _document_with_text,
    "share-and-staff-text": _share_with_text,
    "landscape-and-status": _landscape_with_status,
    "document-camera-and-staff-text": _document_camera_with_text,
}


@pytest.mark.parametrize("language", [Language.JA, Language.EN])
@pytest.mark.parametrize("state", list(CONTENT_STATES))
def test_no_widget_overlaps_the_content(qtbot: QtBot, state: str, language: Language) -> None:
    controller, engine, _ = _in_call(language)
    frame = person_frame(*fit_size((16, 9), MAIN_AREA), "share", (200, 200, 200))
    window = _window(qtbot, controller, content=frame)
    CONTENT_STATES[state](controller, engine)
    window.screens[Page.IN_CALL].show_media(window._feeds)
    qtbot.wait(1)
    document = _call_screen(window).stage.document
    content = _content_in_window(window)
    assert not content.isEmpty()
    overlapping = [
        f"{type(widget).__name__} at {_rect_in(window, widget)}"
        for widget in window.findChildren(QWidget)
        if widget.isVisibleTo(window)
        and widget is not document
        and not widget.isAncestorOf(document)
        and _rect_in(window, widget).intersects(content)
    ]
    assert overlapping == []


def _rect_in(window: QWidget, widget: QWidget) -> QRect:
    return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())


def _video(c: KioskController, engine: RecordingEngine) -> None:
    pass


def _staff_text(c: KioskController, engine: RecordingEngine) -> None:
    c.handle(e.StaffText("s-1", "マイナンバーカードを お持ちですか。 Do you have your card?"))


def _pad(c: KioskController, engine: RecordingEngine) -> None:
    c.open_pad()


def _document_camera(c: KioskController, engine: RecordingEngine) -> None:
    c.toggle_document_camera()


ALL_STATES: dict[str, Setup] = {
    "video": _video,
    "staff-text": _staff_text,
    "writing-pad": _pad,
    "document-camera": _document_camera,
    **CONTENT_STATES,
}


def _fixed_places(window: KioskWindow) -> dict[str, QRect]:
    screen = _call_screen(window)
    buttons = {f"phrase {phrase.value}": b for phrase, b in screen.phrases.items()}
    buttons |= {
        "mute": screen.mute,
        "quieter": screen.quieter,
        "louder": screen.louder,
        "end": screen.end,
        "writing pad": screen.tools.pad,
        "large text": screen.top.large_text,
        "high contrast": screen.top.high_contrast,
        "language": screen.top.language,
    }
    return {name: _rect_in(window, button) for name, button in buttons.items()}


@pytest.mark.parametrize("large_text", [False, True], ids=["standard", "large-text"])
@pytest.mark.parametrize("language", [Language.JA, Language.EN])
def test_the_fixed_buttons_keep_their_places_in_every_call_state(
    qtbot: QtBot, language: Language, large_text: bool
) -> None:
    places: dict[str, dict[str, QRect]] = {}
    for state, setup in ALL_STATES.items():
        controller, engine, _ = _in_call(language, large_text=large_text)
        window = _window(qtbot, controller)
        setup(controller, engine)
        qtbot.wait(1)
        places[state] = _fixed_places(window)
        window.close()
    first = places["video"]
    assert all(rect.width() >= 80 and rect.height() >= 80 for rect in first.values())
    moved = {
        (state, name): (first[name], rect)
        for state, rects in places.items()
        for name, rect in rects.items()
        if rect != first[name]
    }
    assert moved == {}


# --- Focus and zoom ------------------------------------------------------------------------------


def _showing_a4(qtbot: QtBot) -> tuple[KioskController, RecordingEngine, KioskWindow]:
    controller, engine, _ = _in_call()
    window = _window(qtbot, controller)
    page = np.asarray(a4_form(_announced(engine)[1] / A4_MM[1]), dtype=np.uint8)
    controller.handle(e.PageShown("form", 0, 3, page))
    return controller, engine, window


def _settled(qtbot: QtBot) -> None:
    qtbot.wait(FOCUS_ANIMATION_MS + VIEW_SETTLES_MS + 100)


def test_a_staff_focus_zooms_so_the_box_fills_the_view_and_reports_it(qtbot: QtBot) -> None:
    controller, engine, window = _showing_a4(qtbot)
    document = _call_screen(window).stage.document
    _settled(qtbot)
    engine.calls.clear()
    box = (0.1, 0.1, 0.4, 0.2)
    controller.handle(e.FocusRequested("form", 0, box))
    _settled(qtbot)
    assert document.zoom == pytest.approx(2.5)
    x, y, width, height = document.visible_box()
    assert (x + width / 2, y + height / 2) == pytest.approx((0.3, 0.2), abs=0.01)
    assert width == pytest.approx(0.4, abs=0.01)
    reports = engine.named("report_view")
    assert reports, "the kiosk never told staff what the citizen sees"
    _, doc_id, page, reported, width_px, height_px = reports[-1]
    assert (doc_id, page) == ("form", 0)
    assert reported == pytest.approx(document.visible_box())
    content = document.content_rect()
    assert (width_px, height_px) == (content.width(), content.height())


def test_a_sharper_part_is_drawn_over_the_zoomed_page(qtbot: QtBot) -> None:
    controller, _, window = _showing_a4(qtbot)
    document = _call_screen(window).stage.document
    box = (0.1, 0.1, 0.4, 0.2)
    controller.handle(e.FocusRequested("form", 0, box))
    _settled(qtbot)
    content = document.content_rect()
    detail = np.zeros((content.height(), content.width(), 3), dtype=np.uint8)  # all black
    controller.handle(e.PageShown("form", 0, 3, detail, region=document.visible_box()))
    picture = document.grab(content).toImage()
    centre = picture.pixelColor(content.width() // 2, content.height() // 2)
    assert (centre.red(), centre.green(), centre.blue()) == (0, 0, 0)


def test_the_zoom_holds_across_pages_of_a_document_and_resets_for_another(
    qtbot: QtBot,
) -> None:
    controller, engine, window = _showing_a4(qtbot)
    document = _call_screen(window).stage.document
    controller.handle(e.FocusRequested("form", 0, (0.0, 0.0, 0.5, 0.5)))
    _settled(qtbot)
    page = np.asarray(a4_form(_announced(engine)[1] / A4_MM[1]), dtype=np.uint8)
    controller.handle(e.PageShown("form", 1, 3, page))
    _settled(qtbot)
    assert document.zoom == pytest.approx(2.0)
    assert engine.named("report_view")[-1][2] == 1  # staff learn the view of the new page
    controller.handle(e.PageShown("other", 0, 1, page))
    assert document.zoom == 1.0


@pytest.mark.parametrize("by", ["citizen", "staff"])
def test_whole_page_returns_to_fit(qtbot: QtBot, by: str) -> None:
    controller, _, window = _showing_a4(qtbot)
    screen = _call_screen(window)
    controller.handle(e.FocusRequested("form", 0, (0.2, 0.2, 0.3, 0.3)))
    _settled(qtbot)
    if by == "citizen":
        screen.tools.zoom_fit.click()
    else:
        controller.handle(e.FocusRequested("form", 0, e.WHOLE_PAGE))
    _settled(qtbot)
    assert screen.stage.document.zoom == 1.0
    assert screen.stage.document.visible_box() == pytest.approx(e.WHOLE_PAGE)


def test_a_pinch_zooms_about_the_fingers(qtbot: QtBot) -> None:
    _, _, window = _showing_a4(qtbot)
    document = _call_screen(window).stage.document
    content = document.content_rect()
    fingers = QPointF(content.width() * 0.25, content.height() * 0.25)
    before = _page_point(document, fingers)
    document.zoom_by(2.0, fingers)
    assert document.zoom == 2.0
    assert _page_point(document, fingers) == pytest.approx(before, abs=0.002)


def _page_point(document: Any, at: QPointF) -> tuple[float, float]:
    page = document.page_rect()
    return ((at.x() - page.x()) / page.width(), (at.y() - page.y()) / page.height())


# --- The paper under the document camera ---------------------------------------------------------

DESK = (120, 92, 64)  # a brown desk, as the live picture
BLUE_STILL, RED_STILL = (0, 90, 255), (255, 75, 0)


def _paper_window(
    qtbot: QtBot, language: Language, **switches: bool
) -> tuple[KioskController, RecordingEngine, KioskWindow]:
    """The call with the document camera on, its live picture a plain desk."""
    controller, engine, _ = _in_call(language, large_text=switches.get("large_text", False))
    if switches.get("high_contrast"):
        controller.toggle_high_contrast()
    desk = np.full((1080, 1920, 3), DESK, dtype=np.uint8)
    window = _window(qtbot, controller, document_camera=desk)
    controller.toggle_document_camera()
    window.screens[Page.IN_CALL].show_media(window._feeds)
    qtbot.wait(1)
    return controller, engine, window


def _still() -> Image8:
    """A still as staff received it: an A4 sheet sideways, its left half blue, its right red."""
    still = np.empty((840, 1188, 3), dtype=np.uint8)
    still[:, :594] = BLUE_STILL
    still[:, 594:] = RED_STILL
    return still


def _rgb(image: QImage, x: float, y: float) -> tuple[int, int, int]:
    color = image.pixelColor(round(x), round(y))
    return (color.red(), color.green(), color.blue())


def _paper_places(window: KioskWindow) -> dict[str, QRect]:
    stage = _call_screen(window).stage
    return {
        "picture": _content_in_window(window),
        "send": _rect_in(window, stage.paper.send),
        "still": _rect_in(window, stage.paper.still),
        "status": _rect_in(window, stage.paper.status),
        "words": _rect_in(window, stage.words),
    }


@pytest.mark.parametrize("grey", range(0, 256, 5))
def test_the_guide_outline_stands_out_3_to_1_on_any_desk_or_paper(grey: int) -> None:
    for background in ((grey, grey, grey), DESK, (255, 255, 255), (128, 64, 0), (0, 90, 255)):
        assert max(contrast_ratio(YELLOW, background), contrast_ratio(BLACK, background)) >= 3


@pytest.mark.parametrize("language", [Language.JA, Language.EN])
def test_the_guide_frame_is_drawn_on_the_picture_in_a4_sideways(
    qtbot: QtBot, language: Language
) -> None:
    _, _, window = _paper_window(qtbot, language)
    stage = _call_screen(window).stage
    picture = QRectF(stage.document.content_rect())
    frame = stage.guide.frame(picture)
    label = stage.guide.label_rect(picture)
    grab = stage.document.grab().toImage()
    middle = OUTLINE_PX / 2  # the yellow core of the outline, outside the frame
    edges = {
        "left": (frame.left() - middle, frame.center().y()),
        "right": (frame.right() + middle, frame.center().y()),
        "top": (frame.left() + frame.width() / 8, frame.top() - middle),
        "bottom": (frame.center().x(), frame.bottom() + middle),
    }
    assert {edge: _rgb(grab, *at) for edge, at in edges.items()} == dict.fromkeys(edges, YELLOW)
    assert _rgb(grab, frame.left() - OUTLINE_PX + 1, frame.center().y()) == BLACK
    outside = _rgb(grab, frame.left() - OUTLINE_PX - 2, frame.center().y())
    assert outside == DESK
    assert contrast_ratio(YELLOW, outside) >= 3
    # The place for the paper stays clear, the label sits outside it, and all is in the picture.
    assert _rgb(grab, frame.center().x(), frame.center().y()) == DESK
    assert not label.intersects(frame)
    assert picture.contains(label)
    assert frame.adjusted(-OUTLINE_PX, -OUTLINE_PX, OUTLINE_PX, OUTLINE_PX) in picture
    assert _rgb(grab, label.left() + 8, label.center().y()) == YELLOW
    assert frame.width() / frame.height() == pytest.approx(297 / 210, abs=0.002)
    assert frame.height() >= 0.8 * picture.height()
    print(
        f"{language}: picture {picture.width():.0f}x{picture.height():.0f}, guide frame "
        f"{frame.width():.0f}x{frame.height():.0f} at {frame.x():.0f},{frame.y():.0f}, label "
        f"{label.width():.0f}x{label.height():.0f}"
    )


def test_the_guide_frame_follows_the_picture_when_it_scales(qtbot: QtBot) -> None:
    _, _, window = _paper_window(qtbot, Language.JA)
    document = _call_screen(window).stage.document
    document.resize(960, 540)  # a 1080p camera drawn at half size
    picture = QRectF(document.content_rect())
    assert (picture.width(), picture.height()) == (960, 540)
    frame = _call_screen(window).stage.guide.frame(picture)
    grab = document.grab().toImage()
    middle = OUTLINE_PX / 2
    assert _rgb(grab, frame.left() - middle, frame.center().y()) == YELLOW
    assert _rgb(grab, frame.center().x(), frame.bottom() + middle) == YELLOW


@pytest.mark.parametrize("language", [Language.JA, Language.EN])
def test_the_send_button_sends_a_still_then_shows_it_as_staff_received_it(
    qtbot: QtBot, language: Language
) -> None:
    controller, engine, window = _paper_window(qtbot, language)
    tr = Translator(language)
    paper = _call_screen(window).stage.paper
    send = paper.send
    places = {"ready": _paper_places(window)}
    assert send.isVisible()
    assert send.isEnabled()
    assert send.kind is Kind.GO
    assert send.label() == tr("call.paper_send")
    assert send.height() >= 80
    assert not paper.status.isVisible()
    assert paper.still.drawn_rect().isEmpty()

    with qtbot.waitSignal(_call_screen(window).paper_send_requested, timeout=1000):
        qtbot.mouseClick(send, Qt.MouseButton.LeftButton)
    assert engine.named("send_paper") == [("send_paper",)]
    assert not send.isEnabled()
    assert paper.status.isVisible()
    assert paper.status.text() == tr("call.paper_sending")
    qtbot.mouseClick(send, Qt.MouseButton.LeftButton)  # a second tap while one is on its way
    assert len(engine.named("send_paper")) == 1
    places["sending"] = _paper_places(window)

    controller.handle(e.PaperSent(_still(), delivered=True))
    qtbot.wait(1)
    assert send.isEnabled()
    assert send.kind is Kind.GO
    assert paper.status.text() == tr("call.paper_sent")
    assert paper.sent_label.isVisible()
    assert paper.sent_label.text() == tr("call.paper_what_sent")
    drawn = paper.still.drawn_rect()
    grab = paper.still.grab().toImage()
    third = drawn.width() / 3
    assert _rgb(grab, drawn.left() + third, drawn.center().y()) == BLUE_STILL
    assert _rgb(grab, drawn.right() - third, drawn.center().y()) == RED_STILL
    assert drawn.width() / drawn.height() == pytest.approx(1188 / 840, abs=0.01)
    places["sent"] = _paper_places(window)
    assert places["sending"] == places["ready"]
    assert places["sent"] == places["ready"]
    assert window.findChildren(TouchButton)
    assert layout_problems(window) == []
    print(
        f"{language}: send {send.width()}x{send.height()}, status {paper.status.width()}x"
        f"{paper.status.height()} at {_theme(controller).body_px} px, still drawn "
        f"{drawn.width()}x{drawn.height()}"
    )


def test_a_still_that_did_not_arrive_says_so_and_the_button_works_again(qtbot: QtBot) -> None:
    controller, engine, window = _paper_window(qtbot, Language.JA)
    paper = _call_screen(window).stage.paper
    qtbot.mouseClick(paper.send, Qt.MouseButton.LeftButton)
    controller.handle(e.PaperSent(None, delivered=False))
    assert paper.status.text() == Translator(Language.JA)("call.paper_not_sent")
    assert paper.send.isEnabled()
    assert paper.still.drawn_rect().isEmpty()
    qtbot.mouseClick(paper.send, Qt.MouseButton.LeftButton)
    assert len(engine.named("send_paper")) == 2


def test_staff_words_show_below_the_picture_while_the_paper_is_placed(qtbot: QtBot) -> None:
    controller, _, window = _paper_window(qtbot, Language.JA)
    controller.handle(e.StaffText("s-1", "紙を 送ってください"))
    qtbot.wait(1)
    stage = _call_screen(window).stage
    places = _paper_places(window)
    assert stage.words.isVisible()
    assert "紙を 送ってください" in stage.staff_texts.text()
    assert places["words"].top() > places["picture"].bottom()
    assert not places["words"].intersects(_rect_in(window, stage.paper))


@pytest.mark.parametrize(
    "switches",
    [{"large_text": True}, {"high_contrast": True}, {"large_text": True, "high_contrast": True}],
    ids=["large-text", "high-contrast", "both"],
)
@pytest.mark.parametrize("language", list(Language))
def test_large_text_and_high_contrast_drop_nothing_of_the_paper(
    qtbot: QtBot, language: Language, switches: dict[str, bool]
) -> None:
    controller, _, window = _paper_window(qtbot, language, **switches)
    stage = _call_screen(window).stage
    before = _paper_places(window)
    qtbot.mouseClick(stage.paper.send, Qt.MouseButton.LeftButton)
    controller.handle(e.PaperSent(_still(), delivered=True))
    qtbot.wait(1)
    paper = stage.paper
    shown = (paper.send, paper.status, paper.sent_label, paper.still, stage.words)
    assert all(widget.isVisible() for widget in shown)
    assert not paper.still.drawn_rect().isEmpty()
    assert stage.guide.frame(QRectF(stage.document.content_rect())).height() > 500
    assert _paper_places(window) == before
    assert layout_problems(window) == []


def _theme(controller: KioskController) -> Theme:
    return controller.view().theme
