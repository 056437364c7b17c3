"""The kiosk's content area drawn at true scale, with the part of the page the citizen sees in it.

True scale means 1 mm on the kiosk is 1 mm here: the kiosk says its pixel pitch (`viewer`'s
mm_per_px) and this screen's comes from Qt (QScreen.physicalDotsPerInch, in the logical pixels
we paint in). A kiosk's content area is usually wider than the panel, so it is then drawn
smaller, and `scale()` says by how much. Until the kiosk says its size, the page part alone is
drawn. The page part is cropped from the console's own render of the page (page_preview), which
is plenty at the scales the panel can show.
"""

from __future__ import annotations

import math

from PyQt6.QtCore import QRectF, QSize
from PyQt6.QtGui import QColor, QImage, QPainter, QPaintEvent
from PyQt6.QtWidgets import QSizePolicy, QWidget

from staff_console.core.engine_port import PageMark
from staff_console.core.viewmodels import CitizenScreen
from staff_console.screens.page_canvas import PageCanvas

KIOSK_BACKGROUND = QColor("#3c4148")
MM_PER_INCH = 25.4


class KioskPicture(QWidget):
    """Paints the kiosk's content area and the part of the page drawn in it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.screen_state: CitizenScreen | None = None
        self.image: QImage | None = None
        self.marks: tuple[PageMark, ...] = ()  # staff's marks: the kiosk draws them too
        self.console_mm_per_px: float | None = None  # None: ask the QScreen (tests set it)
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)  # as tall as the kiosk's shape needs: no empty band
        self.setSizePolicy(policy)
        self.setMinimumSize(160, 90)

    def sizeHint(self) -> QSize:  # noqa: N802  # Qt override
        return QSize(320, self.heightForWidth(320))

    def hasHeightForWidth(self) -> bool:  # noqa: N802  # Qt override
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802  # Qt override
        state = self.screen_state
        area = (16, 9) if state is None or state.viewer_px is None else state.viewer_px
        height = width * area[1] / area[0]
        if state is not None and state.mm_per_px is not None:
            height = min(height, area[1] * state.mm_per_px / self.mm_per_px())  # true scale
        return max(90, math.ceil(height))

    def mm_per_px(self) -> float:
        if self.console_mm_per_px is not None:
            return self.console_mm_per_px
        screen = self.screen()
        dpi = 0.0 if screen is None else screen.physicalDotsPerInch()
        return MM_PER_INCH / dpi if dpi > 0 else MM_PER_INCH / 96

    def scale(self) -> float | None:
        """This panel's millimetres per kiosk millimetre (1.0: true scale); None when unknown."""
        state = self.screen_state
        if state is None or state.viewer_px is None or state.mm_per_px is None:
            return None
        true_px = [side * state.mm_per_px / self.mm_per_px() for side in state.viewer_px]
        return min(1.0, self.width() / true_px[0], self.height() / true_px[1])

    def content_rect(self) -> QRectF:
        """Where the kiosk's content area is drawn here, centred."""
        state = self.screen_state
        area = (
            self._page_part_shape() if state is None or state.viewer_px is None else state.viewer_px
        )
        scale = self.scale()
        if scale is None:  # no pitch: fit the area's shape, at no stated scale
            per_px = min(self.width() / area[0], self.height() / area[1])
        else:
            assert state is not None
            assert state.mm_per_px is not None
            per_px = scale * state.mm_per_px / self.mm_per_px()
        width, height = area[0] * per_px, area[1] * per_px
        return QRectF((self.width() - width) / 2, (self.height() - height) / 2, width, height)

    def page_part_rect(self) -> QRectF | None:
        """Where the part of the page in view is drawn, centred in the content area."""
        state = self.screen_state
        area = self.content_rect()
        if state is None:
            return None
        if state.viewer_px is None:  # the kiosk has not said its size: the page part alone
            return area
        if state.drawn_px is None:  # its size but not the page's: the part at fit
            shape = self._page_part_shape()
            per_px = min(area.width() / shape[0], area.height() / shape[1])
            width, height = shape[0] * per_px, shape[1] * per_px
        else:
            per_px = area.width() / state.viewer_px[0]
            width, height = state.drawn_px[0] * per_px, state.drawn_px[1] * per_px
        x = area.x() + (area.width() - width) / 2
        return QRectF(x, area.y() + (area.height() - height) / 2, width, height)

    def _pointer_radius(self) -> float:
        """The kiosk's pointer (kiosk.widgets.document_view: 1.5 % of its width, 18 px at least),
        at this picture's scale."""
        state = self.screen_state
        if state is None or state.viewer_px is None:
            return 4.0
        kiosk_width = state.viewer_px[0]
        return max(18.0, kiosk_width * 0.015) * self.content_rect().width() / kiosk_width

    def _page_part_shape(self) -> tuple[float, float]:
        state, image = self.screen_state, self.image
        if state is None or image is None or image.width() == 0:
            return (16, 9)
        return (state.box[2] * image.width(), state.box[3] * image.height())

    def paintEvent(self, event: QPaintEvent | None) -> None:  # noqa: N802  # Qt override
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.fillRect(self.content_rect(), KIOSK_BACKGROUND)
        target = self.page_part_rect()
        state, image = self.screen_state, self.image
        if state is not None and target is not None and image is not None:
            x, y, width, height = state.box
            source = QRectF(
                x * image.width(), y * image.height(), width * image.width(),
                height * image.height(),
            )  # fmt: skip
            painter.drawImage(target, image, source)
            # The marks in the whole page's frame, clipped to the part in view.
            whole = QRectF(
                target.x() - x * target.width() / width,
                target.y() - y * target.height() / height,
                target.width() / width,
                target.height() / height,
            )
            painter.setClipRect(target)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            radius = self._pointer_radius()
            for mark in self.marks:
                PageCanvas.paint_mark(painter, whole, mark, radius)
        painter.end()
