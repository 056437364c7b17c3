"""The account lifecycle in the store, on SQLite and PostgreSQL: changing an account, temporary
passwords and their change, and the default outcome codes, each with its audit entry."""

from __future__ import annotations

import asyncio

import pytest

from signaling.directory import Directory
from signaling.outcome_codes import DEFAULTS, ensure_outcome_codes
from signaling.protocol import Role
from signaling.store import NotFoundError, Store

from .test_store import CITY, NOW, database_url, store

__all__ = ["database_url", "store"]  # the fixtures, used by name


async def tanaka(store: Store) -> str:
    await store.replace_directory(CITY, actor="test", now=NOW)
    account = await store.create_account(
        "tanaka", "田中", Role.STAFF, "hash-1", ["shimin"], actor="test", now=NOW
    )
    await store.create_session("token-1", account.id, NOW, NOW + 3600)
    return account.id


async def test_a_new_role_or_departments_end_the_sessions_and_are_audited(store: Store) -> None:
    account_id = await tanaka(store)
    before, after = await store.update_account(
        account_id, display_name="田中 一郎", actor="admin", now=NOW + 1, ip="10.0.0.1"
    )
    assert (before.display_name, after.display_name) == ("田中", "田中 一郎")
    assert await store.get_session("token-1") is not None  # a name alone changes no rights
    _, after = await store.update_account(
        account_id, departments=["zeimu", "shimin", "zeimu"], role=Role.SUPERVISOR,
        actor="admin", now=NOW + 2,
    )  # fmt: skip
    assert (after.role, after.departments) == (Role.SUPERVISOR, ("shimin", "zeimu"))
    assert await store.get_session("token-1") is None
    entries = [e for e in await store.list_audit() if e.action == "account_updated"]
    assert [(e.actor, e.target, e.detail) for e in reversed(entries)] == [
        ("admin", account_id, {"before": {"display_name": "田中"},
                               "after": {"display_name": "田中 一郎"}}),
        ("admin", account_id, {"before": {"role": "staff", "departments": ["shimin"]},
                               "after": {"role": "supervisor",
                                         "departments": ["shimin", "zeimu"]}}),
    ]  # fmt: skip
    assert entries[-1].ip == "10.0.0.1"


async def test_a_name_reading_is_kept_in_kana_with_single_spaces(store: Store) -> None:
    account_id = await tanaka(store)
    _, after = await store.update_account(
        account_id, name_reading=" たなか　 イチロウ ", actor="admin", now=NOW
    )
    assert after.name_reading == "たなか イチロウ"
    _, after = await store.update_account(account_id, name_reading="", actor="admin", now=NOW)
    assert after.name_reading == ""


async def test_a_refused_change_changes_nothing(store: Store) -> None:
    account_id = await tanaka(store)
    with pytest.raises(NotFoundError):
        await store.update_account(account_id, departments=["nowhere"], actor="a", now=NOW)
    with pytest.raises(ValueError, match="display name"):
        await store.update_account(account_id, display_name=" ", actor="a", now=NOW)
    with pytest.raises(ValueError, match="role"):
        await store.update_account(account_id, role=Role.KIOSK, actor="a", now=NOW)
    with pytest.raises(NotFoundError):
        await store.update_account("u-nobody", display_name="誰", actor="a", now=NOW)
    with pytest.raises(ValueError, match="reading"):
        await store.update_account(account_id, name_reading="Tanaka", actor="a", now=NOW)
    account = await store.get_account(account_id)
    assert account is not None
    assert (account.display_name, account.role, account.departments) == (
        "田中", Role.STAFF, ("shimin",)
    )  # fmt: skip
    assert await store.get_session("token-1") is not None
    assert not [e for e in await store.list_audit() if e.action == "account_updated"]


async def test_a_temporary_password_is_flagged_until_its_owner_changes_it(store: Store) -> None:
    account_id = await tanaka(store)
    await store.set_password(account_id, "hash-2", actor="admin", now=NOW, must_change=True)
    account = await store.get_account(account_id)
    assert account is not None
    assert (account.password_hash, account.must_change_password) == ("hash-2", True)
    assert await store.get_session("token-1") is None
    # A silent rehash at sign-in keeps the flag as it is.
    await store.set_password(account_id, "hash-3", actor=account_id, now=NOW, revoke_sessions=False)
    account = await store.get_account(account_id)
    assert account is not None
    assert account.must_change_password
    await store.create_session("token-2", account_id, NOW, NOW + 3600)
    await store.change_own_password(account_id, "hash-4", now=NOW + 5, ip="10.0.0.2")
    account = await store.get_account(account_id)
    assert account is not None
    assert (account.password_hash, account.must_change_password) == ("hash-4", False)
    assert await store.get_session("token-2") is None
    audit = {e.action: e for e in await store.list_audit()}
    assert audit["password_set"].detail == {"must_change": True}
    assert audit["password_rehashed"].detail == {}
    assert (audit["password_changed"].actor, audit["password_changed"].ip) == (
        account_id,
        "10.0.0.2",
    )


async def test_a_city_without_outcome_codes_gets_the_defaults_once(store: Store) -> None:
    await store.replace_directory(Directory(departments=CITY.departments), actor="test", now=NOW)
    directory = await ensure_outcome_codes(store, actor="hub", now=NOW)
    assert directory.outcome_codes == list(DEFAULTS)
    assert (await store.load_directory()).outcome_codes == list(DEFAULTS)
    for outcome in DEFAULTS:
        assert set(outcome.names) == {"ja", "ja-easy", "en", "zh", "ko", "vi"}
    await ensure_outcome_codes(store, actor="hub", now=NOW + 1)
    defaulted = [e for e in await store.list_audit() if e.action == "outcome_codes_defaulted"]
    assert [(e.actor, e.detail) for e in defaulted] == [
        ("hub", {"after": {"codes": [o.code for o in DEFAULTS]}})
    ]
    # A city with codes of its own keeps them.
    await store.replace_directory(CITY, actor="test", now=NOW + 2)
    assert (await ensure_outcome_codes(store, actor="hub", now=NOW + 3)).outcome_codes == (
        CITY.outcome_codes
    )


async def test_token_logins_made_together_find_their_sessions_and_accounts(store: Store) -> None:
    """Consoles coming back after a restart share the lookups (both databases)."""
    account_id = await tanaka(store)
    suzuki = await store.create_account(
        "suzuki", "鈴木", Role.STAFF, "hash-2", [], actor="test", now=NOW
    )
    await store.create_session("token-2", suzuki.id, NOW, NOW - 1)  # expired, still found
    found = await asyncio.gather(
        store.get_session_with_account("token-1"),
        store.get_session_with_account("token-2"),
        store.get_session_with_account("token-3"),
    )
    assert found[2] is None
    assert [(s.account_id, a.username if a else None) for s, a in filter(None, found)] == [
        (account_id, "tanaka"),
        (suzuki.id, "suzuki"),
    ]
    assert found[0] is not None
    session, account = found[0]
    assert account is not None
    assert account.departments == ("shimin",)
    assert session.expires_at == NOW + 3600
