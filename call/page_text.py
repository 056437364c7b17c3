"""How large a PDF page's text is, so the console can tell how large it looks on the kiosk.

PDFium reports each character's font size as set in the content stream; producers often set a
1 pt font and scale it with the text matrix, so the size is the font size times the vertical
scale of the character's matrix. The smallest text that matters is the smallest size that enough
characters reach, so a stray glyph (a registration mark, a tiny footnote digit) does not decide.
"""

from __future__ import annotations

import ctypes
import math
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Final

import pypdfium2 as pdfium  # type: ignore[import-untyped]
import pypdfium2.raw as pdfium_raw  # type: ignore[import-untyped]

TEXT_SHARE: Final = 0.03
TEXT_ENOUGH_CHARS: Final = 8
MAX_CODE_POINT: Final = 0x10FFFF


def char_sizes(text: pdfium.PdfTextPage) -> Iterator[float]:
    """The size in points of each visible character of a text page; the caller holds the
    PDFium lock (call.document)."""
    matrix = pdfium_raw.FS_MATRIX()
    for index in range(pdfium_raw.FPDFText_CountChars(text)):
        code = pdfium_raw.FPDFText_GetUnicode(text, index)
        if not 0 < code <= MAX_CODE_POINT or chr(code).isspace():
            continue
        if pdfium_raw.FPDFText_IsGenerated(text, index) == 1:
            continue  # a space or line break PDFium inferred from the layout
        size = pdfium_raw.FPDFText_GetFontSize(text, index)
        if pdfium_raw.FPDFText_GetMatrix(text, index, ctypes.byref(matrix)):
            size *= math.hypot(matrix.c, matrix.d)  # the vertical scale, rotated or not
        if size > 0:
            yield size


def smallest_real_size(sizes: Iterable[float]) -> float | None:
    """The smallest size (to 0.1) that enough characters reach: 8, or 3% of them if that is
    fewer, but never a single glyph on a page that has more."""
    counts = Counter(round(size, 1) for size in sizes)
    total = sum(counts.values())
    if total == 0:
        return None
    enough = min(TEXT_ENOUGH_CHARS, total, max(2, math.ceil(total * TEXT_SHARE)))
    seen = 0
    for size in sorted(counts):
        seen += counts[size]
        if seen >= enough:
            return size
    return None  # unreachable: `enough` <= total
