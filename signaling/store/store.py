"""The Store: one database, opened once, shared by the hub's parts.

Every public method is one transaction. Admin changes take ``actor`` and ``now`` and write
their audit entry in the same transaction, so no change is ever stored without its trail.
Database failures that a retry may cure (disk full, I/O, lost connection) become StoreError.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
import sqlalchemy.exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from signaling.city_import import CityImport
from signaling.directory import Directory
from signaling.events import Event
from signaling.protocol import EndReason, Role
from signaling.store import accounts, audit, city, history, kiosks, migrations
from signaling.store.engine import create_engine, describe, is_unavailable
from signaling.store.errors import ConflictError, NotFoundError, StoreError
from signaling.store.group_commit import GroupCommit, GroupLookup
from signaling.store.records import (
    Account,
    AuditEntry,
    AuthSession,
    ConsultationRecord,
    Kiosk,
)

logger = logging.getLogger(__name__)
# A PostgreSQL advisory lock key of our own ("madoguchi" in ASCII, truncated to 63 bits).
_DIRECTORY_LOCK = int.from_bytes(b"madoguch", "big") >> 1


class Store:
    """Accounts, kiosks, the directory, consultation history and the audit log."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        # On SQLite, write transactions take the write lock up front (BEGIN IMMEDIATE): a
        # deferred one that reads first can fail when another connection wrote meanwhile.
        self._writer = engine.execution_options(sqlite_begin="IMMEDIATE")
        # SQLite has one writer at a time anyway: queue this process's writers here, where
        # waiting costs nothing, instead of on the busy timeout, which a burst of kiosk
        # logins after a restart could exceed. Other processes (the CLI) still use the timeout.
        self._write_turn = asyncio.Lock() if engine.dialect.name == "sqlite" else None
        # The schema revision found when opening, before migrating (see migrations.migrate).
        self.revision_at_open: str | None = None
        # append_audit's entries, many to a transaction under load (group_commit.py).
        self._audit = GroupCommit(self._append_audit_rows, name="audit-writer")
        # Every kiosk login looks its token up: many to a query under load (group_commit.py).
        self._kiosk_tokens = GroupLookup(self._kiosks_by_token_hashes, name="kiosk-tokens")
        self._staff_tokens = GroupLookup(self._sessions_by_token_hashes, name="staff-tokens")

    @classmethod
    async def open(
        cls, url: str, *, sqlite_pragmas: Mapping[str, str | int] | None = None
    ) -> Store:
        """Connect and migrate. ``sqlite_pragmas`` run on every new SQLite connection."""
        engine = create_engine(url, sqlite_pragmas or {})
        store = cls(engine)
        try:
            async with store._write() as conn:
                store.revision_at_open = await migrations.migrate(conn)
        except BaseException:
            await engine.dispose()
            raise
        return store

    async def close(self) -> None:
        await self._audit.drain()
        await self._engine.dispose()

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name

    async def schema_revision(self) -> str | None:
        """The database's schema revision (migrations.HEAD once opened)."""
        async with self._read() as conn:
            return await migrations.current_revision(conn)

    # Accounts and sessions.

    async def create_account(
        self,
        username: str,
        display_name: str,
        role: Role,
        password_hash: str,
        departments: Sequence[str],
        *,
        name_reading: str = "",
        actor: str,
        now: float,
        ip: str | None = None,
    ) -> Account:
        """Raises ConflictError for a taken username, NotFoundError for an unknown department,
        ValueError for a name or reading the checks refuse."""
        async with self._write() as conn:
            account = await accounts.create_account(
                conn,
                username=username,
                display_name=display_name,
                role=role,
                password_hash=password_hash,
                departments=departments,
                now=now,
                name_reading=name_reading,
            )
            detail = {"username": username, "role": role.value, "departments": list(departments)}
            await audit.append(
                conn,
                at=now,
                actor=actor,
                action="account_created",
                target=account.id,
                detail=detail,
                ip=ip,
            )
        return account

    async def get_account(self, account_id: str) -> Account | None:
        async with self._read() as conn:
            return await accounts.get_account(conn, account_id)

    async def get_account_by_username(self, username: str) -> Account | None:
        async with self._read() as conn:
            return await accounts.get_account_by_username(conn, username)

    async def list_accounts(self) -> list[Account]:
        async with self._read() as conn:
            return await accounts.list_accounts(conn)

    async def set_password(
        self,
        account_id: str,
        password_hash: str,
        *,
        actor: str,
        now: float,
        ip: str | None = None,
        revoke_sessions: bool = True,
        must_change: bool | None = None,
    ) -> None:
        """Also ends the account's sessions, unless this is a silent rehash at login.

        ``must_change``: True for a temporary password the account must replace at its next
        sign-in, False for one it may keep; None (the rehash) leaves that as it was.
        """
        async with self._write() as conn:
            await accounts.set_password(
                conn,
                account_id,
                password_hash,
                revoke_sessions=revoke_sessions,
                must_change=must_change,
            )
            action = "password_set" if revoke_sessions else "password_rehashed"
            detail = {} if must_change is None else {"must_change": must_change}
            await audit.append(
                conn, at=now, actor=actor, action=action, target=account_id, detail=detail, ip=ip
            )

    async def change_own_password(
        self, account_id: str, password_hash: str, *, now: float, ip: str | None = None
    ) -> None:
        """The account chose a new password (after proving the old one): the forced change is
        done, and every session made with the old one ends."""
        async with self._write() as conn:
            await accounts.set_password(
                conn, account_id, password_hash, revoke_sessions=True, must_change=False
            )
            await audit.append(
                conn,
                at=now,
                actor=account_id,
                action="password_changed",
                target=account_id,
                ip=ip,
            )

    async def update_account(
        self,
        account_id: str,
        *,
        display_name: str | None = None,
        role: Role | None = None,
        departments: Sequence[str] | None = None,
        name_reading: str | None = None,
        actor: str,
        now: float,
        ip: str | None = None,
    ) -> tuple[Account, Account]:
        """Change an account's name, its reading, role or departments (None keeps each);
        returns it before and after. A new role or departments end its sessions. Audited as
        account_updated with the fields as they were and are; a change to nothing is not
        audited."""
        async with self._write() as conn:
            before, after = await accounts.update_account(
                conn,
                account_id,
                display_name=display_name,
                role=role,
                departments=departments,
                name_reading=name_reading,
            )
            old, new = accounts.public_fields(before), accounts.public_fields(after)
            changed = [key for key in old if old[key] != new[key]]
            if changed:
                await audit.append(
                    conn,
                    at=now,
                    actor=actor,
                    action="account_updated",
                    target=account_id,
                    detail={
                        "before": {key: old[key] for key in changed},
                        "after": {key: new[key] for key in changed},
                    },
                    ip=ip,
                )
        return before, after

    async def set_account_disabled(
        self, account_id: str, disabled: bool, *, actor: str, now: float, ip: str | None = None
    ) -> None:
        """Disabling also ends every session the account holds."""
        async with self._write() as conn:
            await accounts.set_disabled(conn, account_id, disabled)
            action = "account_disabled" if disabled else "account_enabled"
            await audit.append(conn, at=now, actor=actor, action=action, target=account_id, ip=ip)

    async def set_account_site(
        self,
        account_id: str,
        site_id: str | None,
        *,
        actor: str,
        now: float,
        ip: str | None = None,
    ) -> Account:
        """Where the staff member works (None: no one site); audited as account_site_set."""
        async with self._write() as conn:
            before = await accounts.get_account(conn, account_id)
            if before is None:
                raise NotFoundError(f"no account {account_id!r}")
            await accounts.set_site(conn, account_id, site_id)
            await audit.append(
                conn,
                at=now,
                actor=actor,
                action="account_site_set",
                target=account_id,
                detail={"before": before.site_id, "after": site_id},
                ip=ip,
            )
        return dataclasses.replace(before, site_id=site_id)

    async def create_account_at_site(
        self,
        username: str,
        display_name: str,
        role: Role,
        password_hash: str,
        departments: Sequence[str],
        site_id: str | None,
        *,
        actor: str,
        now: float,
    ) -> Account:
        """An account whose password is temporary (changed at its first sign-in), working at
        ``site_id``: the CSV import's (signaling/people_csv.py), in one transaction."""
        async with self._write() as conn:
            account = await accounts.create_account(
                conn,
                username=username,
                display_name=display_name,
                role=role,
                password_hash=password_hash,
                departments=departments,
                now=now,
            )
            await accounts.set_password(
                conn, account.id, password_hash, revoke_sessions=False, must_change=True
            )
            await accounts.set_site(conn, account.id, site_id)
            detail = {
                "username": username,
                "role": role.value,
                "departments": list(departments),
                "site_id": site_id,
                "must_change_password": True,
            }
            await audit.append(
                conn,
                at=now,
                actor=actor,
                action="account_created",
                target=account.id,
                detail=detail,
            )
            created = await accounts.get_account(conn, account.id)
        assert created is not None
        return created

    async def set_account_departments(
        self,
        account_id: str,
        departments: Sequence[str],
        *,
        actor: str,
        now: float,
        ip: str | None = None,
    ) -> None:
        async with self._write() as conn:
            await accounts.set_departments(conn, account_id, departments)
            await audit.append(
                conn,
                at=now,
                actor=actor,
                action="account_departments_set",
                target=account_id,
                detail={"departments": list(departments)},
                ip=ip,
            )

    async def create_session(
        self, token_hash: str, account_id: str, created_at: float, expires_at: float
    ) -> None:
        async with self._write() as conn:
            await accounts.create_session(conn, token_hash, account_id, created_at, expires_at)

    async def get_session(self, token_hash: str) -> AuthSession | None:
        """Expired sessions are returned too, so that auth can say "expired", not "unknown"."""
        async with self._read() as conn:
            return await accounts.get_session(conn, token_hash)

    async def get_session_with_account(
        self, token_hash: str
    ) -> tuple[AuthSession, Account | None] | None:
        """A token login's session and account. Lookups made meanwhile, such as 500 consoles
        coming back after a restart, share their queries."""
        return await self._staff_tokens.get(token_hash)

    async def _sessions_by_token_hashes(
        self, token_hashes: list[str]
    ) -> dict[str, tuple[AuthSession, Account | None]]:
        async with self._read() as conn:
            return await accounts.get_sessions_with_accounts(conn, token_hashes)

    async def delete_session(self, token_hash: str) -> None:
        async with self._write() as conn:
            await accounts.delete_session(conn, token_hash)

    async def delete_sessions_for(self, account_id: str) -> int:
        async with self._write() as conn:
            return await accounts.delete_sessions_for(conn, account_id)

    async def delete_expired_sessions(self, now: float) -> int:
        async with self._write() as conn:
            return await accounts.delete_expired_sessions(conn, now)

    # Kiosks.

    async def create_kiosk(
        self,
        name: str,
        location: str,
        *,
        actor: str,
        now: float,
        ip: str | None = None,
        site_id: str | None = None,
    ) -> tuple[Kiosk, str]:
        """Returns the kiosk and its token: show the token once, it is not stored."""
        async with self._write() as conn:
            kiosk, token = await kiosks.create_kiosk(
                conn, name=name, location=location, now=now, site_id=site_id
            )
            detail = {"name": kiosk.name, "location": kiosk.location, "site_id": site_id}
            await audit.append(
                conn,
                at=now,
                actor=actor,
                action="kiosk_created",
                target=kiosk.id,
                detail=detail,
                ip=ip,
            )
        return kiosk, token

    async def set_kiosk_site(
        self,
        kiosk_id: str,
        site_id: str | None,
        *,
        actor: str,
        now: float,
        ip: str | None = None,
    ) -> Kiosk:
        """Place a kiosk at a site (None: nowhere); its next login carries the site's ward."""
        async with self._write() as conn:
            before = await kiosks.get_kiosk(conn, kiosk_id)
            if before is None:
                raise NotFoundError(f"no kiosk {kiosk_id!r}")
            await kiosks.set_site(conn, kiosk_id, site_id)
            await audit.append(
                conn,
                at=now,
                actor=actor,
                action="kiosk_site_set",
                target=kiosk_id,
                detail={"before": before.site_id, "after": site_id},
                ip=ip,
            )
        return dataclasses.replace(before, site_id=site_id)

    async def reissue_kiosk_token(
        self, kiosk_id: str, *, actor: str, now: float, ip: str | None = None
    ) -> str:
        async with self._write() as conn:
            token = await kiosks.reissue_token(conn, kiosk_id)
            await audit.append(
                conn, at=now, actor=actor, action="kiosk_token_reissued", target=kiosk_id, ip=ip
            )
        return token

    async def set_kiosk_disabled(
        self, kiosk_id: str, disabled: bool, *, actor: str, now: float, ip: str | None = None
    ) -> None:
        async with self._write() as conn:
            await kiosks.set_disabled(conn, kiosk_id, disabled)
            action = "kiosk_disabled" if disabled else "kiosk_enabled"
            await audit.append(conn, at=now, actor=actor, action=action, target=kiosk_id, ip=ip)

    async def get_kiosk(self, kiosk_id: str) -> Kiosk | None:
        async with self._read() as conn:
            return await kiosks.get_kiosk(conn, kiosk_id)

    async def get_kiosk_by_name(self, name: str) -> Kiosk | None:
        async with self._read() as conn:
            return await kiosks.get_kiosk_by_name(conn, name)

    async def get_kiosk_by_token_hash(self, token_hash: str) -> Kiosk | None:
        """Lookups made meanwhile, such as a burst of logins after a restart, share a query."""
        return await self._kiosk_tokens.get(token_hash)

    async def _kiosks_by_token_hashes(self, token_hashes: list[str]) -> dict[str, Kiosk]:
        async with self._read() as conn:
            return await kiosks.get_kiosks_by_token_hashes(conn, token_hashes)

    async def list_kiosks(self) -> list[Kiosk]:
        async with self._read() as conn:
            return await kiosks.list_kiosks(conn)

    # The city's directory.

    async def load_directory(self) -> Directory:
        async with self._read() as conn:
            return await city.load_directory(conn)

    async def replace_directory(
        self, directory: Directory, *, actor: str, now: float, ip: str | None = None
    ) -> bool:
        """Store ``directory`` (validated first); False, and no audit entry, if unchanged."""
        async with self._write() as conn:
            changed = await city.replace_directory(conn, directory)
            if changed:
                await city.forget_imports(conn)
                detail = {
                    "departments": len(directory.departments),
                    "categories": len(directory.categories),
                    "outcome_codes": len(directory.outcome_codes),
                }
                await audit.append(
                    conn, at=now, actor=actor, action=city.REPLACED, detail=detail, ip=ip
                )
        return changed

    async def import_city_file(
        self, directory: Directory, *, source: str, now: float
    ) -> CityImport | None:
        """Merge the city file's ``directory`` into the stored one (signaling/city_import.py).

        None if this file is the one imported last and nothing replaced the whole directory
        since (seeding, madoguchi-admin): admins' edits are kept either way. The content of the
        file never makes this raise; CityImport says what changed and what still differs.
        """
        async with self._write() as conn:
            if self.dialect == "postgresql":
                # Two hubs starting on one database: the second finds the file imported.
                await conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_DIRECTORY_LOCK)))
            return await city.import_city_file(conn, directory, source=source, now=now)

    async def edit_directory(
        self, edit: city.DirectoryEdit, *, actor: str, now: float, ip: str | None = None
    ) -> Directory:
        """Apply ``edit`` to the stored directory with its audit entry, in one transaction.

        Whatever ``edit`` raises (DirectoryError, ConflictError, NotFoundError) leaves the
        directory as it was; so does an edit that changes nothing, which is not audited.
        """
        async with self._write() as conn:
            if self.dialect == "postgresql":
                # Read-then-write: without the lock, two admins' edits in flight at once
                # (or two hubs on one database) would lose one. SQLite writes one at a time.
                await conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_DIRECTORY_LOCK)))
            before = await city.load_directory(conn)
            change = edit(before)
            if change.directory == before:
                return before
            await city.replace_directory(conn, change.directory)
            await audit.append(
                conn,
                at=now,
                actor=actor,
                action=change.action,
                target=change.target,
                detail=change.detail,
                ip=ip,
            )
        return change.directory

    # History and audit.

    async def apply(self, events: Sequence[Event]) -> None:
        """Write one batch of switchboard events in one transaction."""
        if events:
            async with self._write() as conn:
                await history.apply(conn, events)

    async def end_unfinished_consultations(
        self, *, at: float, reason: EndReason, keep: Iterable[str] = ()
    ) -> int:
        """Close what a crash left open (all but ``keep``, the sessions still live)."""
        async with self._write() as conn:
            ended = await history.end_unfinished(conn, at, reason, frozenset(keep))
            if ended:
                await audit.append(
                    conn,
                    at=at,
                    actor="hub",
                    action="unfinished_consultations_ended",
                    detail={"count": ended, "reason": reason.value},
                )
        return ended

    async def purge_consultations(self, *, before: float, actor: str, now: float) -> int:
        """Delete history older than the retention period (個人情報保護法: keep no longer)."""
        async with self._write() as conn:
            purged = await history.purge_before(conn, before)
            if purged:
                await audit.append(
                    conn,
                    at=now,
                    actor=actor,
                    action="consultations_purged",
                    detail={"count": purged, "before": before},
                )
        return purged

    async def list_consultations(
        self,
        *,
        since: float | None = None,
        until: float | None = None,
        kiosk_id: str | None = None,
        department_id: str | None = None,
        limit: int = 500,
    ) -> list[ConsultationRecord]:
        async with self._read() as conn:
            return await history.list_consultations(
                conn,
                since=since,
                until=until,
                kiosk_id=kiosk_id,
                department_id=department_id,
                limit=limit,
            )

    async def append_audit(
        self,
        *,
        at: float,
        actor: str,
        action: str,
        target: str = "",
        detail: Mapping[str, Any] | None = None,
        ip: str | None = None,
    ) -> None:
        """Returns once the entry is committed. Entries appended meanwhile, such as a burst of
        logins after a restart, share transactions (group_commit.py)."""
        await self._audit.submit(
            audit.entry(at=at, actor=actor, action=action, target=target, detail=detail, ip=ip)
        )

    async def _append_audit_rows(self, rows: list[dict[str, Any]]) -> None:
        async with self._write() as conn:
            await audit.append_many(conn, rows)

    async def list_audit(
        self,
        *,
        since: float | None = None,
        until: float | None = None,
        actor: str | None = None,
        limit: int = 200,
    ) -> list[AuditEntry]:
        async with self._read() as conn:
            return await audit.list_entries(
                conn, since=since, until=until, actor=actor, limit=limit
            )

    # Transactions.

    @contextlib.asynccontextmanager
    async def _write(self) -> AsyncIterator[AsyncConnection]:
        try:
            async with self._write_turn or contextlib.nullcontext(), self._writer.begin() as conn:
                yield conn
        except sa_exc.IntegrityError as exc:
            # Checks run before each insert; this is the rare race two writers can still hit.
            raise ConflictError(f"conflicts with stored data: {exc.orig}") from exc
        except Exception as exc:
            if is_unavailable(exc):
                logger.error("store write failed: %s", describe(exc))
                raise StoreError(f"could not write to the database: {describe(exc)}") from exc
            raise

    @contextlib.asynccontextmanager
    async def _read(self) -> AsyncIterator[AsyncConnection]:
        try:
            async with self._engine.connect() as conn:
                yield conn
        except Exception as exc:
            if is_unavailable(exc):
                logger.error("store read failed: %s", describe(exc))
                raise StoreError(f"could not read the database: {describe(exc)}") from exc
            raise
