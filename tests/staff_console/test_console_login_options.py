"""`madoguchi-console --username NAME --password-stdin`: logging in at start, against a real hub.

The command itself runs as a child process (offscreen Qt, its own settings folder) and the hub
says it has the staff member; a refused password is shown in the usual dialog, in process.
"""

from __future__ import annotations

import asyncio
import io
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from PyQt6.QtCore import QSettings, Qt

from call.devices import MediaSettings
from staff_console.__main__ import parse_args, read_password
from staff_console.app import ConsoleApp, Remembered
from staff_console.core.viewmodels import Stage
from staff_console.engine_adapter import EngineAdapter
from staff_console.settings import ConsoleSettings
from tests.fixtures.consoles import CALL, password
from tests.fixtures.hub import RunningHub
from tests.qt_waiting import until

ROOT = Path(__file__).resolve().parents[2]  # `python -m staff_console` from this checkout
STARTUP_SECONDS = 60  # a cold child process imports Qt, aiortc and PyAV before it dials


def test_password_stdin_needs_a_username(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        parse_args(["--password-stdin"])
    assert exit_.value.code == 2
    assert "--password-stdin needs --username" in capsys.readouterr().err


def test_the_password_is_the_first_line_of_stdin_read_once() -> None:
    stdin = io.StringIO("s3cret pass\r\nnot read\n")
    assert read_password(stdin) == "s3cret pass"
    assert stdin.read() == "not read\n"
    assert read_password(io.StringIO("")) is None
    assert read_password(io.StringIO("\n")) is None
    assert read_password(None) is None  # pythonw.exe: no stdin at all


async def staff_connections(hub: RunningHub) -> str:
    async with aiohttp.ClientSession() as http, http.get(f"{hub.http}/metrics") as response:
        text = await response.text()
    return next(
        (
            line
            for line in text.splitlines()
            if line.startswith('madoguchi_connections{role="staff"}')
        ),
        "",
    )


async def test_the_command_logs_in_with_the_password_from_stdin(
    hub: RunningHub,
    tmp_path: Path,
) -> None:
    config = tmp_path / "config"  # QSettings' folder: not the tester's own console settings
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(config)}
    command = [sys.executable, "-m", "staff_console", "--server", hub.url, "--synthetic-media"]
    child = await asyncio.create_subprocess_exec(
        *command,
        "--username",
        "tanaka",
        "--password-stdin",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    try:
        assert child.stdin is not None
        child.stdin.write(f"{password(hub, 'tanaka')}\n".encode())
        await child.stdin.drain()
        child.stdin.close()
        async with asyncio.timeout(STARTUP_SECONDS):
            while await staff_connections(hub) != 'madoguchi_connections{role="staff"} 1.0':
                assert child.returncode is None, "the console exited before it logged in"
                await asyncio.sleep(0.2)
    finally:
        if child.returncode is None:
            child.terminate()
        _, stderr = await child.communicate()
    remembered = (config / "Madoguchi" / "staff-console.conf").read_text(encoding="utf-8")
    assert "username=tanaka" in remembered
    assert password(hub, "tanaka") not in remembered
    assert password(hub, "tanaka").encode() not in stderr


async def test_an_empty_stdin_stops_the_command_in_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path)}
    child = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "staff_console", "--username", "tanaka", "--password-stdin"],
        stdin=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    _, stderr = await asyncio.wait_for(child.communicate(), STARTUP_SECONDS)
    assert child.returncode == 2
    assert stderr.decode().splitlines() == [
        "madoguchi-console: --password-stdin: no password on standard input"
    ]


@pytest.fixture
async def dialog_up(
    hub: RunningHub,
    qtbot: Any,
    tmp_path: Path,
) -> AsyncIterator[ConsoleApp]:
    """A console with its login dialog up, on a real engine, before anyone typed anything."""
    engine = EngineAdapter(
        media=MediaSettings(synthetic=True), call=CALL, backoff_initial=0.05, backoff_max=0.5
    )
    store = QSettings(str(tmp_path / "console.ini"), QSettings.Format.IniFormat)
    app = ConsoleApp(ConsoleSettings(server=hub.url), engine, Remembered(store), clock=False)
    qtbot.addWidget(app.window)
    app.start()
    yield app
    await asyncio.to_thread(engine.logout)


async def test_a_refused_password_leaves_the_dialog_for_a_person_to_retry(
    dialog_up: ConsoleApp,
    hub: RunningHub,
    qtbot: Any,
) -> None:
    console = dialog_up
    console.log_in("tanaka", "not-the-password")
    await until(lambda: console.controller.view().login.error is not None)
    error = console.controller.view().login.error
    assert error is not None
    assert error.key == "login.error.unauthorized"
    assert console.controller.stage is Stage.LOGIN
    assert console.login.isVisible()
    assert console.login.message.text() == console.translator(error.key, **error.fields)
    assert console.login.username.text() == "tanaka"
    assert console.login.password.text() == ""
    assert console.login.submit.isEnabled()
    console.login.password.setText(password(hub, "tanaka"))
    qtbot.mouseClick(console.login.submit, Qt.MouseButton.LeftButton)
    await until(lambda: console.controller.stage is Stage.READY)
    assert not console.login.isVisible()
