"""Screenshots of every kiosk screen, reached through the real controller, at 1920 x 1080.

Run under Xvfb with the real fonts (Debian's fonts-noto-cjk):

    xvfb-run -s "-screen 0 1920x1080x24" .venv/bin/python tests/kiosk/take_screenshots.py

It writes docs/screenshots/kiosk/<language>/<scene>.png: every scene in Japanese and English,
and a few scenes in the other four languages. The video is synthetic (a drawn figure, labelled).
The paper scenes (07i-07k) put a synthetic photograph of an A4 test page, lying sideways at a
slight angle on a desk, in the document camera's live picture; the still sent is that photograph
straightened by the kiosk's own `call.paper`.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from functools import cache
from pathlib import Path

import numpy as np
from kiosk_scenes import (
    SCENES,
    ManualClock,
    StillFeeds,
    Walk,
    a4_form,
    connected_controller,
    scene_feeds,
)
from PIL import Image
from PyQt6.QtCore import QBuffer, QIODevice
from PyQt6.QtWidgets import QApplication

from call.paper import still_to_send
from kiosk.beep import SilentBeeper
from kiosk.core import engine_port as e
from kiosk.core.controller import KioskController
from kiosk.core.engine_port import Image8
from kiosk.i18n import Language
from kiosk.window import KioskWindow

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # tests.paper_scene
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
EVERY_LANGUAGE = ("07i-in-call-paper",)  # the guide's words matter most in one's own language
# The two switches on every screen, shown on a few screens in Japanese.
SWITCHED = {
    "03-topic": ("large-text",),
    "04-ready": ("large-text",),
    "07b-in-call-document": ("high-contrast",),
    "07i-in-call-paper": ("large-text",),
    "07k-in-call-paper-sent": ("high-contrast",),
    "06-waiting": ("high-contrast", "large-text"),
}


@cache
def paper_photograph() -> Image8:
    """The document camera's live picture: an A4 page sideways on a desk, 1920 x 1080."""
    try:
        from tests.paper_scene import photograph, test_page
    except ImportError:  # without the photographer: the form laid sideways on a plain desk
        desk = Image.new("RGB", (1920, 1080), (120, 92, 64))
        desk.paste(a4_form(3.0).rotate(90, expand=True), (520, 120))
        return np.asarray(desk, dtype=np.uint8)
    page = test_page(4.0)
    return photograph(page, (1920, 1080), fill=0.72, tilt_deg=14, rotate_deg=92, seed=3).frame


@cache
def paper_still() -> Image8:
    """What staff receive: the photograph's sheet, found, cropped and straightened."""
    return still_to_send(paper_photograph()).image


def _paper(c: KioskController, clock: ManualClock) -> None:
    SCENES["07-in-call"](c, clock)
    c.toggle_document_camera()


def _paper_sending(c: KioskController, clock: ManualClock) -> None:
    _paper(c, clock)
    c.send_paper()


def _paper_sent(c: KioskController, clock: ManualClock) -> None:
    _paper_sending(c, clock)
    c.handle(e.PaperSent(paper_still(), delivered=True))
    c.handle(e.StaffText("s-1", "ありがとうございます。確認します"))


PAPER_SCENES: dict[str, Walk] = {
    "07i-in-call-paper": _paper,
    "07j-in-call-paper-sending": _paper_sending,
    "07k-in-call-paper-sent": _paper_sent,
}


def feeds_for(scene: str) -> StillFeeds:
    feeds = scene_feeds()
    if scene in PAPER_SCENES:
        feeds.document_camera = paper_photograph()
    return feeds


def take(
    language: Language, scene: str, out: Path, app: QApplication, switches: tuple[str, ...] = ()
) -> Path:
    controller, _, clock = connected_controller(language)
    if "large-text" in switches:
        controller.toggle_large_text()
    if "high-contrast" in switches:
        controller.toggle_high_contrast()
    (SCENES | PAPER_SCENES)[scene](controller, clock)
    window = KioskWindow(controller, feeds_for(scene), SilentBeeper())
    controller.on_change = lambda: window.draw(controller.view())
    window.resize(1920, 1080)
    window.draw(controller.view())
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
        scenes = [*SCENES, *PAPER_SCENES] if language in FULL else [*SAMPLES, *EVERY_LANGUAGE]
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
