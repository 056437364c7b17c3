"""Wrap-up: an outcome from the city's list and a note, saved on the hub; then available again."""

from __future__ import annotations

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from signaling.protocol import MAX_NOTE_CHARS
from staff_console.core.viewmodels import ConsoleVM
from staff_console.i18n import Translator
from staff_console.screens.today_panel import TodayPanel


class WrapUpPage(QWidget):
    wrap_up_requested = pyqtSignal(str, str)  # outcome_code, note

    def __init__(self, tr: Translator, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tr = tr
        self._session: str | None = None
        self.title = QLabel(tr("wrap_up.title"))
        self.title.setStyleSheet("font-size: 20px; font-weight: bold;")
        self.who = QLabel()
        self.who.setStyleSheet("font-size: 16px;")
        self.reason = QLabel()
        self.outcome = QComboBox()
        self.outcome.setObjectName("outcome")
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText(tr("wrap_up.note"))
        self.pending = QLabel()
        self.save = QPushButton(tr("wrap_up.save") + " (Ctrl+S)")
        self.save.setObjectName("wrap_up_save")
        self.save.setStyleSheet("font-size: 16px; font-weight: bold; padding: 8px 18px;")
        form = QFormLayout()
        form.addRow(tr("wrap_up.outcome"), self.outcome)
        form.addRow(tr("wrap_up.note"), self.note)
        left = QVBoxLayout()
        for widget in (self.title, self.who, self.reason):
            left.addWidget(widget)
        left.addLayout(form, 1)
        left.addWidget(self.pending)
        left.addWidget(self.save)
        self.day = TodayPanel(tr)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 3)
        layout.addWidget(self.day, 1)
        self.save.clicked.connect(self._on_save_clicked)

    def draw(self, vm: ConsoleVM) -> None:
        wrap = vm.wrap_up
        if wrap is None:
            return
        tr = self._tr
        if wrap.session_id != self._session:  # a new wrap-up: a fresh form
            self._session = wrap.session_id
            self.note.clear()
            self.outcome.clear()
            for choice in wrap.outcomes:
                self.outcome.addItem(choice.name, choice.id)
        self.who.setText(tr("wrap_up.for", kiosk=wrap.kiosk_name, category=wrap.category))
        if wrap.reason == "completed":
            self.reason.setText(tr("wrap_up.reason.completed"))
        elif wrap.reason == "transferred":
            self.reason.setText(tr("wrap_up.reason.transferred", department=wrap.transferred_to))
        else:
            self.reason.setText(tr("wrap_up.reason.other", reason=wrap.reason))
        self.pending.setVisible(wrap.pending > 1)
        self.pending.setText(tr("wrap_up.pending", count=wrap.pending))
        self.save.setEnabled(not wrap.saving and self.outcome.count() > 0)
        self.save.setText(tr("wrap_up.saving" if wrap.saving else "wrap_up.save") + " (Ctrl+S)")
        self.day.draw(vm)

    def submit(self) -> None:
        self._on_save_clicked()

    def _on_save_clicked(self) -> None:
        code = self.outcome.currentData()
        if code and self.save.isEnabled():
            self.wrap_up_requested.emit(str(code), self.note.toPlainText()[:MAX_NOTE_CHARS])
