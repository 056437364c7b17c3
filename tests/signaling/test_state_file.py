"""The state file: what it keeps, how a restart reads it, and what it does with a bad one."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from signaling import events
from signaling import protocol as p
from signaling.app import STATE_FILE
from signaling.state_file import StateFile
from tests.fixtures.hub import RunningHub
from tests.participant import Participant

HISTORY: list[events.Event] = [
    events.ConsultationRequested("s1", "k1", "juminhyo", "ja", "shimin", 10.0),
    events.LegQueued("s1", 0, "shimin", 10.0),
    events.LegAnswered("s1", 0, "u1", 12.5),
    events.LegEnded("s1", 0, p.EndReason.TRANSFERRED, 30.0),
    events.LegQueued("s1", 1, "fukushi", 30.0, "生活費の相談", "u1"),
    events.ConsultationEnded("s1", p.EndReason.COMPLETED, 90.0, 20.0, 40.0, 1, True),
    events.WrapUpRecorded("s1", 0, "u1", "referred", "福祉へ", 31.0),
    events.SurveyRecorded("s1", 5, 95.0),
]


def test_the_state_and_the_history_come_back_as_written(tmp_path: Path) -> None:
    state = StateFile(tmp_path / STATE_FILE)
    assert state.read() is None
    state.write(b'{"sessions": []}', HISTORY)
    saved = state.read()
    assert saved is not None
    assert saved.switchboard == b'{"sessions": []}'
    assert saved.history == HISTORY
    assert (tmp_path / STATE_FILE).stat().st_mode & 0o777 == 0o600
    assert [path.name for path in tmp_path.iterdir()] == [STATE_FILE]  # no scratch left


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b'{"format": 99, "switchboard": {}, "history": []}',
        b'{"format": 1, "switchboard": {}, "history": [{"kind": "Nope", "event": {}}]}',
        b'{"format": 1, "switchboard": {}, "history": [{"kind": "LegQueued", "event": 3}]}',
    ],
)
def test_a_file_this_hub_cannot_read_is_a_value_error(tmp_path: Path, content: bytes) -> None:
    (tmp_path / STATE_FILE).write_bytes(content)
    with pytest.raises(ValueError):  # noqa: PT011 (msgspec's errors are ValueErrors)
        StateFile(tmp_path / STATE_FILE).read()


async def test_a_restart_with_an_unreadable_state_file_sets_it_aside_and_serves(
    hub: RunningHub, caplog: pytest.LogCaptureFixture
) -> None:
    await hub.server.close()
    var = Path(hub.settings.var_dir)
    (var / STATE_FILE).write_bytes(b"\x00 torn")
    with caplog.at_level(logging.ERROR, "madoguchi.app"):
        hub.server = await hub.start()
    assert "unreadable switchboard state" in caplog.text
    assert (var / "switchboard-state.unreadable").read_bytes() == b"\x00 torn"
    async with Participant(hub.url, hub.kiosk(0)) as kiosk:
        await kiosk.send(p.RequestConsultation(category_id="juminhyo", language="ja"))
        await kiosk.expect(p.Queued)
    assert StateFile(var / STATE_FILE).read() is not None  # written afresh at the change


async def test_history_the_store_had_not_written_is_written_at_the_restart(
    hub: RunningHub,
) -> None:
    """As after a crash with history still queued for the store: the restart replays it, and
    events the store already had do no harm (the history's writes are idempotent)."""
    await hub.server.close()
    StateFile(Path(hub.settings.var_dir) / STATE_FILE).write(
        b'{"sessions": [], "queues": {}, "clients": [], "handle_times": {}}', HISTORY[:3] * 2
    )
    hub.server = await hub.start()
    store = await hub.store()
    try:
        [record] = await store.list_consultations()
    finally:
        await store.close()
    assert record.id == "s1"
    # Nobody carries it on after the restart, so it ends, exactly once, as network_lost.
    assert record.end_reason is p.EndReason.NETWORK_LOST
    assert record.legs[0].answered_at == 12.5
    assert record.first_answered_at == 12.5
