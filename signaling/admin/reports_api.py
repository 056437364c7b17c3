"""The admin API's reports: the KPI overview, the live snapshot, history and its CSV export.

Each is the signed-in user's scope (scope.py): a ward supervisor's is always their ward; an
admin's (or a city-wide supervisor's) can be narrowed with ``?ward=`` and ``?site=``.
"""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from signaling.admin import kpis
from signaling.admin.context import AdminContext, json_response, signed_in
from signaling.admin.history_view import Filters, row, to_csv
from signaling.admin.scope import Access, OutOfScopeError, Scope, kiosk_sites, narrow

_HISTORY_PAGE = 500
_CSV_ROWS = 100_000


def _period(request: web.Request) -> tuple[float, float]:
    """``from`` and ``to`` as JST days, both included; today by default."""
    today = kpis.today(time.time())
    try:
        since, _ = kpis.day_bounds(request.query.get("from") or today)
        _, until = kpis.day_bounds(request.query.get("to") or request.query.get("from") or today)
    except ValueError:
        raise web.HTTPBadRequest(text="dates are YYYY-MM-DD") from None
    return since, until


async def _view(request: web.Request, admin: AdminContext, access: Access) -> Scope:
    """The user's scope, narrowed by ``?ward=&site=``; 404 for one outside it (scope.narrow)."""
    try:
        return narrow(
            access.scope,
            await admin.store.load_directory(),
            ward=request.query.get("ward") or None,
            site=request.query.get("site") or None,
        )
    except OutOfScopeError as exc:
        raise web.HTTPNotFound(text=str(exc)) from None


async def overview(request: web.Request) -> web.Response:
    admin, access = await signed_in(request)
    view = await _view(request, admin, access)
    return json_response(await admin.report(*_period(request), view))


async def live_snapshot(request: web.Request) -> web.Response:
    admin, access = await signed_in(request)
    return json_response(await admin.snapshot(access.scope))


async def _history(request: web.Request, limit: int) -> tuple[AdminContext, list[Any]]:
    since, until = _period(request)
    admin, access = await signed_in(request)
    view = await _view(request, admin, access)
    query = request.query
    records = await admin.store.list_consultations(
        since=since,
        until=until,
        kiosk_id=query.get("kiosk") or None,
        department_id=query.get("department") or None,
        # A ward's rows are among the city's: read them all, keep the ward's, then the page.
        limit=limit if view.whole_city else _CSV_ROWS,
    )
    if not view.whole_city:
        sites = kiosk_sites(await admin.store.list_kiosks())
        records = [r for r in records if view.involves(r, sites)]
    filters = Filters(
        staff_id=query.get("staff") or None,
        outcome_code=query.get("outcome") or None,
        end_reason=query.get("reason") or None,
    )
    return admin, [r for r in records if filters.match(r)][:limit]


async def history(request: web.Request) -> web.Response:
    admin, records = await _history(request, _HISTORY_PAGE)
    names = await admin.names()
    rows = [row(r, names) for r in records]
    return json_response({"rows": rows, "limit": _HISTORY_PAGE})


async def history_csv(request: web.Request) -> web.Response:
    admin, records = await _history(request, _CSV_ROWS)
    body = to_csv(records, await admin.names())
    since, _ = _period(request)
    response = web.Response(body=body, content_type="text/csv", charset="utf-8")
    day = kpis.today(since)
    response.headers["Content-Disposition"] = f'attachment; filename="madoguchi-{day}.csv"'
    return response
