"""The citizen view large: the kiosk's content area in its own window, at true scale if the
staff monitor is large enough (a 24-inch monitor nearly is), so staff judge text with their eyes.
"""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QImage, QKeyEvent, QScreen
from PyQt6.QtWidgets import QLabel, QVBoxLayout, QWidget

from staff_console.core.engine_port import PageMark
from staff_console.core.viewmodels import CitizenScreen
from staff_console.i18n import Translator
from staff_console.screens.kiosk_picture import KioskPicture

SCREEN_SHARE = 0.9  # of the monitor's free area, so the window's frame and the taskbar fit


def show_centred(window: QWidget, screen: QScreen) -> None:
    """Show `window` at `SCREEN_SHARE` of `screen`'s free area, in its middle: the console's
    pop-outs open so, the console still reachable around them."""
    free = screen.availableGeometry()
    window.resize(int(free.width() * SCREEN_SHARE), int(free.height() * SCREEN_SHARE))
    frame = window.frameGeometry()
    frame.moveCenter(free.center())
    window.move(frame.topLeft())
    window.show()


def scale_text(tr: Translator, picture: KioskPicture) -> str:
    """「実寸の 18 %」, 「実寸」, or why the scale is not known."""
    state = picture.screen_state
    scale = picture.scale()
    if state is None or state.viewer_px is None:
        return tr("citizen.no_viewer")
    if scale is None:
        return tr("citizen.no_scale")
    if scale >= 0.995:
        return tr("citizen.true_scale")
    return tr("citizen.scaled", percent=int(scale * 100))


class TrueScaleWindow(QWidget):
    """A top-level window with one KioskPicture; Esc closes it."""

    def __init__(self, tr: Translator, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self._tr = tr
        self.setWindowTitle(tr("citizen.title"))
        self.picture = KioskPicture()
        self.scale = QLabel()
        layout = QVBoxLayout(self)
        layout.addWidget(self.picture, 1)
        layout.addWidget(self.scale)

    def open_on_screen(self) -> None:
        screen = self.screen()
        if screen is None:
            self.show()
        else:
            show_centred(self, screen)
        self.raise_()
        self.activateWindow()

    def show_state(
        self, state: CitizenScreen | None, marks: tuple[PageMark, ...], image: QImage | None
    ) -> None:
        self.picture.screen_state, self.picture.marks, self.picture.image = state, marks, image
        self.scale.setText(scale_text(self._tr, self.picture))
        self.picture.update()

    def resizeEvent(self, event: object) -> None:  # noqa: N802  # Qt override
        self.scale.setText(scale_text(self._tr, self.picture))

    def keyPressEvent(self, event: QKeyEvent | None) -> None:  # noqa: N802  # Qt override
        if event is not None and event.key() == Qt.Key.Key_Escape:
            self.close()
        else:
            super().keyPressEvent(event)
