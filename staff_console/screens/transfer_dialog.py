"""Transfer: pick a department, most likely first, and write the note the next staff member reads.

Two clicks (転送… then 転送する) transfer to the department offered first; from the keyboard,
Ctrl+T, the department's number, Enter. Tab goes to the note, where Enter transfers too and
Shift+Enter starts a new line. A closed department is listed but cannot be picked, and the
call's own department is not listed (`transfer_targets.rank`).
"""

from __future__ import annotations

from PyQt6.QtCore import QPoint, Qt, pyqtSignal
from PyQt6.QtGui import QKeyEvent
from PyQt6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from signaling.protocol import MAX_NOTE_CHARS
from staff_console.core.transfer_targets import TransferTarget
from staff_console.i18n import Translator

NUMBER_KEYS = {getattr(Qt.Key, f"Key_{n}"): n for n in range(1, 10)}


class _Note(QPlainTextEdit):
    """Enter transfers; Shift+Enter is a new line; Alt+number picks a department."""

    submitted = pyqtSignal()
    number_pressed = pyqtSignal(int)

    def keyPressEvent(self, event: QKeyEvent | None) -> None:  # noqa: N802  # Qt override
        if event is not None:
            key, modifiers = event.key(), event.modifiers()
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not (
                modifiers & Qt.KeyboardModifier.ShiftModifier
            ):
                self.submitted.emit()
                return
            if key in NUMBER_KEYS and modifiers & Qt.KeyboardModifier.AltModifier:
                self.number_pressed.emit(NUMBER_KEYS[Qt.Key(key)])
                return
        super().keyPressEvent(event)


class _Targets(QListWidget):
    number_pressed = pyqtSignal(int)
    submitted = pyqtSignal()

    def keyPressEvent(self, event: QKeyEvent | None) -> None:  # noqa: N802  # Qt override
        if event is not None:
            if event.key() in NUMBER_KEYS:
                self.number_pressed.emit(NUMBER_KEYS[Qt.Key(event.key())])
                return
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.submitted.emit()
                return
        super().keyPressEvent(event)


class TransferDialog(QDialog):
    transfer_requested = pyqtSignal(str, str)  # department_id, note

    def __init__(
        self, tr: Translator, targets: tuple[TransferTarget, ...], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._tr = tr
        self.setWindowTitle(tr("transfer.title"))
        self.setMinimumWidth(420)
        title = QLabel(tr("transfer.title"))
        title.setStyleSheet("font-size: 18px; font-weight: bold;")
        self.targets = _Targets()
        self.targets.setObjectName("transfer_targets")
        for number, target in enumerate(targets, start=1):
            item = QListWidgetItem(self._label(number, target))
            item.setData(Qt.ItemDataRole.UserRole, target.id)
            if not target.enabled:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
            self.targets.addItem(item)
        first = next((i for i, t in enumerate(targets) if t.enabled), None)
        if first is not None:
            self.targets.setCurrentRow(first)  # the most likely: Enter or 転送する takes it
        self.note = _Note()
        self.note.setPlaceholderText(tr("transfer.note"))
        self.note.setMaximumHeight(90)
        buttons = QDialogButtonBox()
        buttons.addButton(tr("login.cancel") + " (Esc)", QDialogButtonBox.ButtonRole.RejectRole)
        submit = buttons.addButton(
            tr("transfer.submit") + " (Enter)", QDialogButtonBox.ButtonRole.AcceptRole
        )
        assert submit is not None
        submit.setObjectName("transfer_submit")
        self.submit = submit
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(QLabel(tr("transfer.department")))
        layout.addWidget(self.targets, 1)
        layout.addWidget(QLabel(tr("transfer.note")))
        layout.addWidget(self.note)
        layout.addWidget(buttons)
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        self.targets.number_pressed.connect(self._pick_number)
        self.note.number_pressed.connect(self._pick_number)
        self.targets.submitted.connect(self._on_buttons_accepted)
        self.note.submitted.connect(self._on_buttons_accepted)
        self.targets.itemDoubleClicked.connect(lambda _item: self._on_buttons_accepted())
        self.targets.setFocus()

    def open_beside(self, anchor: QWidget) -> None:
        """Open at the top right of `anchor`, so the call's status line stays in view."""
        self.adjustSize()
        corner = anchor.mapToGlobal(QPoint(anchor.width() - self.width() - 12, 48))
        self.move(corner)
        self.open()

    def _label(self, number: int, target: TransferTarget) -> str:
        tr = self._tr
        state = tr(f"transfer.availability.{target.availability.name.lower()}")
        waiting = (
            "" if target.waiting is None else "  " + tr("transfer.waiting", count=target.waiting)
        )
        key = f"{number}  " if number <= 9 else "   "
        return f"{key}{target.name}   {state}{waiting}"

    def choose(self, department_id: str) -> None:
        """Pick a department by its id, as a click on its row does."""
        for row in range(self.targets.count()):
            item = self.targets.item(row)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == department_id:
                self._pick_number(row + 1)

    def _pick_number(self, number: int) -> None:
        item = self.targets.item(number - 1)
        if item is not None and item.flags() & Qt.ItemFlag.ItemIsEnabled:
            self.targets.setCurrentItem(item)

    def _on_buttons_accepted(self) -> None:
        item = self.targets.currentItem()
        if item is None or not item.flags() & Qt.ItemFlag.ItemIsEnabled:
            return
        note = self.note.toPlainText()[:MAX_NOTE_CHARS]
        self.transfer_requested.emit(str(item.data(Qt.ItemDataRole.UserRole)), note)
        self.accept()
