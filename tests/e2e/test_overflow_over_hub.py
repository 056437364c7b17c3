"""A citizen at a 門司 center overflows to 小倉's desk after the service's wait, through a real hub.

The city has wards (tests/signaling/wards.py, open around the clock here, with a short overflow
wait). The 門司 desk has a `madoguchi-bot` staff member on duty who is busy at the counter and
takes no call (`--busy`, `--calls 0`); the 小倉 desk has another, and the citizen is a
`madoguchi-bot` kiosk at 門司市民センター. The call must be answered in 小倉 once the wait is up,
with media both ways, and the history and /metrics must say so.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import msgspec
import pytest
from aiohttp import ClientSession

from signaling import protocol as p
from signaling.app import create_app
from signaling.auth import hash_password
from signaling.directory import Directory, Service
from signaling.settings import Settings
from signaling.store import Store
from tests.e2e.test_hub_crash import BotProcess
from tests.fixtures.hub import ALWAYS
from tests.participant import UNIT, history_written
from tests.signaling.wards import city

OVERFLOW_AFTER = 3.0  # seconds: the city's wait for 住民票 before other wards' desks may answer
PASSWORD = "overflow-test-password"


def short_wait_city() -> Directory:
    shape = city()
    return msgspec.structs.replace(
        shape,
        services=[
            msgspec.structs.replace(s, overflow_after_seconds=OVERFLOW_AFTER)
            if s.id == "juminhyo"
            else s
            for s in shape.services
        ],
        departments=[msgspec.structs.replace(d, hours=ALWAYS) for d in shape.departments],
    )


@pytest.fixture
async def ward_hub(tmp_path: Path, aiohttp_server: Any) -> tuple[Any, Settings, str]:
    settings = Settings(var_dir=str(tmp_path / "var"), port=0)
    store = await Store.open(settings.database_url)
    try:
        await store.replace_directory(short_wait_city(), actor="test", now=0)
        for username, desk in (("moji", "moji-shimin"), ("kokura", "kokura-shimin")):
            await store.create_account(
                username, f"{username}職員", p.Role.STAFF, hash_password(PASSWORD), [desk],
                actor="test", now=0,
            )  # fmt: skip
        _, token = await store.create_kiosk(
            "門司市民センター 1階", "ロビー", actor="test", now=0, site_id="moji-center"
        )
    finally:
        await store.close()
    server = await aiohttp_server(create_app(settings))
    return server, settings, token


async def test_the_call_overflows_to_another_wards_desk_after_the_wait(
    ward_hub: tuple[Any, Settings, str],
) -> None:
    server, settings, token = ward_hub
    url = f"ws://{server.host}:{server.port}/ws"
    busy_at_the_counter = BotProcess(
        "staff", f"--server={url}", "--username=moji", f"--password={PASSWORD}",
        "--calls=0", f"--busy={OVERFLOW_AFTER + 6 * UNIT}",
    )  # fmt: skip
    citizen = BotProcess("kiosk", f"--server={url}", f"--token={token}", "--category=juminhyo")
    kokura = BotProcess(
        "staff", f"--server={url}", "--username=kokura", f"--password={PASSWORD}",
        "--hang-up-after=3",
    )  # fmt: skip
    async with asyncio.timeout(12 * UNIT):
        home = asyncio.ensure_future(busy_at_the_counter.run())
        await busy_at_the_counter.line("busy at the counter")  # on duty before the citizen asks
        kiosk_summary, staff_summary = await asyncio.gather(citizen.run(), kokura.run())
        assert (await home)["calls"] == []
    kiosk_call, staff_call = kiosk_summary["calls"][0], staff_summary["calls"][0]
    assert kiosk_call["session_id"] == staff_call["session_id"]
    for call in (kiosk_call, staff_call):
        assert call["frames"] > 0
        assert call["audio_seconds"] > 0

    await history_written(f"http://{server.host}:{server.port}")
    store = await Store.open(settings.database_url)
    try:
        [record] = await store.list_consultations()
    finally:
        await store.close()
    [leg] = record.legs
    assert (leg.department_id, leg.overflowed_from) == ("kokura-shimin", "moji-shimin")
    assert leg.answered_at is not None
    # Not before the city's wait: the desk at home was on duty all along (with nobody on duty
    # there the citizen would have overflowed at once), and never answered.
    assert leg.answered_at - leg.queued_at >= OVERFLOW_AFTER
    assert record.end_reason is p.EndReason.COMPLETED

    async with (
        ClientSession() as http,
        http.get(f"http://{server.host}:{server.port}/metrics") as r,
    ):
        metrics = await r.text()
    overflows = re.search(
        r'madoguchi_overflows_total\{department="moji-shimin",'
        r'to_department="kokura-shimin"\} (\S+)',
        metrics,
    )
    assert overflows is not None
    assert float(overflows.group(1)) == 1.0


def test_the_short_wait_city_is_the_wards_city_with_only_the_wait_changed() -> None:
    shape, short = city(), short_wait_city()
    assert [s.id for s in short.services] == [s.id for s in shape.services]
    juminhyo = next(s for s in short.services if s.id == "juminhyo")
    assert juminhyo == Service(
        id="juminhyo", names={"ja": "住民票"}, overflow_after_seconds=OVERFLOW_AFTER
    )
