"""8. Transferring: "you are being connected to 税務課", and the place in line there."""

from __future__ import annotations

from PyQt6.QtCore import Qt

from kiosk.core.viewmodels import TransferringVM
from kiosk.screens.base import Screen
from kiosk.theme import Theme
from kiosk.widgets.calm_dots import CalmDots
from kiosk.widgets.panel import Panel
from kiosk.widgets.text import KText, Role

CENTRE = Qt.AlignmentFlag.AlignCenter


class TransferringScreen(Screen[TransferringVM]):
    def __init__(self, theme: Theme) -> None:
        super().__init__(theme)
        self.title = self.title_text(centred=True)
        self.column.addStretch(1)
        self.panel = Panel(theme.palette.message, padding=32)
        self.body = KText(theme, Role.BODY, bold=False, color=theme.palette.message.text)
        self.panel.body.addWidget(self.body)
        self.position = KText(theme, Role.TITLE, align=CENTRE)
        self.dots = CalmDots(theme)
        self.wait = KText(theme, Role.HEADING, align=CENTRE, bold=False)
        for widget in (self.panel, self.position, self.dots, self.wait):
            self.column.addWidget(widget)
        self.column.addStretch(1)

    def draw(self, vm: TransferringVM) -> None:
        self.title.set_text(vm.title)
        self.body.set_text(vm.body)
        self.position.set_text(vm.position)
        self.wait.set_text(vm.wait)
