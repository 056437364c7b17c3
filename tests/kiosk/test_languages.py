# ruff: noqa: RUF001  # full-width CJK punctuation is meant
"""Every screen in every language, with the demo city: what the citizen reads is in their own
script (docs/languages.md), and in やさしい日本語 every kanji has its reading.

The texts are read off the rendered widgets (the KText labels and the touch buttons), not off
the catalogues: city names, staff names and staff messages are where languages mix. Allowed
exceptions: the language choices (each in its own language), a staff member's name romanised
for a Korean reader, and staff free text marked as Japanese.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

import pytest
from kiosk_scenes import SCENES, STAFF, connected_controller, shown_window
from pytestqt.qtbot import QtBot

from kiosk.core import engine_port as e
from kiosk.core.viewmodels import TransferringVM
from kiosk.i18n import NATIVE_NAMES, Language, Translator
from kiosk.i18n.ruby import KANJI, parse
from kiosk.widgets.text import KText
from kiosk.widgets.touch_button import TouchButton
from kiosk.widgets.video_view import VideoView
from language import romaji
from language.scripts import Script, scripts_in
from signaling import protocol as p

T = TypeVar("T")
OWN_SCRIPTS = {
    Language.JA: {Script.HAN, Script.HIRAGANA, Script.KATAKANA},
    Language.JA_EASY: {Script.HAN, Script.HIRAGANA, Script.KATAKANA},
    Language.EN: {Script.LATIN},
    Language.VI: {Script.LATIN},
    Language.ZH: {Script.HAN},
    Language.KO: {Script.HANGUL},
}
# The screens a citizen reads (the admin PIN is for staff, the language list is every language).
CITIZEN_SCENES = [name for name in SCENES if name not in ("02-language", "13-admin-pin")]
KANJI_CHAR = re.compile(f"[{KANJI}]")
LANGUAGE_CHOICES = {NATIVE_NAMES[lang] for lang in Language} | {
    Translator(lang)("attract.start_in") for lang in Language
}


def rendered_texts(window: Any) -> list[str]:
    """The words on screen, as drawn: every shown label, button and caption on a video."""

    def shown(kind: type[T]) -> list[T]:
        return [w for w in window.findChildren(kind) if w.isVisibleTo(window)]

    texts = [w.text() for w in shown(KText)] + [b.label() for b in shown(TouchButton)]
    texts += [block.text for v in shown(VideoView) for _, block, _ in v.captions]
    return [t for t in texts if t]


def foreign(text: str, language: Language) -> set[Script]:
    tr = Translator(language)
    if text in LANGUAGE_CHOICES or text.startswith(tr("call.in_japanese")):
        return set()
    if language is Language.KO:  # the staff member's name, romanised: a proper name
        text = text.replace(romaji.romanise_name(STAFF.name_reading), "")
    return scripts_in(text) - OWN_SCRIPTS[language]


@pytest.mark.parametrize("language", list(Language))
def test_every_screen_is_in_the_citizens_own_script(qtbot: QtBot, language: Language) -> None:
    problems = []
    for scene in CITIZEN_SCENES:
        controller, _, clock = connected_controller(language)
        SCENES[scene](controller, clock)
        window = shown_window(qtbot, controller)
        problems += [
            f"{scene}: {text!r} has {sorted(scripts)}"
            for text in rendered_texts(window)
            if (scripts := foreign(text, language))
        ]
        window.close()
    assert not problems, "\n".join(problems)


def test_every_kanji_on_an_easy_japanese_screen_has_its_reading(qtbot: QtBot) -> None:
    problems = []
    for scene in CITIZEN_SCENES:
        controller, _, clock = connected_controller(Language.JA_EASY)
        SCENES[scene](controller, clock)
        if scene == "07c-in-call-staff-text-muted":  # and free text, typed by staff
            controller.handle(e.StaffText("s-1", "住民票は 1通 300円です。", "ja"))
        window = shown_window(qtbot, controller)
        for text in set(rendered_texts(window)) - LANGUAGE_CHOICES:
            bare = "".join(s.base for s in parse(text) if not s.ruby)
            if KANJI_CHAR.search(bare):
                problems.append(f"{scene}: {text!r}")
        window.close()
    assert not problems, "\n".join(problems)


def test_the_staff_members_name_is_romanised_for_english_and_read_in_easy_japanese(
    qtbot: QtBot,
) -> None:
    for language, expected in (
        (Language.EN, "Tanaka Hanako"),
        (Language.JA_EASY, "｜田中《たなか》 ｜花子《はなこ》"),
        (Language.JA, "田中 花子"),
    ):
        controller, _, clock = connected_controller(language)
        SCENES["07-in-call"](controller, clock)
        window = shown_window(qtbot, controller)
        assert any(expected in text for text in rendered_texts(window)), language
        window.close()


def test_staff_free_text_reaches_another_language_marked_as_japanese(qtbot: QtBot) -> None:
    controller, _, clock = connected_controller(Language.EN)
    SCENES["07-in-call"](controller, clock)
    controller.handle(e.StaffText("s-1", "次は2番窓口です", "ja"))
    window = shown_window(qtbot, controller)
    assert "In Japanese: 次は2番窓口です" in "\n".join(rendered_texts(window))
    window.close()


def test_a_name_missing_in_the_citizens_language_is_left_out_of_the_sentence() -> None:
    controller, _, clock = connected_controller(Language.ZH)
    SCENES["07-in-call"](controller, clock)
    controller.handle(
        p.SessionTransferred(
            session_id="s-1", department_id="zeimu", department_names={"ja": "税務課"}
        )
    )
    screen = controller.view().screen
    assert isinstance(screen, TransferringVM)
    assert screen.title == Translator(Language.ZH)("transfer.title_unnamed")
    assert "税務課" not in screen.title
