"""The kiosk's writing pad (筆談) at the console: the citizen's strokes live, and staff write back.

`WritingPad` is the surface, 3:2 as on the kiosk (`PAD_ASPECT`), so a stroke keeps its shape at
both ends: the citizen's ink black, staff's CUD blue. Staff draw with the mouse; a stroke leaves
as `stroke_drawn(id, points)` whenever `call.ink.LiveStroke` says: as it begins, as it grows (at
most `EMITS_PER_SECOND`) and at release, each time whole under one id. `PadPanel` adds whether
the pad is open on the kiosk, a button to open it there and one to clear it (both sides' strokes).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Final

from PyQt6.QtCore import QPointF, QRectF, QSize, Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen, QPolygonF
from PyQt6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from call.ink import LiveStroke, Rect, pad_size, to_pixels
from staff_console.core.viewmodels import PadVM, Stroke
from staff_console.i18n import Translator

CITIZEN_INK: Final = QColor(0, 0, 0)
STAFF_INK: Final = QColor(0, 90, 255)  # CUD blue, as the kiosk draws staff's ink


class WritingPad(QWidget):
    stroke_drawn = pyqtSignal(str, object)  # stroke id, [(x, y), …] as fractions of the surface

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._strokes: tuple[Stroke, ...] = ()
        self._live = LiveStroke(id_prefix="s")
        self._held_back = QTimer(self)  # fires when a grown stroke held back by the rate is due
        self._held_back.setSingleShot(True)
        self._held_back.setTimerType(Qt.TimerType.PreciseTimer)
        self._held_back.timeout.connect(self._on_held_back_timeout)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(300, 200)
        self.setCursor(Qt.CursorShape.CrossCursor)

    def sizeHint(self) -> QSize:  # noqa: N802  # Qt override
        return QSize(600, 400)

    def set_strokes(self, strokes: tuple[Stroke, ...]) -> None:
        self._strokes = strokes
        self.update()

    def surface_rect(self) -> QRectF:
        """The largest 3:2 box in the widget, centred."""
        width, height = pad_size(self.width(), self.height())
        return QRectF((self.width() - width) / 2, (self.height() - height) / 2, width, height)

    def mousePressEvent(self, event: QMouseEvent | None) -> None:  # noqa: N802  # Qt override
        if event is None or event.button() != Qt.MouseButton.LeftButton:
            return
        self._on_pointer(self._live.press, event)

    def mouseMoveEvent(self, event: QMouseEvent | None) -> None:  # noqa: N802  # Qt override
        if event is not None:
            self._on_pointer(self._live.move, event)

    def mouseReleaseEvent(self, event: QMouseEvent | None) -> None:  # noqa: N802  # Qt override
        if event is not None:
            self._on_pointer(self._live.release, event)

    def _on_pointer(
        self, step: Callable[[float, float, Rect, float], bool], event: QMouseEvent
    ) -> None:
        surface = self.surface_rect()
        box = surface.x(), surface.y(), surface.width(), surface.height()
        if step(event.position().x(), event.position().y(), box, time.monotonic()):
            self._send_strokes()
            self.update()

    def _on_held_back_timeout(self) -> None:
        self._live.handle_timer(time.monotonic())
        self._send_strokes()

    def _send_strokes(self) -> None:
        for stroke_id, points in self._live.strokes_to_send():
            self.stroke_drawn.emit(stroke_id, points)
        deadline = self._live.next_deadline()
        if deadline is None:
            self._held_back.stop()
        else:
            self._held_back.start(max(0, math.ceil((deadline - time.monotonic()) * 1000)))

    def paintEvent(self, event: QPaintEvent | None) -> None:  # noqa: N802  # Qt override
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("#d9dde2"))
        surface = self.surface_rect()
        painter.fillRect(surface, QColor("white"))
        live = self._live.id
        shown = [s for s in self._strokes if not s.staff or s.id != live]
        if live is not None:
            shown.append(Stroke(live, tuple(self._live.points), staff=True))
        width = max(3.0, surface.height() / 90)  # the kiosk's ink, scaled to this pad
        box = surface.x(), surface.y(), surface.width(), surface.height()
        for stroke in shown:
            pen = QPen(STAFF_INK if stroke.staff else CITIZEN_INK, width)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            painter.setPen(pen)
            points = [QPointF(*to_pixels(point, box)) for point in stroke.points]
            if len(points) == 1:
                painter.drawPoint(points[0])
            elif points:
                painter.drawPolyline(QPolygonF(points))
        painter.end()


class PadPanel(QWidget):
    open_requested = pyqtSignal()
    clear_requested = pyqtSignal()

    def __init__(self, tr: Translator, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tr = tr
        self.state = QLabel()
        self.state.setObjectName("pad_state")
        self.state.setWordWrap(True)
        self.open_on_kiosk = QPushButton(tr("pad.open"))
        self.clear = QPushButton(tr("pad.clear"))
        self.surface = WritingPad()
        row = QHBoxLayout()
        row.addWidget(self.state, 1)
        row.addWidget(self.open_on_kiosk)
        row.addWidget(self.clear)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.surface, 1)
        layout.addWidget(QLabel(tr("pad.hint")))
        self.open_on_kiosk.clicked.connect(self.open_requested)
        self.clear.clicked.connect(self.clear_requested)

    def draw(self, pad: PadVM) -> None:
        self.state.setText(self._tr("pad.is_open" if pad.open else "pad.is_closed"))
        self.open_on_kiosk.setEnabled(not pad.open)
        self.surface.set_strokes(pad.strokes)
