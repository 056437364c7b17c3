"""The writing pad (筆談): the citizen writes with a finger, and staff's ink and words show too.

The surface is white and 3:2 (`PAD_ASPECT`, as at the console), so a stroke's fractions draw the
same shape at both ends; staff's newest texts sit large above it. A stroke grows live under the
finger and leaves as `stroke_drawn(id, points)` whenever `call.ink.LiveStroke` says: as it
begins, as it grows (at most `EMITS_PER_SECOND`) and at release, each time whole under one id.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Final

from PyQt6.QtCore import QPointF, QRect, QRectF, QSize, Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen, QPolygonF
from PyQt6.QtWidgets import QSizePolicy, QWidget

from call.ink import LiveStroke, Rect, pad_size, to_pixels
from kiosk.core.model import Stroke
from kiosk.core.viewmodels import PadVM
from kiosk.theme import BLACK, BLUE, WHITE, Theme
from kiosk.widgets.text import Role, TextBlock, font_for, qcolor

MIN_INK_PX: Final = 6.0
MARGIN: Final = 12


class WritingPad(QWidget):
    stroke_drawn = pyqtSignal(str, object)  # stroke id, [(x, y), …] as fractions of the surface

    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self._theme = theme
        self._vm = PadVM()
        self._texts: TextBlock | None = None
        self._live = LiveStroke(id_prefix="k")
        self._held_back = QTimer(self)  # fires when a grown stroke held back by the rate is due
        self._held_back.setSingleShot(True)
        self._held_back.setTimerType(Qt.TimerType.PreciseTimer)
        self._held_back.timeout.connect(self._on_held_back_timeout)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def sizeHint(self) -> QSize:  # noqa: N802  # Qt override
        return QSize(1200, 900)

    def draw(self, vm: PadVM) -> None:
        if vm.staff_texts != self._vm.staff_texts:
            text = "\n".join(vm.staff_texts)
            font = font_for(self._theme, Role.HEADING, bold=True)
            self._texts = TextBlock(text, font, Qt.AlignmentFlag.AlignLeft) if text else None
        self._vm = vm
        self.update()

    @property
    def strokes(self) -> tuple[Stroke, ...]:
        """The strokes on the pad as last drawn (the one under the finger aside)."""
        return self._vm.strokes

    def surface_rect(self) -> QRectF:
        """Where the citizen writes: the largest 3:2 box under staff's texts, centred."""
        area = QRectF(self.rect()).adjusted(MARGIN, MARGIN, -MARGIN, -MARGIN)
        top = area.top() + self._texts_height(area.width())
        width, height = pad_size(area.width(), area.bottom() - top)
        return QRectF(area.left() + (area.width() - width) / 2, top, width, height)

    def _texts_height(self, width: float) -> float:
        if self._texts is None:
            return 0.0
        # Staff's words may take at most a third of the pad; the rest stays for writing.
        return min(self._texts.height_for_width(round(width)), self.height() / 3) + MARGIN

    # --- Drawing with a finger ----------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent | None) -> None:  # noqa: N802  # Qt override
        if event is None or not self._vm.open or event.button() != Qt.MouseButton.LeftButton:
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
        live = self._live.id
        shown = [s for s in self._vm.strokes if s.staff or s.id != live]
        if live is not None:
            shown.append(Stroke(live, tuple(self._live.points), staff=False))
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
        box = surface.x(), surface.y(), surface.width(), surface.height()
        points = [QPointF(*to_pixels(point, box)) for point in stroke.points]
        if len(points) == 1:
            painter.drawPoint(points[0])
        elif points:
            painter.drawPolyline(QPolygonF(points))
