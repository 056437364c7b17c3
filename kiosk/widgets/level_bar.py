"""The microphone level: ten segments that light up from the left, with a frame."""

from __future__ import annotations

from PyQt6.QtCore import QRectF, QSize
from PyQt6.QtGui import QPainter, QPaintEvent, QPen
from PyQt6.QtWidgets import QSizePolicy, QWidget

from kiosk.theme import Theme
from kiosk.widgets.text import qcolor

SEGMENTS = 10


class LevelBar(QWidget):
    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self._theme = theme
        self._level = 0.0
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(56)

    def sizeHint(self) -> QSize:  # noqa: N802  # Qt override
        return QSize(600, 56)

    @property
    def level(self) -> float:
        return self._level

    def set_level(self, level: float | None) -> None:
        level = 0.0 if level is None else max(0.0, min(1.0, level))
        if abs(level - self._level) > 0.01:
            self._level = level
            self.update()

    def paintEvent(self, event: QPaintEvent | None) -> None:  # noqa: N802  # Qt override
        palette = self._theme.palette
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        gap = 6.0
        width = (self.width() - gap * (SEGMENTS + 1)) / SEGMENTS
        lit = round(self._level * SEGMENTS)
        painter.setPen(QPen(qcolor(palette.panel.text), 2))
        for index in range(SEGMENTS):
            painter.setBrush(qcolor(palette.level if index < lit else palette.page.fill))
            x = gap + index * (width + gap)
            painter.drawRoundedRect(QRectF(x, 4, width, self.height() - 8), 6, 6)
