"""A PostgreSQL URL without the `[postgres]` extra: one line that names the extra, no traceback.

Here asyncpg is hidden (a None in sys.modules makes its import fail as if it were absent); the
hub-only install in tests/deploy/test_packaging.py checks the same without it installed at all.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from signaling import __main__ as hub_main
from signaling import admin_cli
from signaling.store.engine import missing_driver

POSTGRES_URL = "postgresql+asyncpg://madoguchi:s3cret-pw@127.0.0.1:5432/madoguchi"


@pytest.fixture
def without_asyncpg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("MADOGUCHI_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("MADOGUCHI_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("MADOGUCHI_DATABASE_URL", POSTGRES_URL)
    monkeypatch.setitem(sys.modules, "asyncpg", None)


def test_the_missing_driver_is_named_with_its_extra_and_not_the_password(
    without_asyncpg: None,
) -> None:
    problem = missing_driver(POSTGRES_URL)

    assert problem == (
        "setting 'database_url': postgresql+asyncpg needs the Python package asyncpg, "
        "which is not installed: pip install 'madoguchi[postgres]'"
    )


@pytest.mark.usefixtures("without_asyncpg")
@pytest.mark.parametrize(
    ("main", "argv", "code"),
    [(hub_main.main, [], 2), (admin_cli.main, ["list-kiosks"], 1)],
    ids=["madoguchi-signaling", "madoguchi-admin"],
)
def test_the_hub_and_the_cli_stop_with_one_line(
    main: Callable[[list[str]], int],
    argv: list[str],
    code: int,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(argv) == code

    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "pip install 'madoguchi[postgres]'" in err
    assert "s3cret-pw" not in err


def test_a_url_sqlalchemy_cannot_read_is_refused_without_quoting_it() -> None:
    problem = missing_driver("postgress://madoguchi:s3cret-pw@db/madoguchi")

    assert (
        problem == "setting 'database_url': not a database URL that SQLAlchemy knows (postgress://)"
    )


@pytest.mark.parametrize(
    "url", ["sqlite+aiosqlite:///var/madoguchi.db", "postgresql+asyncpg://u:p@127.0.0.1/db"]
)
def test_installed_drivers_pass(url: str) -> None:
    assert missing_driver(url) is None
