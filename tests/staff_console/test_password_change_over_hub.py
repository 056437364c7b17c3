"""A temporary password replaced from the console's own login dialog, against a real hub."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from PyQt6.QtCore import Qt

from call.account import PasswordChangeError, change_password
from call.link import Credentials
from signaling import protocol as p
from signaling.auth import hash_password
from staff_console.core.viewmodels import Stage
from tests.fixtures.consoles import ConsoleFactory
from tests.fixtures.hub import RunningHub
from tests.participant import UNIT, Participant
from tests.qt_waiting import until

TEMPORARY = "temporary-pass-1"
OWN = "my own words 1"


async def give_a_temporary_password(hub: RunningHub, username: str) -> None:
    """What an admin's reset does (the page's 仮のパスワードにする)."""
    store = await hub.store()
    try:
        account = await store.get_account_by_username(username)
        assert account is not None
        await store.set_password(
            account.id, hash_password(TEMPORARY), actor="admin", now=time.time(), must_change=True
        )
    finally:
        await store.close()


async def test_the_console_replaces_a_temporary_password_and_logs_in_with_its_own(
    hub: RunningHub, consoles: ConsoleFactory, qtbot: Any
) -> None:
    await give_a_temporary_password(hub, "tanaka")
    console = await consoles("tanaka", TEMPORARY)
    await until(lambda: console.controller.view().login.new_password, within=4 * UNIT)
    dialog = console.login
    assert dialog.new_password.isVisible()
    dialog.password.setText(TEMPORARY)
    dialog.new_password.setText(OWN)
    dialog.again.setText(OWN)
    qtbot.mouseClick(dialog.submit, Qt.MouseButton.LeftButton)
    await until(lambda: console.controller.stage is Stage.READY, within=4 * UNIT)
    assert not dialog.new_password.text()  # nothing typed is kept
    assert not dialog.new_password.isVisible()

    # The hub now takes the staff member's own password, and no longer the temporary one.
    async with Participant(hub.url, Credentials(username="tanaka", password=OWN)) as again:
        assert again.welcome.role is p.Role.STAFF
    with pytest.raises(PasswordChangeError) as refused:
        # In a thread: the hub answers on this test's own event loop.
        await asyncio.to_thread(change_password, hub.url, "tanaka", TEMPORARY, "yet another one")
    assert refused.value.reason == "unauthorized"


async def test_a_new_password_the_hub_refuses_is_said_in_the_dialog(
    hub: RunningHub, consoles: ConsoleFactory, qtbot: Any
) -> None:
    await give_a_temporary_password(hub, "tanaka")
    console = await consoles("tanaka", TEMPORARY)
    await until(lambda: console.controller.view().login.new_password, within=4 * UNIT)
    dialog = console.login
    dialog.password.setText(TEMPORARY)
    dialog.new_password.setText("short")  # under the hub's 8 characters
    dialog.again.setText("short")
    qtbot.mouseClick(dialog.submit, Qt.MouseButton.LeftButton)

    def refused() -> bool:
        error = console.controller.view().login.error
        return error is not None and error.key == "password.error.weak"

    await until(refused, within=4 * UNIT)
    assert console.controller.stage is Stage.LOGIN
    assert "8" in dialog.message.text()  # the hub's reason, in the dialog
    assert dialog.new_password.isVisible()  # still asking


def test_a_hub_that_is_not_there_is_unreachable() -> None:
    with pytest.raises(PasswordChangeError) as refused:
        change_password("ws://127.0.0.1:9/ws", "tanaka", TEMPORARY, OWN)
    assert refused.value.reason == "unreachable"
