"""`madoguchi-bot` loses no event while it waits for another, and takes any token or password.

The bots are the other end of every scripted call, so every reliability figure depends on them.
Three ways they lost citizens, each reproduced here against a real hub (tests/call/conftest.py)
with real bot processes, or on the bot's own event handling:
- a `queue_snapshot` that arrived while the staff bot waited for something else (mid-call, or
  during its wrap-up) was dropped, and the bot then waited forever for a queue it had been sent;
- a fresh staff bot had to see the queue in the one snapshot sent at connect;
- `--token VALUE` failed for a token starting with "-" (one issued token in 64).
"""

from __future__ import annotations

import asyncio
import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from call.bot import SUMMARY_PREFIX, Bot, ScenarioError, _someone_waiting, parse_args
from call.engine import EngineSettings, HubMessage
from call.link import Credentials
from call.secret_args import join_secret_values
from kiosk.__main__ import parse_args as kiosk_parse_args
from signaling import protocol as p
from signaling.store import kiosks as stored_kiosks
from tests.fixtures.hub import RunningHub
from tests.participant import UNIT

ROOT = Path(__file__).resolve().parents[2]
DASH_TOKEN = "-Kx3" + "a" * 39  # the shape of an issued token that begins with "-"
SERVER = ["--server", "ws://127.0.0.1:1/ws"]


# The command line.


def test_secret_values_are_joined_to_their_option_and_nothing_else() -> None:
    argv = ["--token", "-abc", "--password", "--x", "--server", "-s", "--", "--token", "-y"]
    assert join_secret_values(argv, ["--token", "--password"]) == [
        "--token=-abc",
        "--password=--x",
        "--server",
        "-s",
        "--",
        "--token",
        "-y",
    ]
    # A last `--token` stays alone, for argparse to say what is missing.
    assert join_secret_values(["--token"], ["--token"]) == ["--token"]


@pytest.mark.parametrize(
    "spelling", [["--token", DASH_TOKEN], [f"--token={DASH_TOKEN}"]], ids=["space", "equals"]
)
def test_a_token_starting_with_a_dash_is_read_both_ways(spelling: list[str]) -> None:
    assert parse_args(["kiosk", *SERVER, *spelling]).token == DASH_TOKEN
    assert kiosk_parse_args(spelling).token == DASH_TOKEN


def test_the_token_comes_from_a_file_or_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    token_file = tmp_path / "kiosk-token"
    token_file.write_text(DASH_TOKEN + "\n")
    monkeypatch.setenv("MADOGUCHI_KIOSK_TOKEN", "from-the-environment")
    assert parse_args(["kiosk", *SERVER, "--token-file", str(token_file)]).token == DASH_TOKEN
    assert parse_args(["kiosk", *SERVER]).token == "from-the-environment"
    monkeypatch.delenv("MADOGUCHI_KIOSK_TOKEN")
    with pytest.raises(SystemExit):
        parse_args(["kiosk", *SERVER])
    assert "a kiosk token is needed" in capsys.readouterr().err


def test_the_password_comes_from_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("-starts with a dash\n"))
    staff = ["staff", *SERVER, "--username", "tanaka"]
    assert parse_args([*staff, "--password-stdin"]).password == "-starts with a dash"
    assert parse_args([*staff, "--password", "-x"]).password == "-x"
    with pytest.raises(SystemExit):
        parse_args(staff)
    assert "a password is needed" in capsys.readouterr().err


# The bot's waiting, with events put in the order that lost them.


def _bot() -> Bot:
    return Bot(EngineSettings(url="ws://127.0.0.1:1/ws"), Credentials(username="u", password="p"))


def _snapshot(*session_ids: str) -> HubMessage:
    entries = [
        p.QueueEntry(
            session_id=session_id,
            department_id="shimin",
            position=position,
            kiosk=p.KioskInfo(kiosk_id="k-1", name="中央公民館", location="1F"),
            category_id="juminhyo",
            language="ja",
            requested_at=0.0,
            queued_at=0.0,
        )
        for position, session_id in enumerate(session_ids, start=1)
    ]
    return HubMessage(p.QueueSnapshot(entries=entries))


async def test_a_snapshot_that_arrives_during_the_wrap_up_is_kept() -> None:
    bot = _bot()
    bot._put(_snapshot("s-2"))  # a second citizen queues while the bot wraps up
    bot._put(HubMessage(p.WrapUpSaved(session_id="s-1")))
    await bot.hub(p.WrapUpSaved, UNIT)
    await bot.until(lambda: _someone_waiting(bot, newer_than=0), UNIT)  # no wait: already known
    assert bot.queue is not None
    assert bot.queue.entries[0].session_id == "s-2"


async def test_after_a_miss_only_a_newer_snapshot_counts() -> None:
    bot = _bot()
    bot._put(_snapshot("s-1"))
    await bot.until(lambda: _someone_waiting(bot, newer_than=0), UNIT)
    with pytest.raises(ScenarioError):  # someone else took s-1: the same snapshot is no news
        await bot.until(lambda: _someone_waiting(bot, newer_than=1), 0.05)
    bot._put(_snapshot())
    bot._put(_snapshot("s-3"))
    await bot.until(lambda: _someone_waiting(bot, newer_than=1), UNIT)
    assert bot.queue_version == 3


async def test_an_event_waited_for_later_is_kept_and_a_finished_sessions_are_dropped() -> None:
    bot = _bot()
    bot._put(HubMessage(p.SessionEnded(session_id="s-1", reason=p.EndReason.COMPLETED)))
    bot._put(HubMessage(p.SessionEnded(session_id="s-2", reason=p.EndReason.COMPLETED)))
    bot._put(HubMessage(p.WrapUpSaved(session_id="s-0")))
    await bot.hub(p.WrapUpSaved, UNIT)
    bot.finished.add("s-1")
    ended = await bot.hub(p.SessionEnded, UNIT)
    assert ended.session_id == "s-2"  # s-1's end was over: no later wait may match it


# Real bots through a real hub.


class BotProcess:
    """A `madoguchi-bot` process, its log lines read as they come."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.log: list[str] = []
        self._reader = asyncio.get_running_loop().create_task(self._read())

    @classmethod
    async def start(cls, *args: str) -> BotProcess:
        process = await asyncio.create_subprocess_exec(
            *[sys.executable, "-m", "call.bot", *args, "--video", "160x120@10"],
            *["--loopback-ice", "--summary", "--timeout", str(2 * UNIT)],
            *["--wait", str(4 * UNIT)],
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        return cls(process)

    async def _read(self) -> None:
        assert self.process.stderr is not None
        async for line in self.process.stderr:
            self.log.append(line.decode(errors="replace").rstrip())

    async def logged(self, text: str) -> None:
        while not any(text in line for line in self.log):
            assert self.process.returncode is None, "\n".join(self.log)
            await asyncio.sleep(0.05)

    async def summary(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        out = await self.process.stdout.read()
        await self.process.wait()
        await self._reader
        log = "\n".join(self.log)
        assert self.process.returncode == 0, log
        lines = [line for line in out.decode().splitlines() if line.startswith(SUMMARY_PREFIX)]
        assert len(lines) == 1, log
        result: dict[str, Any] = json.loads(lines[0].removeprefix(SUMMARY_PREFIX))
        return result

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.kill()
            await self.process.wait()
        self._reader.cancel()


async def _add_kiosk(
    hub: RunningHub, name: str, monkeypatch: pytest.MonkeyPatch, token: str | None = None
) -> str:
    if token is not None:  # a token from before the hub stopped issuing leading dashes
        monkeypatch.setattr(stored_kiosks, "new_device_token", lambda: token)
    store = await hub.store()
    try:
        _, issued = await store.create_kiosk(name, "test", actor="test", now=0)
    finally:
        await store.close()
    monkeypatch.undo()
    return issued


def _staff(hub: RunningHub, *extra: str) -> list[str]:
    account = hub.demo.accounts[0]
    return ["staff", "--server", hub.url, "--username", account.username, "--password",
            account.password, "--hang-up-after", "1", *extra]  # fmt: skip


async def test_a_citizen_queued_while_the_staff_bot_is_busy_is_served_next(
    hub: RunningHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    second_token = await _add_kiosk(hub, "北部支所", monkeypatch)
    bots: list[BotProcess] = []
    try:
        async with asyncio.timeout(16 * UNIT):
            staff = await BotProcess.start(*_staff(hub, "--calls", "2"))
            first = await BotProcess.start("kiosk", "--server", hub.url, "--token",
                                           hub.demo.kiosks[0].token)  # fmt: skip
            bots += [staff, first]
            # The second citizen queues once the first call is up: its snapshot reaches the
            # staff bot while it waits for the call to end, then for its wrap-up to be saved.
            await staff.logged("= connected in")
            second = await BotProcess.start("kiosk", "--server", hub.url, "--token", second_token)
            bots.append(second)
            staff_summary, first_summary, second_summary = await asyncio.gather(
                staff.summary(), first.summary(), second.summary()
            )
    finally:
        for bot in bots:
            await bot.stop()
    served = [call["session_id"] for call in staff_summary["calls"]]
    assert served == [
        first_summary["calls"][0]["session_id"],
        second_summary["calls"][0]["session_id"],
    ]
    assert sum("wrap_up_saved" in line for line in staff.log) == 2


async def test_a_fresh_staff_bot_serves_a_citizen_queued_before_it_came_with_a_dash_token(
    hub: RunningHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = await _add_kiosk(hub, "南コミュニティセンター", monkeypatch, token=DASH_TOKEN)
    bots: list[BotProcess] = []
    try:
        async with asyncio.timeout(12 * UNIT):
            kiosk = await BotProcess.start("kiosk", "--server", hub.url, "--token", token)
            bots.append(kiosk)
            await kiosk.logged("< queued")  # waiting before any staff member is there
            staff = await BotProcess.start(*_staff(hub))
            bots.append(staff)
            kiosk_summary, staff_summary = await asyncio.gather(kiosk.summary(), staff.summary())
    finally:
        for bot in bots:
            await bot.stop()
    assert kiosk_summary["calls"][0]["session_id"] == staff_summary["calls"][0]["session_id"]
    assert kiosk_summary["calls"][0]["frames"] > 0
