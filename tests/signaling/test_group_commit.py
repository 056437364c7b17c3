"""Group commit and lookup: a burst of logins shares transactions and queries, and every audit
entry is kept."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from signaling.events import Event, PrincipalOffline, PrincipalOnline
from signaling.protocol import Role
from signaling.store import Store, StoreError
from signaling.store.group_commit import GroupCommit, GroupLookup
from signaling.tokens import hash_token

NOW = 1_750_000_000.0


class Recorder:
    """A write that takes a while, as a commit does, and remembers each batch."""

    def __init__(self, refuse: frozenset[int] = frozenset()) -> None:
        self.batches: list[list[int]] = []
        self.refuse = refuse

    async def write(self, items: list[int]) -> None:
        await asyncio.sleep(0.01)
        if self.refuse & set(items):
            raise StoreError("database or disk is full")
        self.batches.append(items)


async def test_a_burst_is_written_in_a_few_batches_in_order_and_every_caller_waits() -> None:
    recorder = Recorder()
    commits = GroupCommit(recorder.write, name="test")
    done: list[int] = []

    async def submit(item: int) -> None:
        await commits.submit(item)
        assert any(item in batch for batch in recorder.batches)  # committed before returning
        done.append(item)

    first = asyncio.ensure_future(submit(0))
    await asyncio.sleep(0.001)  # its write has begun: the rest arrive during its commit
    await asyncio.gather(first, *(submit(i) for i in range(1, 500)))

    assert [item for batch in recorder.batches for item in batch] == list(range(500))
    assert sorted(done) == list(range(500))
    assert recorder.batches == [[0], list(range(1, 500))]


async def test_one_bad_item_fails_alone_and_the_rest_of_its_batch_is_written() -> None:
    recorder = Recorder(refuse=frozenset({7}))
    commits = GroupCommit(recorder.write, name="test")

    outcomes = await asyncio.gather(*(commits.submit(i) for i in range(20)), return_exceptions=True)

    assert [i for i, outcome in enumerate(outcomes) if isinstance(outcome, StoreError)] == [7]
    written = sorted(item for batch in recorder.batches for item in batch)
    assert written == [i for i in range(20) if i != 7]


async def test_a_caller_that_gives_up_still_has_its_item_written() -> None:
    recorder = Recorder()
    commits = GroupCommit(recorder.write, name="test")
    first = asyncio.ensure_future(commits.submit(1))
    abandoned = asyncio.ensure_future(commits.submit(2))
    await asyncio.sleep(0)
    abandoned.cancel()

    await first
    await commits.drain()

    assert [item for batch in recorder.batches for item in batch] == [1, 2]


async def test_store_keeps_every_audit_entry_of_a_login_burst_in_order(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/hub.db"
    store = await Store.open(url)
    try:
        await asyncio.gather(
            *(
                store.append_audit(
                    at=NOW + i, actor=f"k-{i:04}", action="login", target=f"k-{i:04}", ip="::1"
                )
                for i in range(300)
            )
        )
        entries = await store.list_audit(limit=1000)
    finally:
        await store.close()

    assert [e.actor for e in reversed(entries)] == [f"k-{i:04}" for i in range(300)]
    assert {(e.action, e.ip) for e in entries} == {("login", "::1")}


async def test_store_close_writes_what_was_still_queued(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/hub.db"
    store = await Store.open(url)
    pending = [
        asyncio.ensure_future(store.append_audit(at=NOW, actor="hub", action=f"a{i}"))
        for i in range(50)
    ]
    await asyncio.sleep(0)
    for future in pending[25:]:
        future.cancel()  # their callers went away; the entries stay queued
    await store.close()

    rows = sqlite3.connect(tmp_path / "hub.db").execute("SELECT action FROM audit_log").fetchall()
    assert [action for (action,) in rows] == [f"a{i}" for i in range(50)]


@pytest.mark.parametrize("burst", [1, 40])
async def test_a_full_disk_fails_only_the_entry_that_does_not_fit(
    tmp_path: Path, burst: int
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/hub.db"
    await (await Store.open(url)).close()
    pages = sqlite3.connect(tmp_path / "hub.db").execute("PRAGMA page_count").fetchone()[0]
    # One page more than the file has now: small rows fit, a 200 KB one does not.
    store = await Store.open(url, sqlite_pragmas={"max_page_count": pages + 1})
    try:
        small = [
            store.append_audit(at=NOW, actor="k", action="login", target=str(i))
            for i in range(burst)
        ]
        big = store.append_audit(at=NOW, actor="x", action="big", detail={"blob": "x" * 200_000})
        outcomes = await asyncio.gather(big, *small, return_exceptions=True)
        assert isinstance(outcomes[0], StoreError)
        assert not any(isinstance(o, BaseException) for o in outcomes[1:])
        assert len(await store.list_audit(limit=1000)) == burst
    finally:
        await store.close()


# Group lookup.


class Table:
    """A fetch that takes a while, as a query does, and remembers which keys each one asked."""

    def __init__(self, rows: dict[str, int], fail: bool = False) -> None:
        self.rows = rows
        self.queries: list[list[str]] = []
        self.fail = fail

    async def fetch(self, keys: list[str]) -> dict[str, int]:
        self.queries.append(keys)
        await asyncio.sleep(0.01)
        if self.fail:
            raise StoreError("could not read the database: disk I/O error")
        return {key: self.rows[key] for key in keys if key in self.rows}


async def test_concurrent_lookups_share_queries_and_each_gets_its_own_answer() -> None:
    table = Table({f"t{i}": i for i in range(0, 300, 3)})
    lookup = GroupLookup(table.fetch, name="test", max_keys=100)
    first = asyncio.ensure_future(lookup.get("t0"))
    await asyncio.sleep(0.001)  # its query runs: the rest arrive meanwhile
    keys = [f"t{i}" for i in range(300)] + ["t3", "t3"]  # asked twice, looked up once

    answers = await asyncio.gather(first, *(lookup.get(key) for key in keys))

    assert answers[0] == 0
    assert answers[1:] == [int(k[1:]) if int(k[1:]) % 3 == 0 else None for k in keys]
    assert table.queries[0] == ["t0"]
    assert [len(query) for query in table.queries[1:]] == [100, 100, 100]  # max_keys each
    assert sorted(k for query in table.queries[1:] for k in query) == sorted(set(keys))


async def test_a_failed_lookup_query_fails_each_of_its_callers() -> None:
    lookup = GroupLookup(Table({}, fail=True).fetch, name="test")
    outcomes = await asyncio.gather(
        *(lookup.get(f"t{i}") for i in range(5)), return_exceptions=True
    )
    assert all(isinstance(outcome, StoreError) for outcome in outcomes)


async def test_store_finds_each_kiosk_of_a_login_burst_by_its_token(tmp_path: Path) -> None:
    store = await Store.open(f"sqlite+aiosqlite:///{tmp_path}/hub.db")
    try:
        made = [
            await store.create_kiosk(f"kiosk-{i}", "hall", actor="test", now=NOW) for i in range(40)
        ]
        old_token = made[0][1]
        await store.reissue_kiosk_token(made[0][0].id, actor="test", now=NOW)
        hashes = [hash_token(token) for _, token in made] + [hash_token("nobody's")]

        found = await asyncio.gather(*(store.get_kiosk_by_token_hash(h) for h in hashes))

        assert found[0] is None  # reissued: the old token no longer works
        assert found[1:-1] == [kiosk for kiosk, _ in made[1:]]
        assert found[-1] is None
        assert await store.get_kiosk_by_token_hash(hash_token(old_token)) is None
    finally:
        await store.close()


async def test_one_history_batch_sets_each_kiosks_last_seen_to_its_last_event(
    tmp_path: Path,
) -> None:
    store = await Store.open(f"sqlite+aiosqlite:///{tmp_path}/hub.db")
    try:
        made = [
            (await store.create_kiosk(f"kiosk-{i}", "hall", actor="test", now=NOW))[0]
            for i in range(30)
        ]
        batch: list[Event] = []
        for i, kiosk in enumerate(made):  # a restart: all come back, a few drop again
            batch.append(PrincipalOnline(role=Role.KIOSK, principal_id=kiosk.id, at=NOW + i))
        for i, kiosk in enumerate(made[:5]):
            batch.append(PrincipalOffline(role=Role.KIOSK, principal_id=kiosk.id, at=NOW + 50 + i))
        batch.append(PrincipalOnline(role=Role.STAFF, principal_id="u-1", at=NOW + 99))

        await store.apply(batch)

        seen = {kiosk.id: kiosk.last_seen_at for kiosk in await store.list_kiosks()}
        assert [seen[kiosk.id] for kiosk in made] == [NOW + 50 + i for i in range(5)] + [
            NOW + i for i in range(5, 30)
        ]
    finally:
        await store.close()
