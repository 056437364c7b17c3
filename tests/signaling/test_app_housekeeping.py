"""What the hub tidies by itself: crash leftovers, disabled clients, expired and old records."""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from typing import Any

from call.link import LinkFailed
from signaling import events
from signaling import protocol as p
from signaling.tokens import hash_token
from tests.fixtures.hub import RunningHub
from tests.participant import UNIT, Participant, eventually

HubFactory = Callable[..., Coroutine[Any, Any, RunningHub]]


async def test_a_consultation_left_open_by_a_crash_is_ended_at_the_next_start(
    hub: RunningHub,
) -> None:
    store = await hub.store()
    try:
        kiosk_id = hub.demo.kiosks[0].kiosk_id
        await store.apply(
            [
                events.ConsultationRequested("crashed", kiosk_id, "juminhyo", "ja", "shimin", 100),
                events.LegQueued("crashed", 0, "shimin", 100),
            ]
        )
    finally:
        await store.close()
    await hub.restart()  # no snapshot of "crashed" exists: as after a crash
    store = await hub.store()
    try:
        [record] = [r for r in await store.list_consultations() if r.id == "crashed"]
        audit = await store.list_audit()
    finally:
        await store.close()
    assert record.end_reason is p.EndReason.NETWORK_LOST
    assert record.legs[0].end_reason is p.EndReason.NETWORK_LOST
    assert any(e.action == "unfinished_consultations_ended" for e in audit)


async def test_a_kiosk_disabled_by_an_admin_is_disconnected_for_good(
    hub_factory: HubFactory,
) -> None:
    hub = await hub_factory(housekeeping_seconds=1)
    async with Participant(hub.url, hub.kiosk(1)) as kiosk:
        store = await hub.store()
        try:
            kiosk_id = hub.demo.kiosks[1].kiosk_id
            await store.set_kiosk_disabled(kiosk_id, True, actor="test", now=time.time())
        finally:
            await store.close()
        failed = await kiosk.expect(LinkFailed, within=UNIT * 2)
    assert failed.code is p.ErrorCode.ACCOUNT_DISABLED


async def test_housekeeping_expires_sessions_and_purges_history_past_retention(
    hub_factory: HubFactory,
) -> None:
    hub = await hub_factory(housekeeping_seconds=1, history_retention_days=30)
    store = await hub.store()
    try:
        account = await store.get_account_by_username("sato")
        assert account is not None
        await store.create_session(hash_token("stale"), account.id, 0, time.time() - 5)
        long_ago = time.time() - 31 * 86400
        kiosk_id = hub.demo.kiosks[0].kiosk_id
        await store.apply(
            [
                events.ConsultationRequested("old", kiosk_id, "juminhyo", "ja", "shimin", long_ago),
                events.LegQueued("old", 0, "shimin", long_ago),
                events.ConsultationRequested(
                    "new", kiosk_id, "juminhyo", "ja", "shimin", time.time()
                ),
                events.LegQueued("new", 0, "shimin", time.time()),
            ]
        )
    finally:
        await store.close()

    async def tidied() -> bool:
        store = await hub.store()
        try:
            ids = {r.id for r in await store.list_consultations()}
            return ids == {"new"} and await store.get_session(hash_token("stale")) is None
        finally:
            await store.close()

    await eventually(tidied, within=UNIT * 2)
