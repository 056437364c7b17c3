"""Every admin route, walked as 中央区's supervisor against 北区's data: filtered or refused.

The walk enumerates the admin app's router, so a route added without a line in ROUTES fails
here until someone decides what a ward supervisor gets from it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import msgspec
import pytest

from call.link import Credentials
from signaling import protocol as p
from signaling.admin.app import create_admin_app
from tests.fixtures.hub import RunningHub
from tests.participant import Participant

from .admin_hub import AdminClient, origin
from .wards import (
    B_MARKERS,
    TwoWards,
    admin_session,
    call,
    seed_two_wards,
    sign_in_supervisor,
)


@dataclass(frozen=True, slots=True)
class Probe:
    path: str  # {b_kiosk}, {a_kiosk}, {kimura} are filled in from the seeded data
    status: int  # what 中央区's supervisor gets
    body: Any = None


NAMES = {"ja": "名前"}
NEW_ACCOUNT = {"username": "x", "display_name": "X", "password": "long-enough-1",
               "departments": ["shimin"]}  # fmt: skip
# 403: a change no ward supervisor may make, whatever it names (refused before any lookup).
# 404: another ward's object, answered as for one that does not exist.
# 200: a read, whose answer must not name anything of 北区 (B_MARKERS).
ROUTES: dict[tuple[str, str], list[Probe] | str] = {
    ("GET", "/"): "the page itself: static HTML, no data",
    ("GET", "/static"): "the page's scripts and styles: no data",
    ("GET", "/live"): "the live socket: test_the_live_socket_and_snapshot_show_only_the_ward",
    ("POST", "/api/login"): "sign-in: its answer is /api/me's, checked in test_scope_api.py",
    ("POST", "/api/logout"): "sign-out: ends one's own session, names nothing",
    ("GET", "/api/me"): [Probe("/api/me", 200)],
    ("GET", "/api/overview"): [
        Probe("/api/overview", 200),
        Probe("/api/overview?ward=kita", 404),
        Probe("/api/overview?site=kita-aoba", 404),
    ],
    ("GET", "/api/snapshot"): [Probe("/api/snapshot", 200)],
    ("GET", "/api/history"): [
        Probe("/api/history", 200),
        Probe("/api/history?kiosk={b_kiosk}", 200),
        Probe("/api/history?department=kita-shimin", 200),
        Probe("/api/history?staff={kimura}", 200),
        Probe("/api/history?ward=kita", 404),
        Probe("/api/history?site=kita-hokubu", 404),
    ],
    ("GET", "/api/history.csv"): [
        Probe("/api/history.csv", 200),
        Probe("/api/history.csv?ward=kita", 404),
    ],
    ("GET", "/api/directory"): [Probe("/api/directory", 200)],
    ("GET", "/api/departments"): [Probe("/api/departments", 200)],
    ("PUT", "/api/department-order"): [Probe("/api/department-order", 403, {"ids": []})],
    ("PUT", "/api/departments/{department_id}"): [
        Probe("/api/departments/kita-shimin", 403, {"names": NAMES}),
        Probe("/api/departments/shimin", 403, {"names": NAMES}),
    ],
    ("DELETE", "/api/departments/{department_id}"): [Probe("/api/departments/kita-shimin", 403)],
    ("GET", "/api/categories"): [Probe("/api/categories", 200)],
    ("PUT", "/api/category-order"): [Probe("/api/category-order", 403, {"ids": []})],
    ("PUT", "/api/categories/{category_id}"): [
        Probe("/api/categories/juminhyo", 403, {"names": NAMES, "service_id": "jumin"})
    ],
    ("DELETE", "/api/categories/{category_id}"): [Probe("/api/categories/juminhyo", 403)],
    ("GET", "/api/kiosks"): [Probe("/api/kiosks", 200)],
    ("POST", "/api/kiosks"): [
        Probe("/api/kiosks", 403, {"name": "新端末", "site_id": "kita-aoba"}),
        Probe("/api/kiosks", 403, {"name": "新端末", "site_id": "chuo-office"}),
    ],
    ("POST", "/api/kiosks/{kiosk_id}/disabled"): [
        Probe("/api/kiosks/{b_kiosk}/disabled", 404, {"disabled": True}),
        Probe("/api/kiosks/k-unknown/disabled", 404, {"disabled": True}),
    ],
    ("PUT", "/api/kiosks/{kiosk_id}/site"): [
        Probe("/api/kiosks/{b_kiosk}/site", 404, {"site_id": "chuo-office"}),
        Probe("/api/kiosks/{a_kiosk}/site", 403, {"site_id": "kita-aoba"}),
        Probe("/api/kiosks/{a_kiosk}/site", 403, {"site_id": "no-such-site"}),
        Probe("/api/kiosks/{a_kiosk}/site", 403, {"site_id": None}),
    ],
    ("GET", "/api/accounts"): [Probe("/api/accounts", 200)],
    ("POST", "/api/accounts"): [Probe("/api/accounts", 403, NEW_ACCOUNT)],
    ("POST", "/api/accounts/{account_id}/password"): [
        Probe("/api/accounts/{kimura}/password", 403, {"password": "long-enough-1"})
    ],
    ("POST", "/api/accounts/{account_id}/disabled"): [
        Probe("/api/accounts/{kimura}/disabled", 403, {"disabled": True})
    ],
    ("PUT", "/api/accounts/{account_id}"): [
        Probe("/api/accounts/{kimura}", 403, {"departments": ["shimin"]})
    ],
    ("GET", "/api/outcome-codes"): [Probe("/api/outcome-codes", 200)],
    ("PUT", "/api/outcome-code-order"): [Probe("/api/outcome-code-order", 403, {"codes": []})],
    ("PUT", "/api/outcome-codes/{code}"): [Probe("/api/outcome-codes/x", 403, {"names": NAMES})],
    ("DELETE", "/api/outcome-codes/{code}"): [Probe("/api/outcome-codes/resolved", 403)],
    ("GET", "/api/staff-messages"): [Probe("/api/staff-messages", 200)],
    ("PUT", "/api/staff-message-order"): [Probe("/api/staff-message-order", 403, {"ids": []})],
    ("PUT", "/api/staff-messages/{message_id}"): [
        Probe("/api/staff-messages/x", 403, {"texts": NAMES})
    ],
    ("DELETE", "/api/staff-messages/{message_id}"): [Probe("/api/staff-messages/x", 403)],
    ("GET", "/api/readings"): [Probe("/api/readings", 200)],
    ("PUT", "/api/readings"): [Probe("/api/readings", 403, [{"word": "門司", "reading": "もじ"}])],
    ("GET", "/api/wards"): [Probe("/api/wards", 200)],
    ("PUT", "/api/wards/{ward_id}"): [
        Probe("/api/wards/kita", 403, {"names": NAMES}),
        Probe("/api/wards/chuo", 403, {"names": NAMES}),
    ],
    ("DELETE", "/api/wards/{ward_id}"): [Probe("/api/wards/kita", 403)],
    ("GET", "/api/sites"): [Probe("/api/sites", 200)],
    ("PUT", "/api/sites/{site_id}"): [
        Probe("/api/sites/kita-aoba", 404, {"ward_id": "kita", "names": NAMES}),
        Probe("/api/sites/kita-aoba", 404, {"ward_id": "chuo", "names": NAMES}),
        Probe("/api/sites/chuo-new", 403, {"ward_id": "kita", "names": NAMES}),
        Probe("/api/sites/chuo-honmachi", 403, {"ward_id": "kita", "names": NAMES}),
    ],
    ("DELETE", "/api/sites/{site_id}"): [Probe("/api/sites/kita-aoba", 404)],
    ("GET", "/api/services"): [Probe("/api/services", 200)],
    ("PUT", "/api/services/{service_id}"): [Probe("/api/services/jumin", 403, {"names": NAMES})],
    ("DELETE", "/api/services/{service_id}"): [Probe("/api/services/jumin", 403)],
    ("GET", "/api/audit"): [Probe("/api/audit", 200)],
}

# What an admin reads before and after the walk: the walk must have changed none of it.
STATE = ("/api/departments", "/api/categories", "/api/wards", "/api/sites", "/api/services",
         "/api/accounts", "/api/outcome-codes", "/api/staff-messages",
         "/api/readings")  # fmt: skip


def router_routes() -> set[tuple[str, str]]:
    routes = set()
    for route in create_admin_app().router.routes():
        if route.method != "HEAD":  # aiohttp adds one to each GET
            routes.add((route.method, route.resource.canonical if route.resource else ""))
    return routes


def test_every_route_of_the_admin_app_has_a_ward_scope_probe_or_a_reason() -> None:
    assert router_routes() == set(ROUTES), "say what a ward supervisor gets from a new route"


@pytest.fixture
async def two_wards(hub: RunningHub) -> TwoWards:
    return await seed_two_wards(hub)


@pytest.fixture
async def admin(hub: RunningHub) -> AsyncIterator[AdminClient]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        yield await admin_session(hub, session)


async def city_state(admin: AdminClient) -> list[Any]:
    state = [msgspec.json.decode((await call(admin, "GET", path))[1]) for path in STATE]
    kiosks = msgspec.json.decode((await call(admin, "GET", "/api/kiosks"))[1])
    # A kiosk's last_seen_at moves with its connection; everything else must stay.
    return [*state, [{k: v for k, v in row.items() if k != "last_seen_at"} for row in kiosks]]


async def test_a_ward_supervisor_gets_nothing_of_another_ward_from_any_route(
    hub: RunningHub, client: AdminClient, admin: AdminClient, two_wards: TwoWards
) -> None:
    ids = {"b_kiosk": two_wards.b_kiosk_id, "a_kiosk": two_wards.a_kiosk_id,
           "kimura": two_wards.kimura_id}  # fmt: skip
    markers = (*B_MARKERS, two_wards.b_kiosk_id, two_wards.kimura_id)
    before = await city_state(admin)
    await sign_in_supervisor(client)
    for (method, _), probes in sorted(ROUTES.items()):
        if isinstance(probes, str):
            continue
        for probe in probes:
            path = probe.path.format(**ids)
            status, text = await call(client, method, path, probe.body)
            assert status == probe.status, f"{method} {path}: {status} {text}"
            if status == 200:
                leaks = [m for m in markers if m in text]
                assert leaks == [], f"{method} {path} shows 北区's {leaks}: {text[:500]}"
    assert await city_state(admin) == before
    # The same reads as an admin do name 北区's things: the markers are there to be hidden.
    for path in ("/api/history", "/api/kiosks", "/api/sites", "/api/accounts", "/api/audit"):
        status, text = await call(admin, "GET", path)
        assert status == 200
        assert any(m in text for m in markers), path


async def test_the_live_socket_and_snapshot_show_only_the_ward(
    hub: RunningHub, client: AdminClient, admin: AdminClient, two_wards: TwoWards
) -> None:
    """北区 is busy (a call at アオバ端末, a citizen waiting at 北部支所): 中央区 sees none."""
    hokubu = next(i for i, k in enumerate(hub.demo.kiosks) if k.name == "北部支所")
    async with (
        Participant(hub.url, Credentials(token=two_wards.b_kiosk_token)) as aoba,
        Participant(hub.url, hub.kiosk(hokubu)) as waiting,
        Participant(hub.url, hub.staff("kimura")) as kimura,
    ):
        await aoba.expect(p.Directory)
        await aoba.send(p.RequestConsultation(category_id="juminhyo", language="ja"))
        queued = await aoba.expect(p.Queued)
        await kimura.send(p.Accept(session_id=queued.session_id))
        await aoba.expect(p.SessionStarted)
        await waiting.expect(p.Directory)
        await waiting.send(p.RequestConsultation(category_id="juminhyo", language="ja"))
        await waiting.expect(p.Queued)

        city = msgspec.json.decode((await call(admin, "GET", "/api/snapshot"))[1])
        assert (city["active_calls"], city["waiting_now"]) == (1, 1)
        assert {"kita-shimin"} <= {q["department_id"] for q in city["queues"]}

        await sign_in_supervisor(client)
        markers = (*B_MARKERS, two_wards.b_kiosk_id, two_wards.kimura_id)
        url = f"{hub.http}/admin/live"
        async with client.http.ws_connect(url, origin=origin(hub)) as ws:
            pushed = await ws.receive_str()
        status, polled = await call(client, "GET", "/api/snapshot")
        assert status == 200
        for text in (pushed, polled):
            assert [m for m in markers if m in text] == []
            snapshot = msgspec.json.decode(text)
            assert (snapshot["active_calls"], snapshot["waiting_now"]) == (0, 0)
            assert snapshot["calls"] == []
            assert {k["name"] for k in snapshot["kiosks"]} == {"中央公民館", "本町市民センター"}
            assert {q["department_id"] for q in snapshot["queues"]} <= {"shimin"}
            assert {s["name"] for s in snapshot["staff"]} == {"田中", "佐藤"}
