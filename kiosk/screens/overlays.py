"""Screens shown over another: the timeout warning and the end-of-call question.

Their answers are the chrome's two bottom buttons, so はい is always bottom right and いいえ
bottom left, on every question the kiosk asks.
"""

from __future__ import annotations

from PyQt6.QtCore import QRectF, QSize, Qt
from PyQt6.QtGui import QPainter, QPaintEvent, QPen
from PyQt6.QtWidgets import QWidget

from kiosk.core.viewmodels import ConfirmVM, TimeoutWarningVM
from kiosk.screens.base import Screen
from kiosk.theme import Theme
from kiosk.widgets.text import KText, Role, qcolor

CENTRE = Qt.AlignmentFlag.AlignCenter


class CountdownRing(QWidget):
    """The seconds left as a ring that empties, with the number in the middle."""

    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self._theme = theme
        self.left, self.total = 0, 1
        self.setFixedSize(QSize(260, 260))
        self.number = KText(
            theme, Role.TITLE, align=CENTRE, px=round(96 * theme.scale), parent=self
        )
        self.number.setGeometry(0, 0, 260, 260)

    def set_seconds(self, left: int, total: int) -> None:
        self.left, self.total = left, max(total, left, 1)
        self.number.set_text(str(left))
        self.update()

    def paintEvent(self, event: QPaintEvent | None) -> None:  # noqa: N802  # Qt override
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        box = QRectF(self.rect()).adjusted(14, 14, -14, -14)
        painter.setPen(QPen(qcolor(self._theme.palette.panel.border), 16))
        painter.drawEllipse(box)
        painter.setPen(QPen(qcolor(self._theme.palette.speaking), 16))
        painter.drawArc(box, 90 * 16, round(360 * 16 * self.left / self.total))


class TimeoutWarningScreen(Screen[TimeoutWarningVM]):
    def __init__(self, theme: Theme) -> None:
        super().__init__(theme)
        self.column.addStretch(1)
        self.title = self.title_text(centred=True)
        self.ring = CountdownRing(theme)
        self.column.addWidget(self.ring, 0, Qt.AlignmentFlag.AlignHCenter)
        self.countdown = KText(theme, Role.HEADING, align=CENTRE, bold=False)
        self.column.addWidget(self.countdown)
        self.column.addStretch(1)
        self._total = 0

    def draw(self, vm: TimeoutWarningVM) -> None:
        self._total = max(self._total, vm.seconds_total, vm.seconds_left)
        self.title.set_text(vm.title)
        self.ring.set_seconds(vm.seconds_left, self._total)
        self.countdown.set_text(vm.countdown)


class ConfirmEndScreen(Screen[ConfirmVM]):
    def __init__(self, theme: Theme) -> None:
        super().__init__(theme)
        self.column.addStretch(1)
        self.title = self.title_text(centred=True)
        self.column.addStretch(1)

    def draw(self, vm: ConfirmVM) -> None:
        self.title.set_text(vm.title)
