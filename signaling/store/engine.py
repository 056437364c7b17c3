"""Creating the engine: SQLite made safe for a server, and which errors mean "try later"."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import sqlalchemy.exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

# PostgreSQL SQLSTATE classes worth a retry: connection, resources (disk full), operator
# intervention (shutdown), system error (I/O).
_RETRYABLE_SQLSTATE_CLASSES = frozenset({"08", "53", "57", "58"})


def is_unavailable(exc: BaseException) -> bool:
    if isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError | OSError):
        return True
    if isinstance(exc, sa_exc.DBAPIError):
        state = getattr(exc.orig, "sqlstate", None)
        return exc.connection_invalidated or (
            isinstance(state, str) and state[:2] in _RETRYABLE_SQLSTATE_CLASSES
        )
    return False


def describe(exc: BaseException) -> str:
    return str(exc.orig) if isinstance(exc, sa_exc.DBAPIError) else str(exc)


# The extra that installs a driver, for the one-line error when it is missing.
_EXTRA_FOR_DRIVER = {"asyncpg": "madoguchi[postgres]"}


def missing_driver(url: str) -> str | None:
    """Why the database URL cannot be used here, in one line (never its password); else None.

    The hub-only install has no PostgreSQL driver: say which extra to install instead of the
    traceback SQLAlchemy would give when the store opens.
    """
    try:
        parsed = sa.make_url(url)
        dialect = parsed.get_dialect()
    except sa_exc.ArgumentError:
        # Not the URL itself, nor SQLAlchemy's message, which may quote it with its password.
        scheme, found, _rest = url.partition("://")
        kind = f" ({scheme}://)" if found else ""
        return f"setting 'database_url': not a database URL that SQLAlchemy knows{kind}"
    try:
        dialect.import_dbapi()
    except ImportError as exc:
        package = exc.name or parsed.get_driver_name()
        remedy = _EXTRA_FOR_DRIVER.get(package, package)
        return (
            f"setting 'database_url': {parsed.drivername} needs the Python package {package}, "
            f"which is not installed: pip install '{remedy}'"
        )
    return None


def create_engine(url: str, sqlite_pragmas: Mapping[str, str | int]) -> AsyncEngine:
    parsed = sa.make_url(url)
    engine = create_async_engine(
        parsed,
        # Keep Japanese readable in the database instead of \u escapes.
        json_serializer=lambda value: json.dumps(value, ensure_ascii=False),
        pool_pre_ping=parsed.get_backend_name() == "postgresql",
    )
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        on_disk = database not in ("", ":memory:") and not database.startswith("file:")
        if on_disk:
            _create_private(Path(database))
        _configure_sqlite(engine, on_disk, sqlite_pragmas)
    return engine


def _create_private(database: Path) -> None:
    """The folder 0700 and the file 0600 before SQLite makes them with the umask's 0644.

    SQLite gives the -wal and -shm files the database's own mode, so they stay private too.
    """
    database.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(database, os.O_WRONLY | os.O_CREAT, 0o600))


def _configure_sqlite(
    engine: AsyncEngine, on_disk: bool, extra_pragmas: Mapping[str, str | int]
) -> None:
    pragmas: dict[str, str | int] = {"busy_timeout": 5000, "foreign_keys": "ON"}
    pragmas.update(extra_pragmas)

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module, which would otherwise run
        # DDL outside any transaction (SQLAlchemy docs, "sqlite_transactions").
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            for name, value in pragmas.items():
                cursor.execute(f"PRAGMA {name}={value}")
            if on_disk:
                _use_wal(cursor)
        finally:
            cursor.close()

    def on_begin(conn: sa.Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    sa.event.listen(engine.sync_engine, "connect", on_connect)
    sa.event.listen(engine.sync_engine, "begin", on_begin)


def _use_wal(cursor: Any) -> None:
    # WAL lets readers (the admin page) and the writer proceed without blocking each other.
    # The mode belongs to the file, not the connection: when two processes open a new file at
    # once, one of them gets "locked" without a busy wait, and simply follows the other.
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
    except sqlite3.OperationalError as exc:
        if "locked" not in str(exc):
            raise
