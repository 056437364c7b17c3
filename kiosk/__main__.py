"""`madoguchi-kiosk`: the citizen's kiosk, fullscreen and locked down.

    madoguchi-kiosk --server wss://hub.example.jp/ws --token TOKEN
    madoguchi-kiosk --config /etc/madoguchi/kiosk.toml
    madoguchi-kiosk --config kiosk.toml --windowed --synthetic      # development
    madoguchi-kiosk --hash-pin                                       # for admin_pin_hash

The token is better kept in the config file (readable by the kiosk user only) or in
MADOGUCHI_KIOSK_TOKEN than on the command line, where other local users can read it. A token
that starts with "-" works on the command line as `--token VALUE` and `--token=VALUE`.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys

from call.camera import CameraSettings
from call.devices import MediaSettings
from call.secret_args import join_secret_values
from kiosk.i18n import Language
from kiosk.lockdown import hash_pin
from kiosk.settings import KioskSettings, SettingsError, load_settings

logger = logging.getLogger("kiosk")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="madoguchi-kiosk", description=__doc__.splitlines()[0])
    parser.add_argument("--config", help="a TOML settings file ([kiosk] table)")
    parser.add_argument("--server", help="the hub's WebSocket URL, ws:// or wss://")
    parser.add_argument("--token", help="this kiosk's device token")
    parser.add_argument(
        "--language", choices=[language.value for language in Language], help="default ja"
    )
    parser.add_argument("--windowed", action="store_true", default=None, help="development")
    parser.add_argument(
        "--synthetic", action="store_true", default=None, help="no devices: test pattern"
    )
    parser.add_argument("--hash-pin", action="store_true", help="hash an admin PIN and exit")
    parser.add_argument("--log-level", default="INFO")
    # A token may start with "-": `--token VALUE` is read as `--token=VALUE`.
    return parser.parse_args(join_secret_values(argv, ["--token"]))


def media_settings(settings: KioskSettings) -> MediaSettings:
    camera = int(settings.camera) if settings.camera.isdigit() else settings.camera
    return MediaSettings(
        synthetic=settings.synthetic_media,
        camera=CameraSettings(device=camera),
        microphone=settings.microphone or None,
        speaker=settings.speaker or None,
        # A handset's speaker is at the ear, not in the room: nothing echoes to cancel.
        echo_cancellation=settings.audio == "open",
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    if args.hash_pin:
        print(hash_pin(getpass.getpass("Admin PIN (4-12 digits): ")))
        return 0
    try:
        settings = load_settings(
            args.config,
            overrides={
                "server": args.server,
                "token": args.token,
                "language": args.language,
                "windowed": args.windowed,
                "synthetic_media": args.synthetic,
            },
        ).validate()
    except (SettingsError, OSError) as error:
        print(f"madoguchi-kiosk: {error}", file=sys.stderr)
        return 2
    return run(settings)


def run(settings: KioskSettings) -> int:
    # Qt is imported here, so that --help and --hash-pin work without a display.
    from PyQt6.QtWidgets import QApplication

    if settings.ui_scale != 1.0:  # read by Qt when the application starts
        os.environ["QT_SCALE_FACTOR"] = f"{settings.ui_scale:g}"

    from call.engine import installed_version
    from kiosk.app import CrashHandler, KioskApp
    from kiosk.beep import make_beeper
    from kiosk.city_text import warm_up
    from kiosk.engine_adapter import EngineAdapter

    warm_up()  # a second and more, once, rather than on a やさしい日本語 citizen's first screen
    app = QApplication(sys.argv[:1])
    app.setApplicationName("madoguchi-kiosk")
    engine = EngineAdapter(
        settings.server,
        settings.token,
        app_version=installed_version(),
        media=media_settings(settings),
        document_camera=settings.document_camera,
        document_camera_mode=settings.document_camera_request(),
        ca_file=settings.ca_file or None,
        mm_per_px=settings.mm_per_px,
        keep_pages=settings.keep_pages,
    )
    kiosk = KioskApp(settings, engine, engine, beeper=make_beeper())
    CrashHandler(kiosk).install()
    kiosk.start()
    try:
        engine.start()
        kiosk.controller.handle(engine.devices_now())
        return app.exec()
    finally:
        engine.close()


if __name__ == "__main__":
    sys.exit(main())
