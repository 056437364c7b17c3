"""6b. A closed department: when it opens next, instead of a queue."""

from __future__ import annotations

from kiosk.core.viewmodels import ClosedVM, Icon
from kiosk.screens.base import Screen
from kiosk.theme import Theme
from kiosk.widgets.bullet import Bullet
from kiosk.widgets.panel import Panel
from kiosk.widgets.text import KText, Role


class ClosedScreen(Screen[ClosedVM]):
    def __init__(self, theme: Theme) -> None:
        super().__init__(theme)
        self.title = self.title_text()
        self.panel = Panel(theme.palette.notice, padding=36)
        self.panel.body.addWidget(Bullet(theme, Icon.CLOCK))
        self.text = KText(theme, Role.HEADING, bold=False, color=theme.palette.notice.text)
        self.panel.body.addWidget(self.text)
        self.column.addWidget(self.panel)
        self.column.addStretch(1)

    def draw(self, vm: ClosedVM) -> None:
        self.title.set_text(vm.title)
        self.text.set_text("\n".join(vm.lines))
