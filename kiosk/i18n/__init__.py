# ruff: noqa: RUF001  # full-width CJK punctuation is meant
"""Translation catalogs: every word on the kiosk comes from here.

One module per language holds ``MESSAGES``, a flat dict from a dotted key to the text. Japanese
(`ja`) is the reference: every other catalog has exactly its keys and its ``{placeholders}``,
which `tests/kiosk/test_catalogs.py` checks. The やさしい日本語 catalog marks readings as
``漢字《かんじ》`` (see `kiosk.i18n.ruby`). The Korean catalog names its particles as format specs,
``{department:으로}``, and the `Translator` fills them by the word (see `language.korean`).
A sentence with a ``{department}`` has a twin, ``<key>_unnamed``, that says the same without
the name, for a department with no name in the citizen's language (docs/languages.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from kiosk.i18n import en, ja, ja_easy, ko, vi, zh
from language.korean import Word
from language.messages import Messages


class Language(StrEnum):
    """The kiosk's languages; the values are the codes the hub's directory and protocol use."""

    JA = "ja"
    JA_EASY = "ja-easy"
    EN = "en"
    ZH = "zh"
    KO = "ko"
    VI = "vi"


# Each language in its own name and script, never a flag (docs/kiosk-rules.md, "Language").
NATIVE_NAMES: Final[Mapping[Language, str]] = MappingProxyType(
    {
        Language.JA: "日本語",
        Language.JA_EASY: "やさしい にほんご",
        Language.EN: "English",
        Language.ZH: "中文（简体）",
        Language.KO: "한국어",
        Language.VI: "Tiếng Việt",
    }
)

CATALOGS: Final[Mapping[Language, Mapping[str, str]]] = MappingProxyType(
    {
        Language.JA: ja.MESSAGES,
        Language.JA_EASY: ja_easy.MESSAGES,
        Language.EN: en.MESSAGES,
        Language.ZH: zh.MESSAGES,
        Language.KO: ko.MESSAGES,
        Language.VI: vi.MESSAGES,
    }
)

# Hub data (department and category names) may lack a language. Chinese readers get the
# Japanese kanji names before English; やさしい日本語 falls back to Japanese; the rest to English.
DATA_FALLBACKS: Final[Mapping[Language, tuple[str, ...]]] = MappingProxyType(
    {
        Language.JA: ("ja", "en"),
        Language.JA_EASY: ("ja-easy", "ja", "en"),
        Language.EN: ("en", "ja"),
        Language.ZH: ("zh", "ja", "en"),
        Language.KO: ("ko", "en", "ja"),
        Language.VI: ("vi", "en", "ja"),
    }
)


class Translator(Messages):
    """Looks up and fills in the messages of one language (`language.messages`: never raises)."""

    def __init__(self, language: Language) -> None:
        super().__init__(CATALOGS[language], ja.MESSAGES)
        self.language = language

    def prepared(self, fields: dict[str, object]) -> dict[str, object]:
        if self.language is not Language.KO:
            return fields
        # {department:으로} asks the word for its particle (language.korean).
        return {
            name: Word(value) if isinstance(value, str) else value for name, value in fields.items()
        }

    def name(self, names: Mapping[str, str]) -> str | None:
        """The city's name for a thing in this language only, for use inside a sentence, where
        another language's word must never appear (None: say the sentence without it).
        やさしい日本語 takes the Japanese name too: the kiosk gives it ruby."""
        codes = ("ja-easy", "ja") if self.language is Language.JA_EASY else (self.language,)
        return next((names[code] for code in codes if names.get(code)), None)

    def pick(self, names: Mapping[str, str]) -> str:
        """The best name for this language from a hub ``names``/``descriptions`` mapping, for a
        label that stands alone (a topic button): another language's beats none."""
        for code in DATA_FALLBACKS[self.language]:
            if names.get(code):
                return names[code]
        return next(iter(names.values()), "")

    def minutes(self, n: int) -> str:
        if self.language is Language.JA_EASY:
            return ja_easy.minutes(n)
        return self("time.minutes", n=n)

    def month_day(self, moment: datetime) -> str:
        day = ja_easy.day(moment.day) if self.language is Language.JA_EASY else str(moment.day)
        return self("time.month_day", month=self(f"month.{moment.month}"), day=day)

    def weekday(self, moment: datetime) -> str:
        return self(f"weekday.{moment.weekday()}")

    @staticmethod
    def clock(moment: datetime) -> str:
        """24-hour time, as Japanese public notices write it (8:30, 17:15)."""
        return f"{moment.hour}:{moment.minute:02d}"

    def when(self, moment: datetime, now: datetime) -> str:
        """A coming time, as near as it needs to be: today, tomorrow, a weekday or a date."""
        days = (moment.date() - now.date()).days
        time = self.clock(moment)
        if days <= 0:
            return self("time.today", time=time)
        if days == 1:
            return self("time.tomorrow", time=time)
        if moment - now < timedelta(days=6):
            return self("time.weekday", weekday=self.weekday(moment), time=time)
        return self("time.date", date=self.month_day(moment), time=time)
