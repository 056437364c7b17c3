"""Translation catalogs: every word the console shows comes from here.

One module per language holds ``MESSAGES``, a flat dict from a dotted key to the text.
Japanese (`ja`) is the reference: English has exactly its keys and ``{placeholders}``, which
tests/staff_console/test_i18n.py checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Final
from zoneinfo import ZoneInfo

from language.messages import Messages
from staff_console.i18n import en, ja

TOKYO: Final = ZoneInfo("Asia/Tokyo")


class Language(StrEnum):
    JA = "ja"
    EN = "en"


CATALOGS: Final[Mapping[Language, Mapping[str, str]]] = MappingProxyType(
    {Language.JA: ja.MESSAGES, Language.EN: en.MESSAGES}
)


class Translator(Messages):
    """Looks up and fills in the messages of one language (`language.messages`: never raises)."""

    def __init__(self, language: Language) -> None:
        super().__init__(CATALOGS[language], ja.MESSAGES)
        self.language = language

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
        name = self.template(f"language.{code}")
        return code if name == f"language.{code}" else name
