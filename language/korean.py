"""Korean particles chosen by the sound that ends the word before them. Pure.

A Korean particle has one form after a final consonant (받침) and one after a vowel: 민원실은,
세무과는. A catalogue never prints both as 은(는): it names the consonant-final form as a format
spec, ``{department:은}``, and `Word` appends the form its word takes. 으로/로 has a third case:
a word ending in ㄹ takes 로 (민원실로), as a vowel-final word does.

What ends a word is read aloud: a digit by its Sino-Korean reading (1 일, so 1로; 10 십, so
10으로), a Latin letter by its Korean name (L 엘, R 알, M 엠, N 엔); closing brackets, quotes and
other punctuation are silent and skipped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Final


class Ending(StrEnum):
    """The sound a word ends with, as far as a particle cares."""

    VOWEL = "vowel"
    RIEUL = "rieul"  # ㄹ: a consonant, except before 으로/로
    CONSONANT = "consonant"


# Each particle's consonant-final form (the format spec) and its vowel-final form.
PARTICLES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "은": "는",  # topic
        "이": "가",  # subject
        "을": "를",  # object
        "과": "와",  # and, with
        "으로": "로",  # to, by
        "이에요": "예요",  # is
        "이나": "나",  # or
        "아": "야",  # calling someone
        "이라고": "라고",  # quoting
    }
)
_RIEUL_TAKES_VOWEL_FORM: Final = frozenset({"으로"})

_HANGUL_FIRST, _HANGUL_LAST = 0xAC00, 0xD7A3
_JONGSEONG_COUNT = 28
_JONGSEONG_RIEUL = 8

# Sino-Korean digits: 영 일 이 삼 사 오 육 칠 팔 구.
_DIGIT_ENDINGS: Final = (
    Ending.CONSONANT,  # 영
    Ending.RIEUL,  # 일
    Ending.VOWEL,  # 이
    Ending.CONSONANT,  # 삼
    Ending.VOWEL,  # 사
    Ending.VOWEL,  # 오
    Ending.CONSONANT,  # 육
    Ending.RIEUL,  # 칠
    Ending.RIEUL,  # 팔
    Ending.VOWEL,  # 구
)
# A number ending in zeros is read to its last unit: 십, 백 or 천 (1 to 3 zeros), then 만, 억,
# 조 and 경 for each further 4 (100000 is 십만).
_MYRIAD_ENDINGS: Final = (Ending.CONSONANT, Ending.CONSONANT, Ending.VOWEL, Ending.CONSONANT)
# The Korean names of the Latin letters end in a vowel (에이, 비, 씨 ...) except these.
_LETTER_ENDINGS: Final = {
    "L": Ending.RIEUL,
    "R": Ending.RIEUL,
    "M": Ending.CONSONANT,
    "N": Ending.CONSONANT,
}
_TRAILING_NUMBER = re.compile(r"\d(?:,?\d)*$")


def ending(word: str) -> Ending | None:
    """How ``word`` ends when read aloud; None if nothing in it can be read (a kanji, a symbol)."""
    text = unicodedata.normalize("NFKC", word)
    end = len(text)
    while end and unicodedata.category(text[end - 1])[0] in "PZC":  # silent: skip
        end -= 1
    if not end:
        return None
    last = text[end - 1]
    if _HANGUL_FIRST <= ord(last) <= _HANGUL_LAST:
        jongseong = (ord(last) - _HANGUL_FIRST) % _JONGSEONG_COUNT
        if jongseong == 0:
            return Ending.VOWEL
        return Ending.RIEUL if jongseong == _JONGSEONG_RIEUL else Ending.CONSONANT
    if last.isascii() and last.isdigit():
        number = _TRAILING_NUMBER.search(text[:end])
        assert number is not None
        return _number_ending(number.group().replace(",", ""))
    if last.isascii() and last.isalpha():
        return _LETTER_ENDINGS.get(last.upper(), Ending.VOWEL)
    return None


def _number_ending(digits: str) -> Ending:
    significant = digits.rstrip("0")
    zeros = len(digits) - len(significant)
    if not significant:
        return Ending.CONSONANT  # 영
    if zeros == 0:
        return _DIGIT_ENDINGS[int(significant[-1])]
    if zeros < 4:
        return Ending.CONSONANT  # 십, 백, 천
    return _MYRIAD_ENDINGS[min(zeros // 4, len(_MYRIAD_ENDINGS)) - 1]


def particle(word: str, spec: str) -> str:
    """The form of the particle ``spec`` (named by its consonant-final form) after ``word``.

    A word that cannot be read takes the vowel-final form, as after 과 (課), the commonest end
    of a department's name.
    """
    vowel_form = PARTICLES[spec]
    match ending(word):
        case Ending.CONSONANT:
            return spec
        case Ending.RIEUL:
            return vowel_form if spec in _RIEUL_TAKES_VOWEL_FORM else spec
        case Ending.VOWEL | None:
            return vowel_form


class Word(str):
    """A word that takes its particle from a format spec: ``f"{Word('민원실'):으로}"``, 민원실로."""

    __slots__ = ()

    def __format__(self, spec: str) -> str:
        if spec in PARTICLES:
            return str(self) + particle(self, spec)
        return super().__format__(spec)
