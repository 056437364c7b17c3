"""What the citizen sees: the kiosk's content area at true scale, and how big its smallest text is.

True scale means 1 mm on the kiosk is 1 mm here: the kiosk says its pixel pitch (`viewer`'s
mm_per_px) and this screen's comes from Qt (QScreen.physicalDotsPerInch, in the logical pixels
we paint in). A kiosk's content area is usually wider than this panel, so the picture is then
drawn smaller and says by how much ("実寸の 18 %"). The page part is cropped from the console's
own render of the page (page_preview), which is plenty at the scales this panel can show.
"""

from __future__ import annotations

import math

from PyQt6.QtCore import QRectF, QSize, pyqtSignal
from PyQt6.QtGui import QColor, QImage, QPainter, QPaintEvent
from PyQt6.QtWidgets import QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from staff_console.i18n import Translator
from staff_console.legibility import LEGIBLE_MM, Legibility
from staff_console.view import CitizenScreen

KIOSK_BACKGROUND = QColor("#3c4148")
MM_PER_INCH = 25.4
WARNING_STYLE = "color: #b00020; font-weight: bold;"
READABLE_STYLE = "color: #1b7f3b;"


class KioskPicture(QWidget):
    """Paints the kiosk's content area and the part of the page drawn in it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.screen_state: CitizenScreen | None = None
        self.image: QImage | None = None
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
        area = (16, 9) if state is None or state.viewer_px is None else state.viewer_px
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
        if state is None or state.drawn_px is None or state.viewer_px is None:
            return None
        per_px = area.width() / state.viewer_px[0]
        width, height = state.drawn_px[0] * per_px, state.drawn_px[1] * per_px
        x = area.x() + (area.width() - width) / 2
        return QRectF(x, area.y() + (area.height() - height) / 2, width, height)

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
        painter.end()


class CitizenView(QWidget):
    """The preview, its stated scale, and the legibility line with its one-click zoom."""

    legible_zoom_requested = pyqtSignal()

    def __init__(self, tr: Translator, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tr = tr
        self.title = QLabel(tr("citizen.title"))
        self.title.setStyleSheet("font-weight: bold;")
        self.picture = KioskPicture()
        self.scale = QLabel()
        self.scale.setObjectName("citizen_scale")
        self.text = QLabel()
        self.text.setObjectName("citizen_text")
        self.text.setWordWrap(True)
        self.zoom = QPushButton(tr("citizen.zoom_legible"))
        self.zoom.setToolTip(tr("citizen.zoom_legible_hint", mm=LEGIBLE_MM))
        self.zoom.setObjectName("citizen_zoom")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.title, self.picture, self.scale, self.text, self.zoom):
            layout.addWidget(widget)
        layout.addStretch(1)
        self.zoom.clicked.connect(self.legible_zoom_requested)

    def render(self, state: CitizenScreen | None) -> None:  # type: ignore[override]
        self.picture.screen_state = state
        self.picture.updateGeometry()
        self._render_scale()
        self._render_text(state)
        self.picture.update()

    def set_page_image(self, image: QImage | None) -> None:
        self.picture.image = image
        self.picture.update()

    def resizeEvent(self, event: object) -> None:  # noqa: N802  # Qt override
        self._render_scale()

    def _render_scale(self) -> None:
        state = self.picture.screen_state
        scale = self.picture.scale()
        if state is None or state.viewer_px is None:
            self.scale.setText(self._tr("citizen.no_viewer"))
        elif scale is None:
            self.scale.setText(self._tr("citizen.no_scale"))
        elif scale >= 0.995:
            self.scale.setText(self._tr("citizen.true_scale"))
        else:
            self.scale.setText(self._tr("citizen.scaled", percent=int(scale * 100)))

    def _render_text(self, state: CitizenScreen | None) -> None:
        tr = self._tr
        legibility = None if state is None else state.text.legibility
        mm = None if state is None else state.text.smallest_mm
        styles = {Legibility.TOO_SMALL: WARNING_STYLE, Legibility.READABLE: READABLE_STYLE}
        self.text.setStyleSheet("" if legibility is None else styles.get(legibility, ""))
        if legibility in (Legibility.READABLE, Legibility.TOO_SMALL) and mm is not None:
            key = "citizen.too_small" if legibility is Legibility.TOO_SMALL else "citizen.smallest"
            self.text.setText(tr(key, mm=f"{mm:.1f}"))
        elif legibility is Legibility.NO_TEXT:
            self.text.setText(tr("citizen.no_text"))
        else:
            self.text.setText(tr("citizen.size_unknown"))
        self.zoom.setVisible(state is not None and state.legible_box is not None)
