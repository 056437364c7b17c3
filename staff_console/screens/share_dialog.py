"""Share screen: one window (first), a region to drag, or a whole monitor (last, never preset).

A window or a region fills the kiosk's content area far larger and sharper than a whole
desktop, whose text would be scaled down to under a millimetre (docs/console.md, Screen share).
"""

from __future__ import annotations

from collections.abc import Sequence

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QGuiApplication
from PyQt6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from call.windows import DesktopWindow
from staff_console.i18n import Translator

REGION = "region"  # the item data of "a region (drag)"; a window item holds its DesktopWindow


class ShareDialog(QDialog):
    window_chosen = pyqtSignal(object)  # a call.windows.DesktopWindow
    region_requested = pyqtSignal()
    monitor_chosen = pyqtSignal(int)  # 1-based, in QGuiApplication.screens() order

    def __init__(
        self, tr: Translator, windows: Sequence[DesktopWindow], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("share.title"))
        self.setMinimumWidth(520)
        hint = QLabel(tr("share.hint"))
        hint.setWordWrap(True)
        self.choices = QListWidget()
        for window in windows:
            size = {"width": window.width, "height": window.height}
            self._add(tr("share.window", title=window.title, **size), window)
        self._add(tr("share.region"), REGION)
        for index, screen in enumerate(QGuiApplication.screens(), start=1):
            size = {"width": screen.size().width(), "height": screen.size().height()}
            self._add(tr("share.monitor", index=index, **size), index)
        self.choices.setCurrentRow(0)  # the front window, or the region: never a whole monitor
        self.choices.itemActivated.connect(self._on_choices_item_activated)
        buttons = QDialogButtonBox()
        self.start = QPushButton(tr("share.start"))
        self.start.setDefault(True)
        buttons.addButton(self.start, QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel = QPushButton(tr("login.cancel"))
        buttons.addButton(self.cancel, QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self._on_start_clicked)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.choices, 1)
        layout.addWidget(buttons)

    def _add(self, text: str, choice: DesktopWindow | str | int) -> None:
        item = QListWidgetItem(text)
        item.setData(Qt.ItemDataRole.UserRole, choice)
        self.choices.addItem(item)

    def _on_choices_item_activated(self, item: QListWidgetItem | None) -> None:
        if item is not None:
            self._choose(item)

    def _on_start_clicked(self) -> None:
        item = self.choices.currentItem()
        if item is not None:
            self._choose(item)

    def _choose(self, item: QListWidgetItem) -> None:
        choice = item.data(Qt.ItemDataRole.UserRole)
        self.accept()
        if isinstance(choice, DesktopWindow):
            self.window_chosen.emit(choice)
        elif choice == REGION:
            self.region_requested.emit()
        else:
            self.monitor_chosen.emit(int(choice))
