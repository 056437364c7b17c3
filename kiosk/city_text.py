"""The city's words as one citizen reads them (docs/languages.md). Pure; no Qt.

The kiosk's own words come from its catalogues; these come from the city: department, topic and
site names, staff names and what staff write. Inside a sentence a name appears only in the
citizen's own language (else the sentence's twin without it is said); a label standing alone
may fall back to another language rather than show nothing. やさしい日本語 gets ruby on every
kanji, the city's own readings first. Staff names are shown in kanji (ja, zh), with their
reading as ruby (ja-easy), or romanised (en, ko, vi). Staff text is never rewritten: text in
another language than the citizen's is marked as such.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

from kiosk.core.model import StaffWords
from kiosk.i18n import Language, Translator
from language import readings, romaji

# Citizens who read names in Latin letters: kanji mean nothing to most of them.
_ROMANISED = frozenset({Language.EN, Language.KO, Language.VI})
_KANA_ONLY = re.compile(r"[\u3041-\u309f\u30a0-\u30ff]+")


def said(tr: Translator, key: str, department: str | None, **fields: object) -> str:
    """The message naming `department`, or its twin that needs no name when the city has none
    in the citizen's language: never another language's word inside a sentence."""
    if department is None:
        return tr(f"{key}_unnamed", **fields)
    return tr(key, department=department, **fields)


class CityText:
    def __init__(self, tr: Translator, city_readings: Mapping[str, str]) -> None:
        self._tr = tr
        self._easy = tr.language is Language.JA_EASY
        self._readings = tuple(sorted(city_readings.items()))

    def name(self, names: Mapping[str, str]) -> str | None:
        """A name for inside a sentence, in the citizen's language only; None: say the sentence
        without it."""
        name = self._tr.name(names)
        return None if name is None else self.ruby(name)

    def label(self, names: Mapping[str, str]) -> str:
        """A name or description that stands alone (a topic button, the center's name)."""
        return self.ruby(self._tr.pick(names)) if names else ""

    def staff_name(self, display_name: str, reading: str) -> str:
        if self._tr.language in _ROMANISED:
            return _romanised(display_name, reading)
        if self._easy:
            return _name_with_ruby(display_name, reading) if reading else self.ruby(display_name)
        return display_name

    def staff_words(self, words: StaffWords) -> str:
        language = self._tr.language
        japanese = words.language in (Language.JA, Language.JA_EASY)
        if words.language == language or (japanese and self._easy):
            return self.ruby(words.text)
        if japanese and language is Language.JA:
            return words.text
        return f"{self._tr('call.in_japanese')} {words.text}" if japanese else words.text

    def ruby(self, text: str) -> str:
        """For やさしい日本語, the text with a reading on every kanji; else the text."""
        return _with_readings(text, self._readings) if self._easy else text


def warm_up() -> None:
    """Load the analyser and its dictionaries now (MeCab, and pykakasi's for compounds)."""
    _with_readings("住民票の写しを月曜日に", ())


@lru_cache(maxsize=1024)
def _with_readings(text: str, city_readings: tuple[tuple[str, str], ...]) -> str:
    # The analyser takes milliseconds; the same names are drawn again on every model change.
    return readings.with_readings(text, dict(city_readings))


@lru_cache(maxsize=256)
def _romanised(display_name: str, reading: str) -> str:
    """Without a reading from the city, the analyser's guess: better than kanji to this reader."""
    return romaji.romanise_name(reading or readings.kana_reading(display_name))


def _name_with_ruby(display_name: str, reading: str) -> str:
    """田中 花子 + たなか はなこ -> 田中《たなか》 花子《はなこ》; a name whose parts do not match
    its reading's gets the whole reading over the whole name."""
    parts, sounds = display_name.split(), reading.split()
    if len(parts) != len(sounds):
        return f"｜{display_name}《{reading}》"  # noqa: RUF001  # the ruby notation's bar
    return " ".join(
        part if _KANA_ONLY.fullmatch(part) else f"｜{part}《{sound}》"  # noqa: RUF001
        for part, sound in zip(parts, sounds, strict=True)
    )
