"""A graceful restart with clients connected, as bench/signaling_load.py measures it at scale."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from call.link import LinkConnected, LinkDisconnected
from signaling import events
from signaling import protocol as p
from signaling.state_file import StateFile
from tests.fixtures.hub import RunningHub
from tests.participant import Participant


async def test_a_shutdown_writes_the_state_once_and_everyone_resumes_from_it(
    hub: RunningHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    writes: list[bytes] = []
    write = StateFile.write

    def counted(self: StateFile, switchboard: bytes, history: Sequence[events.Event]) -> None:
        writes.append(switchboard)
        write(self, switchboard, history)

    monkeypatch.setattr(StateFile, "write", counted)
    async with (
        Participant(hub.url, hub.kiosk(0)) as kiosk,
        Participant(hub.url, hub.staff("tanaka")) as tanaka,
        Participant(hub.url, hub.staff("suzuki")) as suzuki,
    ):
        await kiosk.send(p.RequestConsultation(category_id="juminhyo", language="ja"))
        queued = await kiosk.expect(p.Queued)
        await tanaka.send(p.Accept(session_id=queued.session_id))
        await tanaka.expect(p.SessionStarted)
        await kiosk.expect(p.SessionStarted)
        writes.clear()

        await hub.server.close()  # SIGTERM: GOING_AWAY to all, then the state file

        # Each of the three kept clients' detach used to rewrite the whole file first.
        assert len(writes) == 1
        assert queued.session_id.encode() in writes[0]
        for participant in (kiosk, tanaka, suzuki):
            await participant.expect(LinkDisconnected)
        hub.server = await hub.start()
        for participant in (kiosk, tanaka, suzuki):
            assert (await participant.expect(LinkConnected)).welcome.resumed
        again = await kiosk.expect(p.SessionStarted)
        assert (again.session_id, again.resumed) == (queued.session_id, True)
