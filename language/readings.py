# ruff: noqa: RUF001, RUF002, RUF003  # full-width CJK punctuation is meant
"""Ruby (ふりがな) for やさしい日本語: every kanji gets its reading in hiragana, ``漢字《かんじ》``.

The markup is the kiosk's (青空文庫 notation, kiosk/i18n/ruby.py): a reading follows the run of
kanji it belongs to, and okurigana stay outside it (写《うつ》し). A base that is not a plain run
of kanji (霞ヶ関, or kanji right after a kanji with no reading) is opened with ``｜``.

Readings come from MeCab (fugashi) with UniDic (unidic-lite, whose dictionary ships inside the
package), word by word so that context picks the reading (今日《きょう》, not こんにち); a
compound the analyser split is re-read whole (see `_reread_compounds`). A city's own readings
(place names, staff surnames) are applied first and win. A kanji the analyser does not know is
read alone, then by pykakasi's dictionary; one that neither knows (a "ghost" character such as
彁) keeps no reading: the city gives it in its overrides. MeCab's tagger is built once, on first
use, and is not thread-safe: call from one thread (the kiosk's GUI thread).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from typing import Final, NamedTuple

import fugashi
import pykakasi

# What needs a reading: CJK ideographs (extension A, the main block, the compatibility block,
# extensions B and later), 々 (repeat), 〆 and 〇.
_NEEDS_READING = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff\u3005\u3006\u3007"
# The kiosk's own kanji class (kiosk/i18n/ruby.py): only a base made of these may go without ｜.
_KIOSK_KANJI = "\u3400-\u4dbf\u4e00-\u9fff\u3005\u3006"
# ヶ and ヵ are read like kanji (霞ヶ関 かすみがせき, 3ヶ月 さんかげつ), so they join the base.
_READ_AS_KANJI = _NEEDS_READING + "\u30f6\u30f5"

_HAS_KANJI = re.compile(f"[{_NEEDS_READING}]")
_KIOSK_KANJI_RUN = re.compile(f"[{_KIOSK_KANJI}]+")
_READ_AS_KANJI_CHAR = re.compile(f"[{_READ_AS_KANJI}]")
_KANJI_OR_KANA_PARTS = re.compile(f"[{_READ_AS_KANJI}]+|[^{_READ_AS_KANJI}]+")
# Already marked text, as the kiosk parses it: ｜base《reading》, or a kanji run then 《reading》.
_MARKED = re.compile(f"｜[^｜《》]+《[^《》]+》|[{_KIOSK_KANJI}]+《[^《》]+》")
_MARKED_READING = re.compile("《([^《》]+)》")

# Name variants (異体字) that UniDic lacks, read as their common form: one code point for one,
# so offsets in the text stay the same.
_VARIANTS: Final = str.maketrans(
    {
        "髙": "高",
        "𠮷": "吉",
        "﨑": "崎",
        "濵": "濱",
        "邉": "辺",
        "邊": "辺",
        "槗": "橋",
        "栁": "柳",
        "德": "徳",
        "黑": "黒",
    }
)

# How many of MeCab's best analyses of a compound to look through for the dictionary's reading.
_NEXT_BEST: Final = 10

_KATAKANA_FIRST, _KATAKANA_LAST = 0x30A1, 0x30F6  # ァ .. ヶ, each 0x60 above its hiragana
_KATAKANA_TO_HIRAGANA: Final = {
    code: code - 0x60 for code in range(_KATAKANA_FIRST, _KATAKANA_LAST + 1)
}


def hiragana(text: str) -> str:
    """Katakana turned into hiragana; everything else as it is."""
    return text.translate(_KATAKANA_TO_HIRAGANA)


@functools.cache
def _tagger() -> fugashi.Tagger:
    # Built once, on first use: loading the dictionary takes a while on a kiosk. fugashi finds
    # unidic-lite's dictionary by itself.
    return fugashi.Tagger()


@functools.cache
def _kakasi() -> pykakasi.kakasi:
    return pykakasi.kakasi()  # type: ignore[no-untyped-call]  # its __init__ is unannotated


def with_readings(text: str, overrides: Mapping[str, str] = {}) -> str:
    """``text`` with ``《reading》`` after every run of kanji; marked text is left as it is.

    ``overrides`` (word -> hiragana) are a city's own readings, applied before the analyser.
    """
    out = _Output()
    for chunk, marked in _split_marked(text):
        if marked:
            out.append(chunk)
            continue
        for piece, reading in _split_overrides(chunk, overrides):
            if reading is None:
                for surface, word_reading in _analyse(piece):
                    out.append_word(surface, word_reading)
            else:
                out.append_word(piece, hiragana(reading))
    return str(out)


def kana_reading(text: str) -> str:
    """The whole text in hiragana, as the analyser reads it (a name's reading, say)."""
    parts: list[str] = []
    for chunk, marked in _split_marked(text):
        if marked:
            parts.append(_MARKED_READING.findall(chunk)[0])
            continue
        for surface, reading in _analyse(chunk):
            parts.append(hiragana(reading if reading is not None else surface))
    return "".join(parts)


class _Output:
    """The marked-up text being built: runs of kanji, each with one reading after it."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        # The run of kanji being read, kept open while the next word goes on with kanji
        # (住民 + 票 is one run, 住民票《じゅうみんひょう》).
        self._run_base = ""
        self._run_reading = ""

    def __str__(self) -> str:
        self._close_run()
        return "".join(self._parts)

    def append(self, text: str) -> None:
        if text:
            self._close_run()
            self._parts.append(text)

    def append_word(self, surface: str, reading: str | None) -> None:
        """A word with its reading (hiragana), marked on its kanji only."""
        if reading is None or not _HAS_KANJI.search(surface):
            self.append(surface)
            return
        aligned = _align(surface, reading)
        if aligned is None:  # the kana in the word are not in its reading: mark it whole
            self._append_ruby(surface, reading)
            return
        for part, part_reading in aligned:
            if part_reading is None:
                self.append(part)
            else:
                self._append_ruby(part, part_reading)

    def _append_ruby(self, base: str, reading: str) -> None:
        if _KIOSK_KANJI_RUN.fullmatch(base) and (self._run_base or not self._after_kanji()):
            self._run_base += base
            self._run_reading += reading
            return
        # Without ｜ the kiosk takes the whole run of kanji before 《 as the base, so a base
        # that is not plain kanji, or comes right after a kanji with no reading, is opened.
        self._close_run()
        self._parts.append(f"｜{base}《{reading}》")

    def _after_kanji(self) -> bool:
        return bool(self._parts) and _KIOSK_KANJI_RUN.match(self._parts[-1][-1]) is not None

    def _close_run(self) -> None:
        if self._run_base:
            self._parts.append(f"{self._run_base}《{self._run_reading}》")
            self._run_base = self._run_reading = ""


def _align(surface: str, reading: str) -> list[tuple[str, str | None]] | None:
    """Each kanji run of ``surface`` with its share of ``reading``; kana parts with None.

    引っ越し read ひっこし gives 引/ひ, っ, 越/こ, し. None if the word's kana are not found in
    the reading in order.
    """
    parts = _KANJI_OR_KANA_PARTS.findall(surface)
    pattern = "".join(
        "(.+?)" if _is_read_as_kanji(part) else f"({re.escape(hiragana(part))})" for part in parts
    )
    match = re.fullmatch(pattern, reading)
    if match is None:
        return None
    return [
        (part, match.group(index) if _is_read_as_kanji(part) else None)
        for index, part in enumerate(parts, start=1)
    ]


def _is_read_as_kanji(part: str) -> bool:
    return _READ_AS_KANJI_CHAR.match(part) is not None


def _split_marked(text: str) -> Iterator[tuple[str, bool]]:
    """The text in order as (chunk, already marked)."""
    position = 0
    for match in _MARKED.finditer(text):
        if match.start() > position:
            yield text[position : match.start()], False
        yield match.group(), True
        position = match.end()
    if position < len(text):
        yield text[position:], False


def _split_overrides(text: str, overrides: Mapping[str, str]) -> Iterator[tuple[str, str | None]]:
    """The text in order as (piece, the city's reading of it, or None), longest words first."""
    words = sorted((word for word in overrides if word), key=len, reverse=True)
    if not words:
        if text:
            yield text, None
        return
    position = 0
    for match in re.finditer("|".join(map(re.escape, words)), text):
        if match.start() > position:
            yield text[position : match.start()], None
        yield match.group(), overrides[match.group()]
        position = match.end()
    if position < len(text):
        yield text[position:], None


class _Word(NamedTuple):
    surface: str  # as written
    looked_up: str  # as the analyser saw it (name variants in their common form)
    reading: str | None  # hiragana; None for what has none (kana, punctuation, spaces)


def _analyse(text: str) -> Iterator[tuple[str, str | None]]:
    """The text in order as (surface, reading in hiragana, or None when it has none).

    Everything between the analyser's words (spaces, new lines) comes back with no reading,
    so joining the surfaces gives the text back exactly.
    """
    words = list(_words(text, text.translate(_VARIANTS), in_sentence=True))
    for word in _reread_compounds(words):
        yield word.surface, word.reading


def _words(text: str, looked_up: str, *, in_sentence: bool) -> Iterator[_Word]:
    # ``looked_up`` is ``text`` with the same length, as the analyser is to see it.
    position = 0
    for node in _tagger()(looked_up):
        start = looked_up.find(node.surface, position)
        if start < 0:  # not expected: MeCab's surfaces are slices of its input
            continue
        if start > position:
            yield _Word(text[position:start], looked_up[position:start], None)
        end = start + len(node.surface)
        word = _Word(text[start:end], looked_up[start:end], _kana(node))
        if word.reading or not _HAS_KANJI.search(word.surface):
            yield word
        elif in_sentence:  # the analyser could not read it here: read the word alone
            before = looked_up[start - 1] if start else ""
            alone = _expand_repeats(word.looked_up, before)
            yield from _words(word.surface, alone, in_sentence=False)
        else:  # nor alone: ask pykakasi's dictionary, a character at a time
            for surface, char in zip(word.surface, word.looked_up, strict=True):
                yield _Word(surface, char, _dictionary_reading(char))
        position = end
    if position < len(text):
        yield _Word(text[position:], looked_up[position:], None)


def _kana(node: fugashi.UnidicNode) -> str | None:
    kana = None if node.is_unk else node.feature.kana
    return hiragana(kana) if kana else None


def _reread_compounds(words: list[_Word]) -> Iterator[_Word]:
    """The words, with compounds of kanji re-read where the analyser split them.

    unidic-lite reads the parts of 月曜日 or 一回 on their own (げつようひ, いちかい). MeCab
    still has the right reading among its next best (げつようび, いっかい), and a compound
    dictionary (pykakasi's) knows which: it picks among the analyser's own readings, never
    one of its own, and only a compound it knows whole (所得証明書 is 所得証明 + 書 there, with
    書 read alone as かき, so that one stays as the analyser read it).
    """
    run: list[_Word] = []
    for word in words:
        if word.reading and _KIOSK_KANJI_RUN.fullmatch(word.surface):
            run.append(word)
            continue
        yield from _reread_run(run)
        run = []
        yield word
    yield from _reread_run(run)


def _reread_run(run: list[_Word]) -> Iterator[_Word]:
    if len(run) < 2:  # a single word was read in its sentence: keep it
        yield from run
        return
    items = _kakasi().convert("".join(word.looked_up for word in run))
    index = 0
    for item in items:
        compound: list[_Word] = []
        length = 0
        while index < len(run) and length < len(item["orig"]):
            compound.append(run[index])
            length += len(run[index].looked_up)
            index += 1
        looked_up = "".join(word.looked_up for word in compound)
        # A word the dictionary has whole, across the analyser's words, read as MeCab could.
        if (
            len(compound) > 1
            and looked_up == item["orig"]
            and item["hira"] in _next_best_readings(looked_up)
        ):
            yield _Word("".join(word.surface for word in compound), looked_up, item["hira"])
        else:
            yield from compound
    yield from run[index:]


def _next_best_readings(compound: str) -> set[str]:
    readings: set[str] = set()
    for path in _tagger().nbestToNodeList(compound, _NEXT_BEST):
        kana = [_kana(node) for node in path]
        if all(kana):
            readings.add("".join(part for part in kana if part))
    return readings


def _expand_repeats(word: str, before: str) -> str:
    """々 written out as the kanji it repeats: 雨々 is read as 雨雨."""
    expanded: list[str] = []
    previous = before
    for char in word:
        previous = previous if char == "々" else char
        expanded.append(previous)
    return "".join(expanded)


def _dictionary_reading(char: str) -> str | None:
    if not _HAS_KANJI.search(char):
        return None
    reading = "".join(item["hira"] for item in _kakasi().convert(char))
    return reading if reading and not _HAS_KANJI.search(reading) else None
