"""The audit log: who changed what, who logged in, and who failed to."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from signaling.store.records import AuditEntry
from signaling.store.schema import audit_log


def entry(
    *,
    at: float,
    actor: str,
    action: str,
    target: str = "",
    detail: Mapping[str, Any] | None = None,
    ip: str | None = None,
) -> dict[str, Any]:
    """One row of the audit log, for `append_many`."""
    # Targets can come from the network (a login's username): clip them to the columns, or
    # PostgreSQL would refuse the row and a hostile hello would turn into a storage error.
    return {
        "at": at,
        "actor": actor[:64],
        "action": action[:64],
        "target": target[:200],
        "detail": dict(detail or {}),
        "ip": None if ip is None else ip[:64],
    }


async def append(
    conn: AsyncConnection,
    *,
    at: float,
    actor: str,
    action: str,
    target: str = "",
    detail: Mapping[str, Any] | None = None,
    ip: str | None = None,
) -> None:
    row = entry(at=at, actor=actor, action=action, target=target, detail=detail, ip=ip)
    await conn.execute(sa.insert(audit_log).values(**row))


async def append_many(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    """Rows from `entry`, in order, in one statement."""
    if rows:
        await conn.execute(sa.insert(audit_log), rows)


async def list_entries(
    conn: AsyncConnection,
    *,
    since: float | None = None,
    until: float | None = None,
    actor: str | None = None,
    limit: int = 200,
) -> list[AuditEntry]:
    """Newest first."""
    query = sa.select(audit_log).order_by(audit_log.c.at.desc(), audit_log.c.id.desc())
    if since is not None:
        query = query.where(audit_log.c.at >= since)
    if until is not None:
        query = query.where(audit_log.c.at < until)
    if actor is not None:
        query = query.where(audit_log.c.actor == actor)
    rows = await conn.execute(query.limit(limit))
    return [
        AuditEntry(
            id=row.id,
            at=row.at,
            actor=row.actor,
            action=row.action,
            target=row.target,
            detail=row.detail,
            ip=row.ip,
        )
        for row in rows
    ]
