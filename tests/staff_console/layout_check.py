"""The console's layout on a city PC's screen, in a process of its own (Qt's scale factor is fixed
when the application starts), printing what is wrong as JSON lines.

    QT_QPA_PLATFORM=offscreen QT_SCALE_FACTOR=1.25 \
        python -m tests.staff_console.layout_check 1366 768 [--plant]

The window gets the screen's logical size (pixels over the scale, less a taskbar), then each
view is drawn with a consultation that has long names in it: the queue, the call with each tab,
the transfer picker, the end confirmation and the wrap-up. A problem is a control narrower than
its text without a tooltip for the rest, a label cut off, or a horizontal scrollbar.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from tempfile import TemporaryDirectory

from PIL import Image
from PyQt6.QtCore import QSettings, Qt
from PyQt6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QApplication,
    QLabel,
    QMessageBox,
    QWidget,
)

from signaling import protocol as p
from staff_console.app import ConsoleApp, Remembered
from staff_console.core.engine_port import HubConnected
from staff_console.settings import ConsoleSettings
from tests.staff_console import messages as m
from tests.staff_console.fake_engine import RecordingEngine

TASKBAR_PX = 40  # Windows' taskbar, in physical pixels
LONG_FORMS = (
    "住民票の写し等交付請求書.pdf",
    "印鑑登録証明書交付申請書_代理人用・委任状付き.pdf",
    "国民健康保険被保険者資格取得・喪失届.pdf",
)


def problems_in(window: QWidget, where: str, screen: tuple[int, int]) -> list[dict[str, str]]:
    found = []

    def problem(widget: str, text: str, what: str) -> None:
        found.append({"where": where, "widget": widget, "text": text, "problem": what})

    if window.width() > screen[0] or window.height() > screen[1]:
        size = f"{window.width()}x{window.height()}"
        problem("the window", "", f"{size} on a {screen[0]}x{screen[1]} screen")
    for widget in window.findChildren(QWidget):
        if not widget.isVisible() or widget.width() <= 1:
            continue
        name = f"{type(widget).__name__} {widget.objectName() or ''}".strip()
        if isinstance(widget, QAbstractButton) and widget.text():
            needed = widget.sizeHint().width()
            if widget.width() < needed and not widget.toolTip():
                problem(name, widget.text(), f"{widget.width()} px for {needed}")
        if isinstance(widget, QLabel) and widget.text() and not widget.wordWrap():
            needed = widget.minimumSizeHint().width()
            if widget.width() < needed:
                problem(name, widget.text(), f"cut: {widget.width()} px for {needed}")
        if isinstance(widget, QAbstractScrollArea):
            bar = widget.horizontalScrollBar()
            if bar is not None and bar.isVisible():
                problem(name, "", "horizontal scrollbar")
    return found


def settle(app: QApplication) -> None:
    for _ in range(5):
        app.processEvents()


def main(width: int, height: int, planted: bool = False) -> list[dict[str, str]]:
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    scale = app.devicePixelRatio()
    problems: list[dict[str, str]] = []
    with TemporaryDirectory() as folder:
        forms = Path(folder)
        for name in LONG_FORMS:
            Image.new("RGB", (100, 140), "white").save(forms / name, "PDF")
        store = QSettings(str(forms / "console.ini"), QSettings.Format.IniFormat)
        settings = ConsoleSettings(server="ws://hub.invalid/ws", forms_folder=str(forms))
        console = ConsoleApp(settings, RecordingEngine(), Remembered(store), clock=False)
        window = console.window
        screen = (round(width / scale), round((height - TASKBAR_PX) / scale))
        window.resize(*screen)
        console.start()
        c = console.controller
        c.submit_login("ws://hub.invalid/ws", "tanaka", "pw")
        for message in (HubConnected(m.welcome()), m.directory(), m.snapshot()):
            c.handle(message, 1000.0)
        window.show()
        if planted:  # the check's own test: a cut button, a cut label, a sideways scrollbar
            window.queue.take_next.setFixedWidth(40)
            window.queue.day.summary.setWordWrap(False)
            window.queue.day.summary.setFixedWidth(30)
            window.queue.day.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        settle(app)
        size = f"{width}x{height} at {scale:g}"
        problems += problems_in(window, f"queue, {size}", screen)
        c.handle(m.started(), 1000.0)
        # A form open, as in most calls: the page takes the room the forms' list had.
        window.call.documents.file_chosen.emit(str(forms / LONG_FORMS[0]))
        for tab in range(window.call.tabs.count()):
            window.call.tabs.setCurrentIndex(tab)
            settle(app)
            problems += problems_in(window, f"call tab {tab}, {size}", screen)
        window.call.transfer.click()
        settle(app)
        problems += problems_in(window, f"transfer picker, {size}", screen)
        for dialog in window.findChildren(QWidget):
            if dialog.isWindow() and dialog is not window and dialog.isVisible():
                dialog.close()
        window.call.end.click()
        settle(app)
        problems += problems_in(window, f"end confirmation, {size}", screen)
        for box in window.findChildren(QMessageBox):
            box.close()
        c.handle(p.SessionEnded(session_id="s1", reason=p.EndReason.COMPLETED), 1060.0)
        settle(app)
        problems += problems_in(window, f"wrap-up, {size}", screen)
    return problems


if __name__ == "__main__":
    for problem in main(int(sys.argv[1]), int(sys.argv[2]), planted="--plant" in sys.argv):
        print(json.dumps(problem, ensure_ascii=False))
