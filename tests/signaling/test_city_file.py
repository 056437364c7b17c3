"""A real hub with a city file: admins edit, the operator changes the file, the hub still starts.

The database is the source of truth and the city file an import (signaling/city_import.py):
the file's changes come in, admins' edits stay, and what cannot go (a department with staff)
is kept, each difference logged and audited.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

import aiohttp
import msgspec
import pytest

from demo.hub import write_city_open_always
from signaling import protocol as p
from signaling.directory import Directory, DirectoryError, load_directory
from tests.admin.admin_hub import AdminClient, start_admin_hub
from tests.admin.test_directory_api import KENKO, read, send
from tests.fixtures.hub import RunningHub
from tests.participant import Participant


@pytest.fixture
async def city_hub(tmp_path: Path, aiohttp_server: Any) -> RunningHub:
    city_file = write_city_open_always(tmp_path / "city.toml")
    return await start_admin_hub(
        tmp_path, aiohttp_server, seed_directory=False, city_file=str(city_file)
    )


def without_department(city: Directory, department_id: str) -> Directory:
    """The city without the department and the topics only it served."""
    departments = [d for d in city.departments if d.id != department_id]
    offered = {service for d in departments for service in d.services}
    categories = [
        c
        for c in city.categories
        if c.department_id != department_id and (not c.service_id or c.service_id in offered)
    ]
    return msgspec.structs.replace(city, departments=departments, categories=categories)


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a TOML basic string, too
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    items = ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items())
    return "{ " + items + " }"


def write_city(path: Path, city: Directory) -> None:
    """The operator's edit of the file (msgspec's TOML encoder needs tomli_w, not installed)."""
    lines = []
    for field, entries in msgspec.to_builtins(city).items():
        for entry in entries:
            lines.append(f"[[{field}]]")
            lines.extend(f"{k} = {toml_value(v)}" for k, v in entry.items() if v is not None)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert load_directory(path.read_bytes()) == city


def read_city(path: Path) -> Directory:
    return load_directory(path.read_bytes())


def renamed(city: Directory, department_id: str, english: str) -> Directory:
    departments = [
        msgspec.structs.replace(d, names={**d.names, "en": english}) if d.id == department_id else d
        for d in city.departments
    ]
    return msgspec.structs.replace(city, departments=departments)


async def test_a_changed_city_file_after_admin_edits_is_merged_and_the_hub_starts(
    city_hub: RunningHub, caplog: pytest.LogCaptureFixture
) -> None:
    city_file = Path(str(city_hub.settings.city_file))
    city = read_city(city_file)
    staffed = next(d for a in city_hub.demo.accounts for d in a.departments)
    edited, renamed_in_file = [d.id for d in city.departments if d.id != staffed][:2]
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        client = AdminClient(city_hub, http)
        assert (await client.login("admin")).status == 200
        # The admins' edits: a new department, and another one's English name.
        assert (await send(client, "PUT", "/departments/kenko", KENKO)).status == 200
        before = next(d for d in await read(client, "/departments") if d["id"] == edited)
        page_edit = {**before, "names": {**before["names"], "en": "Edited on the page"}}
        assert (await send(client, "PUT", f"/departments/{edited}", page_edit)).status == 200

        # The operator's new file: a department with staff is gone, another one is renamed.
        changed = renamed(without_department(city, staffed), renamed_in_file, "Renamed in file")
        write_city(city_file, changed)
        with caplog.at_level(logging.INFO, logger="madoguchi.city_file"):
            await city_hub.restart()

        async with Participant(city_hub.url, city_hub.kiosk(0)) as kiosk:  # the hub serves
            directory = await kiosk.expect(p.Directory)
        names = {d.id: d.names.get("en") for d in directory.departments}
        assert names[staffed] is not None  # kept: it still has staff
        assert names["kenko"] == "Health Promotion"  # the admin's addition stays
        assert names[edited] == "Edited on the page"  # the file did not change it: edit stays
        assert names[renamed_in_file] == "Renamed in file"  # the file changed it: it comes in

        audit = {e["action"]: e["detail"] for e in reversed(await read(client, "/audit"))}
    differences = audit["directory_import_differences"]
    assert differences["kept_in_use"] == [
        f"department {staffed} (has staff; removed from the file)"
    ]
    assert (
        "department kenko (added in the database; not in the file)"
        in differences["kept_database_addition"]
    )
    assert differences["kept_database_edit"] == [
        f"department {edited} (edited in the database; the file has an older version)"
    ]
    assert audit["directory_imported"]["updated"] == [f"department {renamed_in_file} (names)"]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(f"kept_in_use department {staffed} (has staff" in w for w in warnings)


async def test_an_unreadable_city_file_does_not_stop_the_hub(city_hub: RunningHub) -> None:
    city_file = Path(str(city_hub.settings.city_file))
    broken = "[[departments]]\nid = 'BAD ID'\n"
    await asyncio.to_thread(city_file.write_text, broken, encoding="utf-8")
    with pytest.raises(DirectoryError) as why:
        load_directory(broken)
    await city_hub.restart()
    async with Participant(city_hub.url, city_hub.kiosk(0)) as kiosk:
        directory = await kiosk.expect(p.Directory)
    assert directory.departments  # the database's directory, as before the bad edit
    store = await city_hub.store()
    try:
        failed = [e for e in await store.list_audit() if e.action == "directory_import_failed"]
    finally:
        await store.close()
    assert [e.target for e in failed] == [str(city_file)]
    assert failed[0].detail == {"error": str(why.value)}
