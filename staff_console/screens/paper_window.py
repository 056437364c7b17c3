"""The citizen's paper in its own window (on a second monitor if there is one, full screen on
F11), and the call's tab that pops it out, feeds it the frames, and takes the paper back.

The tab also picks which of the call's stills to read (numbered thumbnails, newest by default)
and offers the one on screen to be shown back on the kiosk, to point at like any page.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QCloseEvent, QGuiApplication, QIcon, QKeyEvent, QPixmap, QScreen
from PyQt6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from staff_console.core.viewmodels import PaperStill
from staff_console.i18n import Translator
from staff_console.screens.paper_view import PaperPanel, PaperView, rgb_image
from staff_console.screens.true_scale_window import show_centred
from staff_console.screens.video_view import Rgb

THUMBNAIL_HEIGHT = 40


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
            show_centred(self, screen)
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


class StillStrip(QWidget):
    """The call's stills as numbered thumbnails, oldest first, the one on screen checked."""

    chosen = pyqtSignal(str)  # a paper id

    def __init__(self, tr: Translator, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tr = tr
        self._buttons: dict[str, QToolButton] = {}
        self._group = QButtonGroup(self)
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(0, 0, 0, 2)
        self._row.addStretch(1)
        self.setVisible(False)

    @property
    def buttons(self) -> dict[str, QToolButton]:
        return self._buttons

    def set_stills(self, papers: Sequence[PaperStill]) -> None:
        if tuple(self._buttons) == tuple(paper.paper_id for paper in papers):
            return
        for button in self._buttons.values():
            self._group.removeButton(button)
            self._row.removeWidget(button)
            button.setParent(None)  # gone now: a deferred delete waits for the event loop
            button.deleteLater()
        self._buttons = {}
        for number, paper in enumerate(papers, start=1):
            button = _tool_button(str(number))
            button.setToolTip(self._tr("paper.still", number=number))
            button.setCheckable(True)
            thumbnail = _thumbnail(paper.image)
            button.setIcon(QIcon(thumbnail))
            button.setIconSize(thumbnail.size())
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.clicked.connect(lambda _=False, i=paper.paper_id: self.chosen.emit(i))
            self._group.addButton(button)
            self._row.insertWidget(number - 1, button)
            self._buttons[paper.paper_id] = button
        self.setVisible(len(papers) > 1)  # one still: nothing to choose between

    def check(self, paper_id: str | None) -> None:
        """Check the still on screen; None (the live camera) checks none."""
        self._group.setExclusive(False)  # so that all can be unchecked
        for shown, button in self._buttons.items():
            button.setChecked(shown == paper_id)
        self._group.setExclusive(True)


class PaperTab(QWidget):
    """The call's paper tab: the reading view, or a note while the paper is in its own window."""

    take_still_requested = pyqtSignal()  # 「撮影」: the kiosk sends a sharp still
    show_back_requested = pyqtSignal(str)  # 「市民に見せる」: the still on screen, by paper id

    def __init__(self, tr: Translator, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tr = tr
        self._papers: tuple[PaperStill, ...] = ()
        self._still: PaperStill | None = None
        self._shown_back: str | None = None  # the paper id on the kiosk now, if any
        self.take_still = _tool_button(tr("paper.take_still"))
        self.take_still.setToolTip(tr("paper.take_still_hint"))
        self.live = _tool_button(tr("paper.live"))
        self.live.setVisible(False)
        self.show_back = _tool_button(tr("paper.show_back"))
        self.show_back.setObjectName("paper_show_back")
        self.show_back.setToolTip(tr("paper.show_back_hint"))
        self.show_back.setVisible(False)
        self.pop_out = _tool_button(tr("paper.pop_out"))
        self.panel = PaperPanel(tr, [self.take_still, self.live, self.show_back, self.pop_out])
        self.strip = StillStrip(tr)
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
        self._stack = QStackedWidget()
        self._stack.addWidget(self.panel)
        self._stack.addWidget(away)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.strip)  # outside the stack: it picks for the pop-out too
        layout.addWidget(self._stack, 1)
        self.take_still.clicked.connect(self.take_still_requested)
        self.live.clicked.connect(lambda: self.show_still(None))
        self.show_back.clicked.connect(self._on_show_back_clicked)
        self.strip.chosen.connect(self._on_strip_chosen)
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

    @property
    def still(self) -> PaperStill | None:
        return self._still

    def draw(self, papers: Sequence[PaperStill], shown_back: str | None, camera_on: bool) -> None:
        """The call's stills to choose from, the one on the kiosk now, and whether 撮影 can work."""
        self._papers = tuple(papers)
        self._shown_back = shown_back
        self.strip.set_stills(self._papers)
        self.strip.check(None if self._still is None else self._still.paper_id)
        self.take_still.setEnabled(camera_on)  # the kiosk photographs with its document camera
        self._render_show_back()

    def show_still(self, paper: PaperStill | None) -> None:
        """Show a still at fit, or None to go back to the live camera."""
        self._still = paper
        self.live.setVisible(paper is not None)
        self.strip.check(None if paper is None else paper.paper_id)
        self._render_show_back()
        if paper is not None:
            self.view.show_still(paper.image)

    def forget(self) -> None:
        """The call is over: no still, thumbnail or frame of the paper stays, not even hidden."""
        self.close_window()
        self.draw((), None, False)
        self.show_still(None)
        self.panel.view.show_frame(None)

    def _render_show_back(self) -> None:
        still = self._still
        on_kiosk = still is not None and still.paper_id == self._shown_back
        self.show_back.setVisible(still is not None)
        self.show_back.setEnabled(not on_kiosk)
        self.show_back.setText(self._tr("paper.shown_back" if on_kiosk else "paper.show_back"))

    def _on_show_back_clicked(self) -> None:
        if self._still is not None:
            self.show_back_requested.emit(self._still.paper_id)

    def _on_strip_chosen(self, paper_id: str) -> None:
        chosen = next((paper for paper in self._papers if paper.paper_id == paper_id), None)
        if chosen is not None:
            self.show_still(chosen)

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


def _thumbnail(rgb: Rgb) -> QPixmap:
    # Every n-th pixel first: a 5 MP still need not be copied whole for a thumbnail.
    step = max(1, rgb.shape[0] // (4 * THUMBNAIL_HEIGHT))
    small = rgb_image(np.ascontiguousarray(rgb[::step, ::step]))
    return QPixmap.fromImage(
        small.scaledToHeight(THUMBNAIL_HEIGHT, Qt.TransformationMode.SmoothTransformation)
    )


def _tool_button(text: str) -> QToolButton:
    button = QToolButton()
    button.setText(text)
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keys stay with the paper
    return button
