"""The city file at start-up: an import into the database, which never stops the hub.

The database is the source of truth. The file creates what is missing and brings in what it
changed since its last import; admins' edits and what the database cannot remove are kept, and
each difference is logged and audited (signaling/city_import.py, docs/operations.md).
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

from signaling.city_import import Change, CityImport
from signaling.directory import DirectoryError, load_directory
from signaling.store import ConflictError, Store
from signaling.store.city import IMPORT_ACTOR, IMPORT_FAILED

logger = logging.getLogger("madoguchi.city_file")


async def import_city_file(store: Store, path: str) -> CityImport | None:
    """Import the file if it changed since its last import; None if it did not, or cannot be
    read (then the hub runs on the database's directory, and the log says why)."""
    try:
        directory = load_directory(await asyncio.to_thread(Path(path).read_bytes))
    except (OSError, DirectoryError) as exc:
        logger.error(
            "the city file %s is not imported; the hub runs on the database's directory: %s",
            path,
            exc,
        )
        await store.append_audit(
            at=time.time(),
            actor=IMPORT_ACTOR,
            action=IMPORT_FAILED,
            target=path,
            detail={"error": str(exc)},
        )
        return None
    try:
        result = await store.import_city_file(directory, source=path, now=time.time())
    except ConflictError as exc:  # a race with another writer (PostgreSQL): try at next start
        logger.error("the city file %s is not imported this time: %s", path, exc)
        return None
    if result is not None:
        report(path, result)
    return result


def report(path: str, result: CityImport) -> None:
    if result.error:
        logger.error(
            "the city file %s is not imported, it does not fit the database's directory; the "
            "hub runs on the database's: %s",
            path,
            result.error,
        )
        return
    done = [c for c in result.changes if c not in result.differences]
    logger.info(
        "= imported the directory from %s: %s",
        path,
        "; ".join(f"{c.change.value} {c.describe()}" for c in done) or "no change",
    )
    for difference in result.differences:
        level = logging.WARNING if difference.change is Change.KEPT_IN_USE else logging.INFO
        logger.log(
            level,
            "the database differs from the city file %s: %s %s",
            path,
            difference.change.value,
            difference.describe(),
        )
