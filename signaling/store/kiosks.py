"""Kiosks and their device tokens: handed out once, then known only by their hash."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from signaling.store.errors import ConflictError, NotFoundError
from signaling.store.records import Kiosk
from signaling.store.schema import kiosks, sites
from signaling.tokens import hash_token, new_device_token


async def create_kiosk(
    conn: AsyncConnection, *, name: str, location: str, now: float, site_id: str | None = None
) -> tuple[Kiosk, str]:
    """Register a kiosk; the plaintext token is returned here and never again."""
    name, location = name.strip(), location.strip()
    if not name:
        raise ValueError("a kiosk needs a name")
    if await get_kiosk_by_name(conn, name) is not None:
        raise ConflictError(f"a kiosk named {name!r} already exists")
    await check_site(conn, site_id)
    kiosk_id = await _new_id(conn)
    token = new_device_token()
    await conn.execute(
        sa.insert(kiosks).values(
            id=kiosk_id,
            name=name,
            location=location,
            token_hash=hash_token(token),
            disabled=False,
            created_at=now,
            last_seen_at=None,
            site_id=site_id,
        )
    )
    kiosk = await get_kiosk(conn, kiosk_id)
    assert kiosk is not None
    return kiosk, token


async def reissue_token(conn: AsyncConnection, kiosk_id: str) -> str:
    """A new token for the kiosk; the old one stops working at once."""
    token = new_device_token()
    await _update(conn, kiosk_id, token_hash=hash_token(token))
    return token


async def set_disabled(conn: AsyncConnection, kiosk_id: str, disabled: bool) -> None:
    await _update(conn, kiosk_id, disabled=disabled)


async def set_site(conn: AsyncConnection, kiosk_id: str, site_id: str | None) -> None:
    """Place the kiosk at a site (None: nowhere yet); the site must be in the directory."""
    await check_site(conn, site_id)
    await _update(conn, kiosk_id, site_id=site_id)


async def check_site(conn: AsyncConnection, site_id: str | None) -> None:
    """NotFoundError unless ``site_id`` is None or a site of the directory."""
    if (
        site_id is not None
        and (await conn.scalar(sa.select(sites.c.id).where(sites.c.id == site_id))) is None
    ):
        raise NotFoundError(f"no site {site_id!r}")


async def touch_many(conn: AsyncConnection, last_seen: Mapping[str, float]) -> None:
    """Set each kiosk's last-seen time, in one statement (executemany)."""
    if last_seen:
        await conn.execute(
            sa.update(kiosks)
            .where(kiosks.c.id == sa.bindparam("kiosk_id"))
            .values(last_seen_at=sa.bindparam("seen_at")),
            [{"kiosk_id": kiosk_id, "seen_at": at} for kiosk_id, at in last_seen.items()],
        )


async def get_kiosk(conn: AsyncConnection, kiosk_id: str) -> Kiosk | None:
    return await _one(conn, kiosks.c.id == kiosk_id)


async def get_kiosk_by_name(conn: AsyncConnection, name: str) -> Kiosk | None:
    return await _one(conn, kiosks.c.name == name)


async def get_kiosks_by_token_hashes(
    conn: AsyncConnection, token_hashes: list[str]
) -> dict[str, Kiosk]:
    """The kiosks holding any of these tokens, by token hash; unknown hashes are left out."""
    rows = await conn.execute(sa.select(kiosks).where(kiosks.c.token_hash.in_(token_hashes)))
    return {row.token_hash: _kiosk(row._mapping) for row in rows}


async def list_kiosks(conn: AsyncConnection) -> list[Kiosk]:
    rows = await conn.execute(sa.select(kiosks).order_by(kiosks.c.name))
    return [_kiosk(row._mapping) for row in rows]


async def _one(conn: AsyncConnection, where: sa.ColumnElement[bool]) -> Kiosk | None:
    row = (await conn.execute(sa.select(kiosks).where(where))).first()
    return None if row is None else _kiosk(row._mapping)


async def _update(conn: AsyncConnection, kiosk_id: str, **values: Any) -> None:
    result = await conn.execute(sa.update(kiosks).where(kiosks.c.id == kiosk_id).values(**values))
    if result.rowcount == 0:
        raise NotFoundError(f"no kiosk {kiosk_id!r}")


def _kiosk(m: sa.RowMapping) -> Kiosk:
    return Kiosk(
        id=m["id"],
        name=m["name"],
        location=m["location"],
        disabled=bool(m["disabled"]),
        created_at=m["created_at"],
        last_seen_at=m["last_seen_at"],
        site_id=m["site_id"],
    )


async def _new_id(conn: AsyncConnection) -> str:
    while True:
        kiosk_id = f"k-{secrets.token_hex(4)}"
        if await get_kiosk(conn, kiosk_id) is None:
            return kiosk_id
