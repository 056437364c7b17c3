"""The citizen's paper for reading: the live document camera or a still, zoomed, panned, turned.

`PaperView` draws the frame where `staff_console.paper_zoom.PaperZoom` says and turns the wheel,
drags, double-clicks and keys into its inputs; `PaperPanel` adds the buttons. Both the call's
tab and the pop-out window (`paper_window.py`) are a `PaperPanel`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from PyQt6.QtCore import QPointF, QRectF, Qt, pyqtSignal
from PyQt6.QtGui import (
    QColor,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QWheelEvent,
)
from PyQt6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QToolButton, QVBoxLayout, QWidget

from staff_console.i18n import Translator
from staff_console.paper_zoom import ZOOM_STEP, PaperZoom
from staff_console.screens.video_view import Rgb

BACKGROUND = QColor("#1d232a")


def rgb_image(rgb: Rgb) -> QImage:
    height, width = rgb.shape[:2]
    data = np.ascontiguousarray(rgb).tobytes()
    return QImage(data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()


class PaperView(QWidget):
    """One frame or still, opening at fit; wheel, + and -, double-click, drag and R move it."""

    view_changed = pyqtSignal()  # zoom, centre or turn: the panel's percentage follows

    def __init__(self, placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._placeholder = placeholder
        self._image: QImage | None = None
        self._zoom: PaperZoom | None = None
        self._drag_from: QPointF | None = None
        self._reduced: tuple[tuple[int, float], QImage] | None = None  # (image key, scale)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 120)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.OpenHandCursor)

    @property
    def zoom(self) -> PaperZoom | None:
        return self._zoom

    @property
    def image(self) -> QImage | None:
        return self._image

    def show_frame(self, rgb: Rgb | None) -> None:
        """The next live frame; the view stays where staff put it while the size is the same."""
        if rgb is None:
            self._image, self._zoom, self._reduced = None, None, None  # nothing of it stays
        else:
            self._set_image(rgb_image(rgb), keep_view=True)
        self.update()

    def show_still(self, rgb: Rgb) -> None:
        """A still of the paper: a new paper, so it opens at fit."""
        self._set_image(rgb_image(rgb), keep_view=False)
        self.update()

    def show_image(self, image: QImage | None, quarter_turns: int = 0) -> None:
        """Another view's image (the pop-out takes over the tab's), at fit, turned as it was."""
        self._image, self._zoom = image, None
        if image is not None:
            self._set_zoom(PaperZoom.fit(_size(image), self._viewport(), quarter_turns))
        self.update()

    def zoom_in(self) -> None:
        self._apply(lambda z: z.zoomed_about_centre(ZOOM_STEP))

    def zoom_out(self) -> None:
        self._apply(lambda z: z.zoomed_about_centre(1 / ZOOM_STEP))

    def fit(self) -> None:
        self._apply(lambda z: PaperZoom.fit(z.image, z.viewport, z.quarter_turns))

    def rotate(self) -> None:
        self._apply(lambda z: z.rotated(1))

    def _set_image(self, image: QImage, *, keep_view: bool) -> None:
        self._image = image
        zoom = self._zoom
        if keep_view and zoom is not None:
            self._set_zoom(zoom.with_image(_size(image)))
        else:
            turns = 0 if zoom is None else zoom.quarter_turns
            self._set_zoom(PaperZoom.fit(_size(image), self._viewport(), turns))

    def _apply(self, step: Callable[[PaperZoom], PaperZoom]) -> None:
        if self._zoom is not None:
            self._set_zoom(step(self._zoom))

    def _set_zoom(self, zoom: PaperZoom) -> None:
        changed = zoom != self._zoom
        self._zoom = zoom
        self.update()
        if changed:
            self.view_changed.emit()

    def _viewport(self) -> tuple[float, float]:
        return (float(self.width()), float(self.height()))

    def resizeEvent(self, event: QResizeEvent | None) -> None:  # noqa: N802  # Qt override
        self._apply(lambda z: z.resized(self._viewport()))

    def wheelEvent(self, event: QWheelEvent | None) -> None:  # noqa: N802  # Qt override
        if event is None:
            return
        factor = ZOOM_STEP ** (event.angleDelta().y() / 120)
        at = event.position()
        self._apply(lambda z: z.zoomed(factor, (at.x(), at.y())))

    def mousePressEvent(self, event: QMouseEvent | None) -> None:  # noqa: N802  # Qt override
        if event is not None and event.button() == Qt.MouseButton.LeftButton:
            self._drag_from = event.position()
            self.setCursor(Qt.CursorShape.ClosedHandCursor)

    def mouseMoveEvent(self, event: QMouseEvent | None) -> None:  # noqa: N802  # Qt override
        if event is None or self._drag_from is None:
            return
        now, then = event.position(), self._drag_from
        self._drag_from = now
        self._apply(lambda z: z.dragged(now.x() - then.x(), now.y() - then.y()))

    def mouseReleaseEvent(self, event: QMouseEvent | None) -> None:  # noqa: N802  # Qt override
        self._drag_from = None
        self.setCursor(Qt.CursorShape.OpenHandCursor)

    def mouseDoubleClickEvent(self, event: QMouseEvent | None) -> None:  # noqa: N802  # Qt override
        if event is not None and event.button() == Qt.MouseButton.LeftButton:
            at = event.position()
            self._apply(lambda z: z.double_clicked((at.x(), at.y())))

    def keyPressEvent(self, event: QKeyEvent | None) -> None:  # noqa: N802  # Qt override
        key = None if event is None else event.key()
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):  # = is + without Shift on a JIS/US board
            self.zoom_in()
        elif key in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore):
            self.zoom_out()
        elif key == Qt.Key.Key_R:
            self.rotate()
        elif key == Qt.Key.Key_0:
            self.fit()
        else:
            super().keyPressEvent(event)

    def paintEvent(self, event: QPaintEvent | None) -> None:  # noqa: N802  # Qt override
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        image, zoom = self._image, self._zoom
        if image is None or zoom is None:
            painter.setPen(QColor("#c8d0d8"))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self._placeholder)
            painter.end()
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.translate(zoom.viewport[0] / 2, zoom.viewport[1] / 2)
        painter.rotate(90 * zoom.quarter_turns)
        painter.scale(zoom.scale, zoom.scale)
        painter.translate(-zoom.centre[0], -zoom.centre[1])
        painter.drawImage(QRectF(0, 0, image.width(), image.height()), self._drawn(image, zoom))
        painter.end()

    def _drawn(self, image: QImage, zoom: PaperZoom) -> QImage:
        """Below 1:1, an area-averaged copy: bilinear alone skips pixels and breaks thin strokes."""
        if zoom.scale >= 1.0:
            return image
        key = (image.cacheKey(), zoom.scale)
        if self._reduced is None or self._reduced[0] != key:
            width = max(1, round(image.width() * zoom.scale))
            height = max(1, round(image.height() * zoom.scale))
            reduced = image.scaled(
                width,
                height,
                Qt.AspectRatioMode.IgnoreAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
            self._reduced = (key, reduced)
        return self._reduced[1]


def _size(image: QImage) -> tuple[float, float]:
    return (float(image.width()), float(image.height()))


class PaperPanel(QWidget):
    """A PaperView under its buttons (out, in, fit, rotate), its percentage and the `extras`."""

    def __init__(
        self, tr: Translator, extras: Sequence[QToolButton], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._tr = tr
        self.view = PaperView(tr("call.no_video"))
        self.zoom_out = self._button(tr("paper.zoom_out"), self.view.zoom_out)
        self.zoom_in = self._button(tr("paper.zoom_in"), self.view.zoom_in)
        self.fit = self._button(tr("paper.fit"), self.view.fit)
        self.rotate = self._button(tr("paper.rotate"), self.view.rotate)
        self.percent = QLabel()
        self.percent.setObjectName("paper_percent")
        hint = QLabel(tr("paper.hint"))
        hint.setStyleSheet("color: #5a6570;")
        hint.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # yields first
        bar = QHBoxLayout()
        for button in (self.zoom_out, self.zoom_in, self.fit, self.rotate):
            bar.addWidget(button)
        bar.addWidget(self.percent)
        bar.addWidget(hint, 1)
        for extra in extras:
            bar.addWidget(extra)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        self.view.view_changed.connect(self._on_view_view_changed)

    def _button(self, text: str, slot: Callable[[], None]) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keys stay with the paper
        button.clicked.connect(slot)
        return button

    def _on_view_view_changed(self) -> None:
        zoom = self.view.zoom
        # Per cent of the camera's own pixels: 100 % shows every pixel it took.
        self.percent.setText("" if zoom is None else f"{round(zoom.scale * 100)} %")
