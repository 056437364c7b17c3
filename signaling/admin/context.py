"""What every admin handler needs, kept on the hub app under one typed key."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import msgspec
from aiohttp import web

from signaling.admin import kpis, snapshot
from signaling.admin.guard import Guard
from signaling.admin.history_view import Names
from signaling.admin.live_state import LiveState
from signaling.auth import Authenticator
from signaling.hub import Hub
from signaling.settings import Settings
from signaling.store import Store

_ALL = 1_000_000  # KPIs need every consultation of the period, not a page of them


@dataclass(frozen=True, slots=True)
class AdminContext:
    settings: Settings
    store: Store
    hub: Hub
    authenticator: Authenticator
    live: LiveState
    guard: Guard
    directory_turn: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def names(self) -> Names:
        directory = await self.store.load_directory()
        return Names(
            kiosks={k.id: k.name for k in await self.store.list_kiosks()},
            staff={a.id: a.display_name for a in await self.store.list_accounts()},
            departments={d.id: d.names.get("ja", d.id) for d in directory.departments},
        )

    async def report(self, since: float, until: float) -> kpis.Report:
        records = await self.store.list_consultations(since=since, until=until, limit=_ALL)
        return kpis.report(records, self.settings.service_level_seconds)

    async def snapshot(self) -> dict[str, Any]:
        now = time.time()
        return snapshot.build(
            switchboard=self.hub.switchboard,
            live=self.live,
            kiosks=await self.store.list_kiosks(),
            accounts=await self.store.list_accounts(),
            directory=await self.store.load_directory(),
            today=await self.report(*kpis.day_bounds(kpis.today(now))),
            now=now,
        )


ADMIN = web.AppKey("admin", AdminContext)


def json_response(body: Any, status: int = 200) -> web.Response:
    return web.Response(
        body=msgspec.json.encode(body), status=status, content_type="application/json"
    )
