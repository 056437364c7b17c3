"""A document page with the marks on it; the mouse points, highlights, draws and says "look here".

Coordinates leave as fractions (0..1) of the page, as the content channel sends them, so a
mark lands on the same spot on the kiosk whatever the two render sizes are. The part of the
page the citizen sees, when they see less than all of it, is outlined.
"""

from __future__ import annotations

import itertools

from PyQt6.QtCore import QPointF, QRectF, Qt, pyqtSignal
from PyQt6.QtGui import QColor, QImage, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPen
from PyQt6.QtWidgets import QSizePolicy, QWidget

from staff_console.core.engine_port import HighlightMark, MarkTool, PageMark, PenMark, PointerMark
from staff_console.core.legibility import WHOLE_PAGE, Box

HIGHLIGHT = QColor(255, 235, 59, 128)
PEN = QColor("#e53935")
POINTER = QColor(229, 57, 53, 200)
CITIZEN = QColor("#0057b7")  # the citizen's view: blue, apart from the marks' red and yellow
MIN_FOCUS = 0.02  # a focus drag smaller than this (of the page) was a click: nothing is sent
KEY_STEPS = {
    Qt.Key.Key_Left: (-1, 0),
    Qt.Key.Key_Right: (1, 0),
    Qt.Key.Key_Up: (0, -1),
    Qt.Key.Key_Down: (0, 1),
}


class PageCanvas(QWidget):
    pointed = pyqtSignal(float, float)
    highlighted = pyqtSignal(float, float, float, float)
    stroke_changed = pyqtSignal(list, bool)  # [(x, y), …], done
    focused = pyqtSignal(float, float, float, float)  # x, y, width, height: "look here"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        self._marks: tuple[PageMark, ...] = ()
        self._tool = MarkTool.POINTER
        self._drag_start: QPointF | None = None
        self._drag_now: QPointF | None = None
        self._stroke: list[tuple[float, float]] = []
        self._citizen_box: Box | None = None
        self._citizen_label = ""
        self._key_point = (0.5, 0.5)  # where the arrow keys point, as fractions of the page
        self.setMouseTracking(False)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(200, 200)

    @property
    def image(self) -> QImage | None:
        """The page drawn: a file's rendered page or a still of the citizen's paper."""
        return self._image

    def set_page(self, image: QImage | None) -> None:
        self._image = image
        self.update()

    def set_marks(self, marks: tuple[PageMark, ...], tool: MarkTool) -> None:
        self._marks = marks
        self._tool = tool
        self.setCursor(
            Qt.CursorShape.PointingHandCursor
            if tool is MarkTool.POINTER
            else Qt.CursorShape.CrossCursor
        )
        self.update()

    def set_citizen_box(self, box: Box | None, label: str = "") -> None:
        """Outline what the citizen sees; None, or the whole page, draws nothing."""
        self._citizen_box = None if box == WHOLE_PAGE else box
        self._citizen_label = label
        self.update()

    def page_rect(self) -> QRectF:
        image = self._image
        if image is None or image.width() == 0:
            return QRectF(self.rect())
        scale = min(self.width() / image.width(), self.height() / image.height())
        width, height = image.width() * scale, image.height() * scale
        return QRectF((self.width() - width) / 2, (self.height() - height) / 2, width, height)

    def _fraction(self, point: QPointF) -> tuple[float, float]:
        page = self.page_rect()
        x = (point.x() - page.x()) / max(1.0, page.width())
        y = (point.y() - page.y()) / max(1.0, page.height())
        return min(1.0, max(0.0, x)), min(1.0, max(0.0, y))

    def mousePressEvent(self, event: QMouseEvent | None) -> None:  # noqa: N802  # Qt override
        if event is None or self._image is None:
            return
        position = event.position()
        self._drag_start = self._drag_now = position
        if self._tool is MarkTool.POINTER:
            self.pointed.emit(*self._fraction(position))
        elif self._tool is MarkTool.PEN:
            self._stroke = [self._fraction(position)]

    def mouseMoveEvent(self, event: QMouseEvent | None) -> None:  # noqa: N802  # Qt override
        if event is None or self._drag_start is None:
            return
        position = event.position()
        self._drag_now = position
        if self._tool is MarkTool.POINTER:
            self.pointed.emit(*self._fraction(position))
        elif self._tool is MarkTool.PEN:
            self._stroke.append(self._fraction(position))
            if len(self._stroke) % 4 == 0:  # resend the growing stroke now and then, not per pixel
                self.stroke_changed.emit(list(self._stroke), False)
        self.update()

    def keyPressEvent(self, event: QKeyEvent | None) -> None:  # noqa: N802  # Qt override
        """With the pointer tool, the arrow keys point on the page without a mouse: a twentieth
        of the page a press, a hundredth with Shift."""
        step = None if event is None else KEY_STEPS.get(Qt.Key(event.key()))
        if event is None or step is None or self._image is None:
            super().keyPressEvent(event)
            return
        if self._tool is not MarkTool.POINTER:
            super().keyPressEvent(event)
            return
        fine = event.modifiers() & Qt.KeyboardModifier.ShiftModifier
        size = 0.01 if fine else 0.05
        x, y = self._key_point
        x = min(1.0, max(0.0, x + step[0] * size))
        y = min(1.0, max(0.0, y + step[1] * size))
        self._key_point = (x, y)
        self.pointed.emit(x, y)

    def mouseReleaseEvent(self, event: QMouseEvent | None) -> None:  # noqa: N802  # Qt override
        if event is None or self._drag_start is None:
            return
        start, end = self._fraction(self._drag_start), self._fraction(event.position())
        if self._tool is MarkTool.HIGHLIGHTER and start != end:
            self.highlighted.emit(start[0], start[1], end[0] - start[0], end[1] - start[1])
        elif self._tool is MarkTool.FOCUS:
            left, top = min(start[0], end[0]), min(start[1], end[1])
            width, height = abs(end[0] - start[0]), abs(end[1] - start[1])
            if max(width, height) >= MIN_FOCUS:
                self.focused.emit(left, top, width, height)
        elif self._tool is MarkTool.PEN and self._stroke:
            self._stroke.append(end)
            self.stroke_changed.emit(list(self._stroke), True)
        self._drag_start = self._drag_now = None
        self._stroke = []
        self.update()

    def paintEvent(self, event: QPaintEvent | None) -> None:  # noqa: N802  # Qt override
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)  # small text stays whole
        painter.fillRect(self.rect(), QColor("#d9dde2"))
        if self._image is None:
            painter.end()
            return
        page = self.page_rect()
        painter.drawImage(page, self._image)
        for mark in self._marks:
            self.paint_mark(painter, page, mark)
        self._paint_citizen_box(painter, page)
        if self._tool is MarkTool.HIGHLIGHTER and self._drag_start and self._drag_now:
            painter.fillRect(QRectF(self._drag_start, self._drag_now).normalized(), HIGHLIGHT)
        if self._tool is MarkTool.FOCUS and self._drag_start and self._drag_now:
            painter.setPen(QPen(CITIZEN, 2, Qt.PenStyle.DashLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(QRectF(self._drag_start, self._drag_now).normalized())
        if self._stroke:
            self.paint_mark(painter, page, PenMark("drawing", tuple(self._stroke)))
        painter.end()

    def _paint_citizen_box(self, painter: QPainter, page: QRectF) -> None:
        if self._citizen_box is None:
            return
        x, y, width, height = self._citizen_box
        seen = QRectF(
            page.x() + x * page.width(),
            page.y() + y * page.height(),
            width * page.width(),
            height * page.height(),
        )
        painter.setPen(QPen(CITIZEN, 3))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(seen)
        if self._citizen_label:
            metrics = painter.fontMetrics()
            size = (metrics.horizontalAdvance(self._citizen_label) + 10, metrics.height() + 4)
            # Above the box, where it hides nothing the citizen sees; inside when at the top.
            top = seen.y() - size[1] if seen.y() - size[1] >= page.y() else seen.y()
            tag = QRectF(seen.x(), top, *size)
            painter.fillRect(tag, CITIZEN)
            painter.setPen(QColor("white"))
            painter.drawText(tag, Qt.AlignmentFlag.AlignCenter, self._citizen_label)

    @staticmethod
    def paint_mark(
        painter: QPainter, page: QRectF, mark: PageMark, pointer_radius: float = 11.0
    ) -> None:
        """Paint `mark` on a page drawn at `page` (the citizen view paints the kiosk's too)."""

        def at(x: float, y: float) -> QPointF:
            return QPointF(page.x() + x * page.width(), page.y() + y * page.height())

        match mark:
            case PointerMark(x=x, y=y):
                painter.setPen(QPen(QColor("white"), 2))
                painter.setBrush(POINTER)
                painter.drawEllipse(at(x, y), pointer_radius, pointer_radius)
            case HighlightMark(x=x, y=y, width=width, height=height):
                painter.fillRect(QRectF(at(x, y), at(x + width, y + height)), HIGHLIGHT)
            case PenMark(points=points):
                painter.setPen(QPen(PEN, max(2.0, page.width() * 0.003)))
                for (x1, y1), (x2, y2) in itertools.pairwise(points):
                    painter.drawLine(at(x1, y1), at(x2, y2))
