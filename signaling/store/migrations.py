"""Schema migrations: an ordered list of steps, recorded in ``schema_version``, run on open.

Every pending step runs in one transaction, under a lock, so two processes opening the same
database at once (the hub and madoguchi-admin) cannot both migrate it. Steps are never edited
once released; a change to the schema is a new step at the end.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from signaling.store import schema
from signaling.store.errors import SchemaVersionError

logger = logging.getLogger(__name__)

# Any constant will do; it only has to be the same in every process of one deployment.
_PG_LOCK_KEY = 0x6D61646F  # "mado"


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    description: str
    apply: Callable[[sa.Connection], None]


def _create_initial_schema(conn: sa.Connection) -> None:
    # Version 1 is schema.py as first released. Before a later step alters one of these
    # tables, copy the version-1 definitions into this module, so a fresh database replays
    # history exactly; test_store's "migrated schema matches schema.py" test catches a miss.
    tables = [t for t in schema.metadata.sorted_tables if t is not schema.schema_version]
    schema.metadata.create_all(conn, tables=tables)


MIGRATIONS: tuple[Migration, ...] = (Migration(1, "initial schema", _create_initial_schema),)

LATEST_VERSION = MIGRATIONS[-1].version


async def current_version(conn: AsyncConnection) -> int:
    """The schema version of the database, 0 if it is empty."""
    has_table = await conn.run_sync(
        lambda sync: sa.inspect(sync).has_table(schema.schema_version.name)
    )
    if not has_table:
        return 0
    version = await conn.scalar(sa.select(sa.func.max(schema.schema_version.c.version)))
    return int(version or 0)


async def migrate(conn: AsyncConnection, now: float) -> list[int]:
    """Apply the pending steps inside the caller's write transaction; returns their versions."""
    if conn.dialect.name == "postgresql":
        await conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_PG_LOCK_KEY)))
    # On SQLite the caller's BEGIN IMMEDIATE already holds the write lock.
    await conn.run_sync(lambda sync: schema.schema_version.create(sync, checkfirst=True))
    version = await current_version(conn)
    if version > LATEST_VERSION:
        raise SchemaVersionError(
            f"the database is at schema version {version}, newer than this program "
            f"({LATEST_VERSION}); upgrade Madoguchi"
        )
    applied = []
    for step in MIGRATIONS:
        if step.version <= version:
            continue
        logger.info("= migrating schema to version %d: %s", step.version, step.description)
        await conn.run_sync(step.apply)
        await conn.execute(
            sa.insert(schema.schema_version).values(
                version=step.version, description=step.description, applied_at=now
            )
        )
        applied.append(step.version)
    return applied
