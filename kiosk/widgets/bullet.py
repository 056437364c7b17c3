"""A pictogram the size of a line of text, in front of a point or a status."""

from __future__ import annotations

from PyQt6.QtCore import QRectF, QSize
from PyQt6.QtGui import QPainter, QPaintEvent
from PyQt6.QtWidgets import QWidget

from kiosk.core.viewmodels import Icon
from kiosk.theme import Theme
from kiosk.widgets.pictogram import paint_icon
from kiosk.widgets.text import qcolor


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
