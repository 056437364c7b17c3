"""A translucent full-screen overlay where staff drag the region of the screen to share."""

from __future__ import annotations

from PyQt6.QtCore import QPoint, QRect, Qt, pyqtSignal
from PyQt6.QtGui import QColor, QKeyEvent, QMouseEvent, QPainter, QPaintEvent
from PyQt6.QtWidgets import QWidget


class RegionPicker(QWidget):
    region_chosen = pyqtSignal(QRect)  # in this widget's (logical, global) coordinates
    cancelled = pyqtSignal()

    def __init__(self, hint: str, area: QRect) -> None:
        super().__init__(
            None, Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint
        )
        self.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setGeometry(area)
        self._hint = hint
        self._start: QPoint | None = None
        self._end: QPoint | None = None

    def mousePressEvent(self, event: QMouseEvent | None) -> None:  # noqa: N802  # Qt override
        if event is not None:
            self._start = self._end = event.position().toPoint()
            self.update()

    def mouseMoveEvent(self, event: QMouseEvent | None) -> None:  # noqa: N802  # Qt override
        if event is not None and self._start is not None:
            self._end = event.position().toPoint()
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent | None) -> None:  # noqa: N802  # Qt override
        if event is None or self._start is None:
            return
        region = QRect(self._start, event.position().toPoint()).normalized()
        self.close()
        if region.width() > 8 and region.height() > 8:
            self.region_chosen.emit(region.translated(self.geometry().topLeft()))
        else:
            self.cancelled.emit()

    def keyPressEvent(self, event: QKeyEvent | None) -> None:  # noqa: N802  # Qt override
        if event is not None and event.key() == Qt.Key.Key_Escape:
            self.close()
            self.cancelled.emit()

    def paintEvent(self, event: QPaintEvent | None) -> None:  # noqa: N802  # Qt override
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(0, 0, 0, 90))
        painter.setPen(QColor("white"))
        painter.drawText(
            self.rect().adjusted(0, 40, 0, 0), Qt.AlignmentFlag.AlignHCenter, self._hint
        )
        if self._start is not None and self._end is not None:
            selection = QRect(self._start, self._end).normalized()
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Clear)
            painter.fillRect(selection, Qt.GlobalColor.transparent)
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
            painter.setPen(QColor("#e53935"))
            painter.drawRect(selection)
        painter.end()
