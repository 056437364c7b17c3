"""The citizen's paper in its own window (on a second monitor if there is one, full screen on
F11), and the call's tab that pops it out, feeds it the frames, and takes the paper back.
"""

from __future__ import annotations

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QCloseEvent, QGuiApplication, QKeyEvent, QScreen
from PyQt6.QtWidgets import (
    QLabel,
    QPushButton,
    QStackedLayout,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from staff_console.i18n import Translator
from staff_console.screens.paper_view import PaperPanel, PaperView
from staff_console.screens.video_view import Rgb

SCREEN_SHARE = 0.9  # of a shared monitor's free area, so the console stays reachable


class PaperWindow(QWidget):
    """A top-level PaperPanel; F11 or its button toggles full screen, Esc leaves it, then closes."""

    closed = pyqtSignal()

    def __init__(self, tr: Translator, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self._tr = tr
        self.setWindowTitle(tr("paper.title"))
        self.full_screen = QToolButton()
        self.full_screen.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.panel = PaperPanel(tr, [self.full_screen])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.panel)
        self.full_screen.clicked.connect(self.toggle_full_screen)
        self._label_full_screen()

    @property
    def view(self) -> PaperView:
        return self.panel.view

    def open_beside(self, console: QScreen | None) -> None:
        """Maximised on another monitor than the console's, else 90 % of the console's own."""
        others = [s for s in QGuiApplication.screens() if s is not console]
        screen = others[0] if others else console
        if screen is None:
            self.show()
            return
        free = screen.availableGeometry()
        if others:
            self.setGeometry(free)
            self.showMaximized()
        else:
            self.resize(int(free.width() * SCREEN_SHARE), int(free.height() * SCREEN_SHARE))
            frame = self.frameGeometry()
            frame.moveCenter(free.center())
            self.move(frame.topLeft())
            self.show()
        self.raise_()
        self.activateWindow()
        self.view.setFocus()

    def toggle_full_screen(self) -> None:
        # Full screen on whichever monitor the window is on: staff drag it there first.
        if self.isFullScreen():
            self.showNormal()
        else:
            self.showFullScreen()
        self._label_full_screen()

    def _label_full_screen(self) -> None:
        key = "paper.leave_full_screen" if self.isFullScreen() else "paper.full_screen"
        self.full_screen.setText(self._tr(key))

    def keyPressEvent(self, event: QKeyEvent | None) -> None:  # noqa: N802  # Qt override
        key = None if event is None else event.key()
        if key == Qt.Key.Key_F11:
            self.toggle_full_screen()
        elif key == Qt.Key.Key_Escape:
            if self.isFullScreen():
                self.toggle_full_screen()
            else:
                self.close()
        else:
            super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent | None) -> None:  # noqa: N802  # Qt override
        self.closed.emit()
        super().closeEvent(event)


class PaperTab(QWidget):
    """The call's paper tab: the reading view, or a note while the paper is in its own window."""

    take_still_requested = pyqtSignal()  # 「撮影」: the kiosk sends a sharp still

    def __init__(self, tr: Translator, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tr = tr
        self._still: Rgb | None = None
        self.take_still = _tool_button(tr("paper.take_still"))
        self.take_still.setToolTip(tr("paper.take_still_hint"))
        self.live = _tool_button(tr("paper.live"))
        self.live.setVisible(False)
        self.pop_out = _tool_button(tr("paper.pop_out"))
        self.panel = PaperPanel(tr, [self.take_still, self.live, self.pop_out])
        self.window_view: PaperWindow | None = None
        away = QWidget()
        note = QLabel(tr("paper.in_window"))
        note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.bring_back = QPushButton(tr("paper.bring_back"))
        away_layout = QVBoxLayout(away)
        away_layout.addStretch(1)
        away_layout.addWidget(note)
        away_layout.addWidget(self.bring_back, 0, Qt.AlignmentFlag.AlignCenter)
        away_layout.addStretch(1)
        self._stack = QStackedLayout(self)
        self._stack.addWidget(self.panel)
        self._stack.addWidget(away)
        self.take_still.clicked.connect(self.take_still_requested)
        self.live.clicked.connect(lambda: self.show_still(None))
        self.pop_out.clicked.connect(self._on_pop_out_clicked)
        self.bring_back.clicked.connect(self.close_window)

    @property
    def view(self) -> PaperView:
        """The view the paper is in now: the window's while it is open."""
        return self.panel.view if self.window_view is None else self.window_view.view

    @property
    def showing_still(self) -> bool:
        return self._still is not None

    def show_frame(self, rgb: Rgb | None) -> None:
        """A live frame, unless a still is up: staff read the still until they let it go."""
        if self._still is None:
            self.view.show_frame(rgb)

    def show_still(self, rgb: Rgb | None) -> None:
        """Show a still at fit, or None to go back to the live camera."""
        self._still = rgb
        self.live.setVisible(rgb is not None)
        if rgb is not None:
            self.view.show_still(rgb)

    def close_window(self) -> None:
        if self.window_view is not None:
            self.window_view.close()

    def _on_pop_out_clicked(self) -> None:
        if self.window_view is not None:
            self.window_view.raise_()
            return
        window = PaperWindow(self._tr)
        tab_view = self.panel.view
        turns = 0 if tab_view.zoom is None else tab_view.zoom.quarter_turns
        window.view.show_image(tab_view.image, turns)
        tab_view.show_frame(None)  # one view paints the paper, not two
        window.closed.connect(self._on_window_view_closed)
        self.window_view = window
        self._stack.setCurrentIndex(1)
        window.open_beside(self.screen())

    def _on_window_view_closed(self) -> None:
        window = self.window_view
        if window is None:
            return
        self.window_view = None
        turns = 0 if window.view.zoom is None else window.view.zoom.quarter_turns
        self.panel.view.show_image(window.view.image, turns)
        self._stack.setCurrentIndex(0)
        window.deleteLater()


def _tool_button(text: str) -> QToolButton:
    button = QToolButton()
    button.setText(text)
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keys stay with the paper
    return button
