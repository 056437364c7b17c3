"""Every catalog has exactly the reference's keys and placeholders, and the code's keys exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from language.messages import placeholders
from signaling import protocol as p
from staff_console.core.controller import REFUSALS, REFUSED_COMMANDS
from staff_console.core.engine_port import CallPhase, MarkTool
from staff_console.core.viewmodels import Quality
from staff_console.i18n import CATALOGS, Language, Translator, ja

SOURCE = Path(__file__).resolve().parents[2] / "staff_console"


@pytest.mark.parametrize("language", list(Language))
def test_every_catalog_has_the_reference_keys_and_placeholders(language: Language) -> None:
    catalog = CATALOGS[language]
    assert set(catalog) == set(ja.MESSAGES)
    for key, text in ja.MESSAGES.items():
        assert placeholders(catalog[key]) == placeholders(text), key
        assert catalog[key].strip(), key


def test_every_key_the_code_names_is_in_the_catalog() -> None:
    literal = re.compile(r"""(?:tr|_tr|Notice|_notify)\(\s*["']([a-z_]+\.[a-z_.]+)["']""")
    used = {m for path in SOURCE.rglob("*.py") for m in literal.findall(path.read_text("utf-8"))}
    used |= set(REFUSALS.values()) | set(REFUSED_COMMANDS.values())
    used |= {f"presence.{v.value}" for v in p.Presence}
    used |= {f"call.phase.{v.value}" for v in CallPhase}
    used |= {f"tool.{v.value}" for v in MarkTool}
    used |= {f"quality.{v.value}" for v in Quality}
    used |= {
        f"phrase.{v}" for v in ("cannot_hear", "cannot_see", "say_again", "slower", "yes", "no")
    }
    assert used - set(ja.MESSAGES) == set()


def test_durations_and_clock_read_as_staff_expect() -> None:
    tr = Translator(Language.EN)
    assert (tr.duration(42), tr.duration(725), tr.duration(3723)) == ("0:42", "12:05", "1:02:03")
    assert tr.clock(0) == "9:00"  # the epoch, in Tokyo
    assert tr.language_name("ja-easy") == "Easy Japanese"
