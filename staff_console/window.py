"""The main window: the top bar over one page per stage, the dialogs, and the shortcuts.

`pages` is the one table from the controller's stage to the page shown, `_shortcut_table` the
one table of keys: it binds them and the cheat sheet (F1) lists them. The window forwards its
screens' intents as its own signals and keeps no state of the consultation. Ending a call asks
first (Enter ends it, Esc keeps it, and nothing typed is touched).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Final

from PyQt6.QtCore import QRect, Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PyQt6.QtWidgets import (
    QAbstractButton,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from staff_console import desktop
from staff_console.core.engine_port import FrameSource, MarkTool, ScreenArea
from staff_console.core.viewmodels import ConsoleVM, Stage
from staff_console.i18n import Translator
from staff_console.page_preview import PagePreview
from staff_console.screens.call_page import QUICK_TEXT_KEYS, CallPage
from staff_console.screens.queue_page import QueuePage
from staff_console.screens.region_picker import RegionPicker
from staff_console.screens.share_dialog import ShareDialog
from staff_console.screens.shortcut_sheet import Shortcut, ShortcutSheet
from staff_console.screens.top_bar import TopBar
from staff_console.screens.transfer_dialog import TransferDialog
from staff_console.screens.wrap_up_page import WrapUpPage

FRAME_INTERVAL_MS: Final = 33  # the video views poll the engine's latest frames at ~30 fps


class ConsoleWindow(QMainWindow):
    share_requested = pyqtSignal(object)  # a ScreenArea
    transfer_requested = pyqtSignal(str, str)
    end_confirmed = pyqtSignal()
    closing = pyqtSignal()

    def __init__(
        self, tr: Translator, preview: PagePreview, frames: FrameSource | None = None
    ) -> None:
        super().__init__()
        self._tr = tr
        self._preview = preview
        self._frames = frames
        self._vm: ConsoleVM | None = None
        self._page_shown: tuple[str, int] | None = None
        self.setWindowTitle(tr("app.title"))
        self.setMinimumSize(960, 540)  # a 1366x768 laptop at 125 %: 1093x582 less the title
        self.top = TopBar(tr)
        self.queue = QueuePage(tr)
        self.call = CallPage(tr)
        self.wrap_up = WrapUpPage(tr)
        self.stack = QStackedWidget()
        for page in (self.queue, self.call, self.wrap_up):
            self.stack.addWidget(page)
        self.pages: dict[Stage, QWidget] = {
            Stage.LOGIN: self.queue,
            Stage.CONNECTING: self.queue,
            Stage.READY: self.queue,
            Stage.CALL: self.call,
            Stage.WRAP_UP: self.wrap_up,
        }
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.top)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self._video_timer = QTimer(self)
        self._video_timer.setInterval(FRAME_INTERVAL_MS)
        self._video_timer.timeout.connect(self._on_video_timer_timeout)
        self.call.transfer_requested.connect(self._on_call_transfer_requested)
        self.call.share_requested.connect(self._on_call_share_requested)
        self.call.end_requested.connect(self._on_call_end_requested)
        self.shortcuts = self._shortcut_table()
        self._bound: dict[str, QShortcut] = {}
        for shortcut in self.shortcuts:
            bound = QShortcut(QKeySequence(shortcut.keys), self)
            bound.activated.connect(shortcut.action)
            self._bound[shortcut.keys] = bound
        self.cheat_sheet = ShortcutSheet(tr, self.shortcuts, self)

    def _shortcut_table(self) -> list[Shortcut]:
        """Every key, once: what it does (a catalog key) and how."""

        def press(button: QAbstractButton) -> Callable[[], None]:
            def pressed() -> None:
                if button.isVisible() and button.isEnabled():
                    button.click()

            return pressed

        def in_call(action: Callable[[], None]) -> Callable[[], None]:
            def act() -> None:
                if self.call.isVisible():
                    action()

            return act

        call, documents = self.call, self.call.documents
        presence_keys = {"available": "F9", "away": "F10", "wrap_up": "F11"}
        table = [
            Shortcut("F1", "keys.help", lambda: self.cheat_sheet.open()),
            Shortcut("Ctrl+N", "keys.take_next", press(self.queue.take_next)),
            Shortcut("Return", "keys.accept", press(self.queue.accept)),
            *(
                Shortcut(presence_keys[presence.value], f"presence.{presence.value}", press(button))
                for presence, button in self.top.presence_buttons.items()
            ),
            Shortcut("Ctrl+M", "keys.mute", press(call.mute)),
            Shortcut("Ctrl+Shift+C", "keys.camera", press(call.camera)),
            Shortcut("Ctrl+Shift+S", "keys.share", press(call.share)),
            Shortcut("Ctrl+T", "keys.transfer", press(call.transfer)),
            Shortcut("Ctrl+Shift+E", "keys.end", press(call.end)),
            Shortcut("F2", "document.title", in_call(lambda: call.tabs.setCurrentIndex(0))),
            Shortcut("F3", "text.title", in_call(lambda: call.tabs.setCurrentIndex(1))),
            Shortcut("F4", "pad.title", in_call(lambda: call.tabs.setCurrentIndex(2))),
            Shortcut("Ctrl+O", "keys.open_document", press(documents.open)),
            Shortcut("Ctrl+Shift+F", "keys.forms", in_call(documents.focus_forms)),
            Shortcut("PgUp", "document.previous", press(documents.previous)),
            Shortcut("PgDown", "document.next", press(documents.next)),
            *(
                Shortcut(f"Ctrl+{number}", f"tool.{tool.value}", press(documents.tools[tool]))
                for number, tool in enumerate(MarkTool, start=1)
            ),
            Shortcut("Ctrl+0", "document.whole_page", press(documents.whole_page)),
            *(
                Shortcut(
                    f"Alt+{number}",
                    "keys.quick_text",
                    in_call(partial(call.quick_texts.send_number, number)),
                )
                for number in range(1, QUICK_TEXT_KEYS + 1)
            ),
            Shortcut("Ctrl+S", "keys.save_wrap_up", press(self.wrap_up.save)),
        ]
        return table

    def draw(self, vm: ConsoleVM) -> None:
        self._vm = vm
        # Return accepts from the queue only: in a call it opens the form or sends the text.
        self._bound["Return"].setEnabled(vm.stage is Stage.READY)
        self.top.draw(vm)
        self.stack.setCurrentWidget(self.pages[vm.stage])
        if vm.stage in (Stage.LOGIN, Stage.CONNECTING, Stage.READY):
            self.queue.draw(vm)
        elif vm.stage is Stage.CALL:
            self.call.draw(vm)
            self._render_page(vm)
        else:
            self.wrap_up.draw(vm)
        in_call = vm.stage is Stage.CALL and self._frames is not None
        if in_call and not self._video_timer.isActive():
            self._video_timer.start()
        elif not in_call:
            self._video_timer.stop()
            self.call.show_frames(None, None, None)  # nothing of the call stays on screen

    def _render_page(self, vm: ConsoleVM) -> None:
        document = None if vm.call is None else vm.call.document
        shown = None if document is None else (document.path, document.page)
        if shown == self._page_shown:
            return
        self._page_shown = shown
        image = None if shown is None else self._preview.render(*shown)
        self.call.documents.set_page_image(image)
        if shown is None:
            self._preview.close()

    def _on_video_timer_timeout(self) -> None:
        frames = self._frames
        if frames is not None:
            self.call.show_frames(
                frames.remote_camera(), frames.self_view(), frames.remote_content()
            )

    def _on_call_transfer_requested(self) -> None:
        targets = () if self._vm is None else self._vm.transfer_targets
        dialog = TransferDialog(self._tr, targets, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.transfer_requested.connect(self.transfer_requested)
        dialog.open_beside(self.call)

    def _on_call_end_requested(self) -> None:
        tr = self._tr
        box = QMessageBox(
            QMessageBox.Icon.Question, tr("end.title"), tr("end.question"), parent=self
        )
        box.setObjectName("end_confirmation")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # one a call, all day
        end = box.addButton(tr("end.confirm") + " (Enter)", QMessageBox.ButtonRole.AcceptRole)
        keep = box.addButton(tr("end.keep") + " (Esc)", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(end)
        box.setEscapeButton(keep)

        def clicked(button: QAbstractButton | None) -> None:
            if button is end:
                self.end_confirmed.emit()

        box.buttonClicked.connect(clicked)
        box.open()

    def _on_call_share_requested(self) -> None:
        dialog = ShareDialog(self._tr, desktop.shareable_windows(), self)
        dialog.window_chosen.connect(
            lambda window: self.share_requested.emit(ScreenArea(window=window.id))
        )
        dialog.monitor_chosen.connect(lambda index: self.share_requested.emit(ScreenArea(index)))
        dialog.region_requested.connect(self._on_share_region_requested)
        dialog.open()

    def _on_share_region_requested(self) -> None:
        picker = RegionPicker(self._tr("share.region_hint"), desktop.virtual_desktop())
        picker.region_chosen.connect(self._on_picker_region_chosen)
        picker.show()
        picker.activateWindow()

    def _on_picker_region_chosen(self, region: QRect) -> None:
        self.share_requested.emit(ScreenArea(region=desktop.physical_region(region)))

    def closeEvent(self, event: QCloseEvent | None) -> None:  # noqa: N802  # Qt override
        self.closing.emit()
        super().closeEvent(event)
