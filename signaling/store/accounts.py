"""Staff accounts, their departments, and their session tokens."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from signaling.protocol import Role
from signaling.store.errors import ConflictError, NotFoundError
from signaling.store.kiosks import check_site
from signaling.store.records import Account, AuthSession
from signaling.store.schema import account_departments, accounts, auth_sessions, departments

ACCOUNT_ROLES = frozenset({Role.STAFF, Role.SUPERVISOR, Role.ADMIN})
# Lower-case ASCII, so a login never depends on how an IME or keyboard cased it.
USERNAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
MAX_DISPLAY_NAME_CHARS = 100  # the column's width
# Kana words (with the long mark), one space between: what romanisation and ruby can use.
NAME_READING_PATTERN = re.compile(
    r"[\u3041-\u309f\u30a0-\u30ff]{1,30}( [\u3041-\u309f\u30a0-\u30ff]{1,30}){0,3}"
)


async def create_account(
    conn: AsyncConnection,
    *,
    username: str,
    display_name: str,
    role: Role,
    password_hash: str,
    departments: Sequence[str],
    now: float,
    name_reading: str = "",
) -> Account:
    if not USERNAME_PATTERN.fullmatch(username):
        raise ValueError(
            f"username {username!r} must be 1-64 lower-case letters, digits, '.', '_' or '-'"
        )
    _check_role(role)
    display_name = _checked_display_name(display_name)
    name_reading = checked_name_reading(name_reading)
    if await conn.scalar(sa.select(accounts.c.id).where(accounts.c.username == username)):
        raise ConflictError(f"username {username!r} is already taken")
    wanted = await _checked_departments(conn, departments)
    account_id = await _new_id(conn)
    await conn.execute(
        sa.insert(accounts).values(
            id=account_id,
            username=username,
            display_name=display_name,
            name_reading=name_reading,
            role=role.value,
            password_hash=password_hash,
            disabled=False,
            created_at=now,
        )
    )
    await _insert_departments(conn, account_id, wanted)
    account = await get_account(conn, account_id)
    assert account is not None
    return account


async def get_account(conn: AsyncConnection, account_id: str) -> Account | None:
    return await _one(conn, accounts.c.id == account_id)


async def get_account_by_username(conn: AsyncConnection, username: str) -> Account | None:
    return await _one(conn, accounts.c.username == username)


async def require_account(conn: AsyncConnection, account_id: str) -> Account:
    account = await get_account(conn, account_id)
    if account is None:
        raise NotFoundError(f"no account {account_id!r}")
    return account


async def list_accounts(conn: AsyncConnection) -> list[Account]:
    rows = (await conn.execute(sa.select(accounts).order_by(accounts.c.username))).all()
    memberships = await _departments_of(conn, [row.id for row in rows])
    return [_account(row, memberships.get(row.id, ())) for row in rows]


async def set_password(
    conn: AsyncConnection,
    account_id: str,
    password_hash: str,
    *,
    revoke_sessions: bool,
    must_change: bool | None = None,
) -> None:
    """``must_change`` sets or clears the forced change at next sign-in; None keeps it."""
    values: dict[str, Any] = {"password_hash": password_hash}
    if must_change is not None:
        values["must_change_password"] = must_change
    await _update(conn, account_id, **values)
    if revoke_sessions:
        await delete_sessions_for(conn, account_id)


async def set_disabled(conn: AsyncConnection, account_id: str, disabled: bool) -> None:
    await _update(conn, account_id, disabled=disabled)
    if disabled:
        await delete_sessions_for(conn, account_id)


async def set_departments(
    conn: AsyncConnection, account_id: str, department_ids: Sequence[str]
) -> None:
    await require_account(conn, account_id)
    wanted = await _checked_departments(conn, department_ids)
    await conn.execute(
        sa.delete(account_departments).where(account_departments.c.account_id == account_id)
    )
    await _insert_departments(conn, account_id, wanted)


async def update_account(
    conn: AsyncConnection,
    account_id: str,
    *,
    display_name: str | None = None,
    role: Role | None = None,
    departments: Sequence[str] | None = None,
    name_reading: str | None = None,
) -> tuple[Account, Account]:
    """Change what is given (None keeps it); returns the account before and after.

    A new role or new departments end the account's sessions: what it may do is decided at
    sign-in, so it signs in again to get them.
    """
    before = await require_account(conn, account_id)
    values: dict[str, Any] = {}
    if display_name is not None:
        values["display_name"] = _checked_display_name(display_name)
    if name_reading is not None:
        values["name_reading"] = checked_name_reading(name_reading)
    if role is not None:
        _check_role(role)
        values["role"] = role.value
    if values:
        await _update(conn, account_id, **values)
    if departments is not None:
        wanted = await _checked_departments(conn, departments)
        if tuple(sorted(wanted)) != before.departments:
            await conn.execute(
                sa.delete(account_departments).where(account_departments.c.account_id == account_id)
            )
            await _insert_departments(conn, account_id, wanted)
    after = await require_account(conn, account_id)
    if (after.role, after.departments) != (before.role, before.departments):
        await delete_sessions_for(conn, account_id)
    return before, after


def public_fields(account: Account) -> dict[str, Any]:
    """What an admin changes and the audit log shows: never the password hash."""
    return {
        "display_name": account.display_name,
        "name_reading": account.name_reading,
        "role": account.role.value,
        "departments": list(account.departments),
    }


async def create_session(
    conn: AsyncConnection, token_hash: str, account_id: str, created_at: float, expires_at: float
) -> None:
    await conn.execute(
        sa.insert(auth_sessions).values(
            token_hash=token_hash,
            account_id=account_id,
            created_at=created_at,
            expires_at=expires_at,
        )
    )


async def get_session(conn: AsyncConnection, token_hash: str) -> AuthSession | None:
    """The session with this token hash, expired or not: the caller decides what expiry means."""
    row = (
        await conn.execute(sa.select(auth_sessions).where(auth_sessions.c.token_hash == token_hash))
    ).first()
    return None if row is None else _session(row)


async def get_sessions_with_accounts(
    conn: AsyncConnection, token_hashes: Sequence[str]
) -> dict[str, tuple[AuthSession, Account | None]]:
    """Each found session (expired or not) with its account, in three queries for them all."""
    rows = await conn.execute(
        sa.select(auth_sessions).where(auth_sessions.c.token_hash.in_(token_hashes))
    )
    sessions = [_session(row) for row in rows]
    account_ids = sorted({s.account_id for s in sessions})
    account_rows = (
        await conn.execute(sa.select(accounts).where(accounts.c.id.in_(account_ids)))
    ).all()
    memberships = await _departments_of(conn, account_ids)
    by_id = {row.id: _account(row, memberships.get(row.id, ())) for row in account_rows}
    return {s.token_hash: (s, by_id.get(s.account_id)) for s in sessions}


def _session(row: sa.Row[Any]) -> AuthSession:
    return AuthSession(
        token_hash=row.token_hash,
        account_id=row.account_id,
        created_at=row.created_at,
        expires_at=row.expires_at,
    )


async def delete_session(conn: AsyncConnection, token_hash: str) -> None:
    await conn.execute(sa.delete(auth_sessions).where(auth_sessions.c.token_hash == token_hash))


async def delete_sessions_for(conn: AsyncConnection, account_id: str) -> int:
    result = await conn.execute(
        sa.delete(auth_sessions).where(auth_sessions.c.account_id == account_id)
    )
    return result.rowcount


async def delete_expired_sessions(conn: AsyncConnection, now: float) -> int:
    result = await conn.execute(sa.delete(auth_sessions).where(auth_sessions.c.expires_at <= now))
    return result.rowcount


def _check_role(role: Role) -> None:
    if role not in ACCOUNT_ROLES:
        raise ValueError(f"an account's role must be staff, supervisor or admin, not {role!r}")


def checked_name_reading(reading: str) -> str:
    """A display name's reading: kana and spaces (たなか はなこ), or empty for none."""
    reading = " ".join(reading.split())
    if reading and not NAME_READING_PATTERN.fullmatch(reading):
        raise ValueError(
            f"the name's reading {reading!r} must be hiragana or katakana, words separated "
            "by spaces, e.g. たなか はなこ"
        )
    return reading


def _checked_display_name(display_name: str) -> str:
    display_name = display_name.strip()
    if not display_name:
        raise ValueError("the display name must not be empty")
    if len(display_name) > MAX_DISPLAY_NAME_CHARS:
        raise ValueError(f"the display name has at most {MAX_DISPLAY_NAME_CHARS} characters")
    return display_name


async def _checked_departments(conn: AsyncConnection, wanted: Sequence[str]) -> list[str]:
    unique = list(dict.fromkeys(wanted))
    known = set(
        (await conn.scalars(sa.select(departments.c.id).where(departments.c.id.in_(unique)))).all()
    )
    for department_id in unique:
        if department_id not in known:
            raise NotFoundError(f"unknown department {department_id!r}")
    return unique


async def _insert_departments(
    conn: AsyncConnection, account_id: str, department_ids: Sequence[str]
) -> None:
    if department_ids:
        await conn.execute(
            sa.insert(account_departments),
            [{"account_id": account_id, "department_id": d} for d in department_ids],
        )


async def _update(conn: AsyncConnection, account_id: str, **values: Any) -> None:
    result = await conn.execute(
        sa.update(accounts).where(accounts.c.id == account_id).values(**values)
    )
    if result.rowcount == 0:
        raise NotFoundError(f"no account {account_id!r}")


async def _one(conn: AsyncConnection, where: sa.ColumnElement[bool]) -> Account | None:
    row = (await conn.execute(sa.select(accounts).where(where))).first()
    if row is None:
        return None
    memberships = await _departments_of(conn, [row.id])
    return _account(row, memberships.get(row.id, ()))


async def _departments_of(
    conn: AsyncConnection, account_ids: Sequence[str]
) -> dict[str, tuple[str, ...]]:
    rows = await conn.execute(
        sa.select(account_departments)
        .where(account_departments.c.account_id.in_(account_ids))
        .order_by(account_departments.c.department_id)
    )
    result: dict[str, list[str]] = {}
    for row in rows:
        result.setdefault(row.account_id, []).append(row.department_id)
    return {account_id: tuple(ids) for account_id, ids in result.items()}


async def set_site(conn: AsyncConnection, account_id: str, site_id: str | None) -> None:
    """Where the account works (None: no one site); the site must be in the directory."""
    await check_site(conn, site_id)
    await _update(conn, account_id, site_id=site_id)


def _account(row: sa.Row[Any], departments: tuple[str, ...]) -> Account:
    m = row._mapping
    return Account(
        id=m["id"],
        username=m["username"],
        display_name=m["display_name"],
        role=Role(m["role"]),
        disabled=bool(m["disabled"]),
        created_at=m["created_at"],
        departments=departments,
        password_hash=m["password_hash"],
        must_change_password=bool(m["must_change_password"]),
        site_id=m["site_id"],
        name_reading=m["name_reading"],
    )


async def _new_id(conn: AsyncConnection) -> str:
    # 32 random bits are plenty for a city's few hundred accounts; just never reuse one.
    while True:
        account_id = f"u-{secrets.token_hex(4)}"
        if not await conn.scalar(sa.select(accounts.c.id).where(accounts.c.id == account_id)):
            return account_id
