"""language.romaji: a name's kana reading as a Japanese passport writes it."""

from __future__ import annotations

import pytest

from language.romaji import romanise_name


def test_each_part_of_a_name_is_capitalised() -> None:
    assert romanise_name("たなか はなこ") == "Tanaka Hanako"


@pytest.mark.parametrize(
    ("kana", "romaji"),
    [
        ("さとう", "Sato"),
        ("おおの", "Ono"),
        ("きょうこ", "Kyoko"),
        ("ゆうき", "Yuki"),
        ("とおる", "Toru"),
        ("ちゅうじょう", "Chujo"),
        ("いちろう", "Ichiro"),
    ],
)
def test_long_vowels_are_not_marked(kana: str, romaji: str) -> None:
    assert romanise_name(kana) == romaji


def test_a_long_o_then_a_u_is_o_then_u() -> None:
    assert romanise_name("おおうち") == "Ouchi"


def test_an_o_ending_a_name_stays() -> None:
    assert romanise_name("よこお") == "Yokoo"
    assert romanise_name("こおろぎ") == "Korogi"


@pytest.mark.parametrize(
    ("kana", "romaji"),
    [("いのうえ", "Inoue"), ("やまのうち", "Yamanouchi"), ("まつうら", "Matsuura")],
)
def test_a_u_that_starts_a_surnames_last_element_stays(kana: str, romaji: str) -> None:
    assert romanise_name(kana) == romaji


def test_n_before_b_m_and_p_is_m() -> None:
    assert romanise_name("なんば") == "Namba"
    assert romanise_name("ほんま") == "Homma"
    assert romanise_name("さんぺい") == "Sampei"
    assert romanise_name("ほんだ") == "Honda"


def test_n_before_a_vowel_has_no_apostrophe() -> None:
    assert romanise_name("しんいち") == "Shinichi"
    assert romanise_name("じゅんこ") == "Junko"


def test_a_small_tsu_doubles_the_consonant_or_is_t_before_ch() -> None:
    assert romanise_name("はっとり") == "Hattori"
    assert romanise_name("きっかわ") == "Kikkawa"
    assert romanise_name("はっちょう") == "Hatcho"


def test_katakana_half_width_and_the_long_mark_are_read_as_hiragana() -> None:
    assert romanise_name("サトウ タロウ") == "Sato Taro"
    assert romanise_name("ｻﾄｳ") == "Sato"
    assert romanise_name("オーノ") == "Ono"


def test_a_full_width_space_or_a_middle_dot_separates_the_parts() -> None:
    assert romanise_name("すずき\u3000いちろう") == "Suzuki Ichiro"
    assert romanise_name(" ジョン・スミス ") == "Jon Sumisu"


def test_foreign_sounds_are_spelled_kana_by_kana_as_on_a_passport() -> None:
    assert romanise_name("ヴィ") == "Bui"
    assert romanise_name("ティナ") == "Teina"
    assert romanise_name("ファミ") == "Fuami"
    assert romanise_name("ジェシカ") == "Jieshika"
    assert romanise_name("デュボワ") == "Deyubowa"


def test_hepburn_spellings() -> None:
    assert romanise_name("ふじ ちづる") == "Fuji Chizuru"
    assert romanise_name("つじ") == "Tsuji"


def test_an_empty_name_is_empty() -> None:
    assert romanise_name("") == ""
    assert romanise_name("  ") == ""
