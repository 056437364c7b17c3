"""Screens and widgets take their view-model in `draw(vm)`, typed per screen (issue #18).

`QWidget.render` paints a widget into a device; a widget of ours that took a view-model under
that name would need a `type: ignore[override]`, and callers could reach Qt's by mistake. The
kiosk's screens are `Screen[XxxVM]`, so each `draw` names the one view-model it takes, and the
window checks that once, in `draw_screen`.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any, get_args, get_type_hints

import pytest

from kiosk.core.viewmodels import ClosedVM, ConfirmVM, ScreenVM
from kiosk.i18n import Language
from kiosk.screens.base import Screen
from kiosk.screens.closed import ClosedScreen
from kiosk.theme import STANDARD, Theme
from kiosk.window import SCREENS, draw_screen

ROOT = Path(__file__).resolve().parents[2]
# A real renderer of a PDF page, not a view-model taken under QWidget's name.
RENDERERS_ALLOWED = {"staff_console/page_preview.py:PagePreview.render"}


def methods_named_render() -> set[str]:
    found = set()
    for package in ("kiosk", "staff_console"):
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if not isinstance(node, ast.ClassDef):
                    continue
                for item in node.body:
                    if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                        if item.name == "render":
                            where = path.relative_to(ROOT).as_posix()
                            found.add(f"{where}:{node.name}.render")
    return found


def test_no_class_of_the_apps_defines_render_but_the_page_renderer() -> None:
    assert methods_named_render() == RENDERERS_ALLOWED


def test_every_kiosk_screen_draws_the_view_model_it_names() -> None:
    members = set(get_args(ScreenVM))
    for page, make in SCREENS.items():
        assert isinstance(make, type), page
        assert issubclass(make, Screen), page
        assert make.vm_type in members, page
        # `draw`'s own annotation, so `Screen[X]` and `draw(vm: Y)` cannot drift apart.
        assert get_type_hints(make.draw)["vm"] is make.vm_type, page


def test_a_screen_given_another_pages_view_model_is_refused(qtbot: Any) -> None:
    screen = ClosedScreen(Theme(STANDARD, Language.JA))
    qtbot.addWidget(screen)
    draw_screen(screen, ClosedVM(title="本日は終了しました", lines=()))
    with pytest.raises(TypeError, match="ClosedScreen draws ClosedVM, not ConfirmVM"):
        draw_screen(screen, ConfirmVM(title="通話を終わりますか"))


def test_a_screen_must_name_its_view_model() -> None:
    with pytest.raises(TypeError, match="Screen\\[SomeVM\\]"):

        class Unnamed(Screen):  # no [XxxVM]: the mistake under test
            pass
