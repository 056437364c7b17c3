# ruff: noqa: RUF001, RUF002  # full-width CJK punctuation is meant
"""Ruby (ふりがな) markup in catalog strings, in the 青空文庫 notation: ``漢字《かんじ》``.

Qt's rich text has no ``<ruby>``, so the kiosk draws ruby itself (`kiosk.widgets.ruby_text`):
the reading sits in small kana centred above its base. The base of a reading is the run of
kanji right before ``《``, or everything after an explicit ``｜`` (``｜一人《ひとり》``).
Strings without ``《`` are plain text and render as usual.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

RUBY_OPEN = "《"

# Kanji: CJK Unified Ideographs (and extension A), plus 々 (repeat) and 〆.
KANJI = r"\u3400-\u4dbf\u4e00-\u9fff\u3005\u3006"
_RUBY = re.compile(rf"｜([^｜《》]+)《([^《》]+)》|([{KANJI}]+)《([^《》]+)》")
_KANJI_CHAR = re.compile(rf"[{KANJI}]")


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of text, with its reading when it has one."""

    base: str
    ruby: str = ""


def has_ruby(text: str) -> bool:
    return RUBY_OPEN in text


def parse(text: str) -> list[Segment]:
    """Split marked-up text into plain and ruby segments, in order."""
    segments: list[Segment] = []
    position = 0
    for match in _RUBY.finditer(text):
        if match.start() > position:
            segments.append(Segment(text[position : match.start()]))
        base = match.group(1) or match.group(3)
        ruby = match.group(2) or match.group(4)
        segments.append(Segment(base, ruby))
        position = match.end()
    if position < len(text):
        segments.append(Segment(text[position:]))
    return segments


def plain(text: str) -> str:
    """The text without readings, for logs and accessible names."""
    return "".join(segment.base for segment in parse(text))


def kanji_without_ruby(text: str) -> list[str]:
    """Every kanji that has no reading: the やさしい日本語 catalog must have none."""
    return [
        char
        for segment in parse(text)
        if not segment.ruby
        for char in _KANJI_CHAR.findall(segment.base)
    ]


def count_kanji(text: str) -> int:
    return len(_KANJI_CHAR.findall(plain(text)))
