"""Korean particles follow the sound that ends the word before them."""

from __future__ import annotations

import pytest

from language.korean import PARTICLES, Ending, Word, ending, particle


@pytest.mark.parametrize(
    ("word", "sound"),
    [
        ("세무과", Ending.VOWEL),
        ("민원실", Ending.RIEUL),
        ("시민팀", Ending.CONSONANT),
        ("복지센터", Ending.VOWEL),
        ("보건소", Ending.VOWEL),
        ("환경국", Ending.CONSONANT),
    ],
)
def test_a_hangul_word_ends_as_its_last_syllable_does(word: str, sound: Ending) -> None:
    assert ending(word) is sound


@pytest.mark.parametrize(
    ("spec", "after_consonant", "after_vowel"),
    [
        ("은", "시민팀은", "세무과는"),
        ("이", "시민팀이", "세무과가"),
        ("을", "시민팀을", "세무과를"),
        ("과", "시민팀과", "세무과와"),
        ("으로", "시민팀으로", "세무과로"),
        ("이에요", "시민팀이에요", "세무과예요"),
        ("이나", "시민팀이나", "세무과나"),
        ("아", "시민팀아", "세무과야"),
        ("이라고", "시민팀이라고", "세무과라고"),
    ],
)
def test_each_particle_takes_its_form_after_a_consonant_or_a_vowel(
    spec: str, after_consonant: str, after_vowel: str
) -> None:
    assert format(Word("시민팀"), spec) == after_consonant
    assert format(Word("세무과"), spec) == after_vowel


def test_a_word_ending_in_rieul_takes_ro_but_the_consonant_form_of_the_others() -> None:
    assert f"{Word('민원실'):으로}" == "민원실로"
    assert f"{Word('민원실'):은}" == "민원실은"
    assert f"{Word('민원실'):이}" == "민원실이"
    assert f"{Word('민원실'):을}" == "민원실을"


@pytest.mark.parametrize(
    ("word", "with_ro", "with_eun"),
    [
        ("1", "1로", "1은"),  # 일
        ("2", "2로", "2는"),  # 이
        ("3", "3으로", "3은"),  # 삼
        ("4", "4로", "4는"),  # 사
        ("6", "6으로", "6은"),  # 육
        ("7", "7로", "7은"),  # 칠
        ("8", "8로", "8은"),  # 팔
        ("9", "9로", "9는"),  # 구
        ("0", "0으로", "0은"),  # 영
        ("3번 창구", "3번 창구로", "3번 창구는"),
        ("제2상담실", "제2상담실로", "제2상담실은"),
        ("2층", "2층으로", "2층은"),
    ],
)
def test_a_digit_is_read_in_sino_korean(word: str, with_ro: str, with_eun: str) -> None:
    assert f"{Word(word):으로}" == with_ro
    assert f"{Word(word):은}" == with_eun


@pytest.mark.parametrize(
    ("number", "with_eun"),
    [
        ("10", "10은"),  # 십
        ("12", "12는"),  # 십이
        ("100", "100은"),  # 백
        ("1,000", "1,000은"),  # 천
        ("10000", "10000은"),  # 만
        ("100000", "100000은"),  # 십만
        ("1000000000000", "1000000000000는"),  # 조
        ("2.5", "2.5는"),  # 이 점 오
    ],
)
def test_a_number_ending_in_zeros_is_read_to_its_last_unit(number: str, with_eun: str) -> None:
    assert f"{Word(number):은}" == with_eun


@pytest.mark.parametrize(
    ("word", "with_ro", "with_i"),
    [
        ("L", "L로", "L이"),  # 엘
        ("R", "R로", "R이"),  # 알
        ("M", "M으로", "M이"),  # 엠
        ("N", "N으로", "N이"),  # 엔
        ("IT", "IT로", "IT가"),  # 아이티
        ("CRM", "CRM으로", "CRM이"),  # 씨알엠
        ("\uff24\uff38", "\uff24\uff38로", "\uff24\uff38가"),  # full-width DX: 디엑스
    ],
)
def test_a_latin_letter_is_read_by_its_korean_name(word: str, with_ro: str, with_i: str) -> None:
    assert f"{Word(word):으로}" == with_ro
    assert f"{Word(word):이}" == with_i


@pytest.mark.parametrize(
    ("word", "with_eun"),
    [
        ("세무과(본관)", "세무과(본관)은"),  # 관
        ("민원실(2층)", "민원실(2층)은"),  # 층
        ("시민과 (3)", "시민과 (3)은"),  # 삼
        ("「복지과」", "「복지과」는"),
        ("“민원실”", "“민원실”은"),
        ("세무과 ", "세무과 는"),
    ],
)
def test_brackets_and_punctuation_are_skipped(word: str, with_eun: str) -> None:
    assert f"{Word(word):은}" == with_eun


def test_a_word_with_nothing_to_read_takes_the_vowel_form() -> None:
    assert ending("税務課") is None
    assert particle("税務課", "으로") == "로"
    assert particle("", "은") == "는"


def test_every_particle_is_named_by_its_consonant_form_and_has_another() -> None:
    assert all(after_consonant != after_vowel for after_consonant, after_vowel in PARTICLES.items())
    assert "는" not in PARTICLES
    assert "로" not in PARTICLES


def test_a_word_without_a_particle_formats_as_itself() -> None:
    assert f"{Word('세무과')}" == "세무과"
    assert f"{Word('세무과'):>5}" == "  세무과"
    assert isinstance(Word("세무과"), str)


def test_a_spec_that_is_no_particle_is_refused() -> None:
    with pytest.raises(ValueError, match="format"):
        f"{Word('세무과'):는}"
