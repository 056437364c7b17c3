"""Directory edits made outside the hub (`madoguchi-admin` on the same database) reach the
clients of a running hub at its next housekeeping, and nothing is sent when nothing changed."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from signaling import protocol as p
from tests.fixtures.hub import RunningHub
from tests.participant import UNIT, Participant

HubFactory = Callable[..., Coroutine[Any, Any, RunningHub]]


async def madoguchi_admin(hub: RunningHub, *args: str) -> None:
    """The operator's command, in its own process, on the hub's database."""
    env = {
        **os.environ,
        "MADOGUCHI_DATABASE_URL": hub.settings.database_url,
        "MADOGUCHI_VAR_DIR": hub.settings.var_dir,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "signaling.admin_cli", *args,
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await process.communicate()
    assert process.returncode == 0, output.decode()


async def test_an_outcome_code_added_by_the_cli_reaches_a_running_console(
    hub_factory: HubFactory,
) -> None:
    hub = await hub_factory(housekeeping_seconds=0.5)
    async with Participant(hub.url, hub.staff("tanaka")) as tanaka:
        first = await tanaka.expect(p.Directory)
        assert "booked" not in {o.code for o in first.outcome_codes}
        # Nothing changed yet: housekeeping sends no directory of its own.
        await tanaka.quiet(p.Directory, seconds=1.5)

        await madoguchi_admin(
            hub, "set-outcome", "booked", "--name", "予約受付", "--name-en", "Appointment made"
        )
        changed = await tanaka.expect(p.Directory, within=4 * UNIT)
        names = {o.code: o.names for o in changed.outcome_codes}
        assert names["booked"]["ja"] == "予約受付"


async def test_a_ward_renamed_by_the_cli_reaches_a_running_kiosk(
    hub_factory: HubFactory,
) -> None:
    hub = await hub_factory(housekeeping_seconds=0.5)
    async with Participant(hub.url, hub.kiosk(0)) as kiosk:
        first = await kiosk.expect(p.Directory)
        ward = first.wards[0]
        await madoguchi_admin(hub, "set-ward", ward.id, "--name", "新しい区名", "--name-en", "New")
        changed = await kiosk.expect(p.Directory, within=4 * UNIT)
        assert {w.id: w.names["ja"] for w in changed.wards}[ward.id] == "新しい区名"
