# ruff: noqa: RUF001, RUF003  # full-width CJK punctuation is meant
"""language.readings: ruby for やさしい日本語, from UniDic with a city's own readings first."""

from __future__ import annotations

import pytest

from kiosk.i18n import ruby  # the kiosk's parser of the markup: it must read what we write
from language.readings import hiragana, kana_reading, with_readings


@pytest.mark.parametrize(
    ("word", "marked"),
    [
        ("住民票", "住民票《じゅうみんひょう》"),
        ("転入届", "転入届《てんにゅうとどけ》"),
        ("介護保険課", "介護保険課《かいごほけんか》"),
        ("児童手当", "児童手当《じどうてあて》"),
    ],
)
def test_a_city_word_gets_one_reading_for_its_run_of_kanji(word: str, marked: str) -> None:
    assert with_readings(word) == marked


def test_okurigana_stay_outside_the_reading() -> None:
    assert with_readings("住民票の写し") == "住民票《じゅうみんひょう》の写《うつ》し"
    assert with_readings("引っ越し") == "引《ひ》っ越《こ》し"


def test_katakana_gets_no_ruby() -> None:
    assert with_readings("マイナンバーカード") == "マイナンバーカード"
    assert with_readings("マイナンバーカードの申請") == "マイナンバーカードの申請《しんせい》"


def test_a_sentence_is_read_word_by_word_in_context() -> None:
    assert with_readings("今日は門司区役所で住民票の写しを取ります。") == (
        "今日《きょう》は門司区役所《もじくやくしょ》で"
        "住民票《じゅうみんひょう》の写《うつ》しを取《と》ります。"
    )


def test_every_kanji_of_a_sentence_gets_a_reading() -> None:
    text = "介護保険の申請には、本人確認書類と印鑑をお持ちください。番号札を取って待ってください。"
    marked = with_readings(text)
    assert ruby.kanji_without_ruby(marked) == []
    assert ruby.plain(marked) == text


@pytest.mark.parametrize(
    ("compound", "reading"),
    [
        ("月曜日", "げつようび"),  # the analyser alone: げつようひ
        ("一回", "いっかい"),  # いちかい
        ("外国人", "がいこくじん"),  # がいこくにん
        ("生年月日", "せいねんがっぴ"),  # せいねんがつにち
    ],
)
def test_a_compound_split_by_the_analyser_is_read_as_one_word(compound: str, reading: str) -> None:
    assert with_readings(compound) == f"{compound}《{reading}》"


def test_compounds_in_a_sentence_are_each_read_as_one_word() -> None:
    assert with_readings("月曜日から金曜日まで、一回だけ") == (
        "月曜日《げつようび》から金曜日《きんようび》まで、一回《いっかい》だけ"
    )


def test_a_compound_the_dictionary_does_not_know_whole_keeps_the_analysers_reading() -> None:
    # pykakasi splits it 所得証明 + 書 and reads that 書 alone as かき.
    assert with_readings("所得証明書") == "所得証明書《しょとくしょうめいしょ》"


def test_the_dictionary_only_picks_among_the_analysers_readings() -> None:
    # pykakasi has いなしろしがわ, which is none of MeCab's.
    assert with_readings("稲城市側") == "稲城市側《いなぎしがわ》"


def test_a_city_reading_wins_over_the_analyser() -> None:
    # The analyser reads 小倉 as おぐら (the Kyoto name); 北九州 says こくら.
    assert with_readings("小倉に行きます") == "小倉《おぐら》に行《い》きます"
    marked = with_readings("小倉に行きます", {"小倉": "こくら"})
    assert marked == "小倉《こくら》に行《い》きます"


def test_the_longest_city_word_is_applied_first() -> None:
    overrides = {"門司": "もじ", "門司港": "もじこう", "港": "みなと"}
    assert with_readings("門司港と門司", overrides) == "門司港《もじこう》と門司《もじ》"


def test_a_city_reading_of_a_word_with_kana_marks_its_kanji_only() -> None:
    # A staff surname the analyser reads otherwise (きのもと, say).
    assert with_readings("木ノ下さん", {"木ノ下": "きのもと"}) == "木《き》ノ下《もと》さん"


def test_a_city_reading_in_katakana_is_given_in_hiragana() -> None:
    assert with_readings("到津", {"到津": "イトウズ"}) == "到津《いとうず》"


def test_marked_text_is_left_as_it_is() -> None:
    assert with_readings("住民票《じゅうみんひょう》") == "住民票《じゅうみんひょう》"
    assert with_readings("｜一人《ひとり》で来ました") == "｜一人《ひとり》で来《き》ました"
    # Even where the analyser would read it otherwise.
    assert with_readings("今日《こんにち》の窓口") == "今日《こんにち》の窓口《まどぐち》"


def test_latin_letters_digits_and_spaces_stay_as_they_are() -> None:
    assert with_readings("ABC 123の申請書") == "ABC 123の申請書《しんせいしょ》"
    assert with_readings("9時〜17時\n月曜日") == "9時《じ》〜17時《じ》\n月曜日《げつようび》"


def test_empty_text_stays_empty() -> None:
    assert with_readings("") == ""
    assert kana_reading("") == ""


def test_a_base_that_is_not_plain_kanji_is_opened_with_a_bar() -> None:
    # ヶ is read like a kanji, but the kiosk would not count it in a run without ｜.
    marked = with_readings("霞ヶ関")
    assert marked == "｜霞ヶ関《かすみがせき》"
    assert ruby.parse(marked) == [ruby.Segment("霞ヶ関", "かすみがせき")]


def test_a_kanji_without_reading_does_not_swallow_the_next_one() -> None:
    # 彁 is in no dictionary; 橋 must stay a base of its own for the kiosk.
    marked = with_readings("彁橋")
    assert ruby.parse(marked)[-1] == ruby.Segment("橋", "はし")


def test_a_name_variant_is_read_as_its_common_form() -> None:
    assert with_readings("髙橋さん") == "髙橋《たかはし》さん"


def test_a_repeat_mark_is_read_with_its_kanji() -> None:
    assert with_readings("人々") == "人々《ひとびと》"
    assert kana_reading("雨々") == "あめあめ"


def test_kana_reading_is_the_whole_text_in_hiragana() -> None:
    assert kana_reading("田中 花子") == "たなか はなこ"
    assert kana_reading("住民票のコピー") == "じゅうみんひょうのこぴー"


def test_kana_reading_of_marked_text_uses_its_mark() -> None:
    assert kana_reading("門司《もじ》区") == "もじく"


def test_hiragana_turns_katakana_only() -> None:
    assert hiragana("カタカナとABC、ヴ") == "かたかなとABC、ゔ"
