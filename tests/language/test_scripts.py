# ruff: noqa: RUF001  # full-width CJK punctuation is meant
"""language/scripts.py: the writing system of each character."""

from __future__ import annotations

from language.scripts import Script, scripts_in


def test_each_language_reads_as_its_own_scripts() -> None:
    japanese = {Script.HAN, Script.HIRAGANA, Script.KATAKANA}
    assert scripts_in("住民票の写し、マイナンバー") == japanese
    assert scripts_in("请稍等。10:30") == {Script.HAN}
    assert scripts_in("잠시만 기다려 주세요.") == {Script.HANGUL}
    assert scripts_in("Xin vui lòng chờ một chút.") == {Script.LATIN}
    assert scripts_in("12:00 — 「」《》、。！？ー") == {Script.KATAKANA}  # ー is kana's
    assert scripts_in("12:00 — 「」《》、。！？") == set()


def test_a_mixed_sentence_shows_both_scripts() -> None:
    assert scripts_in("正在为您转接到税務課") == {Script.HAN}  # same script: a test by script
    assert scripts_in("Taxation(으)로 연결해") == {Script.LATIN, Script.HANGUL}
    assert scripts_in("Đang gọi nhân viên 市民課") == {Script.LATIN, Script.HAN}
