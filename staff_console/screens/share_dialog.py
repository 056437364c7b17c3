"""Share screen: choose one of the monitors, or a region to drag."""

from __future__ import annotations

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtGui import QGuiApplication
from PyQt6.QtWidgets import QDialog, QPushButton, QVBoxLayout, QWidget

from staff_console.i18n import Translator


class ShareDialog(QDialog):
    monitor_chosen = pyqtSignal(int)  # 1-based, in QGuiApplication.screens() order
    region_requested = pyqtSignal()

    def __init__(self, tr: Translator, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("share.title"))
        layout = QVBoxLayout(self)
        for index, screen in enumerate(QGuiApplication.screens(), start=1):
            size = screen.size()
            button = QPushButton(
                tr("share.monitor", index=index, width=size.width(), height=size.height())
            )
            button.clicked.connect(lambda _=False, i=index: self._on_monitor_clicked(i))
            layout.addWidget(button)
        region = QPushButton(tr("share.region"))
        region.clicked.connect(self._on_region_clicked)
        layout.addWidget(region)

    def _on_monitor_clicked(self, index: int) -> None:
        self.monitor_chosen.emit(index)
        self.accept()

    def _on_region_clicked(self) -> None:
        self.region_requested.emit()
        self.accept()
