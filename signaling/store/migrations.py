"""Schema migrations with Alembic, run when the database is opened.

The revisions live in ``revisions/versions/``, one file each, never edited once released; a
change to the schema is a new revision whose ``down_revision`` is the last one. Every pending
revision runs in the caller's write transaction, under a lock, so two processes opening the
same database at once (the hub and madoguchi-admin) cannot both migrate it, and a failed
upgrade leaves the database as it was (SQLite and PostgreSQL both have transactional DDL).

Madoguchi 0.1.0 recorded its schema in a ``schema_version`` table instead (version 1 there is
revision 0001 here): such a database is stamped at 0001 and upgraded like any other.
"""

from __future__ import annotations

import logging
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy.ext.asyncio import AsyncConnection

from signaling.store.errors import SchemaVersionError

logger = logging.getLogger(__name__)

# Any constant will do; it only has to be the same in every process of one deployment.
_PG_LOCK_KEY = 0x6D61646F  # "mado"
# The schema_version scheme's only released version, and the revision that equals it.
_VERSION_TABLE = "alembic_version"
_LEGACY_TABLE = "schema_version"
_LEGACY_VERSION = 1
_LEGACY_REVISION = "0001"
LEGACY = "schema_version 1"  # what migrate() reports for a 0.1.0 database


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "revisions"))
    return config


_SCRIPTS = ScriptDirectory.from_config(_config())
HEAD: str = _SCRIPTS.get_current_head() or ""


async def current_revision(conn: AsyncConnection) -> str | None:
    """The database's Alembic revision; None for an empty database (or one from 0.1.0)."""
    return await conn.run_sync(_revision_of)


def _revision_of(conn: sa.Connection) -> str | None:
    # Read directly: a MigrationContext would log its set-up at every open.
    if not sa.inspect(conn).has_table(_VERSION_TABLE):
        return None
    revision = conn.scalar(sa.text(f"SELECT version_num FROM {_VERSION_TABLE}"))
    return None if revision is None else str(revision)


async def migrate(conn: AsyncConnection) -> str | None:
    """Upgrade to HEAD inside the caller's write transaction; returns the revision it was at
    (None for an empty database, LEGACY for one from 0.1.0)."""
    if conn.dialect.name == "postgresql":
        await conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_PG_LOCK_KEY)))
    # On SQLite the caller's BEGIN IMMEDIATE already holds the write lock.
    return await conn.run_sync(_upgrade)


def _upgrade(conn: sa.Connection) -> str | None:
    config = _config()
    config.attributes["connection"] = conn
    found = _revision_of(conn)
    if found is None and sa.inspect(conn).has_table(_LEGACY_TABLE):
        _check_legacy_version(conn)
        logger.info("= adopting a 0.1.0 database (schema_version %d)", _LEGACY_VERSION)
        command.stamp(config, _LEGACY_REVISION)
        found = LEGACY
    elif found is not None:
        _check_known(found)
    if found != HEAD:
        logger.info("= migrating the schema from %s to %s", found or "nothing", HEAD)
        command.upgrade(config, "head")
    return found


def _check_legacy_version(conn: sa.Connection) -> None:
    version = conn.scalar(sa.text(f"SELECT max(version) FROM {_LEGACY_TABLE}"))
    if version != _LEGACY_VERSION:
        raise SchemaVersionError(
            f"the database is at schema version {version}, which no release of Madoguchi "
            f"made; restore it from a backup"
        )


def _check_known(revision: str) -> None:
    if not is_known(revision):
        raise SchemaVersionError(
            f"the database is at schema revision {revision}, newer than this program "
            f"({HEAD}); upgrade Madoguchi"
        )


def is_known(revision: str) -> bool:
    """Whether this program has the revision (HEAD or one before it)."""
    try:
        return _SCRIPTS.get_revision(revision) is not None
    except CommandError:
        return False
