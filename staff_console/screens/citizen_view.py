"""What the citizen sees: the kiosk at true scale (kiosk_picture), its stated scale ("実寸の 18 %"),
and how big the page's smallest text is there, with a one-click zoom when it is under 3 mm.
"""

from __future__ import annotations

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtGui import QImage
from PyQt6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QToolButton, QVBoxLayout, QWidget

from staff_console.core.engine_port import PageMark
from staff_console.core.legibility import LEGIBLE_MM, Legibility
from staff_console.core.viewmodels import CitizenScreen
from staff_console.i18n import Translator
from staff_console.screens.kiosk_picture import KioskPicture
from staff_console.screens.true_scale_window import TrueScaleWindow, scale_text

WARNING_STYLE = "color: #b00020; font-weight: bold;"
READABLE_STYLE = "color: #1b7f3b;"


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
        self.larger = QToolButton()
        self.larger.setText(tr("citizen.larger"))
        self.larger.setToolTip(tr("citizen.larger_hint"))
        self.window_view: TrueScaleWindow | None = None  # made when first asked for
        self.text = QLabel()
        self.text.setObjectName("citizen_text")
        self.text.setWordWrap(True)
        self.zoom = QPushButton(tr("citizen.zoom_legible"))
        self.zoom.setToolTip(tr("citizen.zoom_legible_hint", mm=LEGIBLE_MM))
        self.zoom.setObjectName("citizen_zoom")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        scale_row = QHBoxLayout()
        scale_row.addWidget(self.scale, 1)
        scale_row.addWidget(self.larger)
        layout.addWidget(self.title)
        layout.addWidget(self.picture)
        layout.addLayout(scale_row)
        layout.addWidget(self.text)
        layout.addWidget(self.zoom)
        layout.addStretch(1)
        self.zoom.clicked.connect(self.legible_zoom_requested)
        self.larger.clicked.connect(self._on_larger_clicked)

    def draw(self, state: CitizenScreen | None, marks: tuple[PageMark, ...] = ()) -> None:
        self.picture.screen_state = state
        self.picture.marks = marks
        self.picture.updateGeometry()
        self._render_scale()
        self._render_text(state)
        self.picture.update()
        self._render_window()

    def set_page_image(self, image: QImage | None) -> None:
        self.picture.image = image
        self.picture.update()
        self._render_window()

    def _on_larger_clicked(self) -> None:
        if self.window_view is None:
            self.window_view = TrueScaleWindow(self._tr, self)
        self._render_window(force=True)
        self.window_view.open_on_screen()

    def _render_window(self, *, force: bool = False) -> None:
        window = self.window_view
        if window is not None and (force or window.isVisible()):
            picture = self.picture
            window.show_state(picture.screen_state, picture.marks, picture.image)

    def resizeEvent(self, event: object) -> None:  # noqa: N802  # Qt override
        self._render_scale()

    def _render_scale(self) -> None:
        self.scale.setText(scale_text(self._tr, self.picture))

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
