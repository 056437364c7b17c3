"""6. Waiting: the place in line, the expected wait, a calm animation; honest if nobody is there."""

from __future__ import annotations

from PyQt6.QtCore import Qt

from kiosk.core.viewmodels import WaitingVM
from kiosk.screens.base import Screen
from kiosk.theme import Theme
from kiosk.widgets.calm_dots import CalmDots
from kiosk.widgets.panel import Panel
from kiosk.widgets.text import KText, Role

CENTRE = Qt.AlignmentFlag.AlignCenter


class WaitingScreen(Screen[WaitingVM]):
    """The cancel button is the chrome's bottom-left one, large and red."""

    def __init__(self, theme: Theme) -> None:
        super().__init__(theme)
        self.title = self.title_text(centred=True)
        self.column.addStretch(1)
        self.position = KText(theme, Role.TITLE, align=CENTRE, px=round(56 * theme.scale))
        self.eta = KText(theme, Role.HEADING, align=CENTRE)
        self.dots = CalmDots(theme)
        self.column.setSpacing(16)
        self.notice = Panel(theme.palette.notice, padding=20)
        self.notice_text = KText(theme, Role.BODY, bold=True, color=theme.palette.notice.text)
        self.notice.body.addWidget(self.notice_text)
        self.lines = KText(theme, Role.BODY, align=CENTRE, bold=False)
        for widget in (self.position, self.eta, self.dots, self.notice, self.lines):
            self.column.addWidget(widget)
        self.column.addStretch(1)

    def draw(self, vm: WaitingVM) -> None:
        self.title.set_text(vm.title)
        self.position.set_text(vm.position)
        self.eta.set_text(vm.eta)
        self.notice_text.set_text(vm.notice)
        self.notice.setVisible(bool(vm.notice))
        # With nobody on duty nothing is moving, so the animation would not be honest.
        self.dots.setVisible(bool(vm.position) and not vm.notice)
        self.lines.set_text("\n".join(vm.lines))
