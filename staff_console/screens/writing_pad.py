"""The kiosk's writing pad (筆談) at the console: the citizen's strokes live, and staff write back.

`WritingPad` is the surface, 3:2 as on the kiosk (`PAD_ASPECT`), so a stroke keeps its shape at
both ends: the citizen's ink black, staff's CUD blue. Staff draw with the mouse; a stroke leaves
as `stroke_drawn(id, points)` when it begins, as it grows (at most `EMITS_PER_SECOND`) and at
release, each time whole under one id. `PadPanel` adds whether the pad is open on the kiosk, a
button to open it there and one to clear it (both sides' strokes).
"""

from __future__ import annotations

import itertools
from typing import Final

from PyQt6.QtCore import QPointF, QRectF, QSize, Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen, QPolygonF
from PyQt6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from call.control_channel import PAD_ASPECT
from staff_console.i18n import Translator
from staff_console.view import PadView, Stroke

EMITS_PER_SECOND: Final = 20
MIN_STEP_PX: Final = 2.0
MAX_STROKE_POINTS: Final = 1000  # a longer stroke goes on as a new one
CITIZEN_INK: Final = QColor(0, 0, 0)
STAFF_INK: Final = QColor(0, 90, 255)  # CUD blue, as the kiosk draws staff's ink
_stroke_ids = itertools.count(1)
Point = tuple[float, float]


class WritingPad(QWidget):
    stroke_drawn = pyqtSignal(str, object)  # stroke id, [(x, y), …] as fractions of the surface

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._strokes: tuple[Stroke, ...] = ()
        self._live_id: str | None = None
        self._live: list[Point] = []
        self._pending = False
        self._throttle = QTimer(self)
        self._throttle.setSingleShot(True)
        self._throttle.setInterval(1000 // EMITS_PER_SECOND)
        self._throttle.timeout.connect(self._on_throttle_timeout)
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
        height = min(self.height(), self.width() / PAD_ASPECT)
        width = height * PAD_ASPECT
        return QRectF((self.width() - width) / 2, (self.height() - height) / 2, width, height)

    def _fraction(self, position: QPointF) -> Point:
        surface = self.surface_rect()
        x = (position.x() - surface.x()) / max(1.0, surface.width())
        y = (position.y() - surface.y()) / max(1.0, surface.height())
        return min(1.0, max(0.0, x)), min(1.0, max(0.0, y))

    def mousePressEvent(self, event: QMouseEvent | None) -> None:  # noqa: N802  # Qt override
        if event is not None and event.button() == Qt.MouseButton.LeftButton:
            self._begin(self._fraction(event.position()))

    def mouseMoveEvent(self, event: QMouseEvent | None) -> None:  # noqa: N802  # Qt override
        if event is None or self._live_id is None or not self._extend(event.position()):
            return
        if len(self._live) >= MAX_STROKE_POINTS:
            last = self._live[-1]
            self._finish()
            self._begin(last)
        elif self._throttle.isActive():
            self._pending = True
        else:
            self._emit_live()
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent | None) -> None:  # noqa: N802  # Qt override
        if event is None or self._live_id is None:
            return
        self._extend(event.position())
        self._finish()
        self.update()

    def _extend(self, position: QPointF) -> bool:
        point, last, surface = self._fraction(position), self._live[-1], self.surface_rect()
        dx, dy = (point[0] - last[0]) * surface.width(), (point[1] - last[1]) * surface.height()
        if max(abs(dx), abs(dy)) < MIN_STEP_PX:
            return False
        self._live.append(point)
        return True

    def _begin(self, point: Point) -> None:
        self._live_id = f"s{next(_stroke_ids)}"
        self._live = [point]
        self._emit_live()

    def _finish(self) -> None:
        self._throttle.stop()
        self._emit_live()
        self._live_id, self._live, self._pending = None, [], False

    def _emit_live(self) -> None:
        if self._live_id is not None:
            self._pending = False
            self._throttle.start()
            self.stroke_drawn.emit(self._live_id, list(self._live))

    def _on_throttle_timeout(self) -> None:
        if self._pending:
            self._emit_live()

    def paintEvent(self, event: QPaintEvent | None) -> None:  # noqa: N802  # Qt override
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("#d9dde2"))
        surface = self.surface_rect()
        painter.fillRect(surface, QColor("white"))
        shown = [s for s in self._strokes if not s.staff or s.id != self._live_id]
        if self._live_id is not None:
            shown.append(Stroke(self._live_id, tuple(self._live), staff=True))
        width = max(3.0, surface.height() / 90)  # the kiosk's ink, scaled to this pad
        for stroke in shown:
            pen = QPen(STAFF_INK if stroke.staff else CITIZEN_INK, width)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            painter.setPen(pen)
            points = [
                QPointF(surface.x() + x * surface.width(), surface.y() + y * surface.height())
                for x, y in stroke.points
            ]
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

    def render(self, pad: PadView) -> None:  # type: ignore[override]  # a view in
        self.state.setText(self._tr("pad.is_open" if pad.open else "pad.is_closed"))
        self.open_on_kiosk.setEnabled(not pad.open)
        self.surface.set_strokes(pad.strokes)
