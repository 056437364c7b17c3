"""Revision 0004 (wards, sites, services) on a database at the previous head, on SQLite and
PostgreSQL: every row is kept, the new columns start empty, and the new shape works at once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import msgspec
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from signaling.directory import Site, Ward
from signaling.store import Store, migrations
from signaling.store.engine import create_engine
from tests.signaling.test_migrations import every_row, release_0_1_database

__all__ = ["release_0_1_database"]  # the fixture: a real 0.1.0 database, on both backends

PREVIOUS = "0003"
REVISION = "0004"


def alembic(action: Callable[[Config], None]) -> Callable[[sa.Connection], None]:
    def run(sync: sa.Connection) -> None:
        config = Config()
        config.set_main_option(
            "script_location", str(Path(migrations.__file__).parent / "revisions")
        )
        config.attributes["connection"] = sync
        if not sa.inspect(sync).has_table("alembic_version"):
            command.stamp(config, "0001")  # a 0.1.0 database, as migrations.py adopts it
        action(config)

    return run


async def at_revision(url: str, revision: str, *, downgrade: bool = False) -> None:
    """Migrate as the hub does: its engine (SQLite's foreign keys on), one transaction."""
    engine = create_engine(url, {})
    try:
        async with engine.begin() as conn:
            if downgrade:
                await conn.run_sync(alembic(lambda config: command.downgrade(config, revision)))
            else:
                await conn.run_sync(alembic(lambda config: command.upgrade(config, revision)))
    finally:
        await engine.dispose()


async def test_the_previous_heads_rows_are_all_kept_with_empty_new_columns(
    release_0_1_database: str,
) -> None:
    await at_revision(release_0_1_database, PREVIOUS)
    before = await every_row(release_0_1_database)
    assert before["alembic_version"] == [(PREVIOUS,)]
    assert before["account_departments"]
    assert before["auth_sessions"]
    assert before["categories"]

    await at_revision(release_0_1_database, REVISION)
    after = await every_row(release_0_1_database)
    assert after.pop("alembic_version") == [(REVISION,)]

    for table in ("wards", "sites", "services", "department_services", "city_file_imports"):
        assert after[table] == [], table
    del before["alembic_version"]
    for table, rows in before.items():
        width = len(rows[0]) if rows else 0
        assert [row[:width] for row in after[table]] == rows, table
    # The new columns, after the old ones, start empty: city-wide, unplaced, no service.
    assert {row[-1] for row in after["departments"]} == {None}  # ward_id
    assert {row[-1] for row in after["kiosks"]} == {None}  # site_id
    assert {row[-1] for row in after["accounts"]} == {None}  # site_id
    assert {row[-1] for row in after["categories"]} == {None}  # service_id


async def test_after_the_upgrade_the_city_takes_wards_and_kiosks_take_sites(
    release_0_1_database: str,
) -> None:
    await at_revision(release_0_1_database, PREVIOUS)
    store = await Store.open(release_0_1_database)
    try:
        before = await store.load_directory()
        assert before.categories
        assert all(c.department_id for c in before.categories)
        ward = Ward(id="moji", names={"ja": "門司区"})
        site = Site(id="moji-center", ward_id="moji", names={"ja": "門司市民センター"})
        first = before.departments[0]
        moved = msgspec.structs.replace(first, ward_id="moji")
        shaped = msgspec.structs.replace(
            before, wards=[ward], sites=[site], departments=[moved, *before.departments[1:]]
        )
        await store.replace_directory(shaped, actor="test", now=2e9)
        assert await store.load_directory() == shaped
        kiosk = (await store.list_kiosks())[0]
        await store.set_kiosk_site(kiosk.id, "moji-center", actor="test", now=2e9)
        placed = await store.get_kiosk(kiosk.id)
        assert placed is not None
        assert placed.site_id == "moji-center"
    finally:
        await store.close()


async def test_a_sqlite_downgrade_with_foreign_keys_on_is_refused_and_loses_nothing(
    release_0_1_database: str,
) -> None:
    if not release_0_1_database.startswith("sqlite"):
        pytest.skip("PostgreSQL drops a column in place, nothing cascades")
    await (await Store.open(release_0_1_database)).close()
    before = await every_row(release_0_1_database)
    with pytest.raises(RuntimeError, match="foreign keys off"):
        await at_revision(release_0_1_database, PREVIOUS, downgrade=True)
    assert await every_row(release_0_1_database) == before
