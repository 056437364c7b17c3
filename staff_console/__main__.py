"""``madoguchi-console --server URL``: the staff console.

``--username NAME --password-stdin`` logs in at start without typing: the password is the first
line of standard input, read once (never an argument or an environment variable, which other
users of the PC can read). A refusal shows in the login dialog as usual.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import TextIO

import msgspec
from PyQt6.QtCore import QSettings
from PyQt6.QtWidgets import QApplication

from call.camera import CameraSettings
from call.devices import MediaSettings
from call.engine import installed_version
from staff_console import desktop
from staff_console.app import ConsoleApp, CrashHandler, Remembered
from staff_console.engine_adapter import EngineAdapter
from staff_console.i18n import Language, Translator
from staff_console.settings import load_settings


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="madoguchi-console", description=__doc__)
    parser.add_argument("--server", help="the hub, e.g. wss://madoguchi.city.example/ws")
    parser.add_argument("--config", type=Path, help="a TOML settings file")
    parser.add_argument("--language", choices=[lang.value for lang in Language])
    parser.add_argument("--forms", help="the folder of the city's standard forms")
    parser.add_argument(
        "--synthetic-media", action="store_true", help="a test pattern and voice, no devices"
    )
    parser.add_argument(
        "--ca-file", help="the city's private CA (PEM), trusted besides the system's CAs"
    )
    parser.add_argument("--username", help="the staff member's login name, filled in")
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help="log in at start with the first line of standard input as the password",
    )
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    if args.password_stdin and not args.username:
        parser.error("--password-stdin needs --username")
    return args


def read_password(stdin: TextIO | None) -> str | None:
    """The first line of standard input, without its line end; None when there is none."""
    line = "" if stdin is None else stdin.readline()  # pythonw.exe has no stdin at all
    password = line.rstrip("\r\n")
    return password or None


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    password = read_password(sys.stdin) if args.password_stdin else None
    if args.password_stdin and password is None:
        print("madoguchi-console: --password-stdin: no password on standard input", file=sys.stderr)
        return 2
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(name)s %(message)s")
    settings = load_settings(args.config)
    overrides = {
        "server": args.server,
        "language": args.language,
        "forms_folder": args.forms,
        "synthetic_media": args.synthetic_media or None,
        "ca_file": args.ca_file,
    }
    settings = msgspec.structs.replace(
        settings, **{k: v for k, v in overrides.items() if v is not None}
    )
    if settings.ca_file and not Path(settings.ca_file).is_file():
        print(
            f"madoguchi-console: ca_file: no CA certificate at {settings.ca_file}", file=sys.stderr
        )
        return 2
    app = QApplication(sys.argv[:1])
    app.setOrganizationName("Madoguchi")
    app.setApplicationName("staff-console")
    desktop.apply_ui_font(app)
    CrashHandler(Translator(Language(settings.language))).install()
    camera = int(settings.camera) if settings.camera.isdigit() else settings.camera
    engine = EngineAdapter(
        app_version=installed_version(),
        ca_file=settings.ca_file or None,
        media=MediaSettings(
            synthetic=settings.synthetic_media, camera=CameraSettings(device=camera)
        ),
    )
    remembered = Remembered(QSettings())
    if args.server or args.username:  # asked for on the command line: wins over remembered
        remembered.remember_login(
            args.server or remembered.get("login/server", settings.server),
            args.username or remembered.get("login/username"),
        )
    console = ConsoleApp(settings, engine, remembered, frames=engine)
    console.start()
    if password is not None:
        console.log_in(args.username, password)
        del password
    try:
        return app.exec()
    finally:
        engine.logout()


if __name__ == "__main__":
    sys.exit(main())
