"""Both apps' translators: a missing key or field never raises in front of a person."""

from __future__ import annotations

from kiosk.i18n import Language as KioskLanguage
from kiosk.i18n import Translator as KioskTranslator
from language.messages import Messages, placeholders
from staff_console.i18n import Language as ConsoleLanguage
from staff_console.i18n import Translator as ConsoleTranslator


def test_a_message_falls_back_to_the_reference_then_to_its_key() -> None:
    messages = Messages({"a": "A {n}"}, {"a": "あ {n}", "b": "い"})
    assert messages("a", n=1) == "A 1"
    assert messages("b") == "い"
    assert messages("missing") == "missing"


def test_a_missing_or_wrong_field_gives_the_message_unfilled_rather_than_an_error() -> None:
    messages = Messages({"a": "{n} 分 {m}", "b": "{0}", "c": "{n.attr}"}, {})
    assert messages("a", n=3) == "{n} 分 {m}"
    assert messages("b", n=1) == "{0}"
    assert messages("c", n=1) == "{n.attr}"
    assert placeholders("{n} 分 {m}") == {"n", "m"}


def test_neither_apps_translator_raises_on_a_key_no_catalog_has() -> None:
    for translator in (
        KioskTranslator(KioskLanguage.KO),
        KioskTranslator(KioskLanguage.JA_EASY),
        ConsoleTranslator(ConsoleLanguage.EN),
    ):
        assert translator("no.such.key", department="税務課") == "no.such.key"
