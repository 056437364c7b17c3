"""The kiosk window: the frame (top and bottom bars) around a stack of screens, one per page.

`draw(view)` shows the view's page and fills in its screen and the bars. The screens are
built afresh whenever the theme changes (large text, high contrast, a language with other
fonts) and after every privacy reset, so no widget ever holds anything of an earlier citizen.
The window also owns the two things every press gets: a beep (`Beeper`) and the note to the
controller that someone is still there (`touched`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, Protocol

from PyQt6.QtCore import QEvent, QObject, QTimer
from PyQt6.QtGui import QPainter, QPaintEvent
from PyQt6.QtWidgets import QApplication, QLayout, QStackedWidget, QVBoxLayout, QWidget

from call.control_messages import QuickPhrase
from kiosk.beep import Beeper
from kiosk.core.engine_port import Box, MediaFeeds
from kiosk.core.viewmodels import KioskVM, Page, ScreenVM
from kiosk.i18n import Language
from kiosk.screens.admin_pin import AdminPinScreen
from kiosk.screens.attract import AttractScreen
from kiosk.screens.base import VM, Screen
from kiosk.screens.closed import ClosedScreen
from kiosk.screens.in_call import InCallScreen
from kiosk.screens.language import LanguageScreen
from kiosk.screens.message import ThankYouScreen, UnavailableScreen
from kiosk.screens.overlays import ConfirmEndScreen, TimeoutWarningScreen
from kiosk.screens.ready import ReadyScreen
from kiosk.screens.survey import SurveyScreen
from kiosk.screens.topic import TopicScreen
from kiosk.screens.transferring import TransferringScreen
from kiosk.screens.waiting import WaitingScreen
from kiosk.theme import Theme
from kiosk.widgets.chrome import BottomBar, TopBar
from kiosk.widgets.text import qcolor
from kiosk.widgets.touch_button import TouchButton

MEDIA_INTERVAL_MS = 33  # about 30 frames a second
LIVE_PAGES = frozenset({Page.IN_CALL, Page.READY})

# One table maps each page to its screen (docs/kiosk.md, "How it is built").
SCREENS: dict[Page, Callable[[Theme], Screen[Any]]] = {
    Page.UNAVAILABLE: UnavailableScreen,
    Page.ATTRACT: AttractScreen,
    Page.LANGUAGE: LanguageScreen,
    Page.TOPIC: TopicScreen,
    Page.READY: ReadyScreen,
    Page.WAITING: WaitingScreen,
    Page.CLOSED: ClosedScreen,
    Page.IN_CALL: InCallScreen,
    Page.TRANSFERRING: TransferringScreen,
    Page.SURVEY: SurveyScreen,
    Page.THANK_YOU: ThankYouScreen,
    Page.TIMEOUT_WARNING: TimeoutWarningScreen,
    Page.CONFIRM_END: ConfirmEndScreen,
    Page.ADMIN_PIN: AdminPinScreen,
}


def draw_screen(screen: Screen[VM], vm: ScreenVM) -> None:
    """The one check that a page's screen gets its own kind of view-model (a bug otherwise)."""
    if not isinstance(vm, screen.vm_type):
        raise TypeError(
            f"{type(screen).__name__} draws {screen.vm_type.__name__}, not {type(vm).__name__}"
        )
    screen.draw(vm)


class KioskIntents(Protocol):
    """What the screens ask for: the controller's intent methods."""

    def touched(self) -> None: ...
    def start(self) -> None: ...
    def open_language(self) -> None: ...
    def choose_language(self, language: Language) -> None: ...
    def choose_topic(self, category_id: str) -> None: ...
    def back(self) -> None: ...
    def primary(self) -> None: ...
    def toggle_mute(self) -> None: ...
    def change_volume(self, steps: int) -> None: ...
    def send_phrase(self, phrase: QuickPhrase) -> None: ...
    def toggle_document_camera(self) -> None: ...
    def send_paper(self) -> None: ...
    def open_pad(self) -> None: ...
    def close_pad(self) -> None: ...
    def clear_pad(self) -> None: ...
    def draw_stroke(self, stroke_id: str, points: Sequence[tuple[float, float]]) -> None: ...
    def content_resized(self, width: int, height: int) -> None: ...
    def content_viewed(
        self, doc_id: str, page: int, box: Box, width_px: int, height_px: int
    ) -> None: ...
    def answer_survey(self, score: int) -> None: ...
    def toggle_large_text(self) -> None: ...
    def toggle_high_contrast(self) -> None: ...
    def open_admin(self) -> None: ...
    def admin_digit(self, digit: str) -> None: ...
    def admin_clear(self) -> None: ...


class KioskWindow(QWidget):
    def __init__(self, intents: KioskIntents, feeds: MediaFeeds, beeper: Beeper) -> None:
        super().__init__()
        self.setWindowTitle("Madoguchi")
        self._intents = intents
        self._feeds = feeds
        self._beeper = beeper
        self._built: tuple[Theme, int] | None = None
        self._frame: QWidget | None = None
        self.screens: dict[Page, Screen[Any]] = {}
        self.page: Page | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        # The window is the screen's size: its layout must not push size hints to the platform.
        self._layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        self._media = QTimer(self)
        self._media.setInterval(MEDIA_INTERVAL_MS)
        self._media.timeout.connect(self._on_media_timeout)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    # --- Drawing ------------------------------------------------------------------------------

    def draw(self, view: KioskVM) -> None:
        if self._built != (view.theme, view.generation):
            self._build(view.theme)
            self._built = (view.theme, view.generation)
        # The call screen has the whole window: its main area needs the height (kiosk.md).
        framed = view.page is not Page.IN_CALL
        self.top.setVisible(framed)
        self.bottom.setVisible(framed)
        self.top.draw(view.chrome)
        self.bottom.draw(view.chrome)
        self.call.top.draw(view.chrome)
        screen = self.screens[view.page]
        draw_screen(screen, view.screen)
        self.stack.setCurrentWidget(screen)
        self.page = view.page
        if view.page in LIVE_PAGES:
            if not self._media.isActive():
                self._media.start()
                self._on_media_timeout()
        else:
            self._media.stop()

    def _build(self, theme: Theme) -> None:
        """Every screen and bar made anew; the old ones go once their signals have returned."""
        self._theme = theme
        if self._frame is not None:
            self._layout.removeWidget(self._frame)
            self._frame.hide()
            self._frame.deleteLater()
        frame = QWidget()
        column = QVBoxLayout(frame)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        # The bars are the same in both text sizes, so their buttons never move.
        self.top = TopBar(replace(theme, large_text=False))
        self.stack = QStackedWidget()
        self.bottom = BottomBar(replace(theme, large_text=False))
        column.addWidget(self.top)
        column.addWidget(self.stack, 1)
        column.addWidget(self.bottom)
        self.screens = {page: make(theme) for page, make in SCREENS.items()}
        for screen in self.screens.values():
            self.stack.addWidget(screen)
        self._connect()
        self._layout.addWidget(frame)
        frame.show()  # now, not on the next turn of the event loop: no blank frame between
        self._frame = frame
        self.update()

    def _connect(self) -> None:
        intents, screens = self._intents, self.screens
        call = screens[Page.IN_CALL]
        assert isinstance(call, InCallScreen)
        self.call = call
        for top in (self.top, call.top):
            top.language_requested.connect(intents.open_language)
            top.large_text_toggled.connect(intents.toggle_large_text)
            top.high_contrast_toggled.connect(intents.toggle_high_contrast)
            top.admin_requested.connect(intents.open_admin)
        self.bottom.back_requested.connect(intents.back)
        self.bottom.primary_requested.connect(intents.primary)
        attract = screens[Page.ATTRACT]
        assert isinstance(attract, AttractScreen)
        attract.started.connect(intents.start)
        attract.language_chosen.connect(intents.choose_language)
        language = screens[Page.LANGUAGE]
        assert isinstance(language, LanguageScreen)
        language.chosen.connect(intents.choose_language)
        topic = screens[Page.TOPIC]
        assert isinstance(topic, TopicScreen)
        topic.chosen.connect(intents.choose_topic)
        call.mute_toggled.connect(intents.toggle_mute)
        call.volume_requested.connect(intents.change_volume)
        call.phrase_chosen.connect(intents.send_phrase)
        call.document_camera_toggled.connect(intents.toggle_document_camera)
        call.paper_send_requested.connect(intents.send_paper)
        call.end_requested.connect(intents.back)  # "end the call?"
        call.pad_opened.connect(intents.open_pad)
        call.pad_closed.connect(intents.close_pad)
        call.pad_cleared.connect(intents.clear_pad)
        call.stroke_drawn.connect(intents.draw_stroke)
        call.stage.viewport_changed.connect(intents.content_resized)
        call.stage.view_changed.connect(intents.content_viewed)
        survey = screens[Page.SURVEY]
        assert isinstance(survey, SurveyScreen)
        survey.answered.connect(intents.answer_survey)
        admin = screens[Page.ADMIN_PIN]
        assert isinstance(admin, AdminPinScreen)
        admin.digit.connect(intents.admin_digit)
        admin.cleared.connect(intents.admin_clear)

    def _on_media_timeout(self) -> None:
        if self.page is not None:
            self.screens[self.page].show_media(self._feeds)

    def paintEvent(self, event: QPaintEvent | None) -> None:  # noqa: N802  # Qt override
        if self._built is not None:
            QPainter(self).fillRect(self.rect(), qcolor(self._built[0].palette.page.fill))

    # --- Every press --------------------------------------------------------------------------

    def eventFilter(self, watched: QObject | None, event: QEvent | None) -> bool:  # noqa: N802
        if (
            event is not None
            and event.type() in (QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin)
            and isinstance(watched, QWidget)
            and watched.window() is self
        ):
            if (isinstance(watched, TouchButton) and watched.isEnabled()) or watched.property(
                "touch_target"
            ):
                self._beeper.beep()
            self._intents.touched()
        return False
