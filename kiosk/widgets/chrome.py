"""The frame around every screen, so its buttons never move (docs/kiosk-rules.md, "Layout").

Top bar: the hidden admin corner (top left), the large-text and high-contrast switches, and the
🌐 language button (top right) on every screen. Bottom bar: back/cancel bottom left, the primary
action bottom right, and a calm one-line notice between them. A button that a screen does not
use is hidden but keeps its place.
"""

from __future__ import annotations

from PyQt6.QtCore import QElapsedTimer, Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QMouseEvent, QPainter, QPaintEvent
from PyQt6.QtWidgets import QHBoxLayout, QSizePolicy, QWidget

from kiosk.core.viewmodels import Action, Chrome, Icon, Toggle
from kiosk.lockdown import LONG_PRESS_SECONDS
from kiosk.theme import Kind, Theme
from kiosk.widgets.text import KText, Role, qcolor
from kiosk.widgets.touch_button import TouchButton

TOP_HEIGHT = 112  # a 96 px row of buttons: the call's main area needs the rest (kiosk.md)
BOTTOM_HEIGHT = 156
MARGIN = 24


class HiddenCorner(QWidget):
    """An invisible square that emits `long_pressed` after a press held for 3 s; the only one."""

    long_pressed = pyqtSignal()

    def __init__(self, side: int) -> None:
        super().__init__()
        self.setFixedSize(side, side)
        self._held = QElapsedTimer()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(round(LONG_PRESS_SECONDS * 1000))
        self._timer.timeout.connect(self._on_timer_timeout)

    def mousePressEvent(self, event: QMouseEvent | None) -> None:  # noqa: N802  # Qt override
        self._held.start()
        self._timer.start()

    def mouseReleaseEvent(self, event: QMouseEvent | None) -> None:  # noqa: N802  # Qt override
        self._timer.stop()

    def _on_timer_timeout(self) -> None:
        self.long_pressed.emit()


def _place(button: TouchButton) -> TouchButton:
    policy = button.sizePolicy()
    policy.setRetainSizeWhenHidden(True)
    button.setSizePolicy(policy)
    return button


class TopBar(QWidget):
    language_requested = pyqtSignal()
    large_text_toggled = pyqtSignal()
    high_contrast_toggled = pyqtSignal()
    admin_requested = pyqtSignal()

    def __init__(self, theme: Theme, tools: QWidget | None = None) -> None:
        """`tools`: a screen's own buttons, in place of the title (the call's zoom buttons)."""
        super().__init__()
        self._theme = theme
        self.setFixedHeight(TOP_HEIGHT)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 8, MARGIN, 8)
        row.setSpacing(theme.gap_px)
        self.corner = HiddenCorner(TOP_HEIGHT - 16)
        self.corner.long_pressed.connect(self.admin_requested)
        self.title = KText(theme, Role.HEADING, color=theme.palette.bar.text)
        # Compact: a label with ruby (やさしい日本語) fits the 96 px row.
        self.large_text = TouchButton(theme, Kind.NEUTRAL, Icon.TEXT_SIZE, compact=True)
        self.high_contrast = TouchButton(theme, Kind.NEUTRAL, Icon.CONTRAST, compact=True)
        self.language = TouchButton(theme, Kind.NEUTRAL, Icon.GLOBE, compact=True)
        self.large_text.clicked.connect(self.large_text_toggled)
        self.high_contrast.clicked.connect(self.high_contrast_toggled)
        self.language.clicked.connect(self.language_requested)
        self._titled = tools is None
        if tools is None:
            row.addWidget(self.corner)
            row.addWidget(self.title, 1)
        else:  # no admin corner and no title during a call: the tools start at the left edge
            for unused in (self.corner, self.title):
                unused.setParent(self)  # a widget without a parent would be a window of its own
                unused.hide()
            row.addSpacing(MARGIN)
            row.addWidget(tools, 1)
        for button in (self.large_text, self.high_contrast, self.language):
            button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            row.addWidget(button)

    def draw(self, chrome: Chrome) -> None:
        if self._titled:
            self.title.set_text(chrome.title)
        for button, toggle in (
            (self.large_text, chrome.large_text),
            (self.high_contrast, chrome.high_contrast),
        ):
            self._toggle(button, toggle)
        self.language.set_content(chrome.language_label)
        self._fit(self.language)

    def _toggle(self, button: TouchButton, toggle: Toggle) -> None:
        button.set_content(toggle.label, kind=Kind.SELECTED if toggle.on else Kind.NEUTRAL)
        button.setCheckable(True)
        button.setChecked(toggle.on)
        self._fit(button)

    def _fit(self, button: TouchButton) -> None:
        hint = button.sizeHint()
        button.setFixedSize(max(hint.width(), self._theme.target_px), TOP_HEIGHT - 16)

    def paintEvent(self, event: QPaintEvent | None) -> None:  # noqa: N802  # Qt override
        QPainter(self).fillRect(self.rect(), qcolor(self._theme.palette.bar.fill))


class BottomBar(QWidget):
    back_requested = pyqtSignal()
    primary_requested = pyqtSignal()

    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self._theme = theme
        self.setFixedHeight(BOTTOM_HEIGHT)
        row = QHBoxLayout(self)
        row.setContentsMargins(MARGIN, 16, MARGIN, 16)
        row.setSpacing(theme.gap_px)
        self.back = _place(TouchButton(theme))
        self.primary = _place(TouchButton(theme))
        self.notice = KText(
            theme,
            Role.BODY,
            color=theme.palette.bar.text,
            align=Qt.AlignmentFlag.AlignCenter,
            bold=True,
        )
        policy = self.notice.sizePolicy()
        policy.setRetainSizeWhenHidden(True)  # the two buttons stay in their corners
        self.notice.setSizePolicy(policy)
        for button, width in ((self.back, 520), (self.primary, 640)):
            button.setFixedSize(width, BOTTOM_HEIGHT - 32)
        self.back.clicked.connect(self.back_requested)
        self.primary.clicked.connect(self.primary_requested)
        row.addWidget(self.back)
        row.addWidget(self.notice, 1)
        row.addWidget(self.primary)

    def draw(self, chrome: Chrome) -> None:
        self._action(self.back, chrome.back)
        self._action(self.primary, chrome.primary)
        self.notice.set_text(chrome.notice)

    @staticmethod
    def _action(button: TouchButton, action: Action | None) -> None:
        button.setVisible(action is not None)
        if action is not None:
            button.set_content(action.label, kind=action.kind, icon=action.icon)

    def paintEvent(self, event: QPaintEvent | None) -> None:  # noqa: N802  # Qt override
        QPainter(self).fillRect(self.rect(), qcolor(self._theme.palette.bar.fill))
