"""10. Thank you, and 11. Unavailable: a pictogram, a title and a few calm lines."""

from __future__ import annotations

from PyQt6.QtCore import QSize, Qt

from kiosk.core.viewmodels import Icon, MessageVM
from kiosk.screens.base import Screen
from kiosk.theme import Theme
from kiosk.widgets.bullet import Bullet
from kiosk.widgets.text import KText, Role

CENTRE = Qt.AlignmentFlag.AlignCenter


class MessageScreen(Screen[MessageVM]):
    def __init__(self, theme: Theme, icon: Icon) -> None:
        super().__init__(theme)
        self.column.addStretch(1)
        self.icon = Bullet(theme, icon)
        self.icon.setFixedSize(QSize(160, 160))
        self.column.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignHCenter)
        self.title = self.title_text(centred=True)
        self.lines = KText(theme, Role.HEADING, align=CENTRE, bold=False)
        self.column.addWidget(self.lines)
        self.column.addStretch(2)

    def draw(self, vm: MessageVM) -> None:
        self.icon.set_icon(vm.icon)
        self.title.set_text(vm.title)
        self.lines.set_text("\n".join(vm.lines))


class ThankYouScreen(MessageScreen):
    def __init__(self, theme: Theme) -> None:
        super().__init__(theme, Icon.CHECK)


class UnavailableScreen(MessageScreen):
    def __init__(self, theme: Theme) -> None:
        super().__init__(theme, Icon.WARNING)
