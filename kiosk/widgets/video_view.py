"""A video picture: the newest frame, letterboxed, with a ring and a label while its owner speaks.

Frames are polled by the window from the engine's latest-frame holders (`MediaFeeds`), so a
slow GUI shows fewer frames, never older ones, and never stalls the call.
"""

from __future__ import annotations

from PyQt6.QtCore import QRectF, QSize, Qt
from PyQt6.QtGui import QImage, QPainter, QPaintEvent, QPen
from PyQt6.QtWidgets import QSizePolicy, QWidget

from kiosk.engine import Image8
from kiosk.theme import BLACK, WHITE, Theme
from kiosk.viewmodels import Icon
from kiosk.widgets.pictogram import paint_icon
from kiosk.widgets.text import Role, TextBlock, font_for, qcolor

RING_PX = 10


def to_qimage(rgb: Image8) -> tuple[QImage, bytes]:
    """A QImage over a copy of the pixels; keep the bytes alive as long as the image."""
    height, width = rgb.shape[0], rgb.shape[1]
    data = rgb.tobytes()
    return QImage(data, width, height, 3 * width, QImage.Format.Format_RGB888), data


class VideoView(QWidget):
    """Paints the last frame given, keeping its aspect; a pictogram when there is none."""

    def __init__(
        self, theme: Theme, placeholder: Icon = Icon.PERSON, *, compact: bool = False
    ) -> None:
        super().__init__()
        self._theme = theme
        self._placeholder = placeholder
        self._frame: Image8 | None = None
        self._image: QImage | None = None
        self._data = b""
        # A small view (self-view, picture-in-picture) gets smaller captions, still 24 px or more.
        px = max(24, round(theme.body_px * 0.8)) if compact else theme.body_px
        self._icon_px = 28 if compact else 36
        font = font_for(theme, Role.BODY, bold=True, px=px)
        self._name = TextBlock("", font, Qt.AlignmentFlag.AlignLeft)
        self._speaking = TextBlock("", font, Qt.AlignmentFlag.AlignLeft)
        self.frames_painted = 0
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def sizeHint(self) -> QSize:  # noqa: N802  # Qt override
        return QSize(640, 480)

    def set_frame(self, frame: Image8 | None) -> None:
        if frame is self._frame:
            return
        self._frame = frame
        self._image, self._data = (None, b"") if frame is None else to_qimage(frame)
        self.update()

    def set_name(self, name: str) -> None:
        if name != self._name.text:
            self._name = TextBlock(name, self._name.font, Qt.AlignmentFlag.AlignLeft)
            self.update()

    def set_speaking(self, label: str) -> None:
        """Show who is speaking: a ring in the speaking colour and `label`; empty for silence."""
        if label != self._speaking.text:
            self._speaking = TextBlock(label, self._speaking.font, Qt.AlignmentFlag.AlignLeft)
            self.update()

    def paintEvent(self, event: QPaintEvent | None) -> None:  # noqa: N802  # Qt override
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.fillRect(self.rect(), qcolor(BLACK))
        image = self._image
        if image is not None:
            size = image.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
            x = (self.width() - size.width()) / 2
            y = (self.height() - size.height()) / 2
            painter.drawImage(QRectF(x, y, size.width(), size.height()), image)
            self.frames_painted += 1
        else:
            side = min(self.width(), self.height()) * 0.4
            box = QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)
            paint_icon(painter, self._placeholder, box, qcolor((132, 145, 158)))
        if self._speaking.text:
            painter.setPen(QPen(qcolor(self._theme.palette.speaking), RING_PX))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            half = RING_PX / 2
            painter.drawRect(QRectF(self.rect()).adjusted(half, half, -half, -half))
            self._caption(painter, self._speaking, bottom=True, icon=Icon.SPEECH)
        if self._name.text:
            self._caption(painter, self._name, bottom=False, icon=None)

    def _caption(
        self, painter: QPainter, block: TextBlock, *, bottom: bool, icon: Icon | None
    ) -> None:
        """A caption box, black on white, in a corner; with an icon so colour is not alone."""
        icon_space = self._icon_px + 12 if icon else 0
        width = min(self.width() - 2 * RING_PX - 16, block.natural_width() + 24 + icon_space)
        height = block.height_for_width(width - 20 - icon_space) + 12
        y = self.height() - height - RING_PX - 8 if bottom else RING_PX + 8
        box = QRectF(RING_PX + 8, y, width, height)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(qcolor(WHITE))
        painter.drawRoundedRect(box, 8, 8)
        left = int(box.x()) + 12
        if icon is not None:
            side = self._icon_px
            paint_icon(
                painter,
                icon,
                QRectF(left, box.y() + (height - side) / 2, side, side),
                qcolor(BLACK),
            )
            left += side + 12
        block.paint(painter, box.toRect().adjusted(left - int(box.x()), 6, -8, -6), qcolor(BLACK))
