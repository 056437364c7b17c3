"""Text to the kiosk: a template or free text, shown large on the kiosk; what was sent."""

from __future__ import annotations

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QKeyEvent
from PyQt6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from staff_console.i18n import Translator


class _FreeText(QPlainTextEdit):
    submitted = pyqtSignal()

    def keyPressEvent(self, event: QKeyEvent | None) -> None:  # noqa: N802  # Qt override
        if (
            event is not None
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            self.submitted.emit()
            return
        super().keyPressEvent(event)


class MessagePanel(QWidget):
    text_submitted = pyqtSignal(str)

    def __init__(self, tr: Translator, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._templates: tuple[str, ...] = ()
        self._sent: tuple[str, ...] = ()
        self.templates = QListWidget()
        self.templates.setWordWrap(True)
        self.free_text = _FreeText()
        self.free_text.setPlaceholderText(tr("text.placeholder"))
        self.free_text.setMaximumHeight(80)
        self.send = QPushButton(tr("text.send"))
        self.sent = QListWidget()
        self.sent.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.free_text, 1)
        row.addWidget(self.send)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel(tr("text.template")))
        layout.addWidget(self.templates, 2)
        layout.addLayout(row)
        layout.addWidget(QLabel(tr("text.sent")))
        layout.addWidget(self.sent, 1)
        self.templates.itemActivated.connect(self._on_templates_item_activated)
        self.templates.itemDoubleClicked.connect(self._on_templates_item_activated)
        self.send.clicked.connect(self._on_send_clicked)
        self.free_text.submitted.connect(self._on_send_clicked)

    def render(self, templates: tuple[str, ...], sent: tuple[str, ...]) -> None:  # type: ignore[override]
        if templates != self._templates:
            self._templates = templates
            self.templates.clear()
            self.templates.addItems(templates)
        if sent != self._sent:
            self._sent = sent
            self.sent.clear()
            self.sent.addItems(reversed(sent))

    def _on_templates_item_activated(self, item: QListWidgetItem | None) -> None:
        if item is not None:
            self.text_submitted.emit(item.text())

    def _on_send_clicked(self) -> None:
        text = self.free_text.toPlainText().strip()
        if text:
            self.text_submitted.emit(text)
            self.free_text.clear()
