"""What the store raises; everything else from the database is a bug and propagates as is."""

from __future__ import annotations


class StoreError(Exception):
    """The database could not be read or written (disk full, I/O, connection lost): retry later."""


class ConflictError(ValueError):
    """The change clashes with what is stored: a name already taken, a department still used."""


class NotFoundError(LookupError):
    """The account, kiosk or department named does not exist."""


class SchemaVersionError(RuntimeError):
    """The database was migrated by a newer Madoguchi than this one."""
