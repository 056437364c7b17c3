"""The staff member's own day, beside the queue and the wrap-up: how many consultations, the
average talk time, who waits in their departments now, and each consultation of the day."""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QLabel, QListWidget, QVBoxLayout, QWidget

from staff_console.core.viewmodels import ConsoleVM, FinishedItem
from staff_console.i18n import Translator


class TodayPanel(QWidget):
    def __init__(self, tr: Translator, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tr = tr
        title = QLabel(tr("today.title"))
        title.setStyleSheet("font-size: 16px; font-weight: bold;")
        self.summary = QLabel()
        self.summary.setObjectName("today_summary")
        self.summary.setWordWrap(True)
        self.list = QListWidget()
        self.list.setWordWrap(True)  # a long topic wraps rather than scrolling sideways
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addWidget(self.summary)
        layout.addWidget(self.list, 1)

    def draw(self, vm: ConsoleVM) -> None:
        tr, day = self._tr, vm.day
        average = "—" if day.average_talk_seconds is None else tr.duration(day.average_talk_seconds)
        self.summary.setText(
            tr("today.summary", count=day.consultations, average=average, waiting=day.waiting)
        )
        self.list.clear()
        for finished in vm.today:
            self.list.addItem(self._line(finished))
        if not vm.today:
            self.list.addItem(tr("today.empty"))

    def _line(self, finished: FinishedItem) -> str:
        tr = self._tr
        outcome = finished.outcome or tr("today.pending")
        if finished.transferred_to:
            outcome = f"{tr('today.transferred', department=finished.transferred_to)}  {outcome}"
        return tr(
            "today.line",
            time=tr.clock(finished.ended_at),
            kiosk=finished.kiosk_name,
            category=finished.category,
            talk=tr.duration(finished.talk_seconds),
            outcome=outcome,
        )
