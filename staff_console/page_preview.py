"""The staff member's own view of a document page, rendered here for the page canvas.

The engine renders the same page again, at the kiosk's size, to send it; this copy is only for
the screen in front of the staff member and is never written anywhere. The citizen's paper,
shown back, has no file (its path is ""): `paper_preview` makes its copy from the still's pixels.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Final

import numpy as np
from PyQt6.QtCore import Qt
from PyQt6.QtGui import QImage

from call.document import Document, DocumentError, open_document
from staff_console.core.engine_port import Rgb
from staff_console.core.legibility import PageFacts

logger = logging.getLogger(__name__)

PREVIEW_SIZE: Final = (1400, 1400)


def paper_preview(rgb: Rgb) -> QImage:
    """A still of the citizen's paper at the preview's size, area-averaged (text stays whole)."""
    height, width = rgb.shape[:2]
    data = np.ascontiguousarray(rgb).tobytes()
    image = QImage(data, width, height, 3 * width, QImage.Format.Format_RGB888)
    if width <= PREVIEW_SIZE[0] and height <= PREVIEW_SIZE[1]:
        return image.copy()  # a QImage of our own: `data` goes with this call
    keep, smooth = Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
    return image.scaled(*PREVIEW_SIZE, keep, smooth)


class PagePreview:
    """Opens one document at a time and renders its pages as QImages."""

    def __init__(self) -> None:
        self._path: str | None = None
        self._document: Document | None = None
        self._cache: dict[int, QImage] = {}
        self._facts: dict[int, PageFacts | None] = {}

    def page_count(self, path: Path) -> int:
        """Open `path`; raises `DocumentError` for a file that cannot be shown."""
        return self._open(str(path)).page_count

    def render(self, path: str, page: int) -> QImage | None:
        """The page of a file; None for the citizen's paper (no file: the panel draws its still)."""
        if not path:
            return None
        if path == self._path and page in self._cache:
            return self._cache[page]
        try:
            image = self._open(path).render_page(page, PREVIEW_SIZE).convert("RGB")
        except DocumentError as error:
            logger.warning("= cannot preview page %d of %s: %s", page, Path(path).name, error)
            return None
        data = image.tobytes()
        qimage = QImage(
            data, image.width, image.height, 3 * image.width, QImage.Format.Format_RGB888
        ).copy()
        self._cache[page] = qimage
        return qimage

    def facts(self, path: str, page: int) -> PageFacts | None:
        """The page's size and smallest text, read once per page (the legibility warning)."""
        if not path:
            return None  # the citizen's paper: a photograph, no text layer to measure
        if path == self._path and page in self._facts:
            return self._facts[page]
        try:
            document = self._open(path)
            facts = PageFacts(document.page_size_pt(page), document.smallest_text_pt(page))
        except DocumentError as error:
            logger.warning("= cannot measure page %d of %s: %s", page, Path(path).name, error)
            facts = None
        self._facts[page] = facts
        return facts

    def close(self) -> None:
        if self._document is not None:
            self._document.close()
        self._document = None
        self._path = None
        self._cache.clear()
        self._facts.clear()

    def _open(self, path: str) -> Document:
        if path != self._path or self._document is None:
            self.close()
            self._document = open_document(path)
            self._path = path
        return self._document
