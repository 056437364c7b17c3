"""The admin API for the city's own readings (門司 → もじ), which kiosks use for ruby.

``GET /readings`` gives the list; ``PUT /readings`` ``[{"word": …, "reading": …}, …]``
replaces the whole of it (the page edits it as one table), audited with the words that changed
and pushed to kiosks like any directory edit. Refusals are directory_api's JSON errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
from aiohttp import web

from signaling.admin.context import ADMIN, json_response
from signaling.admin.directory_api import decode_body, run_edit
from signaling.directory import Directory, DirectoryError, Reading, check_reading
from signaling.store.city import DirectoryChange, DirectoryEdit


async def readings(request: web.Request) -> web.Response:
    """A ward's supervisor does not get the readings of other wards' names (scope.py)."""
    admin = request.config_dict[ADMIN]
    scope = (await admin.access(await admin.guard.require(request))).scope
    city = await admin.store.load_directory()
    if scope.whole_city:
        return json_response(city.readings)
    elsewhere = [
        name
        for names in (
            *(w.names for w in city.wards if w.id != scope.ward_id),
            *(s.names for s in city.sites if not scope.sees_site(s.id)),
            *(d.names for d in city.departments if not scope.lists_department(d)),
        )
        for name in names.values()
    ]
    return json_response([r for r in city.readings if not any(r.word in n for n in elsewhere)])


async def put_readings(request: web.Request) -> web.Response:
    async def build() -> tuple[DirectoryEdit, Any]:
        body = await decode_body(request, list[Reading], '[{"word": ..., "reading": ...}, ...]')
        return replace_readings(body), body

    return await run_edit(request, build)


def replace_readings(new: Sequence[Reading]) -> DirectoryEdit:
    """**Pure**: the edit that makes ``new`` the city's readings; audited by word."""
    for reading in new:
        check_reading(reading)
    words = [r.word for r in new]
    if twice := sorted({w for w in words if words.count(w) > 1}):
        raise DirectoryError(f"each word may have one reading: {', '.join(twice)} twice")

    def edit(directory: Directory) -> DirectoryChange:
        old = {r.word: r.reading for r in directory.readings}
        now = {r.word: r.reading for r in new}
        changed = [w for w in {**old, **now} if old.get(w) != now.get(w)]
        detail = {
            "before": {"readings": {w: old[w] for w in changed if w in old}},
            "after": {"readings": {w: now[w] for w in changed if w in now}},
        }
        after = msgspec.structs.replace(directory, readings=list(new))
        return DirectoryChange(after, "readings_saved", "readings", detail)

    return edit
