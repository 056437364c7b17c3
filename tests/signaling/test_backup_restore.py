"""Backing up a hub's SQLite database under load, and restoring it: nothing before it is lost.

A real hub (``python -m signaling``, its own process) serves two kiosk-and-staff pairs that
run whole consultations back to back, so the history is written all the time. Meanwhile
``madoguchi-admin backup`` copies the database; the load goes on past it. Then the hub stops,
``madoguchi-admin restore`` puts the backup back, and the hub starts on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from call.link import Credentials
from signaling import protocol as p
from signaling.demo import DemoCredentials
from signaling.store import Store, migrations
from signaling.store import backup as backups
from tests.hub_process import HubProcess, demo_staff, seed_var_dir
from tests.participant import UNIT, Participant, eventually

Rows = dict[str, dict[Any, tuple[Any, ...]]]
KEYS = {"consultations": 1, "consultation_legs": 2, "audit_log": 1}  # primary key columns
ENDED_AT, END_REASON, SURVEY_SCORE = 6, 7, 11  # columns of consultations (schema.py)


def read_rows(database: Path) -> Rows:
    """Every committed history and audit row, by primary key."""
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as conn:
        return {
            table: {
                row[:width] if width > 1 else row[0]: row
                for row in conn.execute(f"SELECT * FROM {table}")  # our table names
            }
            for table, width in KEYS.items()
        }


def admin(*args: str, var_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "signaling.admin_cli", *args],
        env={**os.environ, "MADOGUCHI_VAR_DIR": str(var_dir)},
        capture_output=True,
        text=True,
        timeout=6 * UNIT,
        check=False,
    )


async def consult_back_to_back(
    kiosk: Participant, staff: Participant, category: str, done: list[str], stop: asyncio.Event
) -> None:
    """Whole consultations, one after another: request, accept, hang up, wrap up, survey."""
    while not stop.is_set():
        await kiosk.send(p.RequestConsultation(category_id=category, language="ja"))
        sid = (await kiosk.expect(p.Queued)).session_id
        await staff.send(p.Accept(session_id=sid))
        await kiosk.expect(p.SessionStarted, session_id=sid)
        await staff.expect(p.SessionStarted, session_id=sid)
        await kiosk.send(p.HangUp(session_id=sid))
        await kiosk.expect(p.SessionEnded, session_id=sid)
        await staff.expect(p.SessionEnded, session_id=sid)
        await staff.send(p.WrapUp(session_id=sid, outcome_code="resolved", note=f"{sid} 対応済"))
        await staff.expect(p.WrapUpSaved, session_id=sid)
        await kiosk.send(p.SubmitSurvey(session_id=sid, score=1 + len(done) % 5))
        await kiosk.expect(p.SurveySaved, session_id=sid)
        done.append(sid)
        for participant in (kiosk, staff):  # what this loop never waits for
            participant.inbox[:] = [
                m for m in participant.inbox if not isinstance(m, p.QueueSnapshot | p.Directory)
            ]


@pytest.fixture
async def seeded(tmp_path: Path) -> tuple[Path, DemoCredentials]:
    var_dir = tmp_path / "var"
    return var_dir, await seed_var_dir(var_dir)


async def test_a_backup_taken_under_load_restores_with_every_row_written_before_it(
    seeded: tuple[Path, DemoCredentials], tmp_path: Path
) -> None:
    var_dir, demo = seeded
    database = var_dir / "madoguchi.db"
    backup = tmp_path / "backups" / "madoguchi-backup.db"
    hub = HubProcess(var_dir)
    try:
        await hub.start()
        stop = asyncio.Event()
        done: list[str] = []
        async with (
            Participant(hub.url, Credentials(token=demo.kiosks[0].token)) as kiosk_a,
            Participant(hub.url, demo_staff(demo, "tanaka")) as tanaka,
            Participant(hub.url, Credentials(token=demo.kiosks[1].token)) as kiosk_b,
            Participant(hub.url, demo_staff(demo, "suzuki")) as suzuki,
        ):
            load = asyncio.gather(
                consult_back_to_back(kiosk_a, tanaka, "juminhyo", done, stop),
                consult_back_to_back(kiosk_b, suzuki, "jido-teate", done, stop),
            )
            try:
                await eventually(
                    lambda: _async(len(read_rows(database)["consultations"]) >= 10), 6 * UNIT
                )
                before = read_rows(database)  # committed before the backup began
                taken = await asyncio.to_thread(admin, "backup", str(backup), var_dir=var_dir)
                assert taken.returncode == 0, taken.stderr
                assert "Backed up" in taken.stdout
                during = len(done)
                # The hub is running: a restore must refuse, and change nothing.
                refused = await asyncio.to_thread(admin, "restore", str(backup), var_dir=var_dir)
                assert refused.returncode == 1
                assert "stop the hub" in refused.stderr
                # The load goes on after the backup, so the backup is not simply the end state.
                await eventually(lambda: _async(len(done) >= during + 6), 6 * UNIT)
            finally:
                stop.set()
                await asyncio.wait_for(load, 6 * UNIT)
        await hub.stop()
        final = read_rows(database)
    finally:
        await hub.stop()

    backed_up = read_rows(backup)
    assert oct(backup.stat().st_mode & 0o777) == "0o600"
    with contextlib.closing(sqlite3.connect(backup)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    for table in KEYS:
        # Everything committed before the backup is in it, as it was then or further along;
        # nothing in it was invented.
        assert before[table].keys() <= backed_up[table].keys() <= final[table].keys(), table
    finished = {k for k, row in before["consultations"].items() if row[SURVEY_SCORE] is not None}
    assert finished, "no consultation had finished with a survey before the backup"
    for key in finished:
        assert backed_up["consultations"][key] == before["consultations"][key]
    assert final["consultations"].keys() - backed_up["consultations"].keys(), "no load after it"

    restored = admin("restore", str(backup), var_dir=var_dir)
    assert restored.returncode == 0, restored.stderr
    assert not (var_dir / "switchboard-state.json").exists()  # newer than the backup

    hub = HubProcess(var_dir)
    try:
        await hub.start()
        async with (
            Participant(hub.url, Credentials(token=demo.kiosks[0].token)) as kiosk,
            Participant(hub.url, demo_staff(demo, "tanaka")) as staff,
        ):
            await kiosk.expect(p.Directory)
            assert staff.welcome.session_token is not None
    finally:
        await hub.stop()

    after = read_rows(database)
    for table in KEYS:
        assert backed_up[table].keys() <= after[table].keys(), table
    for key, row in backed_up["consultations"].items():
        if row[ENDED_AT] is not None:  # ended before the backup: kept exactly
            assert after["consultations"][key] == row
        else:  # open in the backup: the restarted hub ends it, as after any crash
            assert after["consultations"][key][END_REASON] == p.EndReason.NETWORK_LOST.value
    lost = final["consultations"].keys() - backed_up["consultations"].keys()
    assert not lost & after["consultations"].keys()


async def _async(value: bool) -> bool:
    return value


def test_a_postgresql_database_is_sent_to_pg_dump_in_one_line() -> None:
    with pytest.raises(backups.BackupError, match="pg_dump") as refused:
        backups.sqlite_path("postgresql+asyncpg://hub@db.city.example/madoguchi")
    assert "\n" not in str(refused.value)


async def test_a_backup_from_a_newer_madoguchi_is_not_restored(tmp_path: Path) -> None:
    newer = tmp_path / "newer.db"
    await (await Store.open(f"sqlite+aiosqlite:///{newer}")).close()
    with contextlib.closing(sqlite3.connect(newer)) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
        conn.commit()
    live = tmp_path / "var" / "madoguchi.db"
    with pytest.raises(backups.BackupError, match="9999"):
        backups.restore(newer, live)
    assert not live.exists()


def test_a_damaged_backup_is_not_restored(tmp_path: Path) -> None:
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    with pytest.raises(backups.BackupError, match=r"damaged\.db"):
        backups.restore(damaged, tmp_path / "madoguchi.db")


async def test_a_backup_is_private_whatever_the_umask(tmp_path: Path) -> None:
    database = tmp_path / "madoguchi.db"
    await (await Store.open(f"sqlite+aiosqlite:///{database}")).close()
    old = os.umask(0)
    try:
        summary = backups.backup(database, tmp_path / "new" / "backup.db")
    finally:
        os.umask(old)
    assert summary.revision == migrations.HEAD
    assert (tmp_path / "new" / "backup.db").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "new").stat().st_mode & 0o777 == 0o700
    assert sorted(p.name for p in (tmp_path / "new").iterdir()) == ["backup.db"]
