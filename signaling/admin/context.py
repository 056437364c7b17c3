"""What every admin handler needs, kept on the hub app under one typed key."""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from typing import Any

import msgspec
from aiohttp import web

from signaling.admin import kpis, snapshot
from signaling.admin.guard import AdminUser, Guard
from signaling.admin.history_view import Names
from signaling.admin.live_state import LiveState
from signaling.admin.scope import CITY, Access, Scope, access_for, kiosk_sites
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

    async def names(self) -> Names:
        directory = await self.store.load_directory()
        return Names(
            kiosks={k.id: k.name for k in await self.store.list_kiosks()},
            staff={a.id: a.display_name for a in await self.store.list_accounts()},
            departments={d.id: d.names.get("ja", d.id) for d in directory.departments},
        )

    async def access(self, user: AdminUser) -> Access:
        """What ``user`` sees and may change (scope.py), from the directory as it is now."""
        return access_for(user.account, await self.store.load_directory())

    async def report(self, since: float, until: float, scope: Scope = CITY) -> kpis.Report:
        records = await self.store.list_consultations(since=since, until=until, limit=_ALL)
        level = self.settings.service_level_seconds
        if scope.whole_city:
            return kpis.report(records, level)
        # A ward's or site's figures are its own kiosks' citizens; those its desks took in from
        # other wards are counted apart, so that its overflow rate means its citizens' share.
        sites = kiosk_sites(await self.store.list_kiosks())
        own = kpis.report([r for r in records if scope.has_citizen(r, sites)], level)
        taken_in = sum(scope.taken_in(r, sites) for r in records)
        return dataclasses.replace(own, overflowed_in=taken_in if scope.department_ids else None)

    async def snapshot(self, scope: Scope = CITY) -> dict[str, Any]:
        now = time.time()
        return snapshot.build(
            switchboard=self.hub.switchboard,
            live=self.live,
            kiosks=await self.store.list_kiosks(),
            accounts=await self.store.list_accounts(),
            directory=await self.store.load_directory(),
            today=await self.report(*kpis.day_bounds(kpis.today(now)), scope),
            now=now,
            scope=scope,
        )


ADMIN = web.AppKey("admin", AdminContext)


async def signed_in(request: web.Request) -> tuple[AdminContext, Access]:
    """The admin context and what the signed-in user sees and may change (401 if nobody)."""
    admin = request.config_dict[ADMIN]
    return admin, await admin.access(await admin.guard.require(request))


def json_response(body: Any, status: int = 200) -> web.Response:
    return web.Response(
        body=msgspec.json.encode(body), status=status, content_type="application/json"
    )
