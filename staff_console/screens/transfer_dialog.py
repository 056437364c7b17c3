"""Transfer: pick a department and write the note the next staff member will read."""

from __future__ import annotations

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from signaling.protocol import MAX_NOTE_CHARS
from staff_console.i18n import Translator
from staff_console.view import Choice


class TransferDialog(QDialog):
    transfer_requested = pyqtSignal(str, str)  # department_id, note

    def __init__(
        self, tr: Translator, departments: tuple[Choice, ...], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("transfer.title"))
        self.setMinimumWidth(480)
        self.department = QComboBox()
        for department in departments:
            suffix = "" if department.enabled else tr("transfer.closed_suffix")
            self.department.addItem(department.name + suffix, department.id)
        first_open = next((i for i, d in enumerate(departments) if d.enabled), 0)
        self.department.setCurrentIndex(first_open)
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText(tr("transfer.note"))
        buttons = QDialogButtonBox()
        buttons.addButton(tr("login.cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        submit = buttons.addButton(tr("transfer.submit"), QDialogButtonBox.ButtonRole.AcceptRole)
        assert submit is not None
        submit.setObjectName("transfer_submit")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(tr("transfer.department")))
        layout.addWidget(self.department)
        layout.addWidget(QLabel(tr("transfer.note")))
        layout.addWidget(self.note, 1)
        layout.addWidget(buttons)
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)

    def _on_buttons_accepted(self) -> None:
        department_id = self.department.currentData()
        if department_id:
            note = self.note.toPlainText()[:MAX_NOTE_CHARS]
            self.transfer_requested.emit(str(department_id), note)
            self.accept()
