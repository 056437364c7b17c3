"""The city's directory in the database: its wards, sites, services, departments, categories and
outcome codes."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from signaling.city_import import DIFFERENCES, Change, CityImport, InUse, merge_city_file
from signaling.directory import (
    Category,
    Department,
    Directory,
    DirectoryError,
    OpeningHours,
    OutcomeCode,
    Reading,
    Service,
    Site,
    SiteKind,
    StaffMessage,
    Ward,
    validate_directory,
)
from signaling.store import audit
from signaling.store.errors import ConflictError
from signaling.store.schema import (
    account_departments,
    accounts,
    categories,
    city_file_imports,
    department_services,
    departments,
    kiosks,
    outcome_codes,
    readings,
    services,
    sites,
    staff_messages,
    wards,
)

# The audit actions that replace the whole directory; the admin page's edits are not among them.
IMPORTED = "directory_imported"
REPLACED = "directory_replaced"
# Where the database still differs from the city file after an import, and an import not made.
DIFFERENCES_FOUND = "directory_import_differences"
IMPORT_FAILED = "directory_import_failed"
IMPORT_ACTOR = "config"


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


async def import_city_file(
    conn: AsyncConnection, directory: Directory, *, source: str, now: float
) -> CityImport | None:
    """Merge the city file into the stored directory (signaling/city_import.py), with its audit
    entries; None if this very file was the last one imported and nothing replaced the whole
    directory since. Never raises for the file's content: a merge that cannot be made leaves
    the directory as it is, and says why in ``CityImport.error`` and the audit log."""
    digest = fingerprint(directory)
    base = (
        await conn.execute(
            sa.select(city_file_imports.c.fingerprint, city_file_imports.c.directory)
            .order_by(city_file_imports.c.id.desc())
            .limit(1)
        )
    ).first()
    if base is not None and base.fingerprint == digest:
        return None
    stored = await load_directory(conn)
    in_use = InUse(
        departments_with_staff=await departments_with_staff(conn),
        sites_with_kiosks_or_staff=await sites_in_use(conn),
    )
    try:
        merged = merge_city_file(
            None if base is None else msgspec.convert(base.directory, Directory),
            stored,
            directory,
            in_use,
        )
    except DirectoryError as exc:
        await audit.append(
            conn,
            at=now,
            actor=IMPORT_ACTOR,
            action=IMPORT_FAILED,
            target=source,
            detail={"fingerprint": digest, "error": str(exc)},
        )
        return CityImport(stored, error=str(exc))
    changed = await replace_directory(conn, merged.directory)
    await conn.execute(
        sa.insert(city_file_imports).values(
            at=now, source=source, fingerprint=digest, directory=msgspec.to_builtins(directory)
        )
    )
    summary = merged.summary()
    imported = {k: v for k, v in summary.items() if Change(k) not in DIFFERENCES}
    await audit.append(
        conn,
        at=now,
        actor=IMPORT_ACTOR,
        action=IMPORTED,
        target=source,
        detail={"fingerprint": digest, "changed": changed, **imported},
    )
    if differences := {k: v for k, v in summary.items() if Change(k) in DIFFERENCES}:
        await audit.append(
            conn,
            at=now,
            actor=IMPORT_ACTOR,
            action=DIFFERENCES_FOUND,
            target=source,
            detail=differences,
        )
    return merged


async def forget_imports(conn: AsyncConnection) -> None:
    """After the whole directory was replaced, the next start imports the city file afresh."""
    await conn.execute(sa.delete(city_file_imports))


async def load_directory(conn: AsyncConnection) -> Directory:
    def ordered(table: sa.Table) -> sa.Select[Any]:
        return sa.select(table).order_by(table.c.sort_order)

    offered: dict[str, list[str]] = {}
    for row in await conn.execute(
        sa.select(department_services).order_by(
            department_services.c.department_id, department_services.c.sort_order
        )
    ):
        offered.setdefault(row.department_id, []).append(row.service_id)
    return Directory(
        wards=[
            Ward(id=row.id, names=row.names, shares_overflow=bool(row.shares_overflow))
            for row in await conn.execute(ordered(wards))
        ],
        sites=[
            Site(id=row.id, ward_id=row.ward_id, names=row.names, kind=SiteKind(row.kind))
            for row in await conn.execute(ordered(sites))
        ],
        services=[
            Service(id=row.id, names=row.names, overflow_after_seconds=row.overflow_after_seconds)
            for row in await conn.execute(ordered(services))
        ],
        departments=[
            Department(
                id=row.id,
                names=row.names,
                hours=msgspec.convert(row.hours, OpeningHours),
                ward_id=row.ward_id,
                services=offered.get(row.id, []),
            )
            for row in await conn.execute(ordered(departments))
        ],
        categories=[
            Category(
                id=row.id,
                department_id=row.department_id or "",
                service_id=row.service_id or "",
                names=row.names,
                descriptions=row.descriptions,
                icon=row.icon,
            )
            for row in await conn.execute(ordered(categories))
        ],
        outcome_codes=[
            OutcomeCode(code=row.code, names=row.names)
            for row in await conn.execute(ordered(outcome_codes))
        ],
        staff_messages=[
            StaffMessage(id=row.id, texts=row.texts)
            for row in await conn.execute(ordered(staff_messages))
        ],
        readings=[
            Reading(word=row.word, reading=row.reading)
            for row in await conn.execute(ordered(readings))
        ],
    )


async def departments_with_staff(conn: AsyncConnection) -> frozenset[str]:
    rows = await conn.execute(sa.select(account_departments.c.department_id).distinct())
    return frozenset(rows.scalars())


async def sites_in_use(conn: AsyncConnection) -> frozenset[str]:
    """Sites a kiosk stands at or a staff member works at."""
    used = sa.union(
        sa.select(kiosks.c.site_id).where(kiosks.c.site_id.is_not(None)),
        sa.select(accounts.c.site_id).where(accounts.c.site_id.is_not(None)),
    )
    return frozenset((await conn.execute(used)).scalars())


async def replace_directory(conn: AsyncConnection, directory: Directory) -> bool:
    """Make the stored directory equal ``directory``; False if it already was.

    Raises ConflictError, changing nothing, when it would remove a department that still has
    staff or a site that still has kiosks or staff.
    """
    validate_directory(directory)
    if await load_directory(conn) == directory:
        return False
    _refuse_removing(
        "departments",
        await departments_with_staff(conn),
        {d.id for d in directory.departments},
        "still have staff; move them to another department before removing it",
    )
    _refuse_removing(
        "sites",
        await sites_in_use(conn),
        {s.id for s in directory.sites},
        "still have kiosks or staff; move them to another site before removing it",
    )
    # Rows others point at (wards, sites, services, departments) are updated in place, and
    # removed only once nothing new points at them; the rest is written afresh.
    await conn.execute(sa.delete(categories))
    await conn.execute(sa.delete(department_services))
    await conn.execute(sa.delete(outcome_codes))
    await conn.execute(sa.delete(staff_messages))
    await conn.execute(sa.delete(readings))
    await _upsert(conn, wards, [_ward_row(w) for w in directory.wards])
    await _upsert(conn, sites, [_site_row(s) for s in directory.sites])
    await _upsert(conn, services, [_service_row(s) for s in directory.services])
    await _upsert(conn, departments, [_department_row(d) for d in directory.departments])
    for table, entries in (
        (departments, directory.departments),
        (sites, directory.sites),
        (services, directory.services),
        (wards, directory.wards),
    ):
        await conn.execute(sa.delete(table).where(table.c.id.not_in([e.id for e in entries])))
    await _insert(
        conn,
        department_services,
        [
            {"department_id": d.id, "service_id": service_id, "sort_order": order}
            for d in directory.departments
            for order, service_id in enumerate(d.services)
        ],
    )
    await _insert(
        conn,
        categories,
        [
            {
                "id": c.id,
                "department_id": c.department_id or None,
                "service_id": c.service_id or None,
                "names": c.names,
                "descriptions": c.descriptions,
                "icon": c.icon,
                "sort_order": order,
            }
            for order, c in enumerate(directory.categories)
        ],
    )
    await _insert(
        conn,
        outcome_codes,
        [
            {"code": o.code, "names": o.names, "sort_order": order}
            for order, o in enumerate(directory.outcome_codes)
        ],
    )
    await _insert(
        conn,
        staff_messages,
        [
            {"id": m.id, "texts": m.texts, "sort_order": order}
            for order, m in enumerate(directory.staff_messages)
        ],
    )
    await _insert(
        conn,
        readings,
        [
            {"word": r.word, "reading": r.reading, "sort_order": order}
            for order, r in enumerate(directory.readings)
        ],
    )
    return True


def _refuse_removing(kind: str, in_use: frozenset[str], keep: set[str], why: str) -> None:
    if dropped := sorted(in_use - keep):
        raise ConflictError(f"{kind} {', '.join(dropped)} {why}")


async def _upsert(conn: AsyncConnection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Insert or update by id, each row's sort_order its place in ``rows``."""
    existing = set((await conn.execute(sa.select(table.c.id))).scalars())
    for order, row in enumerate(rows):
        values = {**row, "sort_order": order}
        if row["id"] in existing:
            await conn.execute(sa.update(table).where(table.c.id == row["id"]).values(**values))
        else:
            await conn.execute(sa.insert(table).values(**values))


async def _insert(conn: AsyncConnection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    if rows:
        await conn.execute(sa.insert(table), rows)


def _ward_row(ward: Ward) -> dict[str, Any]:
    return {"id": ward.id, "names": ward.names, "shares_overflow": ward.shares_overflow}


def _site_row(site: Site) -> dict[str, Any]:
    return {"id": site.id, "ward_id": site.ward_id, "names": site.names, "kind": site.kind.value}


def _service_row(service: Service) -> dict[str, Any]:
    return {
        "id": service.id,
        "names": service.names,
        "overflow_after_seconds": service.overflow_after_seconds,
    }


def _department_row(department: Department) -> dict[str, Any]:
    return {
        "id": department.id,
        "names": department.names,
        "hours": msgspec.to_builtins(department.hours),
        "ward_id": department.ward_id,
    }
