"""The admin PIN pad, behind the hidden corner: ten digits, clear, and dots for what was typed."""

from __future__ import annotations

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import QGridLayout

from kiosk.core.viewmodels import AdminPinVM, Icon
from kiosk.screens.base import Screen
from kiosk.theme import Kind, Theme
from kiosk.widgets.text import KText, Role
from kiosk.widgets.touch_button import TouchButton

CENTRE = Qt.AlignmentFlag.AlignCenter


class AdminPinScreen(Screen[AdminPinVM]):
    digit = pyqtSignal(str)
    cleared = pyqtSignal()

    def __init__(self, theme: Theme) -> None:
        super().__init__(theme)
        self.title = self.title_text(centred=True)
        self.dots = KText(theme, Role.TITLE, align=CENTRE)
        self.message = KText(theme, Role.HEADING, align=CENTRE)
        self.column.addWidget(self.dots)
        self.column.addWidget(self.message)
        grid = QGridLayout()
        grid.setSpacing(theme.gap_px)
        for index, digit in enumerate("1234567890"):
            button = TouchButton(theme, Kind.NEUTRAL, None, digit)
            button.setFixedSize(240, 100)
            button.clicked.connect(lambda _=False, digit=digit: self.digit.emit(digit))
            row, column = (index // 3, index % 3) if digit != "0" else (3, 1)
            grid.addWidget(button, row, column)
        self.clear = TouchButton(theme, Kind.NEUTRAL, Icon.BACKSPACE)
        self.clear.setFixedSize(240, 100)
        self.clear.clicked.connect(self.cleared)
        grid.addWidget(self.clear, 3, 2)
        self.column.addLayout(grid)
        self.column.setAlignment(grid, Qt.AlignmentFlag.AlignHCenter)
        self.column.addStretch(1)

    def draw(self, vm: AdminPinVM) -> None:
        self.title.set_text(vm.title)
        self.dots.set_text("●" * vm.entered or " ")
        self.message.set_text(vm.message)
        self.clear.set_content(vm.clear)
