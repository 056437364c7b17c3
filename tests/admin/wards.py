"""Two wards' data for the scope tests: a ward supervisor of 中央区 (A) and 北区's things (B).

On top of the demo city: a supervisor placed at 中央区役所, a kiosk of 北区 that only 北区 has
(アオバ端末 at kita-aoba), and today's history:
- ``c-chuo``: 中央公民館's citizen answered by 中央区's 市民課 (田中): A's own;
- ``c-chuo-out``: 中央公民館's citizen overflowed to 南区's 市民課 (伊藤): A's, overflow out;
- ``c-overflow-in``: 北部支所's citizen overflowed to 中央区's 市民課 (田中): A's desk took it in;
- ``c-kita-only``: アオバ端末's citizen answered by 北区's 市民課 (木村): B's alone.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import aiohttp

from signaling.auth import hash_password
from signaling.events import (
    ConsultationEnded,
    ConsultationRequested,
    Event,
    LegAnswered,
    LegEnded,
    LegQueued,
)
from signaling.protocol import EndReason, Role
from tests.fixtures.hub import RunningHub

from .admin_hub import AdminClient, origin

SUPERVISOR, SUPERVISOR_PASSWORD = "chuo-sv", "chuo-supervisor-1"
B_KIOSK = "アオバ端末"
# Nothing of 北区 may show to 中央区's supervisor but what their own desks or citizens touched:
# these appear only in 北区's own things (its names, ids, its staff and its own consultation).
B_MARKERS = ("kita", "Kita", "北区", "木村", "kimura", B_KIOSK, "c-kita-only")


@dataclass(frozen=True, slots=True)
class TwoWards:
    supervisor_id: str
    b_kiosk_id: str
    b_kiosk_token: str
    a_kiosk_id: str  # 中央公民館
    kimura_id: str


async def seed_two_wards(hub: RunningHub) -> TwoWards:
    store = await hub.store()
    now = time.time()
    try:
        supervisor = await store.create_account(
            SUPERVISOR, "中央 監督", Role.SUPERVISOR, hash_password(SUPERVISOR_PASSWORD), [],
            actor="test", now=now,
        )  # fmt: skip
        await store.set_account_site(supervisor.id, "chuo-office", actor="test", now=now)
        b_kiosk, b_token = await store.create_kiosk(
            B_KIOSK, "1F", actor="test", now=now, site_id="kita-aoba"
        )
        accounts = {a.username: a.id for a in await store.list_accounts()}
        kiosks = {k.name: k.id for k in await store.list_kiosks()}
        a_kiosk, hokubu = kiosks["中央公民館"], kiosks["北部支所"]
        await store.apply(
            [
                *served("c-chuo", a_kiosk, "shimin", accounts["tanaka"], now - 60),
                *served("c-chuo-out", a_kiosk, "shimin", accounts["ito"], now - 50,
                        answered_at="minami-shimin"),
                *served("c-overflow-in", hokubu, "kita-shimin", accounts["tanaka"], now - 40,
                        answered_at="shimin"),
                *served("c-kita-only", b_kiosk.id, "kita-shimin", accounts["kimura"], now - 30),
            ]
        )  # fmt: skip
    finally:
        await store.close()
    return TwoWards(supervisor.id, b_kiosk.id, b_token, a_kiosk, accounts["kimura"])


def served(
    session: str,
    kiosk_id: str,
    department: str,
    staff_id: str,
    at: float,
    *,
    answered_at: str | None = None,
) -> list[Event]:
    """A consultation queued at ``department``, answered 10 s later (by another ward's desk
    ``answered_at`` if given: an overflow), and completed after 20 s of talk."""
    desk = answered_at or department
    return [
        ConsultationRequested(session, kiosk_id, "juminhyo", "ja", department, at),
        LegQueued(session, 0, department, at),
        LegAnswered(session, 0, staff_id, at + 10, desk, department if answered_at else None),
        LegEnded(session, 0, EndReason.COMPLETED, at + 30),
        ConsultationEnded(session, EndReason.COMPLETED, at + 30, 10.0, 20.0, 0, True),
    ]


async def call(client: AdminClient, method: str, path: str, body: Any = None) -> tuple[int, str]:
    """Any admin API call as the page makes it (a change with Origin and the CSRF token)."""
    headers = {} if method == "GET" else {"Origin": origin(client.hub), "X-CSRF-Token": client.csrf}
    async with client.http.request(
        method, f"{client.hub.http}/admin{path}", json=body, headers=headers
    ) as response:
        return response.status, await response.text()


async def sign_in_supervisor(client: AdminClient) -> None:
    response = await client.login(SUPERVISOR, SUPERVISOR_PASSWORD)
    assert response.status == 200, await response.text()


async def admin_session(hub: RunningHub, session: aiohttp.ClientSession) -> AdminClient:
    admin = AdminClient(hub, session)
    assert (await admin.login("admin")).status == 200
    return admin
