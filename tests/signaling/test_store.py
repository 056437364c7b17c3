from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from signaling.admin.directory_edit import put_department
from signaling.demo import demo_directory
from signaling.directory import Category, Department, Directory, DirectoryError, OutcomeCode
from signaling.events import (
    CallStatsReported,
    ConsultationEnded,
    ConsultationRequested,
    Event,
    KioskStatusReported,
    LegAnswered,
    LegEnded,
    LegQueued,
    PrincipalOffline,
    PrincipalOnline,
    SurveyRecorded,
    WrapUpRecorded,
)
from signaling.protocol import DeviceHealth, EndReason, KioskActivity, Role
from signaling.store import (
    ConflictError,
    NotFoundError,
    SchemaVersionError,
    Store,
    StoreError,
    history,
    migrations,
    schema,
)
from signaling.store.engine import create_engine
from signaling.tokens import hash_token

POSTGRES_URL = os.environ.get("MADOGUCHI_TEST_POSTGRES_URL")

NOW = 1_750_000_000.0


async def drop_everything(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            existing = sa.MetaData()
            await conn.run_sync(existing.reflect)
            await conn.run_sync(existing.drop_all)
    finally:
        await engine.dispose()


async def dump_all_rows(url: str) -> str:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            rows = [
                (await conn.execute(sa.select(table))).all()
                for table in schema.metadata.sorted_tables
            ]
    finally:
        await engine.dispose()
    return repr(rows)


# Against PostgreSQL too when a server is given; otherwise one skip says so, not one per test.
BACKENDS = ["sqlite"] + (
    [pytest.param("postgres", marks=pytest.mark.postgres)] if POSTGRES_URL else []
)


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path}/hub.db"
    assert POSTGRES_URL is not None
    await drop_everything(POSTGRES_URL)
    return POSTGRES_URL


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="set MADOGUCHI_TEST_POSTGRES_URL to run on it")
def test_the_store_tests_also_run_against_postgresql() -> None:
    assert "postgres" in str(BACKENDS)


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    store = await Store.open(database_url)
    yield store
    await store.close()


CITY = Directory(
    departments=[
        Department(id="shimin", names={"ja": "市民課", "en": "Citizens' Affairs"}),
        Department(id="zeimu", names={"ja": "税務課", "en": "Taxation"}),
    ],
    categories=[
        Category(id="juminhyo", department_id="shimin", names={"ja": "住民票"}, icon="document"),
        Category(id="juminzei", department_id="zeimu", names={"ja": "住民税"}, icon="yen"),
    ],
    outcome_codes=[OutcomeCode(code="resolved", names={"ja": "解決", "en": "Resolved"})],
)


async def with_city(store: Store) -> Store:
    await store.replace_directory(CITY, actor="test", now=NOW)
    return store


async def add_staff(store: Store, username: str = "tanaka", *departments: str) -> str:
    account = await store.create_account(
        username,
        "田中",
        Role.STAFF,
        "$argon2id$fake",
        departments or ("shimin",),
        actor="test",
        now=NOW,
    )
    return account.id


# Opening and migrations.


async def test_opening_a_new_database_migrates_it_to_the_latest_revision(store: Store) -> None:
    assert await store.schema_revision() == migrations.HEAD


async def alembic_versions(url: str) -> list[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(sa.text("SELECT version_num FROM alembic_version"))
            return list(rows.scalars())
    finally:
        await engine.dispose()


async def test_opening_twice_keeps_the_revision_and_the_data(database_url: str) -> None:
    first = await Store.open(database_url)
    await with_city(first)
    await first.close()
    second = await Store.open(database_url)
    try:
        assert await second.schema_revision() == migrations.HEAD
        assert await second.load_directory() == CITY
    finally:
        await second.close()
    assert await alembic_versions(database_url) == [migrations.HEAD]


async def test_two_processes_opening_a_fresh_database_at_once_both_succeed(
    database_url: str,
) -> None:
    stores = await asyncio.gather(Store.open(database_url), Store.open(database_url))
    try:
        assert [await s.schema_revision() for s in stores] == [migrations.HEAD] * 2
    finally:
        for s in stores:
            await s.close()
    assert await alembic_versions(database_url) == [migrations.HEAD]


async def test_the_migrated_schema_matches_schema_py(store: Store, database_url: str) -> None:
    engine = create_async_engine(database_url)
    async with engine.connect() as conn:
        differences = await conn.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), schema.metadata)
        )
    await engine.dispose()
    assert differences == []


async def test_a_database_from_a_newer_madoguchi_is_refused(database_url: str) -> None:
    await (await Store.open(database_url)).close()
    engine = create_async_engine(database_url)
    async with engine.begin() as conn:
        await conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    await engine.dispose()
    with pytest.raises(SchemaVersionError, match="9999"):
        await Store.open(database_url)


async def test_opening_creates_the_directory_of_a_sqlite_file(tmp_path: Path) -> None:
    store = await Store.open(f"sqlite+aiosqlite:///{tmp_path}/var/deeper/hub.db")
    await store.close()
    assert (tmp_path / "var" / "deeper" / "hub.db").exists()


async def test_an_unreachable_database_raises_store_error() -> None:
    with pytest.raises(StoreError):
        await Store.open("postgresql+asyncpg://nobody:x@127.0.0.1:1/none")


async def test_a_full_disk_raises_store_error_and_keeps_earlier_data(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/hub.db"
    await (await Store.open(url)).close()
    pages = sqlite3.connect(tmp_path / "hub.db").execute("PRAGMA page_count").fetchone()[0]
    # SQLite refuses to grow the file past max_page_count, as a full disk would.
    store = await Store.open(url, sqlite_pragmas={"max_page_count": pages})
    try:
        with pytest.raises(StoreError, match="full"):
            await store.append_audit(
                at=NOW, actor="test", action="big", detail={"blob": "x" * 200_000}
            )
        with pytest.raises(StoreError):
            await store.apply(
                [
                    ConsultationRequested(
                        session_id=f"s-{i}",
                        kiosk_id="k-1",
                        category_id="c" * 60,
                        language="ja",
                        department_id="shimin",
                        at=NOW,
                    )
                    for i in range(2000)
                ]
            )
        assert await store.list_audit() == []
        assert await store.list_consultations() == []  # the batch left nothing behind
    finally:
        await store.close()


async def test_two_stores_on_one_sqlite_file_can_write_at_once(tmp_path: Path) -> None:
    # The hub and madoguchi-admin share the file; neither may fail with "database is locked".
    url = f"sqlite+aiosqlite:///{tmp_path}/hub.db"
    hub, cli = await Store.open(url), await Store.open(url)
    try:
        await asyncio.gather(
            *(
                s.append_audit(at=NOW + i, actor=name, action="x")
                for i in range(25)
                for name, s in (("hub", hub), ("cli", cli))
            )
        )
        assert len(await hub.list_audit(limit=100)) == 50
    finally:
        await hub.close()
        await cli.close()


# Accounts and sessions.


async def test_an_account_is_found_by_username_and_id(store: Store) -> None:
    await with_city(store)
    created = await store.create_account(
        "tanaka",
        "田中 太郎",
        Role.STAFF,
        "$argon2id$h",
        ["zeimu", "shimin", "zeimu"],
        actor="test",
        now=NOW,
    )
    assert created.id.startswith("u-")
    assert len(created.id) == 10
    assert created.departments == ("shimin", "zeimu")
    assert await store.get_account_by_username("tanaka") == created
    assert await store.get_account(created.id) == created
    assert await store.get_account("u-00000000") is None
    assert created.password_hash == "$argon2id$h"
    assert "$argon2id$h" not in repr(created)


async def test_accounts_are_listed_by_username(store: Store) -> None:
    await with_city(store)
    for name in ("suzuki", "admin", "tanaka"):
        await add_staff(store, name)
    assert [a.username for a in await store.list_accounts()] == ["admin", "suzuki", "tanaka"]


async def test_a_duplicate_username_is_a_conflict(store: Store) -> None:
    await with_city(store)
    await add_staff(store, "tanaka")
    with pytest.raises(ConflictError, match="already taken"):
        await add_staff(store, "tanaka")


async def test_an_unknown_department_is_refused_and_nothing_is_created(store: Store) -> None:
    await with_city(store)
    with pytest.raises(NotFoundError, match="'kaigo'"):
        await add_staff(store, "sato", "shimin", "kaigo")
    assert await store.get_account_by_username("sato") is None


@pytest.mark.parametrize("username", ["", "Tanaka", "ta naka", "田中", "-x", "a" * 65])
async def test_a_malformed_username_is_refused(store: Store, username: str) -> None:
    await with_city(store)
    with pytest.raises(ValueError, match="username"):
        await add_staff(store, username)


async def test_an_account_cannot_have_the_kiosk_role(store: Store) -> None:
    with pytest.raises(ValueError, match="role"):
        await store.create_account("k", "K", Role.KIOSK, "h", [], actor="test", now=NOW)


async def test_a_session_is_found_by_its_token_hash_until_deleted(store: Store) -> None:
    await with_city(store)
    account_id = await add_staff(store)
    await store.create_session("a" * 64, account_id, NOW, NOW + 60)
    session = await store.get_session("a" * 64)
    assert session is not None
    assert (session.account_id, session.expires_at) == (account_id, NOW + 60)
    await store.delete_session("a" * 64)
    assert await store.get_session("a" * 64) is None


async def test_expired_sessions_are_swept(store: Store) -> None:
    await with_city(store)
    account_id = await add_staff(store)
    await store.create_session("old", account_id, NOW, NOW + 10)
    await store.create_session("new", account_id, NOW, NOW + 100)
    assert await store.delete_expired_sessions(NOW + 50) == 1
    assert await store.get_session("old") is None
    assert await store.get_session("new") is not None


async def test_a_new_password_ends_the_accounts_sessions(store: Store) -> None:
    await with_city(store)
    account_id = await add_staff(store)
    await store.create_session("t", account_id, NOW, NOW + 100)
    await store.set_password(account_id, "$argon2id$new", actor="test", now=NOW)
    account = await store.get_account(account_id)
    assert account is not None
    assert account.password_hash == "$argon2id$new"
    assert await store.get_session("t") is None


async def test_a_rehash_keeps_the_accounts_sessions(store: Store) -> None:
    await with_city(store)
    account_id = await add_staff(store)
    await store.create_session("t", account_id, NOW, NOW + 100)
    await store.set_password(account_id, "h2", actor=account_id, now=NOW, revoke_sessions=False)
    assert await store.get_session("t") is not None


async def test_disabling_an_account_ends_its_sessions(store: Store) -> None:
    await with_city(store)
    account_id = await add_staff(store)
    await store.create_session("t", account_id, NOW, NOW + 100)
    await store.set_account_disabled(account_id, True, actor="test", now=NOW)
    account = await store.get_account(account_id)
    assert account is not None
    assert account.disabled
    assert await store.get_session("t") is None


async def test_changing_an_unknown_account_is_not_found(store: Store) -> None:
    with pytest.raises(NotFoundError):
        await store.set_account_disabled("u-00000000", True, actor="test", now=NOW)
    with pytest.raises(NotFoundError):
        await store.set_password("u-00000000", "h", actor="test", now=NOW)
    with pytest.raises(NotFoundError):
        await store.set_account_departments("u-00000000", [], actor="test", now=NOW)


async def test_an_accounts_departments_can_be_replaced(store: Store) -> None:
    await with_city(store)
    account_id = await add_staff(store)
    await store.set_account_departments(account_id, ["zeimu"], actor="test", now=NOW)
    account = await store.get_account(account_id)
    assert account is not None
    assert account.departments == ("zeimu",)


# Kiosks.


async def test_a_kiosk_token_is_returned_once_and_only_its_hash_is_stored(
    store: Store, database_url: str
) -> None:
    kiosk, token = await store.create_kiosk("中央公民館", "1F", actor="test", now=NOW)
    assert kiosk.id.startswith("k-")
    assert len(kiosk.id) == 10
    assert len(token) >= 40
    assert await store.get_kiosk_by_token_hash(hash_token(token)) == kiosk
    rows = await dump_all_rows(database_url)
    assert token not in rows
    assert hash_token(token) in rows


async def test_a_duplicate_kiosk_name_is_a_conflict(store: Store) -> None:
    await store.create_kiosk("北部支所", "", actor="test", now=NOW)
    with pytest.raises(ConflictError, match="already exists"):
        await store.create_kiosk("北部支所", "elsewhere", actor="test", now=NOW)


async def test_a_reissued_kiosk_token_replaces_the_old_one(store: Store) -> None:
    kiosk, old = await store.create_kiosk("南", "", actor="test", now=NOW)
    new = await store.reissue_kiosk_token(kiosk.id, actor="test", now=NOW)
    assert new != old
    assert await store.get_kiosk_by_token_hash(hash_token(old)) is None
    assert await store.get_kiosk_by_token_hash(hash_token(new)) == kiosk


async def test_a_kiosk_can_be_disabled_and_enabled(store: Store) -> None:
    kiosk, _ = await store.create_kiosk("南", "", actor="test", now=NOW)
    await store.set_kiosk_disabled(kiosk.id, True, actor="test", now=NOW)
    assert [k.disabled for k in await store.list_kiosks()] == [True]
    await store.set_kiosk_disabled(kiosk.id, False, actor="test", now=NOW)
    found = await store.get_kiosk(kiosk.id)
    assert found is not None
    assert not found.disabled


async def test_disabling_an_unknown_kiosk_is_not_found(store: Store) -> None:
    with pytest.raises(NotFoundError, match="k-00000000"):
        await store.set_kiosk_disabled("k-00000000", True, actor="test", now=NOW)


# The directory.


async def test_the_directory_round_trips_in_order(store: Store) -> None:
    city = demo_directory()
    assert await store.replace_directory(city, actor="test", now=NOW) is True
    assert await store.load_directory() == city


async def test_replacing_the_directory_with_itself_changes_nothing(store: Store) -> None:
    await with_city(store)
    assert await store.replace_directory(CITY, actor="test", now=NOW) is False
    assert [e.action for e in await store.list_audit()] == ["directory_replaced"]


async def test_an_unused_department_can_be_removed(store: Store) -> None:
    await with_city(store)
    smaller = Directory(departments=CITY.departments[:1], categories=CITY.categories[:1])
    await store.replace_directory(smaller, actor="test", now=NOW)
    assert await store.load_directory() == smaller


async def test_a_department_with_staff_cannot_be_removed(store: Store) -> None:
    await with_city(store)
    await add_staff(store, "tanaka", "zeimu")
    smaller = Directory(departments=CITY.departments[:1], categories=CITY.categories[:1])
    with pytest.raises(ConflictError, match="zeimu"):
        await store.replace_directory(smaller, actor="test", now=NOW)
    assert await store.load_directory() == CITY


async def test_an_inconsistent_directory_is_refused(store: Store) -> None:
    broken = Directory(categories=[Category(id="c", department_id="nowhere", names={})])
    with pytest.raises(DirectoryError, match="nowhere"):
        await store.replace_directory(broken, actor="test", now=NOW)


# The audit log.


async def test_every_admin_change_is_audited_with_its_actor(store: Store) -> None:
    await with_city(store)
    account_id = await add_staff(store)
    await store.set_password(account_id, "h", actor="cli", now=NOW + 1, ip="10.0.0.5")
    await store.set_account_disabled(account_id, True, actor="cli", now=NOW + 2)
    kiosk, _ = await store.create_kiosk("南", "", actor="cli", now=NOW + 3)
    await store.set_kiosk_disabled(kiosk.id, True, actor="cli", now=NOW + 4)
    entries = await store.list_audit()
    assert [(e.action, e.target) for e in entries] == [
        ("kiosk_disabled", kiosk.id),
        ("kiosk_created", kiosk.id),
        ("account_disabled", account_id),
        ("password_set", account_id),
        ("account_created", account_id),
        ("directory_replaced", ""),
    ]
    assert entries[3].ip == "10.0.0.5"
    assert entries[3].actor == "cli"
    assert "h" not in entries[3].detail.values()


async def test_the_audit_log_filters_by_time_and_actor(store: Store) -> None:
    for i, actor in enumerate(["a", "b", "a", "b"]):
        await store.append_audit(at=NOW + i, actor=actor, action="x", detail={"i": i})
    assert [e.detail["i"] for e in await store.list_audit(actor="a")] == [2, 0]
    assert [e.detail["i"] for e in await store.list_audit(since=NOW + 1, until=NOW + 3)] == [
        2,
        1,
    ]
    assert len(await store.list_audit(limit=3)) == 3


# History from switchboard events.


def a_transferred_consultation() -> list[Event]:
    return [
        ConsultationRequested(
            session_id="s-1",
            kiosk_id="k-1",
            category_id="juminhyo",
            language="ja",
            department_id="shimin",
            at=100,
        ),
        LegQueued(session_id="s-1", leg=0, department_id="shimin", at=100),
        LegAnswered(session_id="s-1", leg=0, staff_id="u-1", at=130),
        LegEnded(session_id="s-1", leg=0, reason=EndReason.TRANSFERRED, at=200),
        LegQueued(
            session_id="s-1",
            leg=1,
            department_id="zeimu",
            at=200,
            transfer_note="所得証明書も必要です",
            transferred_by="u-1",
        ),
        WrapUpRecorded(
            session_id="s-1",
            leg=0,
            staff_id="u-1",
            outcome_code="referred",
            note="税務課へ",
            at=205,
        ),
        LegAnswered(session_id="s-1", leg=1, staff_id="u-2", at=220),
        LegEnded(session_id="s-1", leg=1, reason=EndReason.COMPLETED, at=400),
        ConsultationEnded(
            session_id="s-1",
            reason=EndReason.COMPLETED,
            at=400,
            wait_seconds=50,
            talk_seconds=250,
            transfers=1,
            answered=True,
        ),
        WrapUpRecorded(
            session_id="s-1",
            leg=1,
            staff_id="u-2",
            outcome_code="resolved",
            note="発行済み",
            at=410,
        ),
        SurveyRecorded(session_id="s-1", score=5, at=420),
    ]


async def test_a_transferred_consultation_is_recorded_with_both_legs(store: Store) -> None:
    await store.apply(a_transferred_consultation())
    [record] = await store.list_consultations()
    assert (record.id, record.kiosk_id, record.category_id, record.language) == (
        "s-1",
        "k-1",
        "juminhyo",
        "ja",
    )
    assert (record.requested_at, record.first_answered_at, record.ended_at) == (100, 130, 400)
    assert record.end_reason is EndReason.COMPLETED
    assert (record.wait_seconds, record.talk_seconds, record.transfers) == (50, 250, 1)
    assert (record.outcome_code, record.note, record.survey_score) == ("resolved", "発行済み", 5)
    first, second = record.legs
    assert (first.leg, first.department_id, first.staff_id) == (0, "shimin", "u-1")
    assert (first.queued_at, first.answered_at, first.ended_at) == (100, 130, 200)
    assert first.end_reason is EndReason.TRANSFERRED
    assert (first.outcome_code, first.wrap_up_note) == ("referred", "税務課へ")
    assert (second.department_id, second.staff_id, second.answered_at) == ("zeimu", "u-2", 220)
    assert (second.transfer_note, second.transferred_by) == ("所得証明書も必要です", "u-1")
    assert (second.outcome_code, second.end_reason) == ("resolved", EndReason.COMPLETED)


async def test_events_may_arrive_in_several_batches(store: Store) -> None:
    events = a_transferred_consultation()
    for i in range(0, len(events), 3):
        await store.apply(events[i : i + 3])
    [record] = await store.list_consultations()
    assert len(record.legs) == 2
    assert record.survey_score == 5


async def test_applying_a_batch_twice_does_not_duplicate_rows(store: Store) -> None:
    await store.apply(a_transferred_consultation())
    await store.apply(a_transferred_consultation())
    [record] = await store.list_consultations()
    assert len(record.legs) == 2


async def test_a_second_answer_keeps_the_first_answered_time(store: Store) -> None:
    await store.apply(a_transferred_consultation()[:7])
    [record] = await store.list_consultations()
    assert record.first_answered_at == 130


async def test_an_unanswered_consultation_has_no_answer_time(store: Store) -> None:
    events = [
        *a_transferred_consultation()[:2],
        LegEnded(session_id="s-1", leg=0, reason=EndReason.CITIZEN_CANCELLED, at=150),
        ConsultationEnded(
            session_id="s-1",
            reason=EndReason.CITIZEN_CANCELLED,
            at=150,
            wait_seconds=50,
            talk_seconds=0,
            transfers=0,
            answered=False,
        ),
    ]
    await store.apply(events)
    [record] = await store.list_consultations()
    assert record.first_answered_at is None
    assert record.end_reason is EndReason.CITIZEN_CANCELLED
    assert record.legs[0].staff_id is None


async def test_events_for_an_unknown_session_are_skipped_not_fatal(store: Store) -> None:
    await store.apply(
        [
            LegQueued(session_id="ghost", leg=0, department_id="shimin", at=1),
            LegAnswered(session_id="ghost", leg=0, staff_id="u-1", at=2),
            SurveyRecorded(session_id="ghost", score=3, at=3),
        ]
    )
    assert await store.list_consultations() == []


async def test_a_kiosk_coming_and_going_updates_its_last_seen_time(store: Store) -> None:
    kiosk, _ = await store.create_kiosk("南", "", actor="test", now=NOW)
    await store.apply([PrincipalOnline(role=Role.KIOSK, principal_id=kiosk.id, at=NOW + 5)])
    assert (await store.get_kiosk(kiosk.id)).last_seen_at == NOW + 5  # type: ignore[union-attr]
    await store.apply(
        [
            PrincipalOffline(role=Role.KIOSK, principal_id=kiosk.id, at=NOW + 9),
            PrincipalOnline(role=Role.STAFF, principal_id="u-1", at=NOW + 10),
        ]
    )
    assert (await store.get_kiosk(kiosk.id)).last_seen_at == NOW + 9  # type: ignore[union-attr]


async def test_live_status_and_call_stats_are_not_stored(store: Store, database_url: str) -> None:
    before = await dump_all_rows(database_url)
    await store.apply(
        [
            KioskStatusReported(
                kiosk_id="k-1",
                activity=KioskActivity.IDLE,
                camera=DeviceHealth.OK,
                microphone=DeviceHealth.OK,
                speaker=DeviceHealth.FAULT,
                at=1,
            ),
            CallStatsReported(
                session_id="s-1", role=Role.KIOSK, principal_id="k-1", rtt_ms=20, tracks=(), at=1
            ),
        ]
    )
    assert await dump_all_rows(database_url) == before


async def test_an_empty_batch_is_a_no_op(store: Store) -> None:
    await store.apply([])
    assert await store.list_consultations() == []


def requested(session_id: str, at: float, kiosk_id: str = "k-1") -> list[Event]:
    department = "zeimu" if session_id.endswith("z") else "shimin"
    return [
        ConsultationRequested(
            session_id=session_id,
            kiosk_id=kiosk_id,
            category_id="c",
            language="en",
            department_id=department,
            at=at,
        ),
        LegQueued(session_id=session_id, leg=0, department_id=department, at=at),
    ]


async def test_consultations_are_listed_newest_first_within_a_time_range(store: Store) -> None:
    for i in range(5):
        await store.apply(requested(f"s-{i}", at=1000 + i))
    records = await store.list_consultations(since=1001, until=1004)
    assert [r.id for r in records] == ["s-3", "s-2", "s-1"]
    assert [r.id for r in await store.list_consultations(limit=2)] == ["s-4", "s-3"]


async def test_the_legs_of_any_number_of_consultations_are_read_by_the_same_statements(
    store: Store, database_url: str
) -> None:
    # An IN list of their ids was a new statement for each count, and the driver kept the last
    # 128, each as long as the day's history: the hub's memory grew with every call of the day.
    engine = create_engine(database_url, {})
    statements: set[str] = set()

    def record(*execution: object) -> None:  # before_cursor_execute(conn, cursor, statement, ...)
        statements.add(str(execution[2]))

    sa.event.listen(engine.sync_engine, "before_cursor_execute", record)
    read: list[frozenset[str]] = []
    try:
        for i in range(3):
            await store.apply(requested(f"s-{i}", at=1000 + i))
            statements.clear()
            async with engine.connect() as conn:
                records = await history.list_consultations(conn)
            assert [len(r.legs) for r in records] == [1] * (i + 1)
            read.append(frozenset(statements))
    finally:
        await engine.dispose()
    assert read[0] == read[1] == read[2]


async def test_consultations_can_be_filtered_by_kiosk_and_department(store: Store) -> None:
    await store.apply(requested("s-1", 1, kiosk_id="k-a") + requested("s-2z", 2, kiosk_id="k-b"))
    assert [r.id for r in await store.list_consultations(kiosk_id="k-a")] == ["s-1"]
    assert [r.id for r in await store.list_consultations(department_id="zeimu")] == ["s-2z"]
    assert await store.list_consultations(department_id="kaigo") == []


async def test_an_overlong_audit_target_is_clipped_not_refused(store: Store) -> None:
    await store.append_audit(at=NOW, actor="anonymous", action="login_failed", target="x" * 5000)
    [entry] = await store.list_audit()
    assert entry.target == "x" * 200


async def test_an_overlong_language_tag_does_not_break_the_batch(store: Store) -> None:
    queued = requested("s-1", 1)[1]
    odd = ConsultationRequested(
        session_id="s-1", kiosk_id="k-1", category_id="c", language="x" * 100,
        department_id="shimin", at=1,
    )  # fmt: skip
    await store.apply([odd, queued])
    [record] = await store.list_consultations()
    assert record.language == "x" * 16


async def test_directory_edits_made_at_the_same_moment_all_land(store: Store) -> None:
    await with_city(store)
    edits = [put_department(Department(id=f"new{n}", names={"ja": f"新{n}課"})) for n in range(4)]
    await asyncio.gather(*(store.edit_directory(e, actor="admin", now=NOW) for e in edits))
    ids = [d.id for d in (await store.load_directory()).departments]
    assert ids[:2] == ["shimin", "zeimu"]
    assert sorted(ids[2:]) == ["new0", "new1", "new2", "new3"]
    assert [e.action for e in await store.list_audit()].count("department_saved") == 4
