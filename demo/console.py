"""The staff console as the demo runs it: the console's own parts, logged in for the visitor.

A demo that starts "logged in" must not ask a newcomer to type a password. So this module
builds the console exactly as `staff_console.__main__` does (settings, the real `EngineAdapter`,
`ConsoleApp`), then types the username and password into the console's own login dialog and
presses its button, as a person would. The password arrives on standard input
(`--password-stdin`), never on the command line.

`madoguchi-console --username NAME --password-stdin` logs in much the same way now
(docs/console.md). The demo keeps this module for what differs on purpose: the remembered server,
username and layout go to a settings file under the demo's var dir, not to the visitor's own
console settings (QSettings' default place); the console opens at the screen's right edge; and
it prints the line the launcher waits for (`LOGGED_IN`).

    python -m demo.console --server ws://127.0.0.1:8765/ws --username tanaka --password-stdin
"""

from __future__ import annotations

import argparse
import logging
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Final

from PyQt6.QtCore import QSettings
from PyQt6.QtGui import QFont
from PyQt6.QtWidgets import QApplication

from call.devices import MediaSettings
from call.session import CallSettings
from staff_console import desktop
from staff_console.app import ConsoleApp, CrashHandler, Remembered
from staff_console.core.viewmodels import Stage
from staff_console.engine_adapter import EngineAdapter
from staff_console.i18n import Language, Translator
from staff_console.settings import ConsoleSettings

logger = logging.getLogger("madoguchi.demo.console")
LOGGED_IN: Final = "madoguchi-demo: the console is logged in as"  # the launcher waits for it


def open_console(
    server: str,
    *,
    settings_file: Path,
    forms: Path | None,
    synthetic_media: bool = True,
    call: CallSettings | None = None,
) -> ConsoleApp:
    """The console, shown with its login dialog up, as `madoguchi-console` opens it."""
    settings = ConsoleSettings(
        server=server,
        forms_folder="" if forms is None else str(forms),
        synthetic_media=synthetic_media,
    )
    try:
        app_version = version("madoguchi")
    except PackageNotFoundError:
        app_version = ""
    engine = EngineAdapter(
        app_version=app_version, media=MediaSettings(synthetic=synthetic_media), call=call
    )
    remembered = Remembered(QSettings(str(settings_file), QSettings.Format.IniFormat))
    remembered.remember_login(server, remembered.get("login/username"))
    console = ConsoleApp(settings, engine, remembered, frames=engine)
    # The console's fonts on its own windows only: the demo may share a QApplication with a
    # kiosk, which sets its fonts itself (desktop.apply_ui_font would change the app's).
    font = QFont()
    font.setFamilies(list(desktop.UI_FONTS))
    font.setPointSize(desktop.BASE_POINT_SIZE)
    console.window.setFont(font)
    console.start()
    return console


def to_the_right(console: ConsoleApp) -> None:
    """At the screen's right edge, so a kiosk window at the left stays in sight.

    Only the first time: afterwards the console puts itself where the visitor left it.
    """
    screen = QApplication.primaryScreen()
    if screen is not None:
        area, frame = screen.availableGeometry(), console.window.frameGeometry()
        console.window.move(area.right() - frame.width() + 1, area.top())


def log_in(console: ConsoleApp, username: str, password: str) -> None:
    """Type into the console's login dialog and press its button, as the staff member would."""
    console.login.username.setText(username)
    console.login.password.setText(password)
    console.login.submit.click()


def logged_in(console: ConsoleApp) -> bool:
    return console.controller.stage in (Stage.READY, Stage.CALL, Stage.WRAP_UP)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo.console", description=__doc__)
    parser.add_argument("--server", required=True)
    parser.add_argument("--username", required=True)
    parser.add_argument(
        "--password-stdin", action="store_true", required=True, help="the first line of stdin"
    )
    parser.add_argument("--settings-file", type=Path, required=True, help="QSettings, INI")
    parser.add_argument("--forms", type=Path, help="the folder of standard forms")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    password = sys.stdin.readline().rstrip("\n")
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(name)s %(message)s")
    app = QApplication(sys.argv[:1])
    app.setOrganizationName("Madoguchi")
    app.setApplicationName("staff-console")
    desktop.apply_ui_font(app)  # alone in its process here, as in madoguchi-console
    console = open_console(args.server, settings_file=args.settings_file, forms=args.forms)
    if console.remembered.layout() is None:
        to_the_right(console)
    CrashHandler(Translator(Language(console.settings.language))).install()
    announced = False

    def announce() -> None:
        nonlocal announced
        if not announced and logged_in(console):
            announced = True
            print(f"{LOGGED_IN} {args.username}", flush=True)

    console.clock.timeout.connect(announce)
    log_in(console, args.username, password)
    del password
    try:
        return app.exec()
    finally:
        assert isinstance(console.engine, EngineAdapter)
        console.engine.logout()


if __name__ == "__main__":
    sys.exit(main())
