# ruff: noqa: RUF001  # full-width CJK punctuation is meant
"""language.plain_japanese: what to make plainer in a staff message to a やさしい日本語 reader."""

from __future__ import annotations

import timeit

import pytest

from language.plain_japanese import (
    EASY_KANJI,
    GRADE_1_KANJI,
    GRADE_2_KANJI,
    Advice,
    AdviceKind,
    check_plain,
)


def kinds(text: str) -> list[tuple[AdviceKind, str]]:
    return [(advice.kind, advice.text) for advice in check_plain(text)]


def suggestion(text: str) -> str | None:
    """The suggestion for ``text`` when it is a single piece of keigo."""
    [advice] = [advice for advice in check_plain(text) if advice.kind is AdviceKind.KEIGO]
    assert advice.text == text
    return advice.suggestion


def test_a_short_plain_sentence_gets_no_advice() -> None:
    assert check_plain("ここに 名前を 書いて ください。") == []
    assert check_plain("") == []


def test_the_lists_are_the_first_two_grades() -> None:
    assert (len(GRADE_1_KANJI), len(GRADE_2_KANJI), len(EASY_KANJI)) == (80, 160, 240)
    assert {"一", "名", "木"} <= GRADE_1_KANJI
    assert {"書", "話", "曜"} <= GRADE_2_KANJI


def test_a_sentence_longer_than_30_characters_is_advised() -> None:
    text = "今日は天気がいいので、公園に行って友だちと一緒にサッカーをしました。つぎは 何ですか？"
    [long] = [advice for advice in check_plain(text) if advice.kind is AdviceKind.LONG_SENTENCE]
    assert long == Advice(AdviceKind.LONG_SENTENCE, 0, 33, text[:33])


def test_a_sentence_of_30_characters_is_not_long() -> None:
    assert check_plain("あ" * 30 + "。" + "い" * 30) == []
    assert kinds("あ" * 31) == [(AdviceKind.LONG_SENTENCE, "あ" * 31)]


def test_spaces_between_phrases_do_not_count_towards_the_length() -> None:
    assert check_plain("これは とても ながい ぶんですが、 スペースは かぞえません。") == []


@pytest.mark.parametrize("end", ["。", "！", "？", "!", "?", "\n"])
def test_sentences_end_at_stops_marks_and_new_lines(end: str) -> None:
    assert check_plain(("あ" * 20 + end) * 3) == []


def test_a_long_sentence_span_leaves_out_the_spaces_around_it() -> None:
    text = "  " + "あ" * 31 + " 。"
    [advice] = check_plain(text)
    assert (advice.start, advice.end, advice.text) == (2, 33, "あ" * 31)


def test_each_run_of_kanji_beyond_grade_2_is_advised() -> None:
    text = "住民票の写しは市役所の窓口です。"
    assert kinds(text) == [
        (AdviceKind.HARD_KANJI, "住民票"),
        (AdviceKind.HARD_KANJI, "写"),
        (AdviceKind.HARD_KANJI, "役所"),  # 市 is grade 2
        (AdviceKind.HARD_KANJI, "窓"),
    ]
    [first, *_] = check_plain(text)
    assert first == Advice(AdviceKind.HARD_KANJI, 0, 3, "住民票")


def test_kanji_of_the_first_two_grades_are_fine() -> None:
    assert check_plain("月曜日に 名前を 書いて 学校へ 来て ください。") == []


@pytest.mark.parametrize(
    ("keigo", "plain"),
    [
        ("ご覧ください", "見てください"),
        ("お待ちください", "待ってください"),
        ("ございます", "あります"),
        ("いらっしゃいますか", "いますか"),
        ("おっしゃってください", "言ってください"),
        ("少々", "少し"),
        ("恐れ入りますが", "すみません"),
        ("召し上がってください", "食べてください"),
        ("と申します", "です"),
        ("申し上げます", "言います"),
        ("ご存じですか", "知っていますか"),
        ("させていただきます", "します"),
        ("ていただけますか", "てください"),
        ("でいただけますか", "でください"),
        ("ております", "ています"),
        ("でございます", "です"),
        ("よろしいですか", "いいですか"),
    ],
)
def test_keigo_is_advised_with_the_plain_form(keigo: str, plain: str) -> None:
    assert suggestion(keigo) == plain


@pytest.mark.parametrize(
    ("keigo", "plain"),
    [
        ("お書きください", "書いてください"),
        ("お急ぎください", "急いでください"),
        ("お呼びください", "呼んでください"),
        ("お持ちください", "持ってください"),
        ("お見せください", "見せてください"),
        ("お申し込みください", "申し込んでください"),
        ("お行きください", "行ってください"),
        ("お降りください", "降りてください"),
        ("お掛けください", "すわってください"),  # the guideline's own example
        ("お問い合わせください", "聞いてください"),
        ("ご確認ください", "確認してください"),
        ("ご記入ください", "書いてください"),
        ("お使いになります", "使います"),
        ("お越しになりました", "来ました"),
        ("お待ちになって", "待って"),
    ],
)
def test_o_and_go_forms_are_advised_with_the_plain_verb(keigo: str, plain: str) -> None:
    assert suggestion(keigo) == plain


@pytest.mark.parametrize(
    "keigo", ["参ります", "伺います", "存じ上げ", "御座い", "拝見", "お電話ください"]
)
def test_keigo_without_one_plain_form_is_advised_without_a_suggestion(keigo: str) -> None:
    [advice] = [advice for advice in check_plain(keigo) if advice.kind is AdviceKind.KEIGO]
    assert advice.text.startswith(keigo[:2])
    assert advice.suggestion is None


@pytest.mark.parametrize(
    "plain",
    [
        "申し込みの 用紙です。",  # 申し込む is not 申す
        "参加できます。",  # 参加 is not 参る
        "お名前を書いてください。",  # お名前を書いて is no verb stem
        "お茶をください。",
        "ボタンを おして ください。",
        "データを 保存します。",
    ],
)
def test_plain_words_that_look_like_keigo_are_not_keigo(plain: str) -> None:
    assert [advice for advice in check_plain(plain) if advice.kind is AdviceKind.KEIGO] == []


def test_a_message_gets_each_kind_in_order_of_position() -> None:
    text = (
        "少々お待ちください。"
        "住民票の写しと印鑑をお持ちになって、二階の窓口にいらっしゃってください。"
    )
    assert [(advice.kind, advice.text, advice.suggestion) for advice in check_plain(text)] == [
        (AdviceKind.KEIGO, "少々", "少し"),
        (AdviceKind.KEIGO, "お待ちください", "待ってください"),
        (AdviceKind.LONG_SENTENCE, text[10:-1], None),
        (AdviceKind.HARD_KANJI, "住民票", None),
        (AdviceKind.HARD_KANJI, "写", None),
        (AdviceKind.HARD_KANJI, "印鑑", None),
        (AdviceKind.KEIGO, "お持ちになって", "持って"),
        (AdviceKind.HARD_KANJI, "階", None),
        (AdviceKind.HARD_KANJI, "窓", None),
        (AdviceKind.KEIGO, "いらっしゃってください", "来てください"),
    ]


def test_a_hard_kanji_inside_keigo_is_left_to_the_keigo_advice() -> None:
    assert kinds("ご覧ください") == [(AdviceKind.KEIGO, "ご覧ください")]


def test_the_more_particular_keigo_wins_over_the_general() -> None:
    # ご覧ください, not ご〜ください; させていただきます, not いただきます.
    assert suggestion("ご覧ください") == "見てください"
    assert kinds("確認させていただきます") == [
        (AdviceKind.HARD_KANJI, "確認"),
        (AdviceKind.KEIGO, "させていただきます"),
    ]


def test_checking_a_message_is_fast_enough_to_run_on_each_key() -> None:
    text = "恐れ入りますが、住民票の写しをお持ちになって、窓口にいらっしゃってください。" * 5
    # The best of a few rounds, so that a busy machine does not decide: well under a 10 ms frame.
    best = min(timeit.repeat(lambda: check_plain(text), number=10, repeat=5)) / 10
    assert best < 0.010
