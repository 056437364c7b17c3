"""Start-up and wiring: the engine's events into the controller, its views into the window.

`KioskApp` connects the three and ticks the controller once a second. `lock_down` makes the
window a kiosk: fullscreen, frameless, on top, no cursor in touch mode, and no way to close it
but the admin exit. `CrashHandler` owns `sys.excepthook`: an error is logged with its
traceback, the citizen sees the friendly "unavailable" screen, and the kiosk recovers by itself;
an error while recovering exits, and systemd starts the kiosk again (deploy/).

Nothing is written to disk: no QSettings, no cache, no log file (logs go to stderr, which
systemd's journal keeps, and never hold what a citizen chose, said or was shown).
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from types import TracebackType
from typing import Final

from PyQt6.QtCore import QObject, Qt, QTimer
from PyQt6.QtGui import QCloseEvent
from PyQt6.QtWidgets import QApplication

from kiosk.beep import Beeper, SilentBeeper
from kiosk.core.controller import KioskController
from kiosk.core.engine_port import EnginePort, MediaFeeds
from kiosk.engine_adapter import EngineAdapter
from kiosk.lockdown import ADMIN_EXIT_CODE
from kiosk.settings import KioskSettings
from kiosk.window import KioskIntents, KioskWindow

logger = logging.getLogger(__name__)

TICK_MS: Final = 1000
CRASH_EXIT_CODE: Final = 70  # EX_SOFTWARE: systemd restarts the kiosk


class LockedWindow(KioskWindow):
    """The kiosk window, which only the admin exit may close."""

    def __init__(self, intents: KioskIntents, feeds: MediaFeeds, beeper: Beeper) -> None:
        super().__init__(intents, feeds, beeper)
        self.may_close = False

    def closeEvent(self, event: QCloseEvent | None) -> None:  # noqa: N802  # Qt override
        if event is not None and not self.may_close:
            event.ignore()


class KioskApp(QObject):
    def __init__(
        self,
        settings: KioskSettings,
        engine: EnginePort,
        feeds: MediaFeeds,
        *,
        beeper: Beeper | None = None,
        tick: bool = True,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.engine = engine
        self.controller = KioskController(
            engine, settings, on_change=self._on_controller_change, on_exit=self._on_admin_exit
        )
        self.window = LockedWindow(self.controller, feeds, beeper or SilentBeeper())
        if isinstance(engine, EngineAdapter):
            # Emitted on the network thread: Qt queues it to this (the GUI) thread.
            engine.events_ready.connect(self._on_engine_events_ready)
        self.ticker = QTimer(self)
        self.ticker.setInterval(TICK_MS)
        self.ticker.timeout.connect(self.controller.tick)
        if tick:
            self.ticker.start()

    def start(self) -> None:
        """Show the window: locked down unless `windowed` (development)."""
        self._on_controller_change()
        if self.settings.windowed:
            self.window.resize(1920, 1080)
            self.window.show()
        else:
            lock_down(self.window)

    def _on_controller_change(self) -> None:
        self.window.draw(self.controller.view())

    def _on_engine_events_ready(self) -> None:
        assert isinstance(self.engine, EngineAdapter)
        for event in self.engine.drain():
            self.controller.handle(event)

    def _on_admin_exit(self) -> None:
        self.window.may_close = True
        QApplication.exit(ADMIN_EXIT_CODE)


def lock_down(window: LockedWindow) -> None:
    """Fullscreen, frameless and on top, with the cursor hidden for touch."""
    window.setWindowFlags(
        Qt.WindowType.Window
        | Qt.WindowType.FramelessWindowHint
        | Qt.WindowType.WindowStaysOnTopHint
    )
    window.setCursor(Qt.CursorShape.BlankCursor)
    QApplication.setOverrideCursor(Qt.CursorShape.BlankCursor)
    screen = QApplication.primaryScreen()
    if screen is not None:  # also without a window manager to honour "fullscreen"
        window.setGeometry(screen.geometry())
        if (screen.size().width(), screen.size().height()) != (1920, 1080):
            logger.warning(
                "= the screen is %dx%d; the kiosk is laid out for 1920x1080: set ui_scale "
                "to the screen's height / 1080 (0.711 for 1366x768)",
                screen.size().width(),
                screen.size().height(),
            )
    window.showFullScreen()


class CrashHandler:
    """Owns sys.excepthook: log, show the unavailable screen, recover; never a traceback."""

    def __init__(self, app: KioskApp) -> None:
        self._app = app
        self._handling = False

    def install(self) -> None:
        sys.excepthook = self.handle
        threading.excepthook = self._handle_thread

    def handle(
        self, kind: type[BaseException], error: BaseException, tb: TracebackType | None
    ) -> None:
        logger.critical(
            "= unhandled error\n%s", "".join(traceback.format_exception(kind, error, tb))
        )
        if issubclass(kind, KeyboardInterrupt):
            QApplication.exit(0)
            return
        if self._handling:  # the recovery itself failed: let systemd start us afresh
            QApplication.exit(CRASH_EXIT_CODE)
            return
        self._handling = True
        try:
            self._app.controller.crashed()
        finally:
            self._handling = False

    def _handle_thread(self, args: threading.ExceptHookArgs) -> None:
        # Engine threads catch their own errors; anything else is logged, not shown.
        logger.critical(
            "= unhandled error in thread %s\n%s",
            args.thread.name if args.thread is not None else "?",
            "".join(traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback)),
        )
