"""Text to the kiosk, shown large there: a staff message in the citizen's language, or free text."""

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

from language.plain_japanese import Advice
from staff_console.core.viewmodels import CallVM, MessageChoice
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
    """The city's staff messages, each with its Japanese meaning and the words the citizen will
    read; free text, with advice for a やさしい日本語 reader."""

    message_chosen = pyqtSignal(str)  # a staff message's id
    text_submitted = pyqtSignal(str)
    draft_changed = pyqtSignal(str)

    def __init__(self, tr: Translator, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tr = tr
        self._shown: tuple[object, ...] = ()
        self.language_note = QLabel()
        self.language_note.setWordWrap(True)
        self.templates = QListWidget()
        self.templates.setWordWrap(True)
        self.free_text = _FreeText()
        self.free_text.setPlaceholderText(tr("text.placeholder"))
        self.free_text.setMaximumHeight(80)
        self.advice = QLabel()
        self.advice.setObjectName("plain_japanese_advice")
        self.advice.setWordWrap(True)
        self.advice.setStyleSheet("color: #8a5a00;")
        self.send = QPushButton(tr("text.send"))
        self.sent = QListWidget()
        self.sent.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.free_text, 1)
        row.addWidget(self.send)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.language_note)
        layout.addWidget(QLabel(tr("text.template")))
        layout.addWidget(self.templates, 2)
        layout.addLayout(row)
        layout.addWidget(self.advice)
        layout.addWidget(QLabel(tr("text.sent")))
        layout.addWidget(self.sent, 1)
        self.templates.itemActivated.connect(self._on_templates_item_activated)
        self.templates.itemDoubleClicked.connect(self._on_templates_item_activated)
        self.send.clicked.connect(self._on_send_clicked)
        self.free_text.submitted.connect(self._on_send_clicked)
        self.free_text.textChanged.connect(self._on_free_text_changed)

    def draw(self, call: CallVM) -> None:
        shown = (call.language, call.messages, call.texts_sent, call.advice)
        if shown == self._shown:
            return
        self._shown = shown
        tr = self._tr
        language = tr.language_name(call.language)
        japanese = call.language in ("ja", "ja-easy")
        self.language_note.setText(
            tr("text.easy_note") if call.language == "ja-easy" else "" if japanese
            else tr("text.free_text_note", language=language)
        )  # fmt: skip
        self.language_note.setVisible(call.language != "ja")
        self.templates.clear()
        for message in call.messages:
            item = QListWidgetItem(self._message_label(message, call.language, language))
            item.setData(Qt.ItemDataRole.UserRole, message.id)
            self.templates.addItem(item)
        self.advice.setText("\n".join(self._advice_line(a) for a in call.advice))
        self.advice.setVisible(bool(call.advice))
        self.sent.clear()
        for sent in reversed(call.texts_sent):
            tag = "" if sent.language == "ja" else f"  [{tr.language_name(sent.language)}]"
            self.sent.addItem(sent.meaning + tag)

    def _message_label(self, message: MessageChoice, code: str, language: str) -> str:
        if code == "ja":
            return message.meaning
        if not message.for_citizen:
            return f"{message.meaning}\n  → {self._tr('text.japanese_only')}"
        return f"{message.meaning}\n  → {language}: {message.for_citizen}"

    def _advice_line(self, advice: Advice) -> str:
        tr = self._tr
        if advice.suggestion:
            return tr(f"advice.{advice.kind}_instead", text=advice.text, plain=advice.suggestion)
        return tr(f"advice.{advice.kind}", text=advice.text)

    def _on_templates_item_activated(self, item: QListWidgetItem | None) -> None:
        if item is not None:
            self.message_chosen.emit(str(item.data(Qt.ItemDataRole.UserRole)))

    def _on_free_text_changed(self) -> None:
        self.draft_changed.emit(self.free_text.toPlainText())

    def _on_send_clicked(self) -> None:
        text = self.free_text.toPlainText().strip()
        if text:
            self.text_submitted.emit(text)
            self.free_text.clear()
