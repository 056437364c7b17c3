"""A folder of the city's standard forms for the demo console: one sample form, as a PDF.

The page is `call.bot.synthetic_page`, the same A4 sample the headless staff member shows, so a
demo needs no files of its own. The boxes' positions are exported for the autoplay's pointer.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Final

from PIL import Image

from call.bot import synthetic_page

FORM_NAME: Final = "住民票の写し等交付請求書（見本）.pdf"  # noqa: RUF001  # full-width is meant
# The first box (氏名) of synthetic_page, as fractions of the page: where staff point first.
NAME_BOX_CENTRE: Final = (0.5, (220 + 60) / 1754)


def write_forms(folder: Path) -> Path:
    """Write the sample form into `folder` (made if missing); returns the form's path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / FORM_NAME
    if not path.exists():
        page = synthetic_page()
        with Image.open(io.BytesIO(page.data)) as image:
            image.convert("RGB").save(path, "PDF", resolution=150)
    return path
