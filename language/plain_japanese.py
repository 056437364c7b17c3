# ruff: noqa: RUF001, RUF002  # full-width CJK punctuation is meant
"""What makes a staff member's message hard for a やさしい日本語 reader, found as they type.

Pure and fast, with no morphological analyser (the console ships none): patterns and two lists.
It follows the やさしい日本語 guideline (出入国在留管理庁・文化庁, 2020) as docs/languages.md
sums it up: short sentences, kanji a child learns first, and no 尊敬語 or 謙譲語.

- ``long_sentence``: a sentence (up to 。！？!? or a new line) of more than 30 characters,
  spaces not counted (分かち書き adds them to help, not to lengthen);
- ``hard_kanji``: each run of kanji outside the first two school grades (教育漢字, grades 1
  and 2, 240 kanji); the kiosk puts ruby on them, but a plainer word is better;
- ``keigo``: an honorific or humble form, with the plain form to write instead where there is
  one (ご覧ください -> 見てください). A hard kanji inside it is left to the keigo advice.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Final, TypeAlias

LONGEST_SENTENCE: Final = 30

# 学年別漢字配当表 (小学校学習指導要領, 文部科学省, 平成29年告示), grades 1 and 2.
GRADE_1_KANJI: Final = frozenset(
    "一右雨円王音下火花貝学気九休玉金空月犬見五口校左三山子四糸字耳七車手十出女小上"
    "森人水正生青夕石赤千川先早草足村大男竹中虫町天田土二日入年白八百文木本名目立力林六"
)
GRADE_2_KANJI: Final = frozenset(
    "引羽雲園遠何科夏家歌画回会海絵外角楽活間丸岩顔汽記帰弓牛魚京強教近兄形計元言原戸"
    "古午後語工公広交光考行高黄合谷国黒今才細作算止市矢姉思紙寺自時室社弱首秋週春書少"
    "場色食心新親図数西声星晴切雪船線前組走多太体台地池知茶昼長鳥朝直通弟店点電刀冬当"
    "東答頭同道読内南肉馬売買麦半番父風分聞米歩母方北毎妹万明鳴毛門夜野友用曜来里理話"
)
EASY_KANJI: Final = GRADE_1_KANJI | GRADE_2_KANJI


class AdviceKind(StrEnum):
    LONG_SENTENCE = "long_sentence"
    HARD_KANJI = "hard_kanji"
    KEIGO = "keigo"


@dataclass(frozen=True, slots=True)
class Advice:
    """One thing to make plainer: ``text`` is ``message[start:end]``."""

    kind: AdviceKind
    start: int
    end: int
    text: str
    suggestion: str | None = None


_SENTENCE = re.compile(r"[^。！？!?\n]+")
_KANJI = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"
_HARD_KANJI_RUN = re.compile(f"(?:(?![{''.join(sorted(EASY_KANJI))}])[{_KANJI}])+")

# A verb's stem after お: one or two kanji with their okurigana, twice at most (お待ち, お知らせ,
# お問い合わせ); okurigana are kana that are not particles, so お名前を書いて is no stem. A
# noun after ご (ご記入) is kanji only.
_OKURIGANA = "".join(
    chr(code) for code in range(ord("ぁ"), ord("ゖ") + 1) if chr(code) not in "をがはのへともにや"
)
_STEM = rf"(?:[{_KANJI}]{{1,2}}[{_OKURIGANA}]{{0,2}}){{1,2}}"
_NOUN = rf"[{_KANJI}]{{1,4}}"
_PLEASE = "(?:ください|下さい)"

# Verbs with a plainer one, by stem: its て form and its stem (the guideline's own example:
# お掛けください is すわって ください).
_PLAINER_VERBS: Final = {
    "掛け": ("すわって", "すわり"),
    "越し": ("来て", "来"),
    "出で": ("来て", "来"),
    "問い合わせ": ("聞いて", "聞き"),
}
# Stems whose て form the rules below get wrong: 行く, and 一段 verbs that end in the i row.
_IRREGULAR_TE: Final = {
    "行き": "行って",
    "降り": "降りて",
    "借り": "借りて",
    "起き": "起きて",
    "浴び": "浴びて",
}
_GODAN_TE: Final = {
    "い": "って",
    "ち": "って",
    "り": "って",
    "き": "いて",
    "ぎ": "いで",
    "し": "して",
    "み": "んで",
    "び": "んで",
    "に": "んで",
}
# ご + noun + ください: nouns with a plainer verb than noun + して.
_NOUN_VERBS: Final = {
    "記入": "書いて",
    "利用": "使って",
    "使用": "使って",
    "提出": "出して",
    "来庁": "来て",
    "来所": "来て",
    "持参": "持ってきて",
    "了承": "わかって",
}


def _te_form(stem: str) -> str | None:
    """The plain て form of a verb from its stem (待ち -> 待って), or None if it cannot tell."""
    if stem in _PLAINER_VERBS:
        return _PLAINER_VERBS[stem][0]
    if stem in _IRREGULAR_TE:
        return _IRREGULAR_TE[stem]
    last = stem[-1]
    if last in "えけげせぜてでねへべめれじ":  # 一段: 掛け, 見せ, 閉じ
        return stem + "て"
    if last in _GODAN_TE:
        return stem[:-1] + _GODAN_TE[last]
    return None


def _please(match: re.Match[str]) -> str | None:
    te = _te_form(match["stem"])
    return f"{te}ください" if te else None


def _noun_please(match: re.Match[str]) -> str:
    noun = match["noun"]
    return f"{_NOUN_VERBS.get(noun, noun + 'して')}ください"


def _honorific_become(match: re.Match[str]) -> str | None:
    stem, tail = match["stem"], match["tail"]
    if tail == "って":
        return _te_form(stem)
    plain_stem = _PLAINER_VERBS[stem][1] if stem in _PLAINER_VERBS else stem
    return {"ります": f"{plain_stem}ます", "りました": f"{plain_stem}ました"}.get(tail)


_Suggest: TypeAlias = str | Callable[[re.Match[str]], str | None] | None

# Keigo and what to write instead, the more particular first: a later pattern never claims
# text an earlier one has. A string is a template for `re.Match.expand`.
_KEIGO: Final[tuple[tuple[re.Pattern[str], _Suggest], ...]] = tuple(
    (re.compile(pattern), suggest)
    for pattern, suggest in [
        # ご覧 (see)
        (r"(?:ご|御)覧(?:ください|下さい)", "見てください"),
        (r"(?:ご|御)覧になって", "見て"),
        (r"(?:ご|御)覧になります", "見ます"),
        (r"(?:ご|御)覧", None),
        # ござる (be)
        (r"申し訳(?:ござい|御座い|あり)ません", "すみません"),
        (r"で(?:ござい|御座い)ます", "です"),
        (r"(?:ござい|御座い)ます", "あります"),
        (r"(?:ござい|御座い)ません", "ありません"),
        (r"(?:ござい|御座い)", None),
        # いらっしゃる (be, come, go)
        (r"いらっしゃいますか", "いますか"),
        (r"いらっしゃいます", "います"),
        (r"いらっしゃってください", "来てください"),
        (r"いらっしゃいました", "来ました"),
        (r"いらっしゃ", None),
        # おっしゃる (say)
        (r"おっしゃってください", "言ってください"),
        (r"おっしゃいました", "言いました"),
        (r"おっしゃいます", "言います"),
        (r"おっしゃる", "言う"),
        (r"おっしゃ", None),
        # 召し上がる (eat, drink)
        (r"召し上がってください", "食べてください"),
        (r"召し上がります", "食べます"),
        (r"召し上が", None),
        # 申す, 申し上げる (say): not 申し込む, 申し出る, 申請
        (r"お願い申し上げます", "お願いします"),
        (r"申し上げます", "言います"),
        (r"申し上げ", None),
        (r"と申します", "です"),
        (r"申します", "言います"),
        (r"申しました", "言いました"),
        (r"申す", "言う"),
        # 参る (go, come): not 参加, 参考
        (r"参(?:り|る|れ)", None),
        # 伺う (ask, visit)
        (r"(?:お)?伺(?:って|いして)もよろしいですか", "聞いてもいいですか"),
        (r"(?:お)?伺(?:い|う|っ|え|お)", None),
        # 存じる (know, think)
        (r"ご存(?:じ|知)ですか", "知っていますか"),
        (r"存じません", "知りません"),
        (r"存じます", "思います"),
        (r"(?:ご)?存(?:じ|知)", None),
        # させていただく, いただく (have someone do)
        (r"させて(?:いただ|頂)きます", "します"),
        (r"させて(?:いただ|頂)きました", "しました"),
        (r"させて(?:いただ|頂)け(?:ます|ません)か", "してもいいですか"),
        (r"させて(?:いただ|頂)", None),
        (r"([てで])(?:いただ|頂)け(?:ます|ません)か", r"\1ください"),
        (r"([てで])(?:いただ|頂)きます", r"\1ください"),
        (r"(?:いただ|頂)け(?:ます|ません)か", "ください"),
        (r"(?:いただ|頂)きます", "もらいます"),
        (r"(?:いただ|頂)[かきくけこい]", None),
        # いたす, おる (do, be: humble)
        (r"いたします", "します"),
        (r"いたしました", "しました"),
        (r"([てで])おります", r"\1います"),
        (r"([てで])おりました", r"\1いました"),
        # お〜ください, ご〜ください, お〜になる
        (rf"お(?P<stem>{_STEM}){_PLEASE}", _please),
        (rf"ご(?P<noun>{_NOUN}){_PLEASE}", _noun_please),
        (rf"お(?P<stem>{_STEM})にな(?P<tail>ります|りました|って|る|れ|り|ら)", _honorific_become),
        # Set phrases
        (r"恐れ入りますが", "すみません"),
        (r"恐れ入ります", "すみません"),
        (r"お手数(?:ですが|をおかけしますが)", "すみません"),
        (r"少々", "少し"),
        (r"よろしいでしょうか", "いいですか"),
        (r"よろしいですか", "いいですか"),
        (r"いかが(?:でしょうか|ですか)", "どうですか"),
        (r"でしょうか", "ですか"),
        (r"(?:かしこまりました|承知(?:いた)?しました)", "わかりました"),
        (r"拝見します", "見ます"),
        (r"拝見", None),
    ]
)


def check_plain(text: str) -> list[Advice]:
    """Everything in ``text`` that a やさしい日本語 reader may find hard, in order."""
    keigo = _keigo(text)
    taken = [(advice.start, advice.end) for advice in keigo]
    hard_kanji = [
        advice
        for advice in _hard_kanji(text)
        if not any(start <= advice.start < end for start, end in taken)
    ]
    advice = _long_sentences(text) + keigo + hard_kanji
    return sorted(advice, key=lambda item: (item.start, -item.end))


def _long_sentences(text: str) -> list[Advice]:
    advice = []
    for sentence in _SENTENCE.finditer(text):
        body = sentence.group()
        start = sentence.start() + len(body) - len(body.lstrip())
        end = sentence.end() - (len(body) - len(body.rstrip()))
        if sum(not char.isspace() for char in body) > LONGEST_SENTENCE:
            advice.append(Advice(AdviceKind.LONG_SENTENCE, start, end, text[start:end]))
    return advice


def _hard_kanji(text: str) -> list[Advice]:
    return [
        Advice(AdviceKind.HARD_KANJI, run.start(), run.end(), run.group())
        for run in _HARD_KANJI_RUN.finditer(text)
    ]


def _keigo(text: str) -> list[Advice]:
    advice: list[Advice] = []
    for pattern, suggest in _KEIGO:
        for match in pattern.finditer(text):
            if any(match.start() < item.end and item.start < match.end() for item in advice):
                continue
            if callable(suggest):
                suggestion = suggest(match)
            elif suggest is not None:
                suggestion = match.expand(suggest)
            else:
                suggestion = None
            advice.append(
                Advice(AdviceKind.KEIGO, match.start(), match.end(), match.group(), suggestion)
            )
    return advice
