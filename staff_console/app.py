"""Start-up and wiring: the controller, the engine, the main window and the login dialog.

`ConsoleApp` connects the screens' intents to the controller, the controller's views to the
screens, and the engine's events to the controller. The crash handler owns `sys.excepthook`.
"""

from __future__ import annotations

import json
import logging
import sys
import time
import traceback
from collections import Counter
from pathlib import Path
from types import TracebackType
from typing import Final

from PyQt6.QtCore import QByteArray, QObject, QSettings, QTimer
from PyQt6.QtWidgets import QApplication, QMessageBox

from call.document import DocumentError
from signaling import protocol as p
from staff_console import desktop
from staff_console.core.controller import ConsoleController, ControllerSettings
from staff_console.core.engine_port import EnginePort, FrameSource, MarkTool
from staff_console.core.forms import FormsLibrary
from staff_console.core.transfer_targets import TransferHistory
from staff_console.core.viewmodels import ConsoleVM, Stage
from staff_console.engine_adapter import EngineAdapter
from staff_console.i18n import Language, Translator
from staff_console.page_preview import PagePreview
from staff_console.screens.login_dialog import LoginDialog
from staff_console.settings import ConsoleSettings
from staff_console.window import ConsoleWindow

logger = logging.getLogger(__name__)

TICK_MS: Final = 1000
TEMPLATE_COUNT: Final = 6


class Remembered:
    """What the console keeps between runs: server, username, layout. Never the password."""

    def __init__(self, store: QSettings) -> None:
        self._store = store

    def get(self, key: str, default: str = "") -> str:
        value = self._store.value(key, default)
        return value if isinstance(value, str) else default

    def layout(self) -> QByteArray | None:
        value = self._store.value("window/geometry")
        return value if isinstance(value, QByteArray) else None

    def remember_login(self, server: str, username: str) -> None:
        self._store.setValue("login/server", server)
        self._store.setValue("login/username", username)
        self._store.sync()

    def remember_layout(self, geometry: QByteArray) -> None:
        self._store.setValue("window/geometry", geometry)
        self._store.sync()

    def transfers(self) -> TransferHistory:
        """Where this console has sent citizens from each department, for the picker's order."""
        try:
            rows = json.loads(self.get("transfers/history", "[]"))
            return Counter({(str(a), str(b)): int(n) for a, b, n in rows})
        except (ValueError, TypeError):  # a hand-edited or older file: start afresh
            return Counter()

    def remember_transfers(self, history: TransferHistory) -> None:
        rows = [[a, b, n] for (a, b), n in history.items()]
        self._store.setValue("transfers/history", json.dumps(rows, ensure_ascii=False))
        self._store.sync()


class ConsoleApp(QObject):
    def __init__(
        self,
        settings: ConsoleSettings,
        engine: EnginePort,
        remembered: Remembered,
        *,
        frames: FrameSource | None = None,
        clock: bool = True,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.remembered = remembered
        self.translator = Translator(Language(settings.language))
        self.engine = engine
        templates = settings.templates or tuple(
            self.translator(f"template.{n}") for n in range(1, TEMPLATE_COUNT + 1)
        )
        forms = Path(settings.forms_folder) if settings.forms_folder else None
        self.controller = ConsoleController(
            engine,
            ControllerSettings(
                language=settings.language,
                templates=templates,
                server=remembered.get("login/server", settings.server),
                username=remembered.get("login/username"),
            ),
            FormsLibrary(forms),
            on_view=self._on_controller_view,
            on_alert=self._on_controller_alert,
            measure_page=lambda path, page: self.preview.facts(path, page),
        )
        self.controller.transfer_history = remembered.transfers()
        self.preview = PagePreview()
        self.window = ConsoleWindow(self.translator, self.preview, frames)
        self.login = LoginDialog(self.translator, self.window)
        self._stage = Stage.LOGIN
        self._wire()
        if isinstance(engine, EngineAdapter):
            engine.events_ready.connect(self._on_engine_events_ready)
        self.clock = QTimer(self)
        self.clock.setInterval(TICK_MS)
        self.clock.timeout.connect(lambda: self.controller.tick(time.time()))
        if clock:
            self.clock.start()

    def _wire(self) -> None:
        c, w = self.controller, self.window
        self.login.login_requested.connect(c.submit_login)
        self.login.new_password_requested.connect(c.submit_new_password)
        self.login.cancel_requested.connect(c.cancel_login)
        w.top.presence_chosen.connect(lambda value: c.choose_presence(p.Presence(value)))
        w.top.notice_dismissed.connect(c.dismiss_notice)
        w.top.logout_requested.connect(c.logout)
        w.queue.accept_requested.connect(c.accept)
        w.queue.take_next_requested.connect(c.accept_next)
        w.call.mute_toggled.connect(c.toggle_mute)
        w.call.camera_toggled.connect(c.toggle_camera)
        w.call.stop_sharing_requested.connect(c.stop_sharing)
        w.end_confirmed.connect(c.end_call)
        w.share_requested.connect(c.share_screen)
        w.transfer_requested.connect(self._on_window_transfer_requested)
        documents = w.call.documents
        documents.file_chosen.connect(self._on_documents_file_chosen)
        documents.page_requested.connect(c.go_to_page)
        documents.tool_chosen.connect(lambda value: c.choose_tool(MarkTool(value)))
        documents.clear_requested.connect(c.clear_marks)
        documents.close_requested.connect(c.close_document)
        documents.canvas.pointed.connect(c.point)
        documents.canvas.highlighted.connect(c.highlight)
        documents.canvas.stroke_changed.connect(c.draw)
        documents.canvas.focused.connect(c.focus)
        documents.whole_page_requested.connect(c.focus_whole_page)
        documents.citizen.legible_zoom_requested.connect(c.focus_legible)
        w.call.messages.text_submitted.connect(c.send_text)
        w.call.messages.message_chosen.connect(c.send_message)
        w.call.quick_texts.message_chosen.connect(c.send_message)
        w.call.messages.draft_changed.connect(c.draft_changed)
        w.call.pad.surface.stroke_drawn.connect(c.draw_stroke)
        w.call.pad.open_requested.connect(c.open_pad)
        w.call.pad.clear_requested.connect(c.clear_pad)
        w.call.paper.take_still_requested.connect(c.take_paper)
        w.call.paper.show_back_requested.connect(c.show_paper)
        w.wrap_up.wrap_up_requested.connect(c.wrap_up)
        w.closing.connect(self._on_window_closing)

    def _on_window_transfer_requested(self, department_id: str, note: str) -> None:
        self.controller.transfer(department_id, note)
        self.remembered.remember_transfers(self.controller.transfer_history)

    def start(self) -> None:
        """Show the window, as it was last time, with the login over it."""
        layout = self.remembered.layout()
        if layout is not None:
            self.window.restoreGeometry(layout)
        self.window.show()
        self.controller.tick(time.time())

    def log_in(self, username: str, password: str) -> None:
        """Log in to the remembered server without typing (`--username`, `--password-stdin`).

        The dialog opens over the window as usual and shows the connection; a refusal (a wrong
        password, say) shows its usual message there, with the username filled in, so a person
        at the PC can type the password and retry.
        """
        self.controller.submit_login(self.controller.view().login.server, username, password)

    def _on_controller_view(self, vm: ConsoleVM) -> None:
        if self._stage is Stage.CONNECTING and vm.stage is not Stage.LOGIN:
            self.remembered.remember_login(vm.login.server, vm.login.username)
        self._stage = vm.stage
        self.window.draw(vm)
        self.login.draw(vm.login)
        wants_login = vm.stage in (Stage.LOGIN, Stage.CONNECTING)
        if wants_login and not self.login.isVisible() and self.window.isVisible():
            self.login.open()
        elif not wants_login and self.login.isVisible():
            self.login.hide()

    def _on_controller_alert(self, count: int) -> None:
        if self.settings.alert_sound:
            desktop.play_alert()
        if self.settings.alert_visual:
            QApplication.alert(self.window)

    def _on_engine_events_ready(self) -> None:
        assert isinstance(self.engine, EngineAdapter)
        for event in self.engine.drain():
            self.controller.handle(event, time.time())

    def _on_documents_file_chosen(self, path: str) -> None:
        try:
            count = self.preview.page_count(Path(path))
        except (DocumentError, OSError) as error:
            self.controller.document_failed(Path(path), str(error))
            return
        self.controller.open_document(Path(path), count)

    def _on_window_closing(self) -> None:
        self.remembered.remember_layout(self.window.saveGeometry())
        self.controller.logout()


class CrashHandler:
    """Owns sys.excepthook: log the traceback, tell the staff member once, keep running."""

    def __init__(self, tr: Translator) -> None:
        self._tr = tr
        self._shown = False

    def install(self) -> None:
        sys.excepthook = self.handle

    def handle(
        self,
        kind: type[BaseException],
        error: BaseException,
        tb: TracebackType | None,
    ) -> None:
        logger.critical(
            "= unhandled error\n%s", "".join(traceback.format_exception(kind, error, tb))
        )
        if issubclass(kind, KeyboardInterrupt):
            QApplication.quit()
            return
        if not self._shown:
            self._shown = True
            QMessageBox.critical(None, self._tr("crash.title"), self._tr("crash.text"))
