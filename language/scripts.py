"""Which writing system each character of a text is in, so a test (or an admin page) can tell a
sentence that mixes languages: Korean with kanji in it, Chinese with kana, English with kanji.

Only the scripts the kiosk's six languages use are told apart; digits, punctuation, spaces and
symbols belong to every language (`Script.COMMON`).
"""

from __future__ import annotations

from enum import StrEnum


class Script(StrEnum):
    HAN = "han"  # kanji and hanzi
    HIRAGANA = "hiragana"
    KATAKANA = "katakana"
    HANGUL = "hangul"
    LATIN = "latin"  # with the accents Vietnamese uses
    COMMON = "common"


# (first, last, script), by code point.
_RANGES = (
    (0x0041, 0x005A, Script.LATIN),
    (0x0061, 0x007A, Script.LATIN),
    (0x00C0, 0x024F, Script.LATIN),
    (0x1E00, 0x1EFF, Script.LATIN),  # Latin Extended Additional: ạ, ế, ở ...
    (0x1100, 0x11FF, Script.HANGUL),
    (0x3005, 0x3007, Script.HAN),  # the kanji repeat mark, shime and the kanji zero
    (0x3041, 0x309F, Script.HIRAGANA),
    (0x30A0, 0x30FF, Script.KATAKANA),  # with ー, the long mark
    (0x3130, 0x318F, Script.HANGUL),
    (0x31F0, 0x31FF, Script.KATAKANA),
    (0x3400, 0x4DBF, Script.HAN),
    (0x4E00, 0x9FFF, Script.HAN),
    (0xAC00, 0xD7AF, Script.HANGUL),
    (0xF900, 0xFAFF, Script.HAN),
    (0xFF21, 0xFF3A, Script.LATIN),  # full-width letters
    (0xFF41, 0xFF5A, Script.LATIN),
    (0xFF66, 0xFF9D, Script.KATAKANA),  # half-width katakana
)


def script_of(char: str) -> Script:
    point = ord(char)
    for first, last, script in _RANGES:
        if first <= point <= last:
            return script
    return Script.COMMON


def scripts_in(text: str) -> set[Script]:
    """The scripts a text is written in, leaving out the common characters."""
    return {s for s in map(script_of, text) if s is not Script.COMMON}
