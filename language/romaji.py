"""A Japanese name's kana reading in Latin letters, as a Japanese passport writes it.

The rules are the Ministry of Foreign Affairs' Hepburn for passports (外務省「ヘボン式ローマ字
綴方表」), so that a name reads as its owner writes it abroad:

- Hepburn spellings: し shi, ち chi, つ tsu, ふ fu, じ and ぢ ji, ず and づ zu, を o.
- Long vowels are not marked: おお and おう are o, うう is u, ー is dropped (さとう Sato, おおの
  Ono, きょうこ Kyoko, ゆうき Yuki). An お that ends a name stays, as passport offices write it
  (よこお Yokoo). Kana cannot tell a long vowel from a う that starts the next element of a
  name, so the common surname endings 上, 内 and 浦 after の or つ keep theirs (いのうえ Inoue,
  やまのうち Yamanouchi, まつうら Matsuura).
- ん is n, and m before b, m and p (なんば Namba, ほんま Homma); no apostrophe (しんいち
  Shinichi).
- っ doubles the consonant after it (はっとり Hattori), and is t before ch (はっちょう Hatcho).
- Kana for foreign sounds are spelled one by one, as passports do: ヴ bu, ティ tei, ファ fua.
- Each part of the name (family, given) is capitalised: たなか はなこ is Tanaka Hanako.

pykakasi does the conversion; it leaves long vowels, ん and small kana as above to this module.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Final

import pykakasi

_PART_SEPARATORS = re.compile(r"[\s・]+")  # spaces, and ・ between the parts of a foreign name

_KATAKANA_FIRST, _KATAKANA_LAST = 0x30A1, 0x30F6  # ァ .. ヶ, each 0x60 above its hiragana
_KATAKANA_TO_HIRAGANA: Final = {
    code: code - 0x60 for code in range(_KATAKANA_FIRST, _KATAKANA_LAST + 1)
}
# Foreign sounds spelled kana by kana (ふぁ is ふあ, fua; pykakasi already spells a small ゃ, ゅ
# or ょ after a kana outside the i row on its own, でゅ deyu), ゔ as ぶ, を as お; no ー.
_ONE_BY_ONE: Final = str.maketrans("ぁぃぅぇぉゎゕゖゔを", "あいうえおわかけぶお", "ー")

_O_ENDING: Final = frozenset("おこそとのほもよろごぞどぼぽょ")
_O_OR_U_ENDING: Final = _O_ENDING | frozenset("うくすつぬふむゆるぐずづぶぷゅ")
# Surname endings whose う starts a word (上 うえ, 内 うち, 浦 うら), not a long vowel.
_WORD_STARTING_U: Final = ("のうえ", "のうち", "のうら", "つうら")

_N_BEFORE_LIP_SOUND = re.compile(r"n(?=[bmp])")


@functools.cache
def _kakasi() -> pykakasi.kakasi:
    return pykakasi.kakasi()  # type: ignore[no-untyped-call]  # its __init__ is unannotated


def romanise_name(kana: str) -> str:
    """``kana`` (a name's reading, in hiragana or katakana) as a passport writes it."""
    text = unicodedata.normalize("NFKC", kana)  # half-width katakana, full-width spaces
    parts = _PART_SEPARATORS.split(text.strip())
    return " ".join(_romanise_part(part).capitalize() for part in parts)


def _romanise_part(part: str) -> str:
    kana = part.translate(_KATAKANA_TO_HIRAGANA).translate(_ONE_BY_ONE)
    spelled = _without_long_vowels(kana)
    romaji = "".join(item["hepburn"] for item in _kakasi().convert(spelled))
    return _N_BEFORE_LIP_SOUND.sub("m", romaji.replace("'", ""))


def _without_long_vowels(kana: str) -> str:
    """The kana with the お or う that lengthens a vowel left out (passports do not mark it)."""
    keep_u_at = next(
        (len(kana) - len(ending) + 1 for ending in _WORD_STARTING_U if kana.endswith(ending)), None
    )
    kept: list[str] = []
    previous = ""  # the kana before, unless it was itself left out
    for index, char in enumerate(kana):
        lengthens_with_o = previous in _O_ENDING and char == "お" and index < len(kana) - 1
        lengthens_with_u = previous in _O_OR_U_ENDING and char == "う" and index != keep_u_at
        if lengthens_with_o or lengthens_with_u:
            previous = ""  # おおう is o + u (おおうち Ouchi), not one long o
            continue
        kept.append(char)
        previous = char
    return "".join(kept)
