"""Colours, type sizes and fonts, from docs/kiosk-rules.md; no Qt here: the contrast test is pure.

Every colour is from the Color Universal Design recommended set (CUD v4): the accents, the
light base colours, and the greys, plus black and white. Text is always black on the light
colours, and white only on CUD blue, so contrast holds in every pairing
(`tests/kiosk/test_theme.py` checks each text/background pair: 4.5:1, and 7:1 in high contrast).
Meaning is never carried by colour alone: every coloured button also has a label and an icon.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from kiosk.i18n import Language

Rgb = tuple[int, int, int]

# CUD v4 accents.
RED: Final[Rgb] = (255, 75, 0)
YELLOW: Final[Rgb] = (255, 241, 0)
GREEN: Final[Rgb] = (3, 175, 122)
BLUE: Final[Rgb] = (0, 90, 255)
SKY: Final[Rgb] = (77, 196, 255)
ORANGE: Final[Rgb] = (246, 170, 0)
PURPLE: Final[Rgb] = (153, 0, 153)
BROWN: Final[Rgb] = (128, 64, 0)
# CUD v4 base (light) colours.
LIGHT_PINK: Final[Rgb] = (255, 202, 191)
CREAM: Final[Rgb] = (255, 255, 128)
LIGHT_SKY: Final[Rgb] = (191, 228, 255)
LIGHT_GREEN: Final[Rgb] = (119, 217, 168)
# CUD v4 achromatic colours.
WHITE: Final[Rgb] = (255, 255, 255)
LIGHT_GREY: Final[Rgb] = (200, 200, 203)
GREY: Final[Rgb] = (132, 145, 158)
BLACK: Final[Rgb] = (0, 0, 0)


class Kind(StrEnum):
    """What a button does, which decides its colour (docs/kiosk-rules.md, "Colour")."""

    NEUTRAL = "neutral"
    GO = "go"  # go / confirm: green
    STOP = "stop"  # cancel / stop / end: red
    SELECTED = "selected"  # a switch that is on, the current language


@dataclass(frozen=True, slots=True)
class Look:
    """How one kind of surface is drawn: its fill, its text and icons, and its border."""

    fill: Rgb
    text: Rgb
    border: Rgb
    border_px: int
    # A dashed border marks a box that is not a button (docs/kiosk-rules.md, "Layout").
    dashed: bool = False


@dataclass(frozen=True, slots=True)
class Palette:
    name: str
    minimum_contrast: float
    page: Look  # the screen behind everything
    bar: Look  # the top and bottom bars
    panel: Look  # cards and boxes on a page
    notice: Look  # a warning: no camera, nobody on duty
    message: Look  # text from staff
    buttons: dict[Kind, Look]
    pressed: dict[Kind, Look]  # the same buttons under a finger
    speaking: Rgb  # the ring around whoever is speaking (not text)
    level: Rgb  # the microphone level bar (not text)

    def text_pairs(self) -> list[tuple[str, Rgb, Rgb]]:
        """Every text colour on every background it is drawn on."""
        looks = {
            "page": self.page,
            "bar": self.bar,
            "panel": self.panel,
            "notice": self.notice,
            "message": self.message,
        }
        looks |= {f"button.{kind}": look for kind, look in self.buttons.items()}
        looks |= {f"pressed.{kind}": look for kind, look in self.pressed.items()}
        return [(name, look.text, look.fill) for name, look in looks.items()]

    def control_backgrounds(self) -> dict[str, Rgb]:
        """What a control can sit on: the page, the top and bottom bars, and a panel."""
        return {"page": self.page.fill, "bar": self.bar.fill, "panel": self.panel.fill}

    def edge_pairs(self) -> list[tuple[str, Rgb, Rgb]]:
        """Every control's edge on every background it sits on (WCAG 1.4.11 asks 3:1)."""
        controls = {f"button.{kind}": look for kind, look in self.buttons.items()}
        controls |= {f"pressed.{kind}": look for kind, look in self.pressed.items()}
        return [
            (f"{name} on {where}", look.border, background)
            for name, look in controls.items()
            for where, background in self.control_backgrounds().items()
        ]


STANDARD: Final = Palette(
    name="standard",
    minimum_contrast=4.5,
    page=Look(WHITE, BLACK, LIGHT_GREY, 0),
    bar=Look(LIGHT_SKY, BLACK, SKY, 0),
    panel=Look(WHITE, BLACK, GREY, 3),
    notice=Look(CREAM, BLACK, ORANGE, 4),
    message=Look(LIGHT_SKY, BLACK, BLUE, 4),
    buttons={
        # Black edges: grey was 2.4:1 on the light-blue bars, under WCAG 1.4.11's 3:1.
        Kind.NEUTRAL: Look(LIGHT_GREY, BLACK, BLACK, 3),
        Kind.GO: Look(GREEN, BLACK, BLACK, 3),
        Kind.STOP: Look(RED, BLACK, BLACK, 3),
        Kind.SELECTED: Look(BLUE, WHITE, BLACK, 3),
    },
    pressed={
        Kind.NEUTRAL: Look(WHITE, BLACK, BLACK, 8),
        Kind.GO: Look(LIGHT_GREEN, BLACK, BLACK, 8),
        Kind.STOP: Look(LIGHT_PINK, BLACK, BLACK, 8),
        Kind.SELECTED: Look(LIGHT_SKY, BLACK, BLACK, 8),
    },
    speaking=GREEN,
    level=GREEN,
)

HIGH_CONTRAST: Final = Palette(
    name="high_contrast",
    minimum_contrast=7.0,
    page=Look(BLACK, WHITE, WHITE, 0),
    bar=Look(BLACK, YELLOW, YELLOW, 2),
    # Boxes that are not buttons: a thin dashed grey edge, where buttons have a thick solid one.
    panel=Look(BLACK, WHITE, GREY, 2, dashed=True),
    notice=Look(BLACK, YELLOW, GREY, 2, dashed=True),
    message=Look(BLACK, YELLOW, GREY, 2, dashed=True),
    buttons={
        Kind.NEUTRAL: Look(BLACK, WHITE, WHITE, 4),
        Kind.GO: Look(GREEN, BLACK, WHITE, 4),
        Kind.STOP: Look(BLACK, WHITE, RED, 8),
        Kind.SELECTED: Look(YELLOW, BLACK, WHITE, 4),
    },
    pressed={
        Kind.NEUTRAL: Look(WHITE, BLACK, YELLOW, 8),
        Kind.GO: Look(WHITE, BLACK, GREEN, 8),
        Kind.STOP: Look(WHITE, BLACK, RED, 8),
        Kind.SELECTED: Look(WHITE, BLACK, YELLOW, 8),
    },
    speaking=YELLOW,
    level=GREEN,
)

# Noto Sans CJK in the variant whose glyph forms the language expects (a 中文 label in the SC
# face, 한국어 in the KR face); its Latin covers Vietnamese. Then the Windows Gothic/UD faces.
# Never a Mincho/Song face.
FONT_FAMILIES: Final[dict[Language, tuple[str, ...]]] = {
    Language.JA: ("Noto Sans CJK JP", "BIZ UDPGothic", "Yu Gothic UI", "Meiryo"),
    Language.JA_EASY: ("Noto Sans CJK JP", "BIZ UDPGothic", "Yu Gothic UI", "Meiryo"),
    Language.EN: ("Noto Sans CJK JP", "Segoe UI", "DejaVu Sans"),
    Language.ZH: ("Noto Sans CJK SC", "Microsoft YaHei UI", "Microsoft YaHei"),
    Language.KO: ("Noto Sans CJK KR", "Malgun Gothic"),
    Language.VI: ("Noto Sans CJK JP", "Segoe UI", "DejaVu Sans"),
}

# Reference display: 23.8" 16:9 at 1920x1080 is 527 mm wide, so 0.2745 mm per pixel.
MM_PER_PX: Final = 527.0 / 1920
MIN_TARGET_PX: Final = 80  # 15 mm is 55 px; docs/kiosk-rules.md asks "about 80 px"
MIN_GAP_PX: Final = 10  # 2.5 mm is 9.1 px


@dataclass(frozen=True, slots=True)
class Theme:
    """Everything a widget needs to draw itself; screens are rebuilt when it changes."""

    palette: Palette
    language: Language
    large_text: bool = False

    @property
    def scale(self) -> float:
        """Large text makes reading text 1.3 times larger: a capital H of 7.6 mm (0.87° at
        0.5 m) in body text, past EN 301 549's 0.7°. Button labels are already 32 px bold
        (a 6.4 mm H, 0.74°) in both modes, so that the controls never have to move."""
        return 1.3 if self.large_text else 1.0

    @property
    def body_px(self) -> int:
        return round(30 * self.scale)  # docs/kiosk-rules.md: body text 24 px or more

    @property
    def heading_px(self) -> int:
        return round(40 * self.scale)

    @property
    def title_px(self) -> int:
        return round(54 * self.scale)

    @property
    def button_px(self) -> int:
        return 32

    @property
    def target_px(self) -> int:
        return 96  # every touch target is at least this tall and wide (floor: 80)

    @property
    def gap_px(self) -> int:
        return 24  # between touch targets (floor: 10)

    @property
    def font_families(self) -> tuple[str, ...]:
        return FONT_FAMILIES[self.language]


def relative_luminance(rgb: Rgb) -> float:
    """WCAG 2.x relative luminance of an sRGB colour."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: Rgb, b: Rgb) -> float:
    """WCAG 2.x contrast ratio, from 1 to 21."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)
