"""A calm waiting animation: three dots that slowly swell in turn (a 3 s cycle, no flashing)."""

from __future__ import annotations

import math

from PyQt6.QtCore import QPointF, QSize, QTimer
from PyQt6.QtGui import QHideEvent, QPainter, QPaintEvent, QShowEvent
from PyQt6.QtWidgets import QWidget

from kiosk.theme import Theme
from kiosk.widgets.text import qcolor

CYCLE_SECONDS = 3.0
FRAME_MS = 50


class CalmDots(QWidget):
    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self._theme = theme
        self._phase = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self.setFixedHeight(64)

    def sizeHint(self) -> QSize:  # noqa: N802  # Qt override
        return QSize(300, 64)

    def showEvent(self, event: QShowEvent | None) -> None:  # noqa: N802  # Qt override
        self._timer.start()

    def hideEvent(self, event: QHideEvent | None) -> None:  # noqa: N802  # Qt override
        self._timer.stop()

    def _on_timer_timeout(self) -> None:
        self._phase = (self._phase + FRAME_MS / 1000 / CYCLE_SECONDS) % 1.0
        self.update()

    def paintEvent(self, event: QPaintEvent | None) -> None:  # noqa: N802  # Qt override
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(qcolor(self._theme.palette.panel.text))
        painter.setBrush(qcolor(self._theme.palette.bar.border))
        centre = QPointF(self.width() / 2, self.height() / 2)
        for index in range(3):
            swell = 0.5 + 0.5 * math.sin(2 * math.pi * (self._phase - index / 3))
            radius = 12 + 10 * swell
            painter.drawEllipse(QPointF(centre.x() + (index - 1) * 90, centre.y()), radius, radius)
