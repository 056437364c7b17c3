"""The writing pad (筆談): the citizen writes with a finger, and staff's ink and words show too.

The surface is white and 3:2 (`PAD_ASPECT`, as at the console), so a stroke's fractions draw the
same shape at both ends; staff's newest texts sit large above it. A stroke grows live under the
finger and leaves as `stroke_drawn(id, points)` when it begins, as it grows (at most
`EMITS_PER_SECOND`) and at release, each time whole, under the same id. Ids come from one
counter for the process, so a screen rebuilt mid-call (large text) never reuses one.
"""

from __future__ import annotations

import itertools
from typing import Final

from PyQt6.QtCore import QPointF, QRect, QRectF, QSize, Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen, QPolygonF
from PyQt6.QtWidgets import QSizePolicy, QWidget

from call.control_channel import PAD_ASPECT
from kiosk.model import Stroke
from kiosk.theme import BLACK, BLUE, WHITE, Theme
from kiosk.viewmodels import PadVM
from kiosk.widgets.text import Role, TextBlock, font_for, qcolor

EMITS_PER_SECOND: Final = 20
MIN_STEP_PX: Final = 2.0  # a finger's tremble below this adds no point
MAX_STROKE_POINTS: Final = 1000  # a longer stroke goes on as a new one, so each message stays small
MIN_INK_PX: Final = 6.0
MARGIN: Final = 12
_stroke_ids = itertools.count(1)
Point = tuple[float, float]


class WritingPad(QWidget):
    stroke_drawn = pyqtSignal(str, object)  # stroke id, [(x, y), …] as fractions of the surface

    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self._theme = theme
        self._vm = PadVM()
        self._texts: TextBlock | None = None
        self._live_id: str | None = None
        self._live: list[Point] = []
        self._pending = False
        self._throttle = QTimer(self)
        self._throttle.setSingleShot(True)
        self._throttle.setInterval(1000 // EMITS_PER_SECOND)
        self._throttle.timeout.connect(self._on_throttle_timeout)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def sizeHint(self) -> QSize:  # noqa: N802  # Qt override
        return QSize(1200, 900)

    def render(self, vm: PadVM) -> None:  # type: ignore[override]  # a vm in
        if vm.staff_texts != self._vm.staff_texts:
            text = "\n".join(vm.staff_texts)
            font = font_for(self._theme, Role.HEADING, bold=True)
            self._texts = TextBlock(text, font, Qt.AlignmentFlag.AlignLeft) if text else None
        self._vm = vm
        self.update()

    @property
    def strokes(self) -> tuple[Stroke, ...]:
        """The strokes on the pad as last rendered (the one under the finger aside)."""
        return self._vm.strokes

    def surface_rect(self) -> QRectF:
        """Where the citizen writes: the largest 3:2 box under staff's texts, centred."""
        area = QRectF(self.rect()).adjusted(MARGIN, MARGIN, -MARGIN, -MARGIN)
        top = area.top() + self._texts_height(area.width())
        height = max(1.0, min(area.bottom() - top, area.width() / PAD_ASPECT))
        width = height * PAD_ASPECT
        return QRectF(area.left() + (area.width() - width) / 2, top, width, height)

    def _texts_height(self, width: float) -> float:
        if self._texts is None:
            return 0.0
        # Staff's words may take at most a third of the pad; the rest stays for writing.
        return min(self._texts.height_for_width(round(width)), self.height() / 3) + MARGIN

    def _fraction(self, position: QPointF) -> Point:
        surface = self.surface_rect()
        x = (position.x() - surface.x()) / surface.width()
        y = (position.y() - surface.y()) / surface.height()
        return min(1.0, max(0.0, x)), min(1.0, max(0.0, y))

    # --- Drawing with a finger ----------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent | None) -> None:  # noqa: N802  # Qt override
        if event is None or not self._vm.open or event.button() != Qt.MouseButton.LeftButton:
            return
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
        """Add the finger's point to the live stroke, unless it has hardly moved."""
        point = self._fraction(position)
        surface = self.surface_rect()
        last = self._live[-1]
        dx, dy = (point[0] - last[0]) * surface.width(), (point[1] - last[1]) * surface.height()
        if max(abs(dx), abs(dy)) < MIN_STEP_PX:
            return False
        self._live.append(point)
        return True

    def _begin(self, point: Point) -> None:
        self._live_id = f"k{next(_stroke_ids)}"
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

    # --- Painting -----------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent | None) -> None:  # noqa: N802  # Qt override
        palette = self._theme.palette
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), qcolor(palette.page.fill))
        area = QRectF(self.rect()).adjusted(MARGIN, MARGIN, -MARGIN, -MARGIN)
        if self._texts is not None:
            height = round(self._texts_height(area.width()) - MARGIN)
            box = QRect(round(area.x()), round(area.y()), round(area.width()), height)
            self._texts.paint(painter, box, qcolor(palette.page.text))
        surface = self.surface_rect()
        painter.setPen(QPen(qcolor(palette.panel.border), palette.panel.border_px))
        painter.setBrush(qcolor(WHITE))
        painter.drawRect(surface)
        shown = [s for s in self._vm.strokes if s.staff or s.id != self._live_id]
        if self._live_id is not None:
            shown.append(Stroke(self._live_id, tuple(self._live), staff=False))
        if not shown and self._vm.hint:  # ruby-aware: the ja-easy hint has readings
            hint = TextBlock(
                self._vm.hint, font_for(self._theme, Role.BODY), Qt.AlignmentFlag.AlignCenter
            )
            hint.paint(painter, surface.toRect(), qcolor(BLACK))
        width = max(MIN_INK_PX, surface.height() / 90)
        for stroke in shown:
            self._paint_stroke(painter, surface, stroke, width)
        painter.end()

    @staticmethod
    def _paint_stroke(painter: QPainter, surface: QRectF, stroke: Stroke, width: float) -> None:
        color = QColor(stroke.color) if stroke.color else qcolor(BLUE if stroke.staff else BLACK)
        pen = QPen(color, width)
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
