"""A full disk: the hub keeps serving, reports itself degraded, and loses no history."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from signaling import protocol as p
from tests.fixtures.hub import RunningHub
from tests.participant import UNIT, Participant, eventually


@pytest.fixture
def tiny_filesystem(tmp_path: Path) -> Iterator[Path]:
    """A real 4 MiB tmpfs, so that the disk really fills up (needs root, as in CI)."""
    mountpoint = tmp_path / "tiny"
    mountpoint.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mountpoint)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", "-l", str(mountpoint)], check=False)


def fill(directory: Path) -> Path:
    """Write a file until the filesystem has no room left."""
    filler = directory / "filler"
    with filler.open("wb", buffering=0) as file, contextlib.suppress(OSError):
        while True:
            file.write(b"\0" * 4096)
    assert os.statvfs(directory).f_bavail == 0
    return filler


async def health(hub: RunningHub) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as http, http.get(f"{hub.http}/healthz") as response:
        return response.status, await response.json()


async def status_is(hub: RunningHub, status: int) -> bool:
    return (await health(hub))[0] == status


async def test_a_full_disk_degrades_health_and_history_is_written_once_space_returns(
    tiny_filesystem: Path,
    hub_factory: Callable[..., Coroutine[Any, Any, RunningHub]],
) -> None:
    hub = await hub_factory(var_dir=str(tiny_filesystem / "var"))
    async with (
        Participant(hub.url, hub.kiosk(0)) as kiosk,
        Participant(hub.url, hub.staff("tanaka")) as tanaka,
    ):
        await tanaka.expect(p.QueueSnapshot)
        filler = fill(tiny_filesystem)
        # The citizen is served all the same: routing never waits for the disk.
        for _ in range(3):
            await kiosk.send(p.RequestConsultation(category_id="juminhyo", language="ja"))
            queued = await kiosk.expect(p.Queued)
            await tanaka.send(p.Accept(session_id=queued.session_id))
            await kiosk.expect(p.SessionStarted)
            await tanaka.send(p.HangUp(session_id=queued.session_id))
            await kiosk.expect(p.SessionEnded)
            await tanaka.send(p.WrapUp(session_id=queued.session_id, outcome_code="resolved"))
            await tanaka.expect(p.WrapUpSaved)
        await eventually(lambda: status_is(hub, 503))
        _, body = await health(hub)
        assert body["status"] == "degraded"
        assert body["store_backlog"] > 0
        assert body["state_saved"] is False  # nor could the switchboard's state be written
        assert not list((tiny_filesystem / "var").glob("*.new")), "a torn state file was left"

        # A kiosk can still come online: its login is logged, not refused, while the disk is full.
        async with Participant(hub.url, hub.kiosk(1)) as latecomer:
            assert latecomer.welcome.role is p.Role.KIOSK

        filler.unlink()
        await eventually(lambda: status_is(hub, 200), within=UNIT * 4)
        assert (await health(hub))[1]["state_saved"] is True

    store = await hub.store()
    try:
        records = await store.list_consultations()
    finally:
        await store.close()
    assert len(records) == 3
    assert all(r.end_reason is p.EndReason.COMPLETED for r in records)
    assert all(r.outcome_code == "resolved" for r in records)
