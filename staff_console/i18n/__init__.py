"""Translation catalogs: every word the console shows comes from here.

One module per language holds ``MESSAGES``, a flat dict from a dotted key to the text.
Japanese (`ja`) is the reference: English has exactly its keys and ``{placeholders}``, which
tests/staff_console/test_i18n.py checks.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Final
from zoneinfo import ZoneInfo

from staff_console.i18n import en, ja

TOKYO: Final = ZoneInfo("Asia/Tokyo")


class Language(StrEnum):
    JA = "ja"
    EN = "en"


CATALOGS: Final[Mapping[Language, Mapping[str, str]]] = MappingProxyType(
    {Language.JA: ja.MESSAGES, Language.EN: en.MESSAGES}
)


def placeholders(text: str) -> frozenset[str]:
    """The ``{names}`` a message expects."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(text) if name)


class Translator:
    """Looks up and fills in the messages of one language."""

    def __init__(self, language: Language) -> None:
        self.language = language
        self._messages = CATALOGS[language]

    def __call__(self, key: str, **fields: object) -> str:
        # A missing key is a bug the catalog test catches; never crash on one in front of staff.
        text = self._messages.get(key) or ja.MESSAGES.get(key) or key
        if not fields:
            return text
        try:
            return text.format(**fields)
        except (KeyError, IndexError, ValueError):
            return text

    def duration(self, seconds: int) -> str:
        """A wait or talk time: 0:42, 12:05, 1:02:03."""
        minutes, secs = divmod(max(0, seconds), 60)
        hours, minutes = divmod(minutes, 60)
        return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"

    @staticmethod
    def clock(epoch: float) -> str:
        """Asia/Tokyo wall-clock time of an epoch timestamp, 24-hour."""
        moment = datetime.fromtimestamp(epoch, UTC).astimezone(TOKYO)
        return f"{moment.hour}:{moment.minute:02d}"

    def language_name(self, code: str) -> str:
        """A citizen's language code as a label (ja-easy → やさしい日本語)."""
        return self._messages.get(f"language.{code}") or code
