"""The city's directory in the database: departments, categories and outcome codes."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from signaling.directory import (
    Category,
    Department,
    Directory,
    OpeningHours,
    OutcomeCode,
    validate_directory,
)
from signaling.store.errors import ConflictError
from signaling.store.schema import (
    account_departments,
    audit_log,
    categories,
    departments,
    outcome_codes,
)

# The audit actions that replace the whole directory; the admin page's edits are not among them.
IMPORTED = "directory_imported"
REPLACED = "directory_replaced"


@dataclass(frozen=True, slots=True)
class DirectoryChange:
    """One edit's outcome: the new directory, and the audit entry that says what changed."""

    directory: Directory
    action: str
    target: str
    detail: dict[str, Any]


DirectoryEdit = Callable[[Directory], DirectoryChange]


def fingerprint(directory: Directory) -> str:
    """The same for equal directories, whatever the file's comments or layout."""
    return hashlib.sha256(msgspec.json.encode(directory)).hexdigest()


async def imported_fingerprint(conn: AsyncConnection) -> str | None:
    """The fingerprint of the city file the directory came from, if nothing replaced it since."""
    latest = await conn.execute(
        sa.select(audit_log.c.action, audit_log.c.detail)
        .where(audit_log.c.action.in_([IMPORTED, REPLACED]))
        .order_by(audit_log.c.id.desc())
        .limit(1)
    )
    row = latest.first()
    if row is None or row.action != IMPORTED:
        return None
    value = row.detail.get("fingerprint")
    return value if isinstance(value, str) else None


async def load_directory(conn: AsyncConnection) -> Directory:
    department_rows = await conn.execute(sa.select(departments).order_by(departments.c.sort_order))
    category_rows = await conn.execute(sa.select(categories).order_by(categories.c.sort_order))
    outcome_rows = await conn.execute(sa.select(outcome_codes).order_by(outcome_codes.c.sort_order))
    return Directory(
        departments=[
            Department(
                id=row.id,
                names=row.names,
                hours=msgspec.convert(row.hours, OpeningHours),
            )
            for row in department_rows
        ],
        categories=[
            Category(
                id=row.id,
                department_id=row.department_id,
                names=row.names,
                descriptions=row.descriptions,
                icon=row.icon,
            )
            for row in category_rows
        ],
        outcome_codes=[OutcomeCode(code=row.code, names=row.names) for row in outcome_rows],
    )


async def replace_directory(conn: AsyncConnection, directory: Directory) -> bool:
    """Make the stored directory equal ``directory``; False if it already was."""
    validate_directory(directory)
    if await load_directory(conn) == directory:
        return False
    keep = [d.id for d in directory.departments]
    in_use = (
        await conn.execute(
            sa.select(account_departments.c.department_id)
            .where(account_departments.c.department_id.not_in(keep))
            .distinct()
        )
    ).scalars()
    if dropped := sorted(in_use):
        raise ConflictError(
            f"departments {', '.join(dropped)} still have staff; move them to another "
            "department before removing it"
        )
    # Categories point at departments, so they go first and come back last.
    await conn.execute(sa.delete(categories))
    await conn.execute(sa.delete(outcome_codes))
    await conn.execute(sa.delete(departments).where(departments.c.id.not_in(keep)))
    existing = set((await conn.execute(sa.select(departments.c.id))).scalars())
    for order, department in enumerate(directory.departments):
        values = {
            "names": department.names,
            "hours": msgspec.to_builtins(department.hours),
            "sort_order": order,
        }
        if department.id in existing:
            await conn.execute(
                sa.update(departments).where(departments.c.id == department.id).values(**values)
            )
        else:
            await conn.execute(sa.insert(departments).values(id=department.id, **values))
    if directory.categories:
        await conn.execute(
            sa.insert(categories),
            [
                {
                    "id": c.id,
                    "department_id": c.department_id,
                    "names": c.names,
                    "descriptions": c.descriptions,
                    "icon": c.icon,
                    "sort_order": order,
                }
                for order, c in enumerate(directory.categories)
            ],
        )
    if directory.outcome_codes:
        await conn.execute(
            sa.insert(outcome_codes),
            [
                {"code": o.code, "names": o.names, "sort_order": order}
                for order, o in enumerate(directory.outcome_codes)
            ],
        )
    return True
