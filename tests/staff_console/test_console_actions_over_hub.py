"""The console's everyday actions against a real hub and a headless kiosk, each counting the keys
or clicks it takes: a whole consultation from the keyboard alone (accept, open a form, point at
it, send a staff message, transfer with a note, the next staff member accepts, ends, asked once,
and wraps up), a transfer in two clicks, an end that asks first, a staff message in one click."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PyQt6.QtCore import QPoint, Qt
from PyQt6.QtWidgets import QApplication, QMessageBox, QWidget

from call.content_messages import Marks, Pointer
from call.engine import HubMessage
from call.page_receiver import PageReady
from call.session import TextReceived
from call.sharing import DocumentEvent
from signaling import protocol as p
from staff_console.app import ConsoleApp
from staff_console.core.engine_port import CallPhase
from staff_console.core.viewmodels import Stage
from staff_console.screens.transfer_dialog import TransferDialog
from tests.fixtures.consoles import ConsoleFactory, Kiosk, logged_in
from tests.fixtures.hub import RunningHub
from tests.participant import history_written
from tests.qt_waiting import until
from tests.staff_console.test_console_over_hub import a_form, in_call

Key = Qt.Key
NO_MODIFIER = Qt.KeyboardModifier.NoModifier
Ctrl, Shift, Alt = (
    Qt.KeyboardModifier.ControlModifier,
    Qt.KeyboardModifier.ShiftModifier,
    Qt.KeyboardModifier.AltModifier,
)


class Keyboard:
    """Key presses to whatever has the focus in the active window, counted."""

    def __init__(self, qtbot: Any) -> None:
        self.qtbot = qtbot
        self.presses = 0

    async def use(self, console: ConsoleApp) -> None:
        """Bring a console's window to the front, as staff do with Alt+Tab (not counted)."""
        console.window.activateWindow()
        await until(console.window.isActiveWindow)

    def press(
        self, key: Qt.Key, modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
    ) -> None:
        target = QApplication.focusWidget() or QApplication.activeWindow()
        assert isinstance(target, QWidget), "nothing has the keyboard"
        self.qtbot.keyClick(target, key, modifiers)
        self.presses += 1

    def type(self, text: str) -> None:
        target = QApplication.focusWidget()
        assert target is not None
        self.qtbot.keyClicks(target, text)
        self.presses += len(text)


def pointed_at(at: Kiosk) -> bool:
    return any(
        isinstance(e, DocumentEvent)
        and isinstance(e.event, Marks)
        and any(isinstance(mark, Pointer) for mark in e.event.marks)
        for e in at.events
    )


async def test_a_whole_consultation_from_the_keyboard_alone(
    hub: RunningHub,
    kiosk: Kiosk,
    consoles: ConsoleFactory,
    tmp_path: Path,
    qtbot: Any,
) -> None:
    a_form(tmp_path / "forms")
    tanaka = await logged_in(consoles, hub, "tanaka")
    sato = await logged_in(consoles, hub, "sato")  # 介護保険課 and 市民課
    keys = Keyboard(qtbot)
    await kiosk.engine.request_consultation("juminhyo", "ja")
    await until(lambda: tanaka.window.queue.table.rowCount() == 1)

    # Accept: the first waiting citizen is selected, so Return takes them.
    await keys.use(tanaka)
    keys.press(Key.Key_Return)
    await until(lambda: tanaka.controller.stage is Stage.CALL)

    # Open a form: F2 to the documents, Ctrl+Shift+F to the forms, Return opens the first.
    keys.press(Key.Key_F2)
    keys.press(Key.Key_F, Ctrl | Shift)
    keys.press(Key.Key_Return)
    await until(lambda: bool(kiosk.content(PageReady)))

    # Point: Ctrl+1 is the pointer on the page; an arrow key moves it there.
    keys.press(Key.Key_1, Ctrl)
    keys.press(Key.Key_Right)
    await until(lambda: pointed_at(kiosk))

    # A staff message: Alt+1 sends the first.
    first = tanaka.controller.view().call.messages[0]  # type: ignore[union-attr]
    keys.press(Key.Key_1, Alt)
    await until(
        lambda: kiosk.heard(lambda e: isinstance(e, TextReceived) and first.meaning in e.text)
    )

    # Transfer to 介護保険課 with a note: Ctrl+T, its number, Tab, the note, Return.
    keys.press(Key.Key_T, Ctrl)
    dialog = tanaka.window.findChild(TransferDialog)
    assert dialog is not None
    await until(dialog.isActiveWindow)
    rows = [dialog.targets.item(i).text() for i in range(dialog.targets.count())]  # type: ignore[union-attr]
    number = next(i for i, row in enumerate(rows, start=1) if "介護保険課" in row)
    keys.press(getattr(Key, f"Key_{number}"))
    keys.press(Key.Key_Tab)
    keys.type("see form")
    keys.press(Key.Key_Return)
    await until(lambda: tanaka.controller.stage is Stage.WRAP_UP)

    # Tanaka's wrap-up: Ctrl+S saves the outcome offered first.
    await keys.use(tanaka)
    keys.press(Key.Key_S, Ctrl)
    await until(lambda: tanaka.controller.stage is Stage.READY)

    # Sato accepts the transferred citizen, with the note, from the keyboard too.
    await until(lambda: sato.window.queue.table.rowCount() == 1)
    assert "see form" in sato.window.queue.table.item(0, 1).text()  # type: ignore[union-attr]
    await keys.use(sato)
    keys.press(Key.Key_Return)
    await until(lambda: sato.controller.stage is Stage.CALL)

    # End: Ctrl+Shift+E asks once; Return ends it. Then the wrap-up.
    keys.press(Key.Key_E, Ctrl | Shift)
    box = sato.window.findChild(QMessageBox, "end_confirmation")
    assert box is not None
    await until(box.isActiveWindow)
    keys.press(Key.Key_Return)
    await until(lambda: sato.controller.stage is Stage.WRAP_UP)
    await keys.use(sato)
    keys.press(Key.Key_S, Ctrl)
    await until(lambda: sato.controller.stage is Stage.READY)

    typed = len("see form")
    assert keys.presses - typed <= 16, keys.presses  # 16 keys for the whole consultation
    await history_written(hub.http)
    store = await hub.store()
    try:
        (record,) = await store.list_consultations()
    finally:
        await store.close()
    assert record.transfers == 1
    assert [leg.department_id for leg in record.legs] == ["shimin", "kaigo"]
    assert all(leg.outcome_code for leg in record.legs)  # both wrapped up


class Mouse:
    """Left clicks on widgets, counted."""

    def __init__(self, qtbot: Any) -> None:
        self.qtbot = qtbot
        self.clicks = 0

    def click(self, widget: QWidget, at: QPoint | None = None) -> None:
        self.qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=at or widget.rect().center())
        self.clicks += 1


async def in_a_call(consoles: ConsoleFactory, hub: RunningHub, kiosk: Kiosk) -> ConsoleApp:
    """`in_call`, waited on until the call is connected, so texts and transfers can go."""
    tanaka = await in_call(consoles, hub, kiosk)
    await until(lambda: tanaka.controller.view().call.phase is CallPhase.CONNECTED)  # type: ignore[union-attr]
    return tanaka


async def test_two_clicks_transfer_to_the_likeliest_other_department_over_the_hub(
    hub: RunningHub,
    kiosk: Kiosk,
    consoles: ConsoleFactory,
    qtbot: Any,
) -> None:
    tanaka = await in_a_call(consoles, hub, kiosk)
    expected = tanaka.controller.view().transfer_targets[0]
    assert expected.id != "shimin"  # never the call's own department
    mouse = Mouse(qtbot)
    mouse.click(tanaka.window.call.transfer)
    dialog = tanaka.window.findChild(TransferDialog)
    assert dialog is not None
    mouse.click(dialog.submit)
    await until(lambda: tanaka.controller.stage is Stage.WRAP_UP)
    assert mouse.clicks == 2

    def transferred_to() -> str | None:
        for event in kiosk.events:
            if isinstance(event, HubMessage) and isinstance(event.message, p.SessionTransferred):
                return event.message.department_id
        return None

    await until(lambda: transferred_to() is not None)
    assert transferred_to() == expected.id  # the department offered first


async def test_ending_asks_once_and_esc_keeps_the_call_and_the_text_typed_over_the_hub(
    hub: RunningHub,
    kiosk: Kiosk,
    consoles: ConsoleFactory,
    qtbot: Any,
) -> None:
    tanaka = await in_a_call(consoles, hub, kiosk)
    call = tanaka.window.call
    call.messages.free_text.setPlainText("次は2番窓口で")
    mouse = Mouse(qtbot)
    mouse.click(call.end)
    box = tanaka.window.findChild(QMessageBox, "end_confirmation")
    assert box is not None
    await until(box.isActiveWindow)
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    await until(lambda: not box.isVisible())
    assert tanaka.controller.stage is Stage.CALL
    assert call.messages.free_text.toPlainText() == "次は2番窓口で"
    assert not kiosk.hub_said(p.SessionEnded)
    mouse.click(call.end)
    shown = [b for b in tanaka.window.findChildren(QMessageBox) if b.isVisible()]
    assert len(shown) == 1
    ends = [
        b for b in shown[0].buttons() if shown[0].buttonRole(b) is QMessageBox.ButtonRole.AcceptRole
    ]
    mouse.click(ends[0])
    await until(lambda: tanaka.controller.stage is Stage.WRAP_UP)
    await until(lambda: kiosk.hub_said(p.SessionEnded))
    assert mouse.clicks == 3  # 通話終了 kept by Esc; 通話終了 and 終了する end it


async def test_a_staff_message_in_one_click_over_the_hub(
    hub: RunningHub,
    kiosk: Kiosk,
    consoles: ConsoleFactory,
    qtbot: Any,
) -> None:
    tanaka = await in_a_call(consoles, hub, kiosk)
    quick = tanaka.window.call.quick_texts
    await until(lambda: quick.count() > 0)
    first = quick.item(0)
    assert first is not None
    meaning = tanaka.controller.view().call.messages[0].meaning  # type: ignore[union-attr]
    mouse = Mouse(qtbot)
    mouse.click(quick.viewport(), quick.visualItemRect(first).center())  # type: ignore[arg-type]
    await until(lambda: kiosk.heard(lambda e: isinstance(e, TextReceived) and meaning in e.text))
    assert mouse.clicks == 1
