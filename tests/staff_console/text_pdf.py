"""A one-page PDF with a real text layer at sizes the test chooses, for the legibility tests.

Latin text is set in Helvetica; Japanese in HeiseiKakuGo-W5, a standard Japanese font PDF readers
substitute (PDFium picks a system CJK font), so no font is embedded and the file stays tiny.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

A4_PT = (595.0, 842.0)
FONTS = (
    b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    b"<< /Type /Font /Subtype /Type0 /BaseFont /HeiseiKakuGo-W5 /Encoding /UniJIS-UCS2-H "
    b"/DescendantFonts [<< /Type /Font /Subtype /CIDFontType0 /BaseFont /HeiseiKakuGo-W5 "
    b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Japan1) /Supplement 2 >> >>] >>",
)


def _show(size: float, text: str) -> bytes:
    if text.isascii():
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        return b"/F1 %.1f Tf (%s) Tj" % (size, escaped.encode("ascii"))
    return b"/F2 %.1f Tf <%s> Tj" % (size, text.encode("utf-16-be").hex().encode("ascii"))


def text_pdf(
    path: Path,
    lines: Sequence[tuple[float, float, float, str]],
    boxes: Sequence[tuple[float, float, float, float]] = (),
) -> Path:
    """Write an A4 page with each (x, y from the top, size in pt, text) and ruled boxes."""
    stream = bytearray()
    for x, y, width, height in boxes:
        stream += b"1 w %.1f %.1f %.1f %.1f re S\n" % (x, A4_PT[1] - y - height, width, height)
    for x, y, size, text in lines:
        stream += b"BT %.1f %.1f Td %s ET\n" % (x, A4_PT[1] - y, _show(size, text))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> >>" % (A4_PT[0], A4_PT[1]),
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), bytes(stream)),
        *FONTS,
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    path.write_bytes(bytes(out))
    return path
