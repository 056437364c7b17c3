"""The city's standard forms: files in one configurable folder, recently used first.

Only the folder's file names are listed, and the recency is kept in memory: which form was shown
to whom is case data and stays off the disk.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Final

logger = logging.getLogger(__name__)

FORM_SUFFIXES: Final = frozenset({".pdf", ".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff"})
MAX_FORMS: Final = 200


class FormsLibrary:
    """Lists the forms in `folder`; `used` moves one to the top."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._recent: list[str] = []

    def forms(self) -> tuple[str, ...]:
        """Paths of the forms, the recently used first, then the folder's in name order."""
        found: list[str] = []
        if self.folder is not None:
            try:
                found = sorted(
                    str(path)
                    for path in self.folder.iterdir()
                    if path.is_file() and path.suffix.lower() in FORM_SUFFIXES
                )[:MAX_FORMS]
            except OSError as error:
                logger.warning("= cannot list the forms folder %s: %s", self.folder, error)
        recent = [path for path in self._recent if path in found]
        return (*recent, *(path for path in found if path not in recent))

    def used(self, path: str) -> None:
        if path in self._recent:
            self._recent.remove(path)
        self._recent.insert(0, path)
