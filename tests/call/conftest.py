"""Fixtures for the call engine's tests: a lean hub, engine probes and content calls.

`hub` is the lean hub of tests/fixtures/engines.py (one staff member and one kiosk, quick to
seed), not the full demo one the other packages get; `loopback_ice` comes from there too.
`probes` is a kiosk and a staff engine logged in to it (the `Probe` helpers are in
test_engine.py). `call` and `keeping` are a page sender and receiver on a real content channel
(the helpers are in test_document_share.py); `keeping`'s kiosk keeps pages and has announced
its viewer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from call.content_messages import Viewer
from tests.call.test_document_share import Call, next_of, open_call
from tests.call.test_engine import STAFF, Probe, make_probe
from tests.fixtures.engines import start_lean_hub
from tests.fixtures.hub import RunningHub

KEEP = 3  # pages the `keeping` call's kiosk keeps


@pytest.fixture
async def hub(tmp_path: Path, aiohttp_server: Any) -> RunningHub:
    """A real hub with the demo city, one staff member (tanaka) and one kiosk."""
    return await start_lean_hub(tmp_path, aiohttp_server)


@pytest.fixture
async def probes(hub: RunningHub, loopback_ice: None) -> AsyncIterator[tuple[Probe, Probe]]:
    kiosk = await make_probe(hub, hub.kiosk(0))
    staff = await make_probe(hub, hub.staff(STAFF))
    yield kiosk, staff
    await kiosk.engine.close()
    await staff.engine.close()


@pytest.fixture
async def call(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Call]:
    """A `PageSender` and a `PageReceiver` on the two ends of a real content channel."""
    async with open_call(monkeypatch) as opened:
        yield opened


@pytest.fixture
async def keeping(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Call]:
    """A call whose kiosk keeps the last `KEEP` pages, with its viewer announced."""
    async with open_call(monkeypatch, keep_pages=KEEP) as opened:
        opened.kiosk.announce_viewer(800, 600)
        await next_of(opened.viewer_events, Viewer)
        assert opened.staff.keep_pages == KEEP
        yield opened
