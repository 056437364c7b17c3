"""What staff show: a document page (exact pixels) or their screen, with zoom, pan and marks.

Zoom is by the on-screen + and - buttons (`zoom_in`, `zoom_out`, `fit`); nothing needs a pinch.
Panning is a drag, and a single tap also works: a tap centres the view on the tapped point, so
every part of a zoomed page can be reached by taps alone (WCAG 2.5.1). The zoom and pan are view
state only, and start over when a new page arrives.
"""

from __future__ import annotations

from collections.abc import Sequence

from PyQt6.QtCore import QPointF, QRectF, QSize, Qt
from PyQt6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen, QPolygonF
from PyQt6.QtWidgets import QSizePolicy, QWidget

from call.content_messages import Highlight, Mark, PenStroke, Pointer
from kiosk.engine import Image8
from kiosk.theme import GREY, RED, WHITE, Theme
from kiosk.widgets.text import qcolor
from kiosk.widgets.video_view import to_qimage

ZOOM_STEPS = (1.0, 1.5, 2.0, 3.0, 4.0)
DRAG_THRESHOLD_PX = 16


def mark_color(text: str) -> QColor:
    """``#RRGGBB`` or ``#RRGGBBAA`` (call.content_messages colours)."""
    color = QColor(text[:7])
    if len(text) == 9:
        color.setAlpha(int(text[7:9], 16))
    return color


class DocumentView(QWidget):
    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self._theme = theme
        self._key: tuple[str, int] | None = None
        self._source: Image8 | None = None
        self._image: QImage | None = None
        self._data = b""
        self._marks: tuple[Mark, ...] = ()
        self._zoom_index = 0
        self._centre = QPointF(0.5, 0.5)  # the page point at the centre of the view, 0..1
        self._press: QPointF | None = None
        self._press_centre = QPointF(0.5, 0.5)
        self._dragged = False
        self.pages_painted = 0
        self._right_inset = 0
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:  # noqa: N802  # Qt override
        return QSize(1280, 720)

    @property
    def zoom(self) -> float:
        return ZOOM_STEPS[self._zoom_index]

    @property
    def centre(self) -> QPointF:
        return QPointF(self._centre)

    def show_content(
        self, key: tuple[str, int], image: Image8 | None, marks: Sequence[Mark]
    ) -> None:
        """A page (or, with `image` None, the screen-share video); a new key resets the zoom."""
        if key != self._key:
            self._key = key
            self._zoom_index = 0
            self._centre = QPointF(0.5, 0.5)
        self._marks = tuple(marks)
        if image is not None:
            self.set_frame(image)
        self.update()

    def set_frame(self, image: Image8 | None) -> None:
        if image is self._source:
            return
        self._source = image
        self._image, self._data = (None, b"") if image is None else to_qimage(image)
        self.update()

    def zoom_in(self) -> None:
        self._zoom_index = min(len(ZOOM_STEPS) - 1, self._zoom_index + 1)
        self._clamp()

    def zoom_out(self) -> None:
        self._zoom_index = max(0, self._zoom_index - 1)
        self._clamp()

    def fit(self) -> None:
        self._zoom_index = 0
        self._centre = QPointF(0.5, 0.5)
        self.update()

    def set_right_inset(self, pixels: int) -> None:
        """Keep the fitted page clear of this many pixels on the right (the staff video inset)."""
        self._right_inset = pixels
        self._clamp()

    def _view_width(self) -> int:
        return max(1, self.width() - self._right_inset)

    # --- Geometry -----------------------------------------------------------------------------

    def _page_rect(self) -> QRectF:
        if self._image is None:
            return QRectF()
        view_width = self._view_width()
        fit = min(view_width / self._image.width(), self.height() / self._image.height())
        scale = fit * self.zoom
        width, height = self._image.width() * scale, self._image.height() * scale
        return QRectF(
            view_width / 2 - self._centre.x() * width,
            self.height() / 2 - self._centre.y() * height,
            width,
            height,
        )

    def _clamp(self) -> None:
        """Keep the page filling the view where it can: no panning into empty space."""
        page = self._page_rect()
        if page.isEmpty():
            return
        half_x = min(0.5, self._view_width() / 2 / page.width())
        half_y = min(0.5, self.height() / 2 / page.height())
        self._centre = QPointF(
            min(max(self._centre.x(), half_x), 1 - half_x),
            min(max(self._centre.y(), half_y), 1 - half_y),
        )
        self.update()

    # --- Touch --------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent | None) -> None:  # noqa: N802  # Qt override
        if event is not None:
            self._press = event.position()
            self._press_centre = QPointF(self._centre)
            self._dragged = False

    def mouseMoveEvent(self, event: QMouseEvent | None) -> None:  # noqa: N802  # Qt override
        if event is None or self._press is None:
            return
        delta = event.position() - self._press
        if abs(delta.x()) + abs(delta.y()) >= DRAG_THRESHOLD_PX:
            self._dragged = True
        page = self._page_rect()
        if self._dragged and not page.isEmpty():
            self._centre = QPointF(
                self._press_centre.x() - delta.x() / page.width(),
                self._press_centre.y() - delta.y() / page.height(),
            )
            self._clamp()

    def mouseReleaseEvent(self, event: QMouseEvent | None) -> None:  # noqa: N802  # Qt override
        page = self._page_rect()
        if (
            event is not None
            and self._press is not None
            and not self._dragged
            and not page.isEmpty()
        ):
            tapped = event.position()
            self._centre = QPointF(
                (tapped.x() - page.x()) / page.width(), (tapped.y() - page.y()) / page.height()
            )
            self._clamp()
        self._press = None

    # --- Painting -----------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent | None) -> None:  # noqa: N802  # Qt override
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.fillRect(self.rect(), qcolor(GREY))
        if self._image is None:
            return
        page = self._page_rect()
        painter.drawImage(page, self._image)
        self.pages_painted += 1
        for mark in self._marks:
            self._paint_mark(painter, mark, page)

    def _paint_mark(self, painter: QPainter, mark: Mark, page: QRectF) -> None:
        def at(x: float, y: float) -> QPointF:
            return QPointF(page.x() + x * page.width(), page.y() + y * page.height())

        match mark:
            case Pointer(visible=False):
                pass
            case Pointer(x=x, y=y):
                radius = max(18.0, page.width() * 0.015)
                painter.setPen(QPen(qcolor(WHITE), 5))
                painter.setBrush(qcolor(RED))
                painter.drawEllipse(at(x, y), radius, radius)
            case Highlight():
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(mark_color(mark.color))
                painter.drawRect(
                    QRectF(at(mark.x, mark.y), at(mark.x + mark.width, mark.y + mark.height))
                )
            case PenStroke():
                pen = QPen(mark_color(mark.color), max(2.0, mark.width * page.width()))
                pen.setCapStyle(Qt.PenCapStyle.RoundCap)
                pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
                painter.setPen(pen)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawPolyline(QPolygonF([at(x, y) for x, y in mark.points]))
