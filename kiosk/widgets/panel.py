"""A box with a border and a fill from the theme: notices, staff messages, lists.

A panel is not a button, so it must not look like one: where the palette says so (high
contrast, whose panels share the buttons' black fill), its edge is thin and dashed.
"""

from __future__ import annotations

from PyQt6.QtCore import QRectF, QSize, Qt
from PyQt6.QtGui import QPainter, QPaintEvent, QPen
from PyQt6.QtWidgets import QVBoxLayout, QWidget

from kiosk.theme import Look
from kiosk.widgets.text import qcolor


class Panel(QWidget):
    def __init__(self, look: Look, *, padding: int = 24) -> None:
        super().__init__()
        self.look = look
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(padding, padding, padding, padding)
        self.body.setSpacing(12)

    def sizeHint(self) -> QSize:  # noqa: N802  # Qt override
        # Never less than the minimum: wrapped text inside needs the height of its real width.
        hint, minimum = super().sizeHint(), self.minimumSizeHint()
        return QSize(hint.width(), max(hint.height(), minimum.height()))

    def paintEvent(self, event: QPaintEvent | None) -> None:  # noqa: N802  # Qt override
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        border = self.look.border_px
        if border:
            pen = QPen(qcolor(self.look.border), border)
            if self.look.dashed:
                pen.setStyle(Qt.PenStyle.DashLine)
            painter.setPen(pen)
        else:
            painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(qcolor(self.look.fill))
        half = border / 2
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(half, half, -half, -half), 14, 14)
