"""The console against a real hub, with a headless kiosk participant (the engine, no Qt).

The hub and the kiosk's engine run on the test's asyncio loop; each console runs its own
engine on its network thread, as in production. Waits pump Qt's events and the loop together.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw
from PyQt6.QtCore import QPoint, QSettings, Qt
from PyQt6.QtWidgets import QMessageBox

from call.audio_meter import AudioLevel, AudioSide
from call.content_messages import Marks, Pointer
from call.devices import MediaSettings
from call.engine import EngineEvent
from call.page_receiver import PageReady
from call.session import TextReceived
from call.sharing import DocumentEvent
from signaling import protocol as p
from staff_console.app import ConsoleApp, Remembered
from staff_console.core.engine_port import CallPhase
from staff_console.core.viewmodels import Stage
from staff_console.engine_adapter import EngineAdapter
from staff_console.settings import ConsoleSettings
from tests.fixtures.consoles import ConsoleFactory, Kiosk, logged_in, password
from tests.fixtures.hub import RunningHub
from tests.participant import UNIT, history_written
from tests.qt_waiting import until


async def in_call(consoles: ConsoleFactory, hub: RunningHub, kiosk: Kiosk) -> ConsoleApp:
    """Tanaka, logged in, has accepted the kiosk's request for 住民票: the call is starting."""
    tanaka = await logged_in(consoles, hub, "tanaka")
    await kiosk.engine.request_consultation("juminhyo", "ja")
    await until(lambda: len(tanaka.controller.view().queue) == 1)
    tanaka.controller.accept_next()
    await until(lambda: tanaka.controller.stage is Stage.CALL)
    return tanaka


def a_form(folder: Path) -> Path:
    path = folder / "住民票の写し等交付請求書.pdf"
    image = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((100, 300, 1140, 500), outline="black", width=4)
    image.save(path, "PDF", resolution=150)
    return path


def kiosk_sees_camera_off(kiosk: Kiosk) -> bool:
    frame = kiosk.engine.remote_camera.latest()
    # The still frame is black with a small label; the synthetic camera is far brighter.
    return frame is not None and float(frame.rgb.mean()) < 40


async def test_a_whole_consultation_from_login_to_wrap_up_in_the_hubs_history(
    hub: RunningHub,
    kiosk: Kiosk,
    consoles: ConsoleFactory,
    tmp_path: Path,
    qtbot: Any,
) -> None:
    tanaka = await logged_in(consoles, hub, "tanaka")
    sato = await logged_in(consoles, hub, "sato")  # 介護保険課 and 市民課
    window = tanaka.window

    # 1. The queue shows the waiting kiosk; accept.
    await kiosk.engine.request_consultation("juminhyo", "ja")
    await until(lambda: window.queue.table.rowCount() == 1)
    assert "中央公民館" in window.queue.table.item(0, 0).text()  # type: ignore[union-attr]
    window.queue.table.selectRow(0)
    qtbot.mouseClick(window.queue.accept, Qt.MouseButton.LeftButton)
    await until(lambda: tanaka.controller.stage is Stage.CALL)

    # 2. The citizen's video is painted.
    await until(lambda: window.call.remote.has_frame)
    await until(lambda: tanaka.controller.view().call.phase is CallPhase.CONNECTED)  # type: ignore[union-attr]

    # 2b. Mute and camera off reach the kiosk; the citizen's voice shows as speaking.
    await until(lambda: bool(window.call.speaking.text()))
    kiosk.events.clear()
    qtbot.mouseClick(window.call.mute, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(window.call.camera, Qt.MouseButton.LeftButton)
    await until(
        lambda: kiosk.heard(
            lambda e: isinstance(e, AudioLevel) and e.side is AudioSide.REMOTE and e.dbfs < -70
        )
    )
    await until(lambda: kiosk_sees_camera_off(kiosk))
    qtbot.mouseClick(window.call.mute, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(window.call.camera, Qt.MouseButton.LeftButton)
    await until(lambda: not kiosk_sees_camera_off(kiosk))
    view = tanaka.controller.view().call
    assert view is not None
    assert (view.muted, view.camera_on) == (False, True)  # no command failed and undid them

    # 3. A PDF page is shown, and the kiosk receives it with a pointer mark.
    form = a_form(tmp_path / "forms")
    tanaka.controller.handle(p.QueueSnapshot(entries=[]), 0)  # re-read the forms folder
    window.call.documents.file_chosen.emit(str(form))
    await until(lambda: bool(kiosk.content(PageReady)))
    canvas = window.call.documents.canvas
    page = canvas.page_rect()
    qtbot.mouseClick(
        canvas,
        Qt.MouseButton.LeftButton,
        pos=QPoint(int(page.center().x()), int(page.center().y())),
    )

    def pointer_arrived(event: EngineEvent) -> bool:
        return (
            isinstance(event, DocumentEvent)
            and isinstance(event.event, Marks)
            and any(isinstance(mark, Pointer) for mark in event.event.marks)
        )

    await until(lambda: kiosk.heard(pointer_arrived))

    # 4. A text message is sent.
    window.call.messages.free_text.setPlainText("赤い印のところにご記入ください。")
    qtbot.mouseClick(window.call.messages.send, Qt.MouseButton.LeftButton)
    await until(
        lambda: kiosk.heard(
            lambda e: isinstance(e, TextReceived) and e.text == "赤い印のところにご記入ください。"
        )
    )

    # 5. Transfer with a note, received by a second staff member's console.
    tanaka.controller.transfer("kaigo", "住民票は発行済み。介護保険の住所変更の相談です。")
    await until(lambda: tanaka.controller.stage is Stage.WRAP_UP)

    def note_in_satos_queue() -> bool:
        items = sato.controller.view().queue
        return any(
            item.transferred_from is not None and "介護保険" in item.transferred_from.note
            for item in items
        )

    await until(note_in_satos_queue)
    table_text = sato.window.queue.table.item(0, 1).text()  # type: ignore[union-attr]
    assert "住民票は発行済み" in table_text

    # 6. End, then the wrap-up stored in the hub's history.
    tanaka.window.wrap_up.outcome.setCurrentIndex(
        tanaka.window.wrap_up.outcome.findData("referred")
    )
    tanaka.window.wrap_up.note.setPlainText("介護保険課へ")
    qtbot.mouseClick(tanaka.window.wrap_up.save, Qt.MouseButton.LeftButton)
    await until(lambda: tanaka.controller.stage is Stage.READY)
    qtbot.mouseClick(sato.window.queue.take_next, Qt.MouseButton.LeftButton)
    await until(lambda: sato.controller.stage is Stage.CALL)
    await until(lambda: sato.window.call.remote.has_frame)
    qtbot.mouseClick(sato.window.call.end, Qt.MouseButton.LeftButton)
    confirm = sato.window.findChild(QMessageBox, "end_confirmation")
    assert confirm is not None
    qtbot.keyClick(confirm, Qt.Key.Key_Return)  # 通話終了 asks once; Enter ends the call
    await until(lambda: sato.controller.stage is Stage.WRAP_UP)
    sato.window.wrap_up.note.setPlainText("手続き案内済み")
    qtbot.mouseClick(sato.window.wrap_up.save, Qt.MouseButton.LeftButton)
    await until(lambda: sato.controller.stage is Stage.READY)
    assert sato.controller.view().presence is p.Presence.AVAILABLE
    assert sato.window.queue.day.list.count() == 1

    await history_written(hub.http)
    store = await hub.store()
    try:
        (record,) = await store.list_consultations()
    finally:
        await store.close()
    assert record.transfers == 1
    assert [(leg.department_id, leg.outcome_code, leg.wrap_up_note) for leg in record.legs] == [
        ("shimin", "referred", "介護保険課へ"),
        ("kaigo", "resolved", "手続き案内済み"),
    ]


async def test_accepting_a_citizen_someone_else_took_says_so(
    hub: RunningHub,
    kiosk: Kiosk,
    consoles: ConsoleFactory,
) -> None:
    tanaka = await logged_in(consoles, hub, "tanaka")
    sato = await logged_in(consoles, hub, "sato")
    await kiosk.engine.request_consultation("juminhyo", "ja")
    await until(lambda: len(sato.controller.view().queue) == 1)
    session_id = sato.controller.view().queue[0].session_id
    tanaka.controller.accept(session_id)
    await until(lambda: tanaka.controller.stage is Stage.CALL)
    sato.controller.accept(session_id)  # the row sato clicked was a moment old
    await until(lambda: sato.controller.view().notice is not None)
    notice = sato.controller.view().notice
    assert notice is not None
    assert notice.key == "queue.already_taken"
    assert sato.window.top.notice.text() == "この方には、すでに別の職員が応答しました。"


async def test_a_hub_restart_during_a_call_keeps_the_call_and_resumes(
    hub: RunningHub,
    kiosk: Kiosk,
    consoles: ConsoleFactory,
) -> None:
    tanaka = await in_call(consoles, hub, kiosk)
    await until(lambda: tanaka.window.call.remote.has_frame)
    await hub.restart()
    await until(lambda: not tanaka.controller.view().hub_online)
    assert tanaka.controller.stage is Stage.CALL
    await until(lambda: tanaka.controller.view().hub_online, within=4 * UNIT)
    view = tanaka.controller.view()
    assert view.stage is Stage.CALL
    assert view.call is not None
    assert view.call.phase is CallPhase.CONNECTED
    tanaka.controller.end_call()
    await until(lambda: tanaka.controller.stage is Stage.WRAP_UP)


async def test_a_wrong_password_is_refused_with_the_login_still_up(
    hub: RunningHub,
    consoles: ConsoleFactory,
) -> None:
    console = await consoles("tanaka", "not-the-password")
    await until(lambda: console.controller.view().login.error is not None)
    assert console.controller.stage is Stage.LOGIN
    assert console.login.isVisible()
    assert console.login.message.text() == "ユーザー名またはパスワードが違います。"


async def test_an_expired_session_leads_back_to_the_login(
    hub_factory: Callable[..., Coroutine[Any, Any, RunningHub]],
    qtbot: Any,
    tmp_path: Path,
) -> None:
    short = await hub_factory(session_token_ttl_seconds=1)
    engine = EngineAdapter(
        backoff_initial=0.05, backoff_max=0.5, media=MediaSettings(synthetic=True)
    )
    store = QSettings(str(tmp_path / "c.ini"), QSettings.Format.IniFormat)
    console = ConsoleApp(ConsoleSettings(server=short.url), engine, Remembered(store), clock=False)
    qtbot.addWidget(console.window)
    console.start()
    try:
        console.controller.submit_login(short.url, "tanaka", password(short, "tanaka"))
        await until(lambda: console.controller.stage is Stage.READY)
        await asyncio.sleep(1.2)
        await short.restart()  # the console reconnects with its session token, now expired
        await until(lambda: console.controller.stage is Stage.LOGIN, within=4 * UNIT)
        error = console.controller.view().login.error
        assert error is not None
        assert error.key == "login.error.expired"
        assert console.window.isVisible()
        assert console.login.isVisible()
    finally:
        await asyncio.to_thread(engine.logout)
