"""Backing up and restoring the SQLite database with SQLite's online backup API.

A backup copies the database in one step of the backup API, inside one read transaction, so it
is a consistent snapshot even while the hub writes (WAL lets the hub's writes go on meanwhile).
It is written to a private temporary file (0600) next to the target, checked, and only then
renamed into place, so a crash never leaves a half-written backup under the backup's name.

A restore copies a checked backup into the database file with the same API, holding an
exclusive lock, and only when nothing else has the database open: the hub must be stopped.
PostgreSQL has its own tools (pg_dump, pg_restore); docs/operations.md says how.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from signaling.store import migrations


class BackupError(Exception):
    """The backup or restore cannot be done; the message says why."""


@dataclass(frozen=True, slots=True)
class Summary:
    """What a database file holds, as checked."""

    path: Path
    revision: str
    consultations: int
    audit_entries: int
    size_bytes: int

    def describe(self) -> str:
        return (
            f"{self.path}: schema {self.revision}, {self.consultations} consultations, "
            f"{self.audit_entries} audit entries, {self.size_bytes} bytes"
        )


def sqlite_path(database_url: str) -> Path:
    """The file behind a SQLite URL; BackupError for anything else."""
    url = sa.make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise BackupError(
            f"the database is {url.get_backend_name()}, not SQLite: back it up with pg_dump "
            f"and restore it with pg_restore (docs/operations.md, Backups)"
        )
    if url.database in (None, "", ":memory:") or url.database.startswith("file:"):
        raise BackupError(f"the database {url.database!r} is not a file")
    return Path(url.database)


def backup(database: Path, target: Path) -> Summary:
    """Copy the live database to target (0600), consistent even while the hub writes."""
    if not database.is_file():
        raise BackupError(f"there is no database at {database}")
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with _private_temporary(target) as partial:
        with (
            contextlib.closing(_connect(database)) as source,
            contextlib.closing(_connect(partial)) as copy,
        ):
            source.backup(copy)  # pages=-1: all of it in one step, one snapshot
            # The copy is a single self-contained file, whatever the live database's mode.
            copy.execute("PRAGMA journal_mode=DELETE")
        summary = check(partial)
        _fsync(partial)
        partial.replace(target)
    _fsync(target.parent)
    return Summary(
        target, summary.revision, summary.consultations, summary.audit_entries, summary.size_bytes
    )


def restore(source: Path, database: Path) -> Summary:
    """Replace the database's contents with a checked backup; the hub must be stopped."""
    checked = check(source)
    if not database.exists():
        database.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.close(os.open(database, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    with contextlib.closing(_connect(database)) as live:
        _lock_out_everyone_else(live, database)
        with contextlib.closing(_connect(source)) as backup_copy:
            backup_copy.backup(live)
    restored = check(database)
    return Summary(
        database,
        checked.revision,
        restored.consultations,
        restored.audit_entries,
        restored.size_bytes,
    )


def check(path: Path) -> Summary:
    """Integrity and schema of a database file; BackupError if it is not one we can use."""
    if not path.is_file():
        raise BackupError(f"there is no file at {path}")
    try:
        with contextlib.closing(_connect(path)) as conn:
            integrity = conn.execute("PRAGMA integrity_check").fetchone()
            if integrity != ("ok",):
                raise BackupError(f"{path} is damaged: {integrity[0] if integrity else '?'}")
            revision = _revision(conn, path)
            consultations = conn.execute("SELECT count(*) FROM consultations").fetchone()[0]
            audit_entries = conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a Madoguchi database: {exc}") from None
    return Summary(path, revision, consultations, audit_entries, path.stat().st_size)


def _revision(conn: sqlite3.Connection, path: Path) -> str:
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if "alembic_version" in tables:
        [(revision,)] = conn.execute("SELECT version_num FROM alembic_version").fetchall()
        if not migrations.is_known(revision):
            raise BackupError(
                f"{path} is at schema revision {revision}, newer than this program "
                f"({migrations.HEAD}); restore it with the Madoguchi that made it"
            )
        return str(revision)
    if "schema_version" in tables:
        return migrations.LEGACY
    raise BackupError(f"{path} is not a Madoguchi database: it has no schema revision")


def _lock_out_everyone_else(conn: sqlite3.Connection, database: Path) -> None:
    # In WAL mode an exclusive transaction in exclusive locking mode is refused while any
    # other connection has the database open, even an idle one: exactly "is the hub running".
    conn.execute("PRAGMA locking_mode=EXCLUSIVE")
    try:
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("COMMIT")
    except sqlite3.OperationalError as exc:
        raise BackupError(
            f"{database} is in use ({exc}): stop the hub (and any madoguchi-admin) first"
        ) from None


def _connect(path: Path) -> sqlite3.Connection:
    # timeout=0: never wait on someone else's lock; isolation_level=None: we say when.
    return sqlite3.connect(path, timeout=0, isolation_level=None)


@contextlib.contextmanager
def _private_temporary(target: Path) -> Iterator[Path]:
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    os.close(handle)  # mkstemp makes it 0600
    partial = Path(name)
    try:
        yield partial
    finally:
        partial.unlink(missing_ok=True)
        for suffix in ("-journal", "-wal", "-shm"):
            Path(f"{partial}{suffix}").unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
