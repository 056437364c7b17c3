"""4. Privacy: what is and is not recorded, in plain words; "agree" is the bottom-right button."""

from __future__ import annotations

from PyQt6.QtCore import QRectF, QSize
from PyQt6.QtGui import QPainter, QPaintEvent
from PyQt6.QtWidgets import QHBoxLayout, QWidget

from kiosk.screens.base import Screen
from kiosk.theme import Theme
from kiosk.viewmodels import Icon, PrivacyVM, ScreenVM
from kiosk.widgets.panel import Panel
from kiosk.widgets.pictogram import paint_icon
from kiosk.widgets.text import KText, Role, qcolor


class Bullet(QWidget):
    """A pictogram the size of a line of text, in front of a point."""

    def __init__(self, theme: Theme, icon: Icon) -> None:
        super().__init__()
        self._theme, self._icon = theme, icon
        side = round(theme.heading_px * 1.1)
        self.setFixedSize(QSize(side, side))

    def set_icon(self, icon: Icon) -> None:
        self._icon = icon
        self.update()

    def paintEvent(self, event: QPaintEvent | None) -> None:  # noqa: N802  # Qt override
        paint_icon(
            QPainter(self), self._icon, QRectF(self.rect()), qcolor(self._theme.palette.panel.text)
        )


class PrivacyScreen(Screen):
    def __init__(self, theme: Theme) -> None:
        super().__init__(theme)
        self.title = self.title_text()
        self.panel = Panel(theme.palette.panel, padding=36)
        self.panel.body.setSpacing(16 if theme.large_text else 28)
        self.points: list[KText] = []
        self.column.addWidget(self.panel)
        self.column.addStretch(1)

    def render(self, vm: ScreenVM) -> None:  # type: ignore[override]  # a vm in
        assert isinstance(vm, PrivacyVM)
        self.title.set_text(vm.title)
        while len(self.points) < len(vm.points):
            row = QHBoxLayout()
            row.setSpacing(24)
            row.addWidget(Bullet(self.theme, Icon.CHECK))
            text = KText(self.theme, Role.BODY, bold=False)
            row.addWidget(text, 1)
            self.panel.body.addLayout(row)
            self.points.append(text)
        for label, point in zip(self.points, vm.points, strict=False):
            label.set_text(point)
