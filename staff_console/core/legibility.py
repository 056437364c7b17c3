"""How big the citizen sees the page's smallest text, and the focus box that makes it readable.

Pure arithmetic, no Qt, so the console's preview and its tests share one set of numbers.

A font size in points is the height of its em square: 1 pt is 25.4 / 72 mm on paper. On the kiosk
it is drawn at `px_per_pt` pixels per point, and each kiosk pixel is `mm_per_px` wide, so the
text's height on the kiosk is ``pt * px_per_pt * mm_per_px`` millimetres. (The paper size,
``pt * 25.4 / 72``, does not enter: the kiosk scales the page, not the paper.)

The target is JIS S 0032 (高齢者・障害者配慮設計指針 — 視覚表示物 — 日本語文字の最小可読文字
サイズ推定方法): for a 70-year-old reading at 0.5 m, the smallest legible size is about 13.5 pt
on paper, 4.8 mm. Under 3 mm the console warns: that is the issue's 1.8 mm A4 form and the
like, text most older citizens cannot read at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from call.document import fit_size

Box = tuple[float, float, float, float]  # x, y, width, height: fractions of the page
WHOLE_PAGE: Final[Box] = (0.0, 0.0, 1.0, 1.0)

MM_PER_PT: Final = 25.4 / 72
LEGIBLE_MM: Final = 4.8  # JIS S 0032: 13.5 pt at 0.5 m for a 70-year-old
WARN_BELOW_MM: Final = 3.0
# The focus box is made this much smaller than the exact answer, so that the kiosk rounding its
# drawn size down by a pixel or two still leaves the text at or over the target.
MARGIN: Final = 0.98


class Legibility(StrEnum):
    """What the console can say about the smallest text the citizen sees."""

    READABLE = "readable"  # at least WARN_BELOW_MM
    TOO_SMALL = "too_small"
    NO_TEXT = "no_text"  # a scan or photo: no text layer to measure, so no size to judge
    NO_SCALE = "no_scale"  # the kiosk has not said how big its pixels are


@dataclass(frozen=True, slots=True)
class PageFacts:
    """What the document says about one page (call.document): its size and its smallest text."""

    size_pt: tuple[float, float]
    smallest_text_pt: float | None  # None: no text layer (a scan or a photo)


@dataclass(frozen=True, slots=True)
class TextSize:
    legibility: Legibility
    smallest_mm: float | None = None  # the smallest text's height on the kiosk


def fit(box: Box, page_size_pt: tuple[float, float], viewer_px: tuple[int, int]) -> tuple[int, int]:
    """The kiosk pixels `box` is drawn at when it is fitted into the viewer, aspect kept."""
    width_pt, height_pt = box[2] * page_size_pt[0], box[3] * page_size_pt[1]
    if width_pt <= 0 or height_pt <= 0:
        return (0, 0)
    return fit_size((width_pt, height_pt), viewer_px)  # as the staff side renders it


def px_per_pt(box: Box, page_size_pt: tuple[float, float], drawn_px: tuple[int, int]) -> float:
    """Kiosk pixels per point of the page, when `box` is drawn at `drawn_px`.

    The smaller of the two axes: the kiosk keeps the aspect, so they differ only by its rounding.
    """
    width_pt, height_pt = box[2] * page_size_pt[0], box[3] * page_size_pt[1]
    if width_pt <= 0 or height_pt <= 0:
        return 0.0
    return min(drawn_px[0] / width_pt, drawn_px[1] / height_pt)


def text_height_mm(text_pt: float, scale_px_per_pt: float, mm_per_px: float) -> float:
    """The height on the kiosk of text of `text_pt` points drawn at `scale_px_per_pt`."""
    return text_pt * scale_px_per_pt * mm_per_px


def text_size(
    smallest_pt: float | None,
    box: Box,
    page_size_pt: tuple[float, float],
    drawn_px: tuple[int, int],
    mm_per_px: float | None,
) -> TextSize:
    """The smallest text's height on the kiosk, and whether to warn about it."""
    if smallest_pt is None:
        return TextSize(Legibility.NO_TEXT)
    if mm_per_px is None:
        return TextSize(Legibility.NO_SCALE)
    mm = text_height_mm(smallest_pt, px_per_pt(box, page_size_pt, drawn_px), mm_per_px)
    return TextSize(Legibility.READABLE if mm >= WARN_BELOW_MM else Legibility.TOO_SMALL, mm)


def legible_box(
    smallest_pt: float,
    page_size_pt: tuple[float, float],
    viewer_px: tuple[int, int],
    mm_per_px: float,
    centre: tuple[float, float],
    target_mm: float = LEGIBLE_MM,
) -> Box:
    """A focus box around `centre` that, fitted into the viewer, draws `smallest_pt` at `target_mm`.

    The box has the viewer's aspect, so the kiosk fills its view with it. Where the page is too
    small for that box in one direction, the box stops at the page there: the other direction
    still sets the scale, so the text is no smaller. The box is clamped to the page, shifted
    rather than cut, so the centre moves only as far as the page edge demands.
    """
    wanted_px_per_pt = target_mm / (smallest_pt * mm_per_px)
    width = min(1.0, MARGIN * viewer_px[0] / wanted_px_per_pt / page_size_pt[0])
    height = min(1.0, MARGIN * viewer_px[1] / wanted_px_per_pt / page_size_pt[1])
    x = min(max(centre[0] - width / 2, 0.0), 1.0 - width)
    y = min(max(centre[1] - height / 2, 0.0), 1.0 - height)
    return (x, y, width, height)


def centre_of(box: Box) -> tuple[float, float]:
    return (box[0] + box[2] / 2, box[1] + box[3] / 2)
