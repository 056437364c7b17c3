"""Pictures the engine draws where a camera's would be: the labelled test pattern, the still
"camera off" frame, and the CJK font they are written in (OpenCV cannot draw kanji).
"""

from __future__ import annotations

import logging
import time
from functools import cache
from pathlib import Path
from typing import Final

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from call.frames import Image8

logger = logging.getLogger(__name__)

PAUSED_LABEL: Final = ("camera off", "カメラオフ")

# Fonts with Japanese glyphs, in order of preference, on the kiosk's two platforms.
CJK_FONT_CANDIDATES: Final = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "C:/Windows/Fonts/YuGothM.ttc",
    "C:/Windows/Fonts/meiryo.ttc",
    "C:/Windows/Fonts/msgothic.ttc",
)


@cache
def cjk_font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """The first installed CJK font at `size` px, or Pillow's built-in font (no Japanese)."""
    for candidate in CJK_FONT_CANDIDATES:
        if Path(candidate).is_file():
            # Face 0 of Noto Sans CJK's collection is the JP variant, so kanji take the
            # Japanese forms; the Windows fonts are Japanese throughout.
            return ImageFont.truetype(candidate, size, index=0)
    logger.warning("no CJK font found; the test pattern's Japanese will not render")
    return ImageFont.load_default(size)


_BARS_BGR: Final = (
    (192, 192, 192),  # grey
    (0, 192, 192),  # yellow
    (192, 192, 0),  # cyan
    (0, 192, 0),  # green
    (192, 0, 192),  # magenta
    (0, 0, 192),  # red
    (192, 0, 0),  # blue
)


class SyntheticPattern:
    """Moving colour bars under a label and a clock, so no one mistakes it for a picture."""

    def __init__(self, width: int, height: int, reason: str) -> None:
        self.width = width
        self.height = height
        columns = np.linspace(0, len(_BARS_BGR), num=width, endpoint=False).astype(np.intp)
        row = np.array(_BARS_BGR, dtype=np.uint8)[columns]
        self._bars: Image8 = np.ascontiguousarray(np.broadcast_to(row, (height, width, 3)))
        self._label = _text_panel(["TEST PATTERN", reason], max(12, height // 14), width * 9 // 10)
        self._clock_second = -1
        self._clock = self._label[:0]

    def render(self, now: float) -> Image8:
        """The pattern at monotonic time `now`, with the wall clock under the label."""
        # Bars scroll a full width in 8 s: motion an encoder and a viewer can both see.
        shift = int(now * self.width / 8) % self.width
        image = np.roll(self._bars, shift, axis=1)
        _paste_centred(image, self._label, self.height // 3)
        second = int(time.time())
        if second != self._clock_second:
            self._clock_second = second
            stamp = time.strftime("%H:%M:%S", time.localtime(second))
            self._clock = _text_panel([stamp], max(10, self.height // 20), self.width)
        _paste_centred(image, self._clock, self.height * 3 // 4)
        return image


@cache
def paused_frame(width: int, height: int) -> Image8:
    """The still frame sent while the camera is paused: black, with a small label."""
    image = np.zeros((height, width, 3), dtype=np.uint8)
    label = _text_panel(list(PAUSED_LABEL), max(10, height // 20), width * 9 // 10)
    _paste_centred(image, label, height // 2)
    image.flags.writeable = False
    return image


def _text_panel(lines: list[str], size: int, max_width: int) -> Image8:
    """White text on a black panel, rendered once with Pillow (OpenCV cannot draw kanji)."""
    font = cjk_font(size)
    pad = size // 2
    boxes = [font.getbbox(line) for line in lines]
    width = min(max_width, max(int(box[2]) for box in boxes) + 2 * pad)
    line_height = int(size * 1.4)
    panel = Image.new("RGB", (width, line_height * len(lines) + 2 * pad), (16, 16, 16))
    draw = ImageDraw.Draw(panel)
    for number, (line, box) in enumerate(zip(lines, boxes, strict=True)):
        x = max(pad, (width - int(box[2])) // 2)
        draw.text((x, pad + number * line_height), line, font=font, fill=(255, 255, 255))
    return np.asarray(panel)[:, :, ::-1].copy()  # RGB -> BGR


def _paste_centred(image: Image8, panel: Image8, centre_y: int) -> None:
    height = min(panel.shape[0], image.shape[0])
    width = min(panel.shape[1], image.shape[1])
    top = min(max(0, centre_y - height // 2), image.shape[0] - height)
    left = (image.shape[1] - width) // 2
    image[top : top + height, left : left + width] = panel[:height, :width]
