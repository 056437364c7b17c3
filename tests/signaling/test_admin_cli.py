from __future__ import annotations

import asyncio
import io
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest

from signaling.admin_cli import main
from signaling.auth import verify_password
from signaling.directory import Department, Directory
from signaling.store import Account, AuditEntry, Kiosk, Store
from signaling.tokens import hash_token

T = TypeVar("T")
PASSWORD = "long enough password"


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


Cli = Callable[..., Result]


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith("MADOGUCHI_"):
            monkeypatch.delenv(name)
    path = tmp_path / "hub.toml"
    path.write_text(f'var_dir = "{tmp_path / "var"}"\n', encoding="utf-8")
    city = Directory(
        departments=[Department(id="shimin", names={}), Department(id="zeimu", names={})]
    )
    in_store(path, lambda store: store.replace_directory(city, actor="test", now=0))
    return path


def in_store(config: Path, action: Callable[[Store], Awaitable[T]]) -> T:
    async def run() -> T:
        store = await Store.open(f"sqlite+aiosqlite:///{config.parent / 'var'}/madoguchi.db")
        try:
            return await action(store)
        finally:
            await store.close()

    return asyncio.run(run())


@pytest.fixture
def cli(config: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    def run(*args: str, stdin: str = "") -> Result:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(["--config", str(config), *args])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


def account(config: Path, username: str) -> Account | None:
    return in_store(config, lambda store: store.get_account_by_username(username))


def kiosks(config: Path) -> list[Kiosk]:
    return in_store(config, lambda store: store.list_kiosks())


def audit(config: Path) -> list[AuditEntry]:
    return in_store(config, lambda store: store.list_audit())


def add_tanaka(cli: Cli, *extra: str) -> Result:
    return cli(
        "add-staff", "tanaka", "--display-name", "田中", "--department", "shimin",
        "--department", "zeimu", "--password-stdin", *extra, stdin=PASSWORD + "\n",
    )  # fmt: skip


def test_add_staff_creates_an_account_with_its_departments(cli: Cli, config: Path) -> None:
    result = add_tanaka(cli)
    assert result.code == 0, result.err
    created = account(config, "tanaka")
    assert created is not None
    assert created.departments == ("shimin", "zeimu")
    assert created.display_name == "田中"
    assert verify_password(created.password_hash, PASSWORD)
    assert created.id in result.out


def test_every_change_is_audited_as_the_cli(cli: Cli, config: Path) -> None:
    add_tanaka(cli)
    cli("disable-account", "tanaka")
    entries = audit(config)
    assert [(e.actor, e.action) for e in entries[:2]] == [
        ("cli", "account_disabled"),
        ("cli", "account_created"),
    ]


def test_add_staff_can_make_a_supervisor_without_departments(cli: Cli, config: Path) -> None:
    result = cli(
        "add-staff", "yamada", "--display-name", "山田", "--role", "supervisor",
        "--password-stdin", stdin=PASSWORD,
    )  # fmt: skip
    assert result.code == 0, result.err
    created = account(config, "yamada")
    assert created is not None
    assert created.role == "supervisor"


def test_a_duplicate_username_is_refused(cli: Cli) -> None:
    add_tanaka(cli)
    result = add_tanaka(cli)
    assert result.code == 1
    assert "already taken" in result.err


def test_an_unknown_department_is_refused_with_the_known_ones(cli: Cli, config: Path) -> None:
    result = cli(
        "add-staff", "sato", "--display-name", "佐藤", "--department", "kaigo",
        "--password-stdin", stdin=PASSWORD,
    )  # fmt: skip
    assert result.code == 1
    assert "unknown department 'kaigo'" in result.err
    assert "shimin, zeimu" in result.err
    assert account(config, "sato") is None


def test_staff_without_a_department_are_refused(cli: Cli) -> None:
    result = cli("add-staff", "sato", "--display-name", "佐藤", "--password-stdin", stdin=PASSWORD)
    assert result.code == 1
    assert "--department" in result.err


def test_a_short_password_is_refused(cli: Cli, config: Path) -> None:
    result = cli(
        "add-staff", "sato", "--display-name", "佐藤", "--department", "shimin",
        "--password-stdin", stdin="short\n",
    )  # fmt: skip
    assert result.code == 1
    assert "at least 8 characters" in result.err
    assert account(config, "sato") is None


def test_a_malformed_username_is_refused(cli: Cli) -> None:
    result = cli(
        "add-staff", "Tanaka San", "--display-name", "田中", "--department", "shimin",
        "--password-stdin", stdin=PASSWORD,
    )  # fmt: skip
    assert result.code == 1
    assert "lower-case" in result.err


def test_an_unknown_role_is_a_usage_error(cli: Cli) -> None:
    result = cli("add-staff", "x", "--display-name", "X", "--role", "kiosk")
    assert result.code == 2
    assert "invalid choice" in result.err


def test_mismatched_typed_passwords_are_refused(
    cli: Cli, config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A terminal cannot run here; getpass is the one thing stood in for.
    answers = iter([PASSWORD, PASSWORD + "x"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    result = cli("add-staff", "sato", "--display-name", "佐藤", "--department", "shimin")
    assert result.code == 1
    assert "do not match" in result.err
    assert account(config, "sato") is None


def test_disable_account_disables_it(cli: Cli, config: Path) -> None:
    add_tanaka(cli)
    result = cli("disable-account", "tanaka")
    assert result.code == 0, result.err
    disabled = account(config, "tanaka")
    assert disabled is not None
    assert disabled.disabled
    assert cli("enable-account", "tanaka").code == 0
    enabled = account(config, "tanaka")
    assert enabled is not None
    assert not enabled.disabled


def test_changing_an_unknown_user_is_refused(cli: Cli) -> None:
    result = cli("disable-account", "nobody")
    assert result.code == 1
    assert "no account named 'nobody'" in result.err
    result = cli("reset-password", "nobody", "--password-stdin", stdin=PASSWORD)
    assert result.code == 1


def test_reset_password_sets_the_new_password(cli: Cli, config: Path) -> None:
    add_tanaka(cli)
    result = cli("reset-password", "tanaka", "--password-stdin", stdin="a brand new one\n")
    assert result.code == 0, result.err
    changed = account(config, "tanaka")
    assert changed is not None
    assert verify_password(changed.password_hash, "a brand new one")
    assert not verify_password(changed.password_hash, PASSWORD)


def test_add_kiosk_prints_its_token_once_with_a_warning(cli: Cli, config: Path) -> None:
    result = cli("add-kiosk", "--name", "中央公民館", "--location", "1F ロビー")
    assert result.code == 0, result.err
    token = result.out.strip()
    [kiosk] = kiosks(config)
    found = in_store(config, lambda store: store.get_kiosk_by_token_hash(hash_token(token)))
    assert found == kiosk
    assert "ONCE" in result.err
    assert kiosk.id in result.err


def test_a_duplicate_kiosk_name_is_refused(cli: Cli) -> None:
    cli("add-kiosk", "--name", "北部支所", "--location", "")
    result = cli("add-kiosk", "--name", "北部支所", "--location", "")
    assert result.code == 1
    assert "already exists" in result.err


def test_disable_kiosk_disables_it(cli: Cli, config: Path) -> None:
    cli("add-kiosk", "--name", "北部支所", "--location", "")
    [kiosk] = kiosks(config)
    assert cli("disable-kiosk", kiosk.id).code == 0
    assert [k.disabled for k in kiosks(config)] == [True]


def test_disabling_an_unknown_kiosk_is_refused(cli: Cli) -> None:
    result = cli("disable-kiosk", "k-00000000")
    assert result.code == 1
    assert "no kiosk 'k-00000000'" in result.err


def test_reissue_kiosk_token_replaces_the_token(cli: Cli, config: Path) -> None:
    old = cli("add-kiosk", "--name", "南", "--location", "").out.strip()
    [kiosk] = kiosks(config)
    new = cli("reissue-kiosk-token", kiosk.id).out.strip()
    assert new != old
    found = in_store(config, lambda store: store.get_kiosk_by_token_hash(hash_token(new)))
    assert found == kiosk


def test_list_accounts_and_kiosks_show_what_is_there(cli: Cli) -> None:
    add_tanaka(cli)
    cli("add-kiosk", "--name", "北部支所", "--location", "North Branch")
    accounts_out = cli("list-accounts").out
    assert "tanaka" in accounts_out
    assert "shimin,zeimu" in accounts_out
    kiosks_out = cli("list-kiosks").out
    assert "北部支所 / North Branch" in kiosks_out
    assert "never" in kiosks_out


def test_seed_demo_writes_the_credentials_file(cli: Cli, tmp_path: Path) -> None:
    result = cli("seed-demo")
    assert result.code == 0, result.err
    assert "tanaka-demo" in result.out
    assert (tmp_path / "var" / "demo-credentials.json").exists()


def test_a_bad_setting_is_reported_by_name(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MADOGUCHI_PORT", "eighty")
    result = cli("list-accounts")
    assert result.code == 1
    assert "MADOGUCHI_PORT" in result.err


def test_a_missing_config_file_is_reported(cli: Cli, tmp_path: Path) -> None:
    assert main(["--config", str(tmp_path / "absent.toml"), "list-accounts"]) == 1


def test_no_command_is_a_usage_error(config: Path) -> None:
    assert main(["--config", str(config)]) == 2
