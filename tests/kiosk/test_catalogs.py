# ruff: noqa: RUF001, RUF002  # full-width CJK punctuation is meant
"""The catalogs: complete in every language, and やさしい日本語 that follows its rules."""

from __future__ import annotations

import re
import string
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from kiosk.i18n import CATALOGS, NATIVE_NAMES, Language, Translator, ja_easy
from kiosk.i18n import ja as reference
from kiosk.i18n.ruby import Segment, count_kanji, kanji_without_ruby, parse, plain
from language.korean import PARTICLES
from language.messages import placeholders

OTHERS = [language for language in Language if language is not Language.JA]
EASY = CATALOGS[Language.JA_EASY]
KATAKANA = re.compile(r"[\u30a1-\u30fa\u31f0-\u31ff\uff66-\uff9d]+")
# Sentence endings that are です/ます style (or a request with ください).
POLITE_END = re.compile(r"(です|ます|ません|ました|でした|ください|ますか|ですか|でしたか)[。？]$")
# 尊敬語 and 謙譲語 (and お〜ください requests), which やさしい日本語 leaves out.
KEIGO = ("いただ", "ござ", "なさ", "いらっしゃ", "申し", "参り", "おられ", "お待ち", "ご覧")
SET_PHRASES = ("ありがとう ございました",)  # a fixed greeting, kept as the guideline's examples do
MAX_KANJI_PER_SENTENCE = 13
MAX_SENTENCE_CHARS = 40
MAX_UNSPACED_RUN = 14  # 分かち書き: phrases are separated by spaces
# Sentences that name a department, each with an `_unnamed` twin said without the name.
NAMED_SENTENCES = (
    "waiting.title",
    "waiting.nobody",
    "closed.title",
    "transfer.title",
    "transfer.position",
    "call.staff",
)
KOREAN = CATALOGS[Language.KO]
# A particle printed as a pair, (으)로 or 은(는), where the word should have chosen one form.
KOREAN_PAIR = re.compile(r"\((?:으|은|는|이|가|을|를|과|와)\)")


def format_specs(text: str) -> list[str]:
    return [spec for _, name, spec, _ in string.Formatter().parse(text) if name and spec]


def sentences(text: str) -> list[str]:
    """Sentences ending in 。 or ？; the rest of a string (a label) is not one."""
    return re.findall(r"[^。？]+[。？]", plain(text))


@pytest.mark.parametrize("language", OTHERS)
def test_every_catalog_has_exactly_the_japanese_keys(language: Language) -> None:
    catalog = CATALOGS[language]
    assert sorted(set(reference.MESSAGES) - set(catalog)) == [], "missing"
    assert sorted(set(catalog) - set(reference.MESSAGES)) == [], "not in ja"


@pytest.mark.parametrize("language", OTHERS)
def test_every_message_takes_the_same_placeholders(language: Language) -> None:
    catalog = CATALOGS[language]
    wrong = {
        key: (placeholders(text), placeholders(reference.MESSAGES[key]))
        for key, text in catalog.items()
        if placeholders(text) != placeholders(reference.MESSAGES[key])
    }
    assert wrong == {}


@pytest.mark.parametrize("language", list(Language))
def test_no_message_is_empty(language: Language) -> None:
    assert [key for key, text in CATALOGS[language].items() if not text.strip()] == []


def test_languages_are_named_in_their_own_names_and_scripts() -> None:
    assert list(NATIVE_NAMES.values()) == [
        "日本語",
        "やさしい にほんご",
        "English",
        "中文（简体）",
        "한국어",
        "Tiếng Việt",
    ]


def test_the_timeout_question_is_the_guideline_wording() -> None:
    assert Translator(Language.JA)("timeout.title") == "じかんを のばしますか？"
    assert Translator(Language.JA_EASY)("timeout.title") == "じかんを のばしますか？"


def test_the_quick_phrases_are_the_ones_staff_expect() -> None:
    tr = Translator(Language.JA)
    phrases = [tr(f"phrase.{k}") for k in ("cannot_hear", "say_again", "slower", "yes", "no")]
    assert phrases == [
        "聞こえません",
        "もう一度お願いします",
        "ゆっくり話してください",
        "はい",
        "いいえ",
    ]


# --- Sentences without a name ------------------------------------------------------------------


def test_every_sentence_that_names_a_department_has_a_twin_without_it() -> None:
    named = sorted(key for key, text in reference.MESSAGES.items() if "{department}" in text)
    assert named == sorted(NAMED_SENTENCES)


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("key", NAMED_SENTENCES)
def test_a_twin_takes_the_placeholders_of_its_sentence_but_the_department(
    language: Language, key: str
) -> None:
    catalog = CATALOGS[language]
    assert placeholders(catalog[f"{key}_unnamed"]) == placeholders(catalog[key]) - {"department"}


@pytest.mark.parametrize("language", list(Language))
def test_the_staff_label_without_a_department_is_the_staff_name_alone(language: Language) -> None:
    assert Translator(language)("call.staff_unnamed", name="Tanaka Hanako") == "Tanaka Hanako"


def test_staff_text_in_japanese_is_tagged_in_the_citizens_language() -> None:
    assert Translator(Language.EN)("call.in_japanese") == "In Japanese:"
    # The staff member's words follow the tag on the same line.
    tags = [plain(Translator(language)("call.in_japanese")) for language in Language]
    assert [tag for tag in tags if not tag.endswith((":", "："))] == []


# --- Korean particles ---------------------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(KOREAN))
def test_korean_prints_no_particle_pairs(key: str) -> None:
    assert KOREAN_PAIR.findall(KOREAN[key]) == []


@pytest.mark.parametrize("key", sorted(KOREAN))
def test_korean_format_specs_are_known_particles(key: str) -> None:
    assert [spec for spec in format_specs(KOREAN[key]) if spec not in PARTICLES] == []


@pytest.mark.parametrize("language", [language for language in Language if language != "ko"])
def test_only_korean_uses_format_specs(language: Language) -> None:
    catalog = CATALOGS[language]
    assert {key: format_specs(text) for key, text in catalog.items() if format_specs(text)} == {}


def test_korean_particles_follow_the_department_name() -> None:
    tr = Translator(Language.KO)
    assert tr("transfer.title", department="세무과") == "세무과로 연결해 드리고 있습니다"
    assert tr("transfer.title", department="민원실") == "민원실로 연결해 드리고 있습니다"
    assert tr("transfer.title", department="시민팀") == "시민팀으로 연결해 드리고 있습니다"
    assert tr("closed.title", department="세무과") == "세무과는 지금 업무 시간이 아닙니다"
    assert tr("closed.title", department="민원실") == "민원실은 지금 업무 시간이 아닙니다"


@pytest.mark.parametrize("key", sorted(KOREAN))
def test_korean_never_calls_the_citizen_dangsin(key: str) -> None:
    # 당신 is blunt, even rude, from a public office: say no pronoun, or 고객님.
    assert "당신" not in KOREAN[key]


# --- やさしい日本語 -------------------------------------------------------------------------------


def test_ruby_markup_parses_into_bases_and_readings() -> None:
    assert parse("係《かかり》の 人《ひと》を よぶ") == [
        Segment("係", "かかり"),
        Segment("の "),
        Segment("人", "ひと"),
        Segment("を よぶ"),
    ]
    assert parse("｜一人《ひとり》で") == [Segment("一人", "ひとり"), Segment("で")]
    assert plain("話《はな》します") == "話します"
    assert kanji_without_ruby("市役所《しやくしょ》の 窓口") == ["窓", "口"]


@pytest.mark.parametrize("key", sorted(EASY))
def test_easy_japanese_has_a_reading_on_every_kanji(key: str) -> None:
    assert kanji_without_ruby(EASY[key]) == []


@pytest.mark.parametrize("key", sorted(EASY))
def test_easy_japanese_has_no_katakana_loanwords(key: str) -> None:
    assert KATAKANA.findall(EASY[key]) == []


@pytest.mark.parametrize("key", sorted(EASY))
def test_easy_japanese_sentences_are_short_and_polite(key: str) -> None:
    for sentence in sentences(EASY[key].replace("{", "").replace("}", "")):
        body = sentence.strip()
        assert count_kanji(body) <= MAX_KANJI_PER_SENTENCE, body
        assert len(body) <= MAX_SENTENCE_CHARS, body
        assert POLITE_END.search(body), f"not です/ます: {body}"


@pytest.mark.parametrize("key", sorted(EASY))
def test_easy_japanese_has_no_honorifics(key: str) -> None:
    text = plain(EASY[key])
    for phrase in SET_PHRASES:
        text = text.replace(phrase, "")
    assert [word for word in KEIGO if word in text] == []


@pytest.mark.parametrize("key", sorted(EASY))
def test_easy_japanese_puts_spaces_between_phrases(key: str) -> None:
    text = re.sub(r"\{\w+\}", "X", plain(EASY[key]))
    runs = re.split(r"[\s。、？！「」（）：/]+", text)
    assert max(len(run) for run in runs) <= MAX_UNSPACED_RUN, text


@pytest.mark.parametrize(
    ("n", "reading"),
    [(1, "1分《ぷん》"), (2, "2分《ふん》"), (5, "5分《ふん》"), (10, "10分《ぷん》")],
)
def test_easy_japanese_reads_minutes_by_the_number(n: int, reading: str) -> None:
    assert ja_easy.minutes(n) == reading


def test_easy_japanese_reads_dates_by_the_day() -> None:
    tr = Translator(Language.JA_EASY)
    tokyo = ZoneInfo("Asia/Tokyo")
    assert tr.month_day(datetime(2026, 4, 1, tzinfo=tokyo)) == "4月《がつ》 1日《ついたち》"
    assert tr.month_day(datetime(2026, 4, 12, tzinfo=tokyo)) == "4月《がつ》 12日《にち》"


# --- Hub data ----------------------------------------------------------------------------------


def test_hub_names_fall_back_by_language() -> None:
    names = {"ja": "税務課", "ja-easy": "ぜいむか", "en": "Taxation"}
    assert Translator(Language.JA_EASY).pick(names) == "ぜいむか"
    assert Translator(Language.ZH).pick(names) == "税務課"  # kanji a Chinese reader can read
    assert Translator(Language.KO).pick(names) == "Taxation"
    assert Translator(Language.VI).pick({"ja": "税務課"}) == "税務課"


def test_coming_times_are_said_as_near_as_they_need_to_be() -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    now = datetime(2026, 6, 2, 18, 0, tzinfo=tokyo)  # a Tuesday evening
    tr = Translator(Language.EN)
    assert tr.when(datetime(2026, 6, 2, 19, 0, tzinfo=tokyo), now) == "today at 19:00"
    assert tr.when(datetime(2026, 6, 3, 8, 30, tzinfo=tokyo), now) == "tomorrow at 8:30"
    assert tr.when(datetime(2026, 6, 5, 8, 30, tzinfo=tokyo), now) == "on Friday at 8:30"
    assert tr.when(datetime(2026, 6, 15, 8, 30, tzinfo=tokyo), now) == "on June 15 at 8:30"
    assert Translator(Language.JA).when(datetime(2026, 6, 5, 8, 30, tzinfo=tokyo), now) == (
        "金曜日 8:30"
    )


def test_the_microphone_button_says_the_action_on_the_citizens_own_microphone() -> None:
    # "Mic on" beside a muted microphone reads as a state; こえを とめる could be the staff's voice.
    en, easy = Translator(Language.EN), Translator(Language.JA_EASY)
    assert en("call.mute") == "Turn my microphone off"
    assert en("call.unmute") == "Turn my microphone on"
    assert plain(easy("call.mute")).startswith("わたしの")
    assert plain(easy("call.unmute")).startswith("わたしの")
    for language in Language:
        tr = Translator(language)
        assert len({tr("call.mute"), tr("call.unmute"), tr("call.muted")}) == 3, language


def test_still_waiting_asks_the_guideline_question() -> None:
    assert Translator(Language.JA)("still_waiting.title") == "まだ お待ちですか？"
    for language in Language:
        assert "{seconds}" in CATALOGS[language]["still_waiting.countdown"]
