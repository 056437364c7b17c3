"""A widget that paints RGB frames (numpy, height x width x 3), aspect kept, with optional zoom.

Both apps draw video the same way; this could move to a shared ``qtkit`` package.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from PyQt6.QtCore import QPointF, QRectF, Qt
from PyQt6.QtGui import QColor, QImage, QPainter, QPaintEvent, QWheelEvent
from PyQt6.QtWidgets import QSizePolicy, QWidget

Rgb = npt.NDArray[np.uint8]
MAX_ZOOM = 8.0


class VideoView(QWidget):
    """Letterboxes the newest frame; the wheel zooms in around the centre when `zoomable`."""

    def __init__(self, placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        self._placeholder = placeholder
        self.zoom = 1.0
        self.zoomable = False
        self.mirrored = False  # a self-view reads like a mirror
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 90)

    def show_frame(self, rgb: Rgb | None) -> None:
        """Show `rgb` (copied into a QImage), or the placeholder for None."""
        if rgb is None:
            self._image = None
        else:
            height, width = rgb.shape[:2]
            data = np.ascontiguousarray(rgb).tobytes()
            image = QImage(data, width, height, 3 * width, QImage.Format.Format_RGB888)
            self._image = image.copy()  # own the pixels: `data` goes away
        self.update()

    @property
    def has_frame(self) -> bool:
        return self._image is not None

    def set_zoom(self, zoom: float) -> None:
        self.zoom = min(MAX_ZOOM, max(1.0, zoom))
        self.update()

    def wheelEvent(self, event: QWheelEvent | None) -> None:  # noqa: N802  # Qt override
        if event is None or not self.zoomable:
            return
        steps = event.angleDelta().y() / 120
        self.set_zoom(self.zoom * (1.25**steps))

    def paintEvent(self, event: QPaintEvent | None) -> None:  # noqa: N802  # Qt override
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#1d232a"))
        image = self._image
        if image is None:
            painter.setPen(QColor("#c8d0d8"))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self._placeholder)
            painter.end()
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        scale = min(self.width() / image.width(), self.height() / image.height()) * self.zoom
        width, height = image.width() * scale, image.height() * scale
        centre = QPointF(self.width() / 2, self.height() / 2)
        target = QRectF(centre.x() - width / 2, centre.y() - height / 2, width, height)
        if self.mirrored:
            image = image.mirrored(True, False)
        painter.drawImage(target, image)
        painter.end()
