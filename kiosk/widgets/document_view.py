"""What takes the call's main area: a document page at exact pixels, or a live picture.

**1:1 at fit.** The page is drawn at the top left of the view, as large as fits: staff render
each page for the size this widget announces (`announce`), so at fit the page is drawn
unscaled. That rectangle, the *content rectangle*, never moves while a page is up: zooming
magnifies inside it, and nothing else on the screen is placed over it.

**Zoom.** The + and - buttons, a pinch, or staff's "look here" (`focus`, animated) change it;
"whole page" returns to fit. A drag pans, and so does a tap alone: a tap centres the view on
the tapped point, so every part of a zoomed page is reachable by taps (WCAG 2.5.1). The zoom
holds across the pages of one document and starts over with another.

**Sharp when zoomed.** Once a zoomed view settles, `view_changed` says which part of the page the
citizen sees and at how many pixels; staff render exactly that part again from the document
and it comes back as a `Detail`, drawn over the enlarged page, so zoomed text is sharp.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PyQt6.QtCore import (
    QEasingCurve,
    QEvent,
    QPointF,
    QRect,
    QRectF,
    QSize,
    Qt,
    QTimer,
    QVariantAnimation,
    pyqtSignal,
)
from PyQt6.QtGui import (
    QColor,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPolygonF,
    QWheelEvent,
)
from PyQt6.QtWidgets import QGestureEvent, QPinchGesture, QSizePolicy, QWidget

from call.content_messages import Highlight, Mark, PenStroke, Pointer
from kiosk.core.engine_port import WHOLE_PAGE, Box, Image8
from kiosk.core.model import Detail
from kiosk.theme import GREY, RED, WHITE, Theme
from kiosk.widgets.text import qcolor
from kiosk.widgets.video_view import to_qimage

ZOOM_STEP = 1.5
MAX_ZOOM = 8.0
DRAG_THRESHOLD_PX = 16
FOCUS_ANIMATION_MS = 400
VIEW_SETTLES_MS = 250  # a view is reported once it has been still this long

# Drawn over the picture in its drawn rectangle: the paper guide on the document camera's.
Overlay = Callable[[QPainter, QRectF], None]


def mark_color(text: str) -> QColor:
    """``#RRGGBB`` or ``#RRGGBBAA`` (call.content_messages colours)."""
    color = QColor(text[:7])
    if len(text) == 9:
        color.setAlpha(int(text[7:9], 16))
    return color


class DocumentView(QWidget):
    viewport_changed = pyqtSignal(int, int)  # the size pages should be rendered to fit
    view_changed = pyqtSignal(str, int, object, int, int)  # doc_id, page, Box, width_px, height_px

    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self._theme = theme
        self._key: tuple[str, int] | None = None
        self._source: Image8 | None = None
        self._image: QImage | None = None
        self._data = b""
        self._detail: tuple[Detail, QImage, bytes] | None = None
        self._marks: tuple[Mark, ...] = ()
        self._overlay: Overlay | None = None
        self._zoom = 1.0
        self._centre = QPointF(0.5, 0.5)  # the page point at the centre of the view, 0..1
        self._focus_serial: int | None = None
        self._press: QPointF | None = None
        self._press_centre = QPointF(0.5, 0.5)
        self._dragged = False
        self._announced = QSize()
        self.pages_painted = 0
        self._animation = QVariantAnimation(self)
        self._animation.setDuration(FOCUS_ANIMATION_MS)
        self._animation.setEasingCurve(QEasingCurve.Type.InOutCubic)
        self._animation.setStartValue(0.0)
        self._animation.setEndValue(1.0)
        self._animation.valueChanged.connect(self._on_animation_value_changed)
        self._animation.finished.connect(self._view_moved)
        self._from: tuple[float, QPointF] = (1.0, QPointF(0.5, 0.5))
        self._to: tuple[float, QPointF] = (1.0, QPointF(0.5, 0.5))
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(VIEW_SETTLES_MS)
        self._settle.timeout.connect(self._on_settle_timeout)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.grabGesture(Qt.GestureType.PinchGesture)

    def sizeHint(self) -> QSize:  # noqa: N802  # Qt override
        return QSize(1600, 968)

    @property
    def zoom(self) -> float:
        return self._zoom

    @property
    def centre(self) -> QPointF:
        return QPointF(self._centre)

    # --- What is shown ------------------------------------------------------------------------

    def show_content(
        self,
        key: tuple[str, int],
        image: Image8 | None,
        marks: Sequence[Mark] = (),
        detail: Detail | None = None,
    ) -> None:
        """A page, or with `image` None a live picture (`set_frame`); another document resets
        the zoom, another page of the same one keeps it."""
        if key != self._key:
            if self._key is None or key[0] != self._key[0] or not key[0]:
                self._animation.stop()
                self._zoom, self._centre = 1.0, QPointF(0.5, 0.5)
            self._key = key
            self._detail = None
            self._view_moved()  # staff learn what the citizen sees of the new page
        self._marks = tuple(marks)
        if detail is not None and (self._detail is None or self._detail[0] is not detail):
            self._detail = (detail, *to_qimage(detail.image))
        if image is not None:
            self.set_frame(image)
        self.update()

    def set_frame(self, image: Image8 | None) -> None:
        if image is self._source:
            return
        self._source = image
        self._image, self._data = (None, b"") if image is None else to_qimage(image)
        if self._image is not None:
            self._image.setDevicePixelRatio(self.devicePixelRatioF())
        self._clamp()

    def set_overlay(self, overlay: Overlay | None) -> None:
        """Something drawn over the picture, following it as it scales; None: nothing."""
        self._overlay = overlay
        self.update()

    def focus(self, box: Box, serial: int) -> None:
        """Staff's "look here": animate so that `box` (page fractions) fills the view."""
        if serial == self._focus_serial:
            return
        self._focus_serial = serial
        x, y, width, height = box
        zoom = min(MAX_ZOOM, max(1.0, 1 / max(width, height, 1e-6)))
        if box == WHOLE_PAGE:
            zoom = 1.0
        self._animate_to(zoom, QPointF(x + width / 2, y + height / 2))

    def zoom_in(self) -> None:
        self._animate_to(min(MAX_ZOOM, self._zoom * ZOOM_STEP), self._centre)

    def zoom_out(self) -> None:
        self._animate_to(max(1.0, self._zoom / ZOOM_STEP), self._centre)

    def fit(self) -> None:
        self._animate_to(1.0, QPointF(0.5, 0.5))

    # --- Geometry -----------------------------------------------------------------------------

    def content_rect(self) -> QRect:
        """Where the page is drawn at fit: the top left of the view, never covered."""
        if self._image is None or self._image.isNull():
            return QRect()
        image = self._image.deviceIndependentSize()
        scale = min(self.width() / image.width(), self.height() / image.height())
        return QRect(
            0, 0, min(self.width(), round(image.width() * scale)), round(image.height() * scale)
        )

    def page_rect(self) -> QRectF:
        """Where the whole page is drawn at the current zoom (mostly outside the view, zoomed)."""
        content = QRectF(self.content_rect())
        if content.isEmpty():
            return QRectF()
        width, height = content.width() * self._zoom, content.height() * self._zoom
        return QRectF(
            content.center().x() - self._centre.x() * width,
            content.center().y() - self._centre.y() * height,
            width,
            height,
        )

    def visible_box(self) -> Box:
        """The part of the page the citizen sees, as page fractions."""
        page, content = self.page_rect(), QRectF(self.content_rect())
        if page.isEmpty():
            return WHOLE_PAGE
        seen = page.intersected(content)
        return (
            (seen.x() - page.x()) / page.width(),
            (seen.y() - page.y()) / page.height(),
            seen.width() / page.width(),
            seen.height() / page.height(),
        )

    def _clamp(self) -> None:
        """Keep the page filling the content rectangle: no panning into empty space."""
        half = 0.5 / self._zoom
        self._centre = QPointF(
            min(max(self._centre.x(), half), 1 - half), min(max(self._centre.y(), half), 1 - half)
        )
        self.update()

    def announce(self, size: QSize) -> None:
        """Tell staff the size pages should fit, once for each new size: the size this view
        is given, even while hidden (a hidden widget hears of its size only when shown)."""
        # In the panel's own pixels: with ui_scale on a panel that is not 1080p, Qt scales
        # every logical pixel, and a page must still land 1:1 on the panel's pixels.
        dpr = self.devicePixelRatioF()
        pixels = QSize(round(size.width() * dpr), round(size.height() * dpr))
        if pixels != self._announced and not pixels.isEmpty():
            self._announced = pixels
            self.viewport_changed.emit(pixels.width(), pixels.height())

    # --- Moving the view ----------------------------------------------------------------------

    def _animate_to(self, zoom: float, centre: QPointF) -> None:
        self._animation.stop()
        self._from, self._to = (self._zoom, QPointF(self._centre)), (zoom, QPointF(centre))
        self._animation.start()

    def _on_animation_value_changed(self, value: object) -> None:
        t = float(value) if isinstance(value, float | int) else 1.0
        (zoom0, centre0), (zoom1, centre1) = self._from, self._to
        self._zoom = zoom0 * (zoom1 / zoom0) ** t  # even steps to the eye
        self._centre = centre0 + (centre1 - centre0) * t
        self._clamp()

    def zoom_by(self, factor: float, around: QPointF) -> None:
        """Zoom by `factor` keeping the page point under `around` (view pixels) in place."""
        page = self.page_rect()
        if page.isEmpty():
            return
        self._animation.stop()
        point = QPointF(
            (around.x() - page.x()) / page.width(), (around.y() - page.y()) / page.height()
        )
        zoom = min(MAX_ZOOM, max(1.0, self._zoom * factor))
        ratio = self._zoom / zoom
        self._centre = point + (self._centre - point) * ratio
        self._zoom = zoom
        self._clamp()
        self._view_moved()

    def _view_moved(self) -> None:
        self._settle.start()

    def _on_settle_timeout(self) -> None:
        page = self.page_rect()
        if self._key is None or not self._key[0] or page.isEmpty():
            return
        box, dpr = self.visible_box(), self.devicePixelRatioF()
        self.view_changed.emit(
            self._key[0],
            self._key[1],
            box,
            max(1, round(box[2] * page.width() * dpr)),  # the panel's pixels, as announced
            max(1, round(box[3] * page.height() * dpr)),
        )

    # --- Touch --------------------------------------------------------------------------------

    def event(self, event: QEvent | None) -> bool:
        if isinstance(event, QGestureEvent):
            pinch = event.gesture(Qt.GestureType.PinchGesture)
            if isinstance(pinch, QPinchGesture):
                centre = self.mapFromGlobal(pinch.centerPoint().toPoint())
                self.zoom_by(pinch.scaleFactor(), QPointF(centre))
                event.accept()
                return True
        return super().event(event)

    def wheelEvent(self, event: QWheelEvent | None) -> None:  # noqa: N802  # Qt override
        if event is not None and event.angleDelta().y():
            step = ZOOM_STEP if event.angleDelta().y() > 0 else 1 / ZOOM_STEP
            self.zoom_by(step, event.position())

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
        page = self.page_rect()
        if self._dragged and not page.isEmpty():
            self._animation.stop()
            self._centre = QPointF(
                self._press_centre.x() - delta.x() / page.width(),
                self._press_centre.y() - delta.y() / page.height(),
            )
            self._clamp()

    def mouseReleaseEvent(self, event: QMouseEvent | None) -> None:  # noqa: N802  # Qt override
        page = self.page_rect()
        if event is not None and self._press is not None and not page.isEmpty():
            if not self._dragged and self._zoom > 1.0:
                tapped = event.position()
                self._animate_to(
                    self._zoom,
                    QPointF(
                        (tapped.x() - page.x()) / page.width(),
                        (tapped.y() - page.y()) / page.height(),
                    ),
                )
            else:
                self._view_moved()
        self._press = None

    # --- Painting -----------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent | None) -> None:  # noqa: N802  # Qt override
        painter = QPainter(self)
        painter.fillRect(self.rect(), qcolor(GREY))
        if self._image is None:
            return
        content = self.content_rect()
        page = self.page_rect()
        painter.setClipRect(content)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        if page.size() == self._image.deviceIndependentSize():
            painter.drawImage(page.topLeft(), self._image)  # 1:1: the pixels as sent
        else:
            painter.drawImage(page, self._image)
        if self._detail is not None and self._zoom > 1.0:
            detail, image, _ = self._detail
            x, y, width, height = detail.region
            painter.drawImage(
                QRectF(
                    page.x() + x * page.width(),
                    page.y() + y * page.height(),
                    width * page.width(),
                    height * page.height(),
                ),
                image,
            )
        self.pages_painted += 1
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for mark in self._marks:
            self._paint_mark(painter, mark, page)
        if self._overlay is not None:
            self._overlay(painter, page)

    def _paint_mark(self, painter: QPainter, mark: Mark, page: QRectF) -> None:
        def at(x: float, y: float) -> QPointF:
            return QPointF(page.x() + x * page.width(), page.y() + y * page.height())

        match mark:
            case Pointer(visible=False):
                pass
            case Pointer(x=x, y=y):
                radius = max(18.0, self.content_rect().width() * 0.015)
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
