"""Upgrading a database made by Madoguchi 0.1.0, on SQLite and PostgreSQL, keeps every row.

The fixtures are real 0.1.0 databases, dumped: fixtures/make_release_0_1_databases.py says how
they were made (0.1.0's own Store, run from commit a5bf9fc).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from signaling.auth import verify_password
from signaling.protocol import EndReason
from signaling.store import Store, StoreError, migrations, schema
from signaling.tokens import hash_token
from tests.signaling.test_store import POSTGRES_URL, drop_everything

FIXTURES = Path(__file__).parent / "fixtures"
SECRETS = json.loads((FIXTURES / "release_0_1.json").read_text(encoding="utf-8"))

BACKENDS = ["sqlite"] + (
    [pytest.param("postgresql", marks=pytest.mark.postgres)] if POSTGRES_URL else []
)


@pytest.fixture(params=BACKENDS)
async def release_0_1_database(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[str]:
    """The URL of a database exactly as 0.1.0 left it."""
    dump = (FIXTURES / f"release_0_1.{request.param}.sql").read_text(encoding="utf-8")
    if request.param == "sqlite":
        path = tmp_path / "madoguchi.db"
        with sqlite3.connect(path) as conn:
            conn.executescript(dump)
        yield f"sqlite+aiosqlite:///{path}"
        return
    assert POSTGRES_URL is not None
    await drop_everything(POSTGRES_URL)
    plain = sa.make_url(POSTGRES_URL).set(drivername="postgresql")
    conn = await asyncpg.connect(plain.render_as_string(hide_password=False))
    try:
        await conn.execute(dump)  # simple protocol: the whole script, as psql would run it
    finally:
        await conn.close()
    yield POSTGRES_URL
    await drop_everything(POSTGRES_URL)


async def every_row(url: str) -> dict[str, list[tuple[Any, ...]]]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            tables = sa.MetaData()
            await conn.run_sync(tables.reflect)
            return {
                name: sorted((await conn.execute(sa.select(table))).all(), key=repr)
                for name, table in tables.tables.items()
            }
    finally:
        await engine.dispose()


async def test_a_release_0_1_database_upgrades_to_head_with_every_row_kept(
    release_0_1_database: str,
) -> None:
    before = await every_row(release_0_1_database)
    assert before["schema_version"][0][:2] == (1, "initial schema")
    assert len(before["consultation_legs"]) == 1
    assert len(before["audit_log"]) >= 10

    store = await Store.open(release_0_1_database)
    try:
        assert await store.schema_revision() == migrations.HEAD
    finally:
        await store.close()

    after = await every_row(release_0_1_database)
    assert after.pop("alembic_version") == [(migrations.HEAD,)]
    del before["schema_version"]
    # Every row is still there with its old columns as they were; added columns come after them.
    old_columns = {name: len(rows[0]) for name, rows in before.items() if rows}
    assert {
        name: [row[: old_columns.get(name)] for row in rows] for name, rows in after.items()
    } == {
        **{name: [] for name in after},
        **before,
    }
    assert {row[7] for row in after["accounts"]} == {False}  # must_change_password (0003)


async def test_an_upgraded_release_0_1_database_matches_schema_py(
    release_0_1_database: str,
) -> None:
    await (await Store.open(release_0_1_database)).close()
    engine = create_async_engine(release_0_1_database)
    async with engine.connect() as conn:
        differences = await conn.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), schema.metadata)
        )
    await engine.dispose()
    assert differences == []


async def test_after_the_upgrade_logins_history_and_the_city_work_as_before(
    release_0_1_database: str,
) -> None:
    store = await Store.open(release_0_1_database)
    try:
        staff = await store.get_account_by_username("tanaka")
        assert staff is not None
        assert verify_password(staff.password_hash, SECRETS["passwords"]["tanaka"])
        session = await store.get_session(hash_token(SECRETS["session_token"]))
        assert session is not None
        assert session.account_id == staff.id
        token = SECRETS[
            "kiosk_token" if "sqlite" in release_0_1_database else "postgresql_kiosk_token"
        ]
        kiosk = await store.get_kiosk_by_token_hash(hash_token(token))
        assert kiosk is not None
        assert not kiosk.disabled
        [consultation] = await store.list_consultations()
        assert (consultation.id, consultation.end_reason, consultation.survey_score) == (
            "s-release-0.1",
            EndReason.COMPLETED,
            5,
        )
        assert consultation.legs[0].wrap_up_note == "住民票の写しを発行"
        assert "juminhyo" in {c.id for c in (await store.load_directory()).categories}
        # New writes land after the old ones (PostgreSQL's audit sequence came along).
        await store.append_audit(at=2e9, actor="test", action="after_upgrade")
        assert (await store.list_audit(limit=1))[0].action == "after_upgrade"
    finally:
        await store.close()


async def test_downgrading_to_0001_gives_back_the_schema_version_table_0_1_reads(
    release_0_1_database: str,
) -> None:
    await (await Store.open(release_0_1_database)).close()
    engine = create_async_engine(release_0_1_database)
    async with engine.begin() as conn:

        def downgrade(sync: sa.Connection) -> None:
            config = Config()
            config.set_main_option(
                "script_location", str(Path(migrations.__file__).parent / "revisions")
            )
            config.attributes["connection"] = sync
            command.downgrade(config, "0001")

        await conn.run_sync(downgrade)
    await engine.dispose()
    rows = await every_row(release_0_1_database)
    assert [row[:2] for row in rows["schema_version"]] == [(1, "initial schema")]
    assert rows["alembic_version"] == [("0001",)]


BROKEN_REVISION = """
import sqlalchemy as sa
from alembic import op

revision = "0099"
down_revision = "{head}"


def upgrade():
    op.add_column("kiosks", sa.Column("half_done", sa.Integer, nullable=True))
    op.execute("UPDATE no_such_table SET x = 1")
"""


async def test_a_failed_upgrade_leaves_the_database_as_it_was(
    release_0_1_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await (await Store.open(release_0_1_database)).close()
    before = await every_row(release_0_1_database)
    scripts = tmp_path / "revisions"
    shutil.copytree(Path(migrations.__file__).parent / "revisions", scripts)
    (scripts / "versions" / "0099_broken.py").write_text(
        BROKEN_REVISION.format(head=migrations.HEAD), encoding="utf-8"
    )
    config = Config()
    config.set_main_option("script_location", str(scripts))
    monkeypatch.setattr(migrations, "_config", lambda: config)
    monkeypatch.setattr(migrations, "HEAD", "0099")

    with pytest.raises((StoreError, sa.exc.DBAPIError), match="no_such_table"):
        await Store.open(release_0_1_database)

    assert await every_row(release_0_1_database) == before  # no half_done column, still 0002
