"""Screenshots of every kiosk screen, reached through the real controller, at 1920 x 1080.

Run under Xvfb with the real fonts (Debian's fonts-noto-cjk):

    xvfb-run -s "-screen 0 1920x1080x24" .venv/bin/python tests/kiosk/take_screenshots.py

It writes docs/screenshots/kiosk/<language>/<scene>.png: every scene in Japanese and English,
and a few scenes in the other four languages. The video is synthetic (a drawn figure, labelled).
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

from kiosk_scenes import SCENES, connected_controller, scene_feeds
from PIL import Image
from PyQt6.QtCore import QBuffer, QIODevice
from PyQt6.QtWidgets import QApplication

from kiosk.beep import SilentBeeper
from kiosk.i18n import Language
from kiosk.window import KioskWindow

ROOT = Path(__file__).resolve().parents[2]
FULL = (Language.JA, Language.EN)
SAMPLES = (
    "02-language",
    "03-topic",
    "06-waiting",
    "07-in-call",
    "07b-in-call-document",
    "07c-in-call-staff-text-muted",
    "07e-in-call-share",
    "07f-in-call-focus",
    "07g-in-call-writing-pad",
    "08-transferring",
)
# The two switches on every screen, shown on a few screens in Japanese.
SWITCHED = {
    "03-topic": ("large-text",),
    "04-ready": ("large-text",),
    "07b-in-call-document": ("high-contrast",),
    "06-waiting": ("high-contrast", "large-text"),
}


def take(
    language: Language, scene: str, out: Path, app: QApplication, switches: tuple[str, ...] = ()
) -> Path:
    controller, _, clock = connected_controller(language)
    if "large-text" in switches:
        controller.toggle_large_text()
    if "high-contrast" in switches:
        controller.toggle_high_contrast()
    SCENES[scene](controller, clock)
    window = KioskWindow(controller, scene_feeds(), SilentBeeper())
    controller.on_change = lambda: window.render(controller.view())
    window.resize(1920, 1080)
    window.render(controller.view())
    window.show()
    # Long enough for a focus zoom's animation to end.
    deadline = time.monotonic() + 0.8
    while time.monotonic() < deadline:
        app.processEvents()
    path = out / language.value / ("-".join((scene, *switches)) + ".png")
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    window.grab().save(buffer, "PNG")
    # 256 colours, undithered: flat UI colours and text stay exact, at a third of the size.
    image = Image.open(io.BytesIO(bytes(buffer.data()))).convert("RGB")
    image.quantize(256, Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE).save(
        path, optimize=True
    )
    window.close()
    window.deleteLater()
    app.processEvents()
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots" / "kiosk")
    parser.add_argument("--only", nargs="*", default=None, help="scene names to take")
    args = parser.parse_args(argv)
    app = QApplication(sys.argv[:1])
    for language in Language:
        scenes = list(SCENES) if language in FULL else list(SAMPLES)
        for scene in scenes:
            if args.only and scene not in args.only:
                continue
            print(take(language, scene, args.out, app))
    for scene, switches in SWITCHED.items():
        if not args.only or scene in args.only:
            print(take(Language.JA, scene, args.out, app, switches))
    return 0


if __name__ == "__main__":
    sys.exit(main())
