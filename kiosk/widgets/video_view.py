"""A video picture: the newest frame, letterboxed, with a ring and a caption while its owner speaks.

Frames are polled by the window from the engine's latest-frame holders (`MediaFeeds`), so a
slow GUI shows fewer frames, never older ones, and never stalls the call.

Captions sit on one line along the bottom edge, below the face in a head-and-shoulders picture.
They never wrap: a caption that is too long shrinks, down to 24 px (docs/kiosk-rules.md, Text), and
where the name and "speaking" do not both fit, "speaking" is shown (the ring says whose it is).
`tests/kiosk/test_screens.py` checks that every caption fits on one line at 320 px wide.
"""

from __future__ import annotations

from PyQt6.QtCore import QRectF, QSize, Qt
from PyQt6.QtGui import QImage, QPainter, QPaintEvent, QPen, QResizeEvent
from PyQt6.QtWidgets import QSizePolicy, QWidget

from kiosk.core.engine_port import Image8
from kiosk.core.viewmodels import Icon
from kiosk.theme import BLACK, WHITE, Theme
from kiosk.widgets.pictogram import paint_icon
from kiosk.widgets.text import Role, TextBlock, font_for, qcolor

RING_PX = 10
CAPTION_MIN_PX = 24  # docs/kiosk-rules.md: body text 24 px or more
INSET = RING_PX + 8  # from the picture's edges to a caption box
PAD_X, PAD_Y, SPACE = 12, 4, 12  # inside a caption box; between its icon and text, and boxes
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


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
        # A small view (the call column's) gets smaller captions, still 24 px or more.
        self._caption_px = (
            max(CAPTION_MIN_PX, round(theme.body_px * 0.8)) if compact else theme.body_px
        )
        self._icon_px = 28 if compact else 36
        self._name = ""
        self._speaking = ""
        self.captions: list[tuple[QRectF, TextBlock, Icon | None]] = []  # as laid out now
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
        if name != self._name:
            self._name = name
            self._lay_out_captions()

    def set_speaking(self, label: str) -> None:
        """Show who is speaking: a ring in the speaking colour and `label`; empty for silence."""
        if label != self._speaking:
            self._speaking = label
            self._lay_out_captions()

    # --- Captions -----------------------------------------------------------------------------

    def _room(self, icon: Icon | None) -> int:
        """The width a caption's text has on one line, across the whole picture."""
        return self.width() - 2 * INSET - 2 * PAD_X - (self._icon_px + SPACE if icon else 0)

    def _block(self, text: str, room: int) -> TextBlock:
        """`text` on one line: the largest size from the caption size down to 24 px that fits."""
        for px in range(self._caption_px, CAPTION_MIN_PX - 1, -2):
            block = TextBlock(text, font_for(self._theme, Role.BODY, bold=True, px=px), LEFT)
            if block.natural_width() <= room:
                return block
        return block

    def caption_fits(self, text: str, *, icon: bool) -> bool:
        """Whether `text` fits on one line at this view's width, at 24 px or more."""
        room = self._room(Icon.SPEECH if icon else None)
        return self._block(text, room).natural_width() <= room

    def _lay_out_captions(self) -> None:
        captions: list[tuple[TextBlock, Icon | None]] = []
        if self._speaking:
            room = self._room(Icon.SPEECH)
            captions.append((self._block(self._speaking, room), Icon.SPEECH))
        if self._name:
            room = self._room(None)
            if captions:  # beside "speaking", if both fit on the line
                room -= captions[0][0].natural_width() + self._icon_px + 2 * SPACE + 2 * PAD_X
            block = self._block(self._name, room)
            if block.natural_width() <= room or not captions:
                captions.insert(0, (block, None))
        self.captions = []
        x = float(INSET)
        for block, icon in captions:
            icon_space = self._icon_px + SPACE if icon else 0
            width = block.natural_width() + 2 * PAD_X + icon_space
            height = max(block.height_for_width(block.natural_width()), self._icon_px) + 2 * PAD_Y
            box = QRectF(x, self.height() - INSET - height, width, height)
            self.captions.append((box, block, icon))
            x += width + SPACE
        self.update()

    def resizeEvent(self, event: QResizeEvent | None) -> None:  # noqa: N802  # Qt override
        self._lay_out_captions()

    # --- Painting -----------------------------------------------------------------------------

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
        if self._speaking:
            painter.setPen(QPen(qcolor(self._theme.palette.speaking), RING_PX))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            half = RING_PX / 2
            painter.drawRect(QRectF(self.rect()).adjusted(half, half, -half, -half))
        for box, block, icon in self.captions:
            self._paint_caption(painter, box, block, icon)

    def _paint_caption(
        self, painter: QPainter, box: QRectF, block: TextBlock, icon: Icon | None
    ) -> None:
        """A caption box, black on white; "speaking" with an icon, so colour is not alone."""
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(qcolor(WHITE))
        painter.drawRoundedRect(box, 8, 8)
        left = box.x() + PAD_X
        if icon is not None:
            side = self._icon_px
            top = box.y() + (box.height() - side) / 2
            paint_icon(painter, icon, QRectF(left, top, side, side), qcolor(BLACK))
            left += side + SPACE
        text = QRectF(left, box.y() + PAD_Y, block.natural_width(), box.height() - 2 * PAD_Y)
        block.paint(painter, text.toRect(), qcolor(BLACK))
