"""The citizen's paper under the document camera: where to lay it, the button that sends a still
of it, and the still as staff received it.

`PaperGuide` is the frame drawn on the live picture (by `DocumentView`, through its overlay):
an A4 sheet lying sideways, as large as fits in the picture under its label, outlined black,
yellow, black so that it stands out at 3:1 or more on any desk and any paper (yellow is over
3:1 against anything darker than mid-grey, black against anything lighter). It is worked out
from the picture's rectangle as drawn, each time it is painted, so it follows the picture when
the picture scales. Its label sits on the frame's top edge, outside the frame, never over the
place the paper goes.

`PaperPanel` stands beside the picture (`Stage` places both): from the top, what was sent (its
label and the still), the status, and the green send button at the bottom right, where every
screen keeps the primary action. Each has a fixed place, worked out from the panel's size
alone, so nothing moves when the status changes or the still arrives.
"""

from __future__ import annotations

from PyQt6.QtCore import QRect, QRectF, Qt, pyqtSignal
from PyQt6.QtGui import QImage, QPainter, QPaintEvent, QPen, QResizeEvent
from PyQt6.QtWidgets import QWidget

from kiosk.core.engine_port import Image8
from kiosk.core.viewmodels import Icon, PaperVM
from kiosk.theme import BLACK, YELLOW, Kind, Theme
from kiosk.widgets.text import KText, Role, TextBlock, font_for, qcolor
from kiosk.widgets.touch_button import TouchButton
from kiosk.widgets.video_view import to_qimage

A4_SIDEWAYS = 297 / 210
MARGIN = 0.04  # of the picture's height, around the frame
EDGE_PX = 4  # each black edge of the outline
CORE_PX = 8  # the yellow between them
OUTLINE_PX = 2 * EDGE_PX + CORE_PX  # drawn outside the frame: the place itself stays clear
LABEL_PAD = (20, 8)  # inside the guide's label: sides, top and bottom
LABEL_CLEARANCE = 10  # above the label: it does not touch the picture's edge
FRAME_EDGE = YELLOW  # the colour a test finds on the frame's edges
GAP = 16
EDGE_GAP = 12
SEND_HEIGHT = 136  # at least 80 px (docs/kiosk-rules.md); a pictogram over a line of label
STILL_SHARE = 1.0  # the still's box is as tall as it is wide: either way up fits
CENTRE = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter
BOTTOM = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom


def guide_frame(picture: QRectF, label_height: float) -> QRectF:
    """Where the paper goes: an A4 sheet sideways, as large as fits in `picture` with a margin
    and `label_height` above it for the label (both in the picture's drawn pixels)."""
    margin = max(OUTLINE_PX, picture.height() * MARGIN)
    top = max(margin, LABEL_CLEARANCE + label_height + OUTLINE_PX)
    room = picture.adjusted(margin, top, -margin, -margin)
    if room.width() <= 0 or room.height() <= 0:
        return QRectF()
    width = min(room.width(), room.height() * A4_SIDEWAYS)
    height = width / A4_SIDEWAYS
    return QRectF(room.center().x() - width / 2, room.center().y() - height / 2, width, height)


class PaperGuide:
    """The guide frame and its label, painted over the live picture by its `DocumentView`."""

    def __init__(self, theme: Theme) -> None:
        self._font = font_for(theme, Role.BODY, bold=True)
        self._label = TextBlock("", self._font, CENTRE)

    def set_text(self, text: str) -> None:
        if text != self._label.text:
            self._label = TextBlock(text, self._font, CENTRE)

    def label_rect(self, picture: QRectF) -> QRectF:
        """The label's solid box, on the frame's top edge, in the picture's drawn pixels."""
        pad_x, pad_y = LABEL_PAD
        width = min(self._label.natural_width() + 2 * pad_x, picture.width() - 2 * OUTLINE_PX)
        height = self._label.height_for_width(round(width - 2 * pad_x)) + 2 * pad_y
        frame = guide_frame(picture, height)
        return QRectF(
            frame.center().x() - width / 2, frame.top() - OUTLINE_PX - height, width, height
        )

    def frame(self, picture: QRectF) -> QRectF:
        """Where the paper goes in `picture`, as drawn now."""
        return guide_frame(picture, self.label_rect(picture).height())

    def paint(self, painter: QPainter, picture: QRectF) -> None:
        frame = self.frame(picture)
        if frame.isEmpty():
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        # Centred on a rectangle half the pen's width outside the frame: the pen stays outside.
        for color, width in ((BLACK, OUTLINE_PX), (FRAME_EDGE, CORE_PX)):
            painter.setPen(QPen(qcolor(color), width, join=Qt.PenJoinStyle.MiterJoin))
            half = OUTLINE_PX / 2
            painter.drawRect(frame.adjusted(-half, -half, half, half))
        label = self.label_rect(picture)
        painter.setPen(QPen(qcolor(BLACK), EDGE_PX, join=Qt.PenJoinStyle.MiterJoin))
        painter.setBrush(qcolor(FRAME_EDGE))
        painter.drawRect(label.adjusted(EDGE_PX / 2, EDGE_PX / 2, -EDGE_PX / 2, 0))
        pad_x, pad_y = LABEL_PAD
        self._label.paint(
            painter, label.adjusted(pad_x, pad_y, -pad_x, -pad_y).toRect(), qcolor(BLACK)
        )
        painter.restore()


class StillView(QWidget):
    """The still as staff received it, fitted into the box at its top, with a thin edge."""

    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self._edge = theme.palette.page.text
        self._source: Image8 | None = None
        self._image: QImage | None = None
        self._data = b""

    def set_still(self, still: Image8 | None) -> None:
        if still is self._source:
            return
        self._source = still
        self._image, self._data = (None, b"") if still is None else to_qimage(still)
        self.update()

    def drawn_rect(self) -> QRect:
        """Where the still is drawn in this widget (empty: none)."""
        if self._image is None or self._image.isNull() or self.width() <= 2:
            return QRect()
        scale = min(
            (self.width() - 2) / self._image.width(), (self.height() - 2) / self._image.height()
        )
        width, height = round(self._image.width() * scale), round(self._image.height() * scale)
        return QRect((self.width() - width) // 2, 1, width, height)

    def paintEvent(self, event: QPaintEvent | None) -> None:  # noqa: N802  # Qt override
        drawn = self.drawn_rect()
        if self._image is None or drawn.isEmpty():
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(drawn, self._image)
        painter.setPen(QPen(qcolor(self._edge), 2))
        painter.drawRect(QRectF(drawn).adjusted(-1, -1, 0, 0))


class PaperPanel(QWidget):
    send_requested = pyqtSignal()

    def __init__(self, theme: Theme) -> None:
        super().__init__()
        text = theme.palette.page.text
        self._label_font = font_for(theme, Role.BODY, bold=True)
        self._label_room = TextBlock("", self._label_font, BOTTOM)
        self.sent_label = KText(theme, Role.BODY, color=text, bold=True)
        self.still = StillView(theme)
        self.status = KText(theme, Role.BODY, color=text, bold=True, align=BOTTOM)
        self.send = TouchButton(theme, Kind.GO, Icon.DOCUMENT, vertical=True, icon_px=44)
        for child in (self.sent_label, self.still, self.status, self.send):
            child.setParent(self)
        self.send.clicked.connect(self.send_requested)

    def draw(self, vm: PaperVM) -> None:
        # Grey and still while a still is on its way: the status says what is happening.
        self.send.set_content(vm.send, kind=Kind.GO if vm.can_send else Kind.NEUTRAL)
        self.send.setEnabled(vm.can_send)
        self.status.set_text(vm.status)
        if vm.sent_label != self._label_room.text:
            self._label_room = TextBlock(vm.sent_label, self._label_font, BOTTOM)
        self.sent_label.set_text(vm.sent_label if vm.sent is not None else "")
        self.still.set_still(vm.sent)
        self._place()

    def resizeEvent(self, event: QResizeEvent | None) -> None:  # noqa: N802  # Qt override
        super().resizeEvent(event)
        self._place()

    def _place(self) -> None:
        """Fixed places from the panel's size and the button's label, never from the status."""
        # Clear of the screen's edges by as much as the call column's red button.
        inner = self.rect().adjusted(0, EDGE_GAP, -EDGE_GAP, -EDGE_GAP)
        width = inner.width()
        send_height = max(SEND_HEIGHT, self.send.heightForWidth(width))
        send = QRect(inner.left(), inner.bottom() + 1 - send_height, width, send_height)
        self.send.setGeometry(send)
        # The label's room is kept whether or not it shows, so nothing below it moves.
        label_height = self._label_room.height_for_width(width)
        self.sent_label.setGeometry(inner.left(), inner.top(), width, label_height)
        still_top = inner.top() + label_height + GAP // 2
        self.still.setGeometry(inner.left(), still_top, width, round(width * STILL_SHARE))
        status_top = self.still.geometry().bottom() + 1 + GAP
        status_height = max(0, send.top() - GAP - status_top)
        self.status.setGeometry(inner.left(), status_top, width, status_height)
