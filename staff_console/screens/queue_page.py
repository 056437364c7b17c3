"""The live queue: who waits, where, for what, in which language, for how long; and today's list."""

from __future__ import annotations

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QColor
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from staff_console.core.viewmodels import ConsoleVM, QueueItem
from staff_console.i18n import Translator
from staff_console.screens.today_panel import TodayPanel

COLUMNS = ("queue.kiosk", "queue.category", "queue.language", "queue.wait")
NEW_BACKGROUND = QColor("#fff3c4")
TRANSFER_BACKGROUND = QColor("#e6f0ff")


class QueuePage(QWidget):
    accept_requested = pyqtSignal(str)  # session_id
    take_next_requested = pyqtSignal()

    def __init__(self, tr: Translator, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tr = tr
        self._ids: list[str] = []
        title = QLabel(tr("queue.title"))
        title.setStyleSheet("font-size: 18px; font-weight: bold;")
        self.take_next = QPushButton(tr("queue.take_next") + "  (Ctrl+N)")
        self.take_next.setObjectName("take_next")
        self.take_next.setStyleSheet("font-size: 16px; font-weight: bold; padding: 8px 18px;")
        self.accept = QPushButton(tr("queue.accept") + "  (Enter)")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels([tr(key) for key in COLUMNS])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setVisible(False)  # type: ignore[union-attr]
        header = self.table.horizontalHeader()
        assert header is not None
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for column in (2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.empty = QLabel(tr("queue.empty_list"))
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setStyleSheet("color: #666; font-size: 15px; padding: 24px;")
        self.day = TodayPanel(tr)
        self.day.setMinimumWidth(300)
        buttons = QHBoxLayout()
        buttons.addWidget(title)
        buttons.addStretch(1)
        buttons.addWidget(self.accept)
        buttons.addWidget(self.take_next)
        left = QVBoxLayout()
        left.addLayout(buttons)
        left.addWidget(self.table, 1)
        left.addWidget(self.empty)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 3)
        layout.addWidget(self.day, 1)
        self.take_next.clicked.connect(self.take_next_requested)
        self.accept.clicked.connect(self._on_accept_clicked)
        self.table.cellDoubleClicked.connect(self._on_table_double_clicked)

    def draw(self, vm: ConsoleVM) -> None:
        selected = self.selected_session()
        self._ids = [item.session_id for item in vm.queue]
        self.table.setRowCount(len(vm.queue))
        for row, item in enumerate(vm.queue):
            self._fill(row, item)
        if selected in self._ids:
            self.table.selectRow(self._ids.index(selected))
        elif self._ids and self.selected_session() is None:
            self.table.selectRow(0)
        self.table.resizeRowsToContents()
        self.empty.setVisible(not vm.queue)
        self.take_next.setEnabled(bool(vm.queue))
        self.accept.setEnabled(bool(vm.queue))
        self.day.draw(vm)

    def selected_session(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()  # type: ignore[union-attr]
        if not rows or rows[0].row() >= len(self._ids):
            return None
        return self._ids[rows[0].row()]

    def _fill(self, row: int, item: QueueItem) -> None:
        tr = self._tr
        kiosk = f"{item.kiosk_name}\n{item.kiosk_location}"
        if not item.kiosk_online:
            kiosk += f"\n⚠ {tr('queue.offline')}"
        category = f"{item.category}  [{item.department}]"
        if item.overflowed:
            category += "\n" + tr("queue.overflowed")
        handoff = item.transferred_from
        if handoff is not None:
            category += "\n" + tr(
                "queue.transferred", department=handoff.department, staff=handoff.staff_name
            )
            if handoff.note:
                category += "\n" + tr("queue.note", note=handoff.note)
        wait = tr.duration(item.wait_seconds)
        if item.new:
            wait = f"{tr('queue.new')}  {wait}"
        cells = (kiosk, category, tr.language_name(item.language), wait)
        for column, text in enumerate(cells):
            cell = QTableWidgetItem(text)
            if item.new:
                cell.setBackground(NEW_BACKGROUND)
            elif handoff is not None or item.overflowed:
                cell.setBackground(TRANSFER_BACKGROUND)
            self.table.setItem(row, column, cell)

    def _on_accept_clicked(self) -> None:
        session_id = self.selected_session()
        if session_id is not None:
            self.accept_requested.emit(session_id)

    def _on_table_double_clicked(self, row: int, _column: int) -> None:
        if row < len(self._ids):
            self.accept_requested.emit(self._ids[row])
