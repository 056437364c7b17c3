"""kill -9 of the hub mid-call, mid-queue and mid-transfer: no call, place or history is lost.

The hub runs as an operator runs it (`python -m signaling`, tests/hub_process.py) and is killed
with SIGKILL, so no shutdown code runs; it is then started again on the same port and var folder,
as systemd's Restart= would. What it restores is what it wrote ahead of every message
(signaling/state_file.py). Mid-call, the two ends are real engines (`madoguchi-bot` processes with
synthetic media), whose reports say what a person saw: the longest gap between frames. Mid-queue
and mid-transfer, the ends are real Links (tests/participant.py). Each kill follows the message
that told a client of the change at once, so the write-ahead rule is what keeps it.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from call.bot import SUMMARY_PREFIX
from call.link import Credentials, LinkConnected
from signaling import protocol as p
from signaling.demo import DemoCredentials
from signaling.store import ConsultationRecord, Store
from tests.hub_process import HubProcess, demo_staff, seed_var_dir
from tests.participant import UNIT, Participant, history_written

ROOT = Path(__file__).resolve().parents[2]
CALL_SECONDS = 12  # the staff bot hangs up after this; the hub is killed in the middle
REATTACH_SECONDS = 10  # the promise; the Link's backoff (0.5 s doubling) keeps well inside


@pytest.fixture
async def seeded(tmp_path: Path) -> tuple[Path, DemoCredentials]:
    var_dir = tmp_path / "var"
    return var_dir, await seed_var_dir(var_dir)


@pytest.fixture
async def hub(seeded: tuple[Path, DemoCredentials], tmp_path: Path) -> Any:
    var_dir, _ = seeded
    process = HubProcess(var_dir, log=tmp_path / "hub.log")
    await process.start()
    yield process
    await process.stop()


async def crash_and_restart(hub: HubProcess, down_seconds: float = 1.0) -> float:
    """kill -9, stay down a while (clients retry meanwhile), start again; when it serves."""
    await hub.kill()
    await asyncio.sleep(down_seconds)
    await hub.start()
    return time.monotonic()


async def history(hub: HubProcess) -> list[ConsultationRecord]:
    await history_written(hub.http)
    store = await Store.open(f"sqlite+aiosqlite:///{hub.var_dir}/madoguchi.db")
    try:
        return await store.list_consultations()
    finally:
        await store.close()


def kiosk(demo: DemoCredentials, n: int) -> Credentials:
    return Credentials(token=demo.kiosks[n].token)


class BotProcess:
    """A `madoguchi-bot` whose log lines are stamped as they arrive, to time the re-attach."""

    def __init__(self, *args: str) -> None:
        self.args = args
        self.lines: list[tuple[float, str]] = []
        self._changed = asyncio.Event()

    async def run(self) -> dict[str, Any]:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "call.bot",
            *self.args,
            "--video=320x240@15",
            "--loopback-ice",
            "--summary",
            f"--timeout={4 * UNIT}",
            f"--wait={8 * UNIT}",
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert process.stderr is not None
        assert process.stdout is not None
        output = asyncio.ensure_future(process.stdout.read())
        try:
            async for raw in process.stderr:
                self.lines.append((time.monotonic(), raw.decode(errors="replace").rstrip()))
                self._changed.set()
            out = (await output).decode()
        except BaseException:
            if process.returncode is None:
                process.kill()  # the test gave up on it (failed or timed out): leave no bot
            raise
        log = "\n".join(line for _, line in self.lines)
        assert await process.wait() == 0, log
        [summary] = [line for line in out.splitlines() if line.startswith(SUMMARY_PREFIX)]
        result: dict[str, Any] = json.loads(summary.removeprefix(SUMMARY_PREFIX))
        return result

    async def line(self, text: str, after: float = 0.0) -> float:
        """When a log line with `text` arrived (after `after`), waiting for it if need be."""
        async with asyncio.timeout(6 * UNIT):
            while True:
                for at, line in self.lines:
                    if at > after and text in line:
                        return at
                self._changed.clear()
                await self._changed.wait()


async def test_kill_9_mid_call_keeps_the_media_and_the_session_and_the_history_is_whole(
    hub: HubProcess, seeded: tuple[Path, DemoCredentials]
) -> None:
    _, demo = seeded
    account = next(a for a in demo.accounts if a.username == "tanaka")
    citizen = BotProcess("kiosk", f"--server={hub.url}", f"--token={demo.kiosks[0].token}")
    tanaka = BotProcess(
        "staff",
        f"--server={hub.url}",
        "--username=tanaka",
        f"--password={account.password}",
        f"--hang-up-after={CALL_SECONDS}",
    )
    runs = asyncio.gather(citizen.run(), tanaka.run())
    try:
        for bot in (citizen, tanaka):
            await bot.line("= connected in")
        await asyncio.sleep(CALL_SECONDS / 4)
        killed = time.monotonic()
        restarted = await crash_and_restart(hub)
        reattached = [await bot.line("resumed=True", after=killed) for bot in (citizen, tanaka)]
        kiosk_summary, staff_summary = await runs
    finally:
        runs.cancel()
    reattach = max(reattached) - restarted
    kiosk_call, staff_call = kiosk_summary["calls"][0], staff_summary["calls"][0]
    gaps = [call["max_frame_gap_ms"] for call in (kiosk_call, staff_call)]
    audio_gaps = [call["max_audio_gap_ms"] for call in (kiosk_call, staff_call)]
    print(
        f"\nthe hub served again {restarted - killed:.1f} s after kill -9; both ends re-attached "
        f"{max(0.0, reattach):.2f} s later; longest gaps (kiosk, staff): frames {gaps} ms, "
        f"audio {audio_gaps} ms"
    )
    assert reattach < REATTACH_SECONDS
    assert kiosk_call["session_id"] == staff_call["session_id"]
    for call in (kiosk_call, staff_call):
        assert call["max_frame_gap_ms"] < 1000, call["freezes"]
        assert call["max_audio_gap_ms"] < 1000
        assert call["frames"] > 0
    [record] = await history(hub)
    assert record.id == kiosk_call["session_id"]
    assert record.end_reason is p.EndReason.COMPLETED
    # Talk time runs across the crash: at least what the staff end saw from connected to ended.
    assert record.talk_seconds is not None
    assert record.talk_seconds >= staff_call["seconds"] - 1
    assert record.survey_score == 5
    [leg] = record.legs
    assert leg.staff_id is not None
    assert leg.outcome_code is not None


async def test_kill_9_mid_queue_keeps_every_citizen_in_their_place(
    hub: HubProcess, seeded: tuple[Path, DemoCredentials]
) -> None:
    _, demo = seeded
    async with (
        Participant(hub.url, kiosk(demo, 0)) as first,
        Participant(hub.url, kiosk(demo, 1)) as second,
    ):
        for citizen in (first, second):
            await citizen.send(p.RequestConsultation(category_id="juminhyo", language="ja"))
        waiting = [(await c.expect(p.Queued)).session_id for c in (first, second)]
        await crash_and_restart(hub)  # at once: the second place was just given
        for citizen, session_id, position in ((first, waiting[0], 1), (second, waiting[1], 2)):
            assert (await citizen.expect(LinkConnected, within=4 * UNIT)).welcome.resumed
            queued = await citizen.expect(p.Queued, session_id=session_id)
            assert queued.position == position
        async with Participant(hub.url, demo_staff(demo, "tanaka")) as tanaka:
            snapshot = await tanaka.expect(p.QueueSnapshot)
            assert [e.session_id for e in snapshot.entries] == waiting
            await tanaka.send(p.AcceptNext())
            started = await first.expect(p.SessionStarted)
            assert started.session_id == waiting[0]
            await tanaka.send(p.HangUp(session_id=started.session_id))
            await first.expect(p.SessionEnded)
    records = {r.id: r for r in await history(hub)}
    assert records.keys() == set(waiting)
    assert records[waiting[0]].end_reason is p.EndReason.COMPLETED
    assert records[waiting[0]].legs[0].answered_at is not None


async def test_kill_9_mid_transfer_and_the_transfer_completes(
    hub: HubProcess, seeded: tuple[Path, DemoCredentials]
) -> None:
    _, demo = seeded
    note = "生活費の相談です。世帯は2人。"
    async with (
        Participant(hub.url, kiosk(demo, 0)) as citizen,
        Participant(hub.url, demo_staff(demo, "tanaka")) as tanaka,
    ):
        await citizen.send(p.RequestConsultation(category_id="juminhyo", language="ja"))
        session_id = (await citizen.expect(p.Queued)).session_id
        await tanaka.send(p.Accept(session_id=session_id))
        await citizen.expect(p.SessionStarted, session_id=session_id)
        await tanaka.send(p.Transfer(session_id=session_id, department_id="fukushi", note=note))
        await citizen.expect(p.SessionTransferred, session_id=session_id)
        await crash_and_restart(hub)  # at once: the citizen was just told of the transfer
        assert (await citizen.expect(LinkConnected, within=4 * UNIT)).welcome.resumed
        queued = await citizen.expect(p.Queued, session_id=session_id)
        assert (queued.department_id, queued.position) == ("fukushi", 1)
        await tanaka.expect(LinkConnected, within=4 * UNIT)
        await tanaka.send(p.WrapUp(session_id=session_id, outcome_code="referred", note="福祉へ"))
        await tanaka.expect(p.WrapUpSaved, session_id=session_id)
        async with Participant(hub.url, demo_staff(demo, "suzuki")) as suzuki:
            snapshot = await suzuki.expect(p.QueueSnapshot)
            [entry] = snapshot.entries
            assert entry.session_id == session_id
            assert entry.transferred_from is not None
            assert entry.transferred_from.note == note
            await suzuki.send(p.AcceptNext())
            await citizen.expect(p.SessionStarted, session_id=session_id)
            await suzuki.send(p.HangUp(session_id=session_id))
            await citizen.expect(p.SessionEnded, session_id=session_id)
    [record] = await history(hub)
    assert record.id == session_id
    assert record.transfers == 1
    assert record.end_reason is p.EndReason.COMPLETED
    first_leg, second_leg = record.legs
    assert (first_leg.end_reason, first_leg.outcome_code) == (p.EndReason.TRANSFERRED, "referred")
    assert (second_leg.department_id, second_leg.transfer_note) == ("fukushi", note)
    assert second_leg.answered_at is not None
