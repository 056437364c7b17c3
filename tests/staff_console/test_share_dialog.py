"""The share dialog, offscreen: a window first, then a region, a whole monitor last."""

from __future__ import annotations

from typing import Any

import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QListWidgetItem

from call.windows import DesktopWindow
from staff_console import desktop
from staff_console.app import ConsoleApp
from staff_console.core.engine_port import ScreenArea, SharingEnded
from staff_console.core.viewmodels import Level
from staff_console.i18n import Language, Translator
from staff_console.screens.share_dialog import REGION, ShareDialog
from tests.staff_console import messages as m
from tests.staff_console.test_screens import NOW, engine_of, logged_in

FORM = DesktopWindow(0x1E00007, "申請書.pdf — 文書ビューア", 100, 50, 900, 1200, shown=True)
BROWSER = DesktopWindow(0x2400003, "住民記録システム", 0, 0, 1600, 900, shown=True)


def choices(dialog: ShareDialog) -> list[Any]:
    items = [dialog.choices.item(row) for row in range(dialog.choices.count())]
    return [item.data(Qt.ItemDataRole.UserRole) for item in items if item is not None]


def current(dialog: ShareDialog) -> QListWidgetItem:
    item = dialog.choices.currentItem()
    assert item is not None
    return item


def test_windows_come_first_then_a_region_then_whole_monitors(qtbot: Any) -> None:
    dialog = ShareDialog(Translator(Language.JA), [FORM, BROWSER])
    qtbot.addWidget(dialog)

    offered = choices(dialog)

    assert offered[:3] == [FORM, BROWSER, REGION]
    assert offered[3:] == [1]  # the offscreen platform has one screen
    assert current(dialog).data(Qt.ItemDataRole.UserRole) == FORM
    assert "申請書.pdf" in current(dialog).text()
    assert "900\N{MULTIPLICATION SIGN}1200" in current(dialog).text()


def test_without_windows_the_region_is_preset_not_a_monitor(qtbot: Any) -> None:
    dialog = ShareDialog(Translator(Language.EN), [])
    qtbot.addWidget(dialog)

    assert choices(dialog) == [REGION, 1]
    assert current(dialog).data(Qt.ItemDataRole.UserRole) == REGION
    assert "Whole screen 1" in (dialog.choices.item(1) or QListWidgetItem()).text()


def test_start_sharing_shares_the_front_window(qtbot: Any) -> None:
    dialog = ShareDialog(Translator(Language.JA), [FORM, BROWSER])
    qtbot.addWidget(dialog)

    with qtbot.waitSignal(dialog.window_chosen) as chosen:
        qtbot.mouseClick(dialog.start, Qt.MouseButton.LeftButton)

    assert chosen.args == [FORM]
    assert dialog.result() == ShareDialog.DialogCode.Accepted


@pytest.mark.parametrize(("row", "signal"), [(2, "region_requested"), (3, "monitor_chosen")])
def test_the_region_and_a_monitor_are_chosen_from_their_rows(
    qtbot: Any, row: int, signal: str
) -> None:
    dialog = ShareDialog(Translator(Language.JA), [FORM, BROWSER])
    qtbot.addWidget(dialog)
    dialog.choices.setCurrentRow(row)

    with qtbot.waitSignal(getattr(dialog, signal)) as chosen:
        qtbot.mouseClick(dialog.start, Qt.MouseButton.LeftButton)

    assert chosen.args == ([] if signal == "region_requested" else [1])


def test_cancel_shares_nothing(qtbot: Any) -> None:
    dialog = ShareDialog(Translator(Language.JA), [FORM])
    qtbot.addWidget(dialog)
    chosen: list[object] = []
    for signal in (dialog.window_chosen, dialog.region_requested, dialog.monitor_chosen):
        signal.connect(lambda *args: chosen.append(args))

    qtbot.mouseClick(dialog.cancel, Qt.MouseButton.LeftButton)

    assert chosen == []
    assert dialog.result() == ShareDialog.DialogCode.Rejected
    assert dialog.cancel.text() == "中止"


def test_the_console_shares_the_chosen_window_by_its_id(
    console: ConsoleApp, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(desktop, "shareable_windows", lambda: [BROWSER, FORM])
    logged_in(console, qtbot)
    console.controller.handle(m.started(), NOW)

    qtbot.mouseClick(console.window.call.share, Qt.MouseButton.LeftButton)
    dialog = console.window.findChild(ShareDialog)
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    qtbot.mouseClick(dialog.start, Qt.MouseButton.LeftButton)

    assert engine_of(console).named("share_screen") == [(ScreenArea(window=BROWSER.id),)]


def test_a_shared_window_closing_is_said_in_the_consoles_language_as_no_fault(
    console: ConsoleApp, qtbot: Any
) -> None:
    logged_in(console, qtbot)
    console.controller.handle(m.started(), NOW)
    console.controller.share_screen(ScreenArea(window=FORM.id))

    console.controller.handle(SharingEnded("the shared window was closed", window_closed=True), NOW)

    notice = console.controller.view().notice
    assert notice is not None
    assert (notice.key, notice.level) == ("share.window_closed", Level.INFO)
    assert console.window.call.share.text().startswith(Translator(Language.JA)("call.share_screen"))
