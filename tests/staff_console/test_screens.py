"""The console's screens, driven offscreen: what each stage shows and which intents go out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from PyQt6.QtCore import QPoint, Qt
from PyQt6.QtGui import QImage
from PyQt6.QtWidgets import QMessageBox

from signaling import protocol as p
from staff_console.app import ConsoleApp
from staff_console.core.engine_port import (
    CallPhase,
    CallPhaseChanged,
    CallQuality,
    CitizenSpeaking,
    CitizenViewChanged,
    HighlightMark,
    HubConnected,
    HubDisconnected,
    HubRefused,
    MarkTool,
    PhraseHeard,
    PointerMark,
    ViewerChanged,
)
from staff_console.core.legibility import (
    LEGIBLE_MM,
    WHOLE_PAGE,
    Legibility,
    TextSize,
    fit,
    px_per_pt,
    text_height_mm,
)
from staff_console.core.viewmodels import CitizenScreen, Stage
from staff_console.i18n import Language, Translator
from staff_console.screens.citizen_view import CitizenView
from staff_console.screens.document_panel import DocumentPanel
from staff_console.screens.shortcut_sheet import shown
from staff_console.screens.transfer_dialog import TransferDialog
from tests.call.fixtures.text_pdf import A4_PT, Line, text_pdf
from tests.staff_console import messages as m
from tests.staff_console.fake_engine import RecordingEngine

NOW = 1000.0


def engine_of(console: ConsoleApp) -> RecordingEngine:
    assert isinstance(console.engine, RecordingEngine)
    return console.engine


def logged_in(console: ConsoleApp, qtbot: Any) -> None:
    console.login.password.setText("tanaka-demo")
    console.login.username.setText("tanaka")
    qtbot.mouseClick(console.login.submit, Qt.MouseButton.LeftButton)
    for message in (HubConnected(m.welcome()), m.directory(), m.snapshot()):
        console.controller.handle(message, NOW)
    console.window.activateWindow()
    qtbot.waitUntil(console.window.isActiveWindow)  # shortcuts work in the active window


def test_the_login_dialog_is_up_first_with_the_remembered_server(console: ConsoleApp) -> None:
    assert console.login.isVisible()
    assert console.login.server.text() == "ws://hub.invalid/ws"
    assert console.login.password.text() == ""


def test_logging_in_remembers_server_and_username_but_never_the_password(
    console: ConsoleApp, qtbot: Any, tmp_path: Path
) -> None:
    logged_in(console, qtbot)
    assert engine_of(console).named("login") == [("ws://hub.invalid/ws", "tanaka", "tanaka-demo")]
    assert not console.login.isVisible()
    assert console.remembered.get("login/username") == "tanaka"
    stored = (tmp_path / "console.ini").read_text(encoding="utf-8")
    assert "tanaka-demo" not in stored
    assert console.login.password.text() == ""


def test_a_wrong_password_is_shown_in_the_dialog(console: ConsoleApp, qtbot: Any) -> None:
    console.login.username.setText("tanaka")
    console.login.password.setText("nope")
    qtbot.mouseClick(console.login.submit, Qt.MouseButton.LeftButton)
    console.controller.handle(HubRefused(p.ErrorCode.UNAUTHORIZED, "unauthorized"), NOW)
    assert console.login.isVisible()
    assert console.login.message.text() == "ユーザー名またはパスワードが違います。"


def test_an_expired_session_brings_the_login_back_over_the_same_window(
    console: ConsoleApp, qtbot: Any
) -> None:
    logged_in(console, qtbot)
    console.window.resize(1300, 700)
    size = console.window.size()
    console.controller.handle(HubRefused(p.ErrorCode.SESSION_EXPIRED, "expired"), NOW)
    assert console.login.isVisible()
    assert "有効期限" in console.login.message.text()
    assert console.window.isVisible()
    assert console.window.size() == size


def test_the_queue_lists_waiting_citizens_and_take_next_asks_the_hub(
    console: ConsoleApp, qtbot: Any
) -> None:
    logged_in(console, qtbot)
    handoff = p.HandoffStep(department_id="zeimu", staff_name="佐藤", note="証明書の件")
    console.controller.handle(
        m.snapshot(m.entry(queued_at=NOW - 75, transferred_from=handoff)), NOW
    )
    table = console.window.queue.table
    assert table.rowCount() == 1
    assert "中央公民館" in table.item(0, 0).text()  # type: ignore[union-attr]
    assert "証明書の件" in table.item(0, 1).text()  # type: ignore[union-attr]
    assert "1:15" in table.item(0, 3).text()  # type: ignore[union-attr]
    qtbot.keyClick(console.window.windowHandle(), Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert engine_of(console).named("accept_next") == [()]
    qtbot.mouseClick(console.window.queue.accept, Qt.MouseButton.LeftButton)
    assert engine_of(console).named("accept") == [("s1",)]


def test_already_taken_is_said_in_the_notice_bar(console: ConsoleApp, qtbot: Any) -> None:
    logged_in(console, qtbot)
    console.controller.handle(p.Error(code=p.ErrorCode.ALREADY_TAKEN, message="taken"), NOW)
    assert console.window.top.notice_box.isVisible()
    assert console.window.top.notice.text() == "この方には、すでに別の職員が応答しました。"


def test_the_call_page_shows_the_citizen_state_quality_and_phrase(
    console: ConsoleApp, qtbot: Any
) -> None:
    logged_in(console, qtbot)
    c = console.controller
    c.handle(m.started(), NOW)
    c.handle(CallPhaseChanged("s1", CallPhase.CONNECTED, "up"), NOW)
    c.handle(
        CallQuality("s1", 42.0, (p.TrackStats(kind="video", direction="inbound", fps=30.0),)), NOW
    )
    c.handle(PhraseHeard("s1", "cannot_hear"), NOW)
    page = console.window.call
    assert console.window.stack.currentWidget() is page
    assert "中央公民館" in page.who.text()
    assert "良好" in page.quality.text()
    assert page.phrase.isVisible()
    assert "聞こえません" in page.phrase.text()
    qtbot.keyClick(console.window.windowHandle(), Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    assert engine_of(console).named("set_muted") == [(True,)]
    assert page.speaking.text() == ""
    c.handle(CitizenSpeaking(True), NOW)
    assert "話しています" in page.speaking.text()


def test_the_hub_dropping_says_reconnecting_and_keeps_the_call(
    console: ConsoleApp, qtbot: Any
) -> None:
    logged_in(console, qtbot)
    console.controller.handle(m.started(), NOW)
    console.controller.handle(HubDisconnected("going away"), NOW)
    assert console.window.stack.currentWidget() is console.window.call
    assert "再接続" in console.window.top.hub.text()


def test_a_document_is_opened_shown_and_pointed_at(
    console: ConsoleApp, qtbot: Any, tmp_path: Path
) -> None:
    logged_in(console, qtbot)
    console.controller.handle(m.started(), NOW)
    form = tmp_path / "forms" / "申請書.png"
    Image.fromarray(np.full((400, 300, 3), 255, np.uint8)).save(form)
    console.controller.handle(m.snapshot(), NOW)  # the forms list is read on each view
    documents = console.window.call.documents
    assert documents.forms.count() == 1
    item = documents.forms.item(0)
    assert item is not None
    documents.forms.itemClicked.emit(item)
    engine = engine_of(console)
    ((path, _doc_id, page),) = engine.named("show_page")
    assert (path, page) == (form, 0)
    canvas = documents.canvas
    canvas.resize(600, 800)
    page_rect = canvas.page_rect()
    centre = QPoint(int(page_rect.center().x()), int(page_rect.center().y()))
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=centre)
    ((_, _, marks),) = engine.named("send_marks")
    (pointer,) = marks
    assert isinstance(pointer, PointerMark)
    assert (pointer.x, pointer.y) == pytest.approx((0.5, 0.5), abs=0.02)


def test_text_goes_to_the_kiosk_from_a_template_and_free_text(
    console: ConsoleApp, qtbot: Any
) -> None:
    logged_in(console, qtbot)
    console.controller.handle(m.started(), NOW)
    messages = console.window.call.messages
    template = messages.templates.item(0)
    assert template is not None
    messages.templates.itemActivated.emit(template)
    messages.free_text.setPlainText("次は2番窓口です")
    qtbot.mouseClick(messages.send, Qt.MouseButton.LeftButton)
    assert engine_of(console).named("send_text") == [
        ("少々お待ちください。", "ja"),
        ("次は2番窓口です", "ja"),
    ]
    assert messages.sent.count() == 2


def transfer_dialog(console: ConsoleApp) -> TransferDialog:
    dialog = console.window.findChild(TransferDialog)
    assert dialog is not None
    assert dialog.isVisible()
    return dialog


def test_two_clicks_transfer_to_the_likeliest_other_department(
    console: ConsoleApp, qtbot: Any
) -> None:
    logged_in(console, qtbot)
    console.controller.handle(m.started(), NOW)  # a 市民課 call
    clicks = 0
    qtbot.mouseClick(console.window.call.transfer, Qt.MouseButton.LeftButton)
    clicks += 1
    dialog = transfer_dialog(console)
    assert dialog.windowTitle() == "転送"
    rows = [dialog.targets.item(i).text() for i in range(dialog.targets.count())]  # type: ignore[union-attr]
    assert not any("市民課" in row for row in rows)  # never the call's own department
    assert rows[0].startswith("1  税務課")
    qtbot.mouseClick(dialog.submit, Qt.MouseButton.LeftButton)
    clicks += 1
    assert engine_of(console).named("transfer") == [("zeimu", "")]
    assert clicks <= 2


def test_a_transfer_with_a_note_from_the_keyboard(console: ConsoleApp, qtbot: Any) -> None:
    logged_in(console, qtbot)
    console.controller.handle(m.started(), NOW)
    console.window.activateWindow()
    qtbot.keyClick(console.window, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    dialog = transfer_dialog(console)
    qtbot.keyClick(dialog.targets, Qt.Key.Key_2)  # 介護保険課 is closed: nothing changes
    qtbot.keyClick(dialog.targets, Qt.Key.Key_1)
    qtbot.keyClick(dialog.targets, Qt.Key.Key_Tab)
    qtbot.keyClicks(dialog.note, "form 2")  # QTest types Latin only; an IME commits the rest
    qtbot.keyClick(dialog.note, Qt.Key.Key_Return)
    assert engine_of(console).named("transfer") == [("zeimu", "form 2")]


def test_ending_a_call_asks_first_and_esc_keeps_the_call_and_the_text_typed(
    console: ConsoleApp, qtbot: Any
) -> None:
    logged_in(console, qtbot)
    console.controller.handle(m.started(), NOW)
    messages = console.window.call.messages
    messages.free_text.setPlainText("次は2番窓")
    qtbot.mouseClick(console.window.call.end, Qt.MouseButton.LeftButton)
    box = end_confirmation(console)
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    assert engine_of(console).named("hang_up") == []
    assert messages.free_text.toPlainText() == "次は2番窓"
    qtbot.mouseClick(console.window.call.end, Qt.MouseButton.LeftButton)
    qtbot.keyClick(end_confirmation(console), Qt.Key.Key_Return)
    assert engine_of(console).named("hang_up") == [()]


def end_confirmation(console: ConsoleApp) -> QMessageBox:
    shown = [b for b in console.window.findChildren(QMessageBox) if b.isVisible()]
    assert [b.objectName() for b in shown] == ["end_confirmation"]
    return shown[0]


def test_a_staff_message_is_sent_in_one_click_from_the_call_view(
    console: ConsoleApp, qtbot: Any
) -> None:
    logged_in(console, qtbot)
    console.controller.handle(m.started(), NOW)
    quick = console.window.call.quick_texts
    first = quick.item(0)
    assert first is not None
    assert first.text().startswith("Alt+1  ")
    rect = quick.visualItemRect(first)
    qtbot.mouseClick(quick.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert engine_of(console).named("send_text") == [("少々お待ちください。", "ja")]
    qtbot.keyClick(console.window, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    assert len(engine_of(console).named("send_text")) == 2


def test_f1_lists_every_shortcut_the_window_binds(console: ConsoleApp, qtbot: Any) -> None:
    logged_in(console, qtbot)
    qtbot.keyClick(console.window, Qt.Key.Key_F1)
    sheet = console.window.cheat_sheet
    assert sheet.isVisible()
    table = sheet.table
    listed = {
        table.item(r, 1).text(): table.item(r, 0).text()  # type: ignore[union-attr]
        for r in range(table.rowCount())
    }
    tr = console.translator
    for shortcut in console.window.shortcuts:
        keys = listed[tr(shortcut.label)]
        assert shown(shortcut.keys) == keys or " ... " in keys, (shortcut.keys, keys)
    assert listed[tr("keys.quick_text")] == "Alt+1 ... Alt+9"
    assert listed[tr("keys.accept")] == "Enter"  # as the key says, not Qt's "Return"


def test_wrap_up_saves_the_outcome_and_goes_back_to_the_queue(
    console: ConsoleApp, qtbot: Any
) -> None:
    logged_in(console, qtbot)
    c = console.controller
    c.handle(m.started(), NOW)
    c.handle(p.SessionEnded(session_id="s1", reason=p.EndReason.COMPLETED), NOW + 60)
    page = console.window.wrap_up
    assert console.window.stack.currentWidget() is page
    assert [page.outcome.itemText(i) for i in range(page.outcome.count())] == ["解決", "その他"]
    page.note.setPlainText("郵送で対応")
    qtbot.keyClick(console.window.windowHandle(), Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert engine_of(console).named("wrap_up") == [("s1", "resolved", "郵送で対応")]
    c.handle(p.WrapUpSaved(session_id="s1"), NOW + 61)
    assert console.controller.stage is Stage.READY
    assert "解決" in console.window.queue.day.list.item(0).text()  # type: ignore[union-attr]


JA = Translator(Language.JA)
KIOSK_VIEWER = (1700, 950)
KIOSK_MM_PER_PX = 0.2745  # the reference 23.8" 1920x1080 panel
FORM_LINES = [
    Line("住民票の写し等交付請求書", 18.0, at=(60.0, 80.0)),
    Line("請求者の住所と氏名をご記入ください。", 8.0, at=(60.0, 160.0)),
    Line("本人確認書類をお持ちください。", 8.0, at=(60.0, 180.0)),
]


def document_open(console: ConsoleApp, qtbot: Any, form: Path) -> DocumentPanel:
    logged_in(console, qtbot)
    console.controller.handle(m.started(), NOW)
    documents = console.window.call.documents
    documents.file_chosen.emit(str(form))
    return documents


def test_look_here_sends_the_dragged_box_as_fractions_and_whole_page_the_full_box(
    console: ConsoleApp, qtbot: Any, tmp_path: Path
) -> None:
    documents = document_open(console, qtbot, text_pdf(tmp_path / "form.pdf", FORM_LINES))
    focus_tool = documents.tools[MarkTool.FOCUS]
    assert "Ctrl+4" in focus_tool.toolTip()
    qtbot.keyClick(console.window.windowHandle(), Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    assert focus_tool.isChecked()
    canvas = documents.canvas
    canvas.resize(600, 800)
    page = canvas.page_rect()

    def at(x: float, y: float) -> QPoint:
        return QPoint(round(page.x() + x * page.width()), round(page.y() + y * page.height()))

    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=at(0.6, 0.5))
    qtbot.mouseMove(canvas, at(0.4, 0.6))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=at(0.2, 0.7))
    engine = engine_of(console)
    ((doc_id, page_index, box),) = engine.named("focus")
    assert page_index == 0
    assert box == pytest.approx((0.2, 0.5, 0.4, 0.2), abs=0.005)
    assert engine.named("send_marks") == []  # looking is not a mark
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=at(0.5, 0.5))  # a click is no box
    assert len(engine.named("focus")) == 1
    qtbot.mouseClick(documents.whole_page, Qt.MouseButton.LeftButton)
    qtbot.keyClick(console.window.windowHandle(), Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert engine.named("focus")[1:] == [(doc_id, 0, WHOLE_PAGE)] * 2


def preview(qtbot: Any, console_mm_per_px: float) -> CitizenView:
    view = CitizenView(JA)
    qtbot.addWidget(view)
    view.picture.console_mm_per_px = console_mm_per_px
    view.resize(700, 700)
    view.show()
    return view


def test_the_preview_draws_the_kiosk_at_true_scale_when_it_fits(qtbot: Any) -> None:
    view = preview(qtbot, console_mm_per_px=0.25)  # a 101.6 dpi console monitor
    page = QImage(212, 300, QImage.Format.Format_RGB888)
    page.fill(Qt.GlobalColor.white)
    view.set_page_image(page)
    # A small kiosk view: 400x300 px of 0.3 mm, 120x90 mm; the page at fit inside it.
    text = TextSize(Legibility.READABLE, 3.4)
    view.draw(CitizenScreen((400, 300), 0.3, WHOLE_PAGE, (212, 300), True, text))
    area, part = view.picture.content_rect(), view.picture.page_part_rect()
    assert part is not None
    assert (area.width() * 0.25, area.height() * 0.25) == pytest.approx((120, 90), abs=0.3)
    assert (part.width() * 0.25, part.height() * 0.25) == pytest.approx((63.6, 90), abs=0.3)
    assert view.scale.text() == JA("citizen.true_scale")
    assert view.text.text() == "住民の方の画面で最小の文字は 3.4 mm です"
    assert not view.zoom.isVisible()
    picture = view.picture.grab().toImage()
    middle = part.center().toPoint()
    margin = QPoint(round(area.left() + 10), middle.y())
    assert picture.pixelColor(middle).name() == "#ffffff"  # the page
    assert picture.pixelColor(margin).name() == "#3c4148"  # the kiosk around it


def test_the_preview_shows_the_page_before_the_kiosk_says_its_size(qtbot: Any) -> None:
    view = preview(qtbot, console_mm_per_px=0.25)
    page = QImage(210, 297, QImage.Format.Format_RGB888)
    page.fill(Qt.GlobalColor.white)
    view.set_page_image(page)
    view.draw(CitizenScreen(None, None, WHOLE_PAGE, None, False, TextSize(Legibility.NO_SCALE)))
    part = view.picture.page_part_rect()
    assert part is not None
    assert part.width() / part.height() == pytest.approx(210 / 297, rel=0.01)
    assert view.picture.grab().toImage().pixelColor(part.center().toPoint()).name() == "#ffffff"
    assert view.scale.text() == JA("citizen.no_viewer")


def test_the_preview_shows_staffs_marks_on_the_part_of_the_page_in_view(qtbot: Any) -> None:
    view = preview(qtbot, console_mm_per_px=0.25)
    page = QImage(400, 400, QImage.Format.Format_RGB888)
    page.fill(Qt.GlobalColor.white)
    view.set_page_image(page)
    zoomed = (0.0, 0.0, 0.5, 0.5)  # the top-left quarter, drawn 300x300 on the kiosk
    text = TextSize(Legibility.READABLE, 5.0)
    highlight = HighlightMark("h1", 0.1, 0.1, 0.2, 0.2)
    view.draw(CitizenScreen((400, 300), 0.3, zoomed, (300, 300), True, text), (highlight,))
    part = view.picture.page_part_rect()
    assert part is not None
    # The highlight's middle, (0.2, 0.2) of the page, is (0.4, 0.4) of the quarter in view.
    spot = QPoint(round(part.x() + 0.4 * part.width()), round(part.y() + 0.4 * part.height()))
    blank = QPoint(round(part.x() + 0.8 * part.width()), round(part.y() + 0.8 * part.height()))
    picture = view.picture.grab().toImage()
    assert picture.pixelColor(spot).name() != "#ffffff"
    assert picture.pixelColor(spot).blue() < 200  # yellow over white
    assert picture.pixelColor(blank).name() == "#ffffff"


def test_the_preview_of_a_kiosk_too_large_for_it_says_its_scale(qtbot: Any) -> None:
    view = preview(qtbot, console_mm_per_px=0.25)
    text = TextSize(Legibility.READABLE, 3.1)
    view.draw(CitizenScreen(KIOSK_VIEWER, KIOSK_MM_PER_PX, WHOLE_PAGE, (671, 950), True, text))
    scale = view.picture.scale()
    assert scale is not None
    assert scale < 1
    area = view.picture.content_rect()
    assert area.width() * 0.25 == pytest.approx(scale * KIOSK_VIEWER[0] * KIOSK_MM_PER_PX, abs=0.3)
    assert area.width() <= view.picture.width()
    assert view.scale.text() == f"実寸の {int(scale * 100)} %"
    view.picture.console_mm_per_px = None  # the real monitor's, from Qt
    screen = view.picture.screen()
    assert screen is not None
    assert view.picture.mm_per_px() == pytest.approx(25.4 / screen.physicalDotsPerInch())


# The offscreen platform cannot raise a window; the console asks so that it comes to the front.
@pytest.mark.qt_log_ignore("does not support propagateSizeHints", "does not support raise")
def test_larger_shows_the_citizen_view_in_its_own_window_and_keeps_it_live(qtbot: Any) -> None:
    view = preview(qtbot, console_mm_per_px=0.25)
    view.resize(300, 400)
    text = TextSize(Legibility.READABLE, 3.1)
    view.draw(CitizenScreen(KIOSK_VIEWER, KIOSK_MM_PER_PX, WHOLE_PAGE, (671, 950), True, text))
    panel_scale = view.picture.scale()
    assert panel_scale is not None
    qtbot.mouseClick(view.larger, Qt.MouseButton.LeftButton)
    window = view.window_view
    assert window is not None
    assert window.isVisible()
    window.picture.console_mm_per_px = 0.25  # the same monitor as the panel's
    zoomed = (0.0, 0.5, 1.0, 0.5)
    view.draw(CitizenScreen(KIOSK_VIEWER, KIOSK_MM_PER_PX, zoomed, (1206, 853), True, text))
    scale = window.picture.scale()
    assert scale is not None
    assert scale > panel_scale
    assert window.scale.text() == JA("citizen.scaled", percent=int(scale * 100))
    assert window.picture.screen_state is not None
    assert window.picture.screen_state.box == zoomed  # it follows the kiosk
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert not window.isVisible()


def test_small_text_on_the_kiosk_warns_and_one_click_zooms_it_to_4_8_mm(
    console: ConsoleApp, qtbot: Any, tmp_path: Path
) -> None:
    documents = document_open(console, qtbot, text_pdf(tmp_path / "form.pdf", FORM_LINES))
    citizen = documents.citizen
    assert not citizen.zoom.isVisible()
    assert citizen.text.text() == JA("citizen.size_unknown")
    console.controller.handle(ViewerChanged(*KIOSK_VIEWER, KIOSK_MM_PER_PX), NOW)
    # 8 pt on an A4 page 950 px tall, 0.2745 mm a pixel: 2.5 mm.
    assert citizen.text.text() == JA("citizen.too_small", mm="2.5")
    assert citizen.text.text().startswith("⚠ 住民の方の画面で最小の文字は 2.5 mm です")
    assert citizen.zoom.isVisible()
    qtbot.mouseClick(citizen.zoom, Qt.MouseButton.LeftButton)
    ((doc_id, page, box),) = engine_of(console).named("focus")
    drawn = fit(box, A4_PT, KIOSK_VIEWER)  # the kiosk fills its view with the box
    assert text_height_mm(8.0, px_per_pt(box, A4_PT, drawn), KIOSK_MM_PER_PX) >= LEGIBLE_MM
    console.controller.handle(CitizenViewChanged(doc_id, page, box, *drawn), NOW)
    assert citizen.text.text().startswith("住民の方の画面で最小の文字は 4.")
    assert not citizen.zoom.isVisible()
    assert documents.canvas._citizen_box == box  # staff see where the citizen looks


def test_a_scanned_page_says_its_text_size_is_unknown_rather_than_warn(
    console: ConsoleApp, qtbot: Any, tmp_path: Path
) -> None:
    scan = tmp_path / "scan.png"
    Image.fromarray(np.full((1169, 827, 3), 255, np.uint8)).save(scan)
    documents = document_open(console, qtbot, scan)
    console.controller.handle(ViewerChanged(*KIOSK_VIEWER, KIOSK_MM_PER_PX), NOW)
    assert documents.citizen.text.text() == JA("citizen.no_text")
    assert not documents.citizen.zoom.isVisible()
