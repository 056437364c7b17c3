"""madoguchi-admin for wards, sites, a kiosk's site, and the CSV import of staff and kiosks."""

from __future__ import annotations

import stat
from pathlib import Path

import argon2
import pytest

from signaling import admin_cli_city
from signaling.admin.directory_edit import put_department
from signaling.auth import verify_password
from signaling.directory import Department
from signaling.tokens import hash_token
from tests.signaling.test_admin_cli import Cli, account, audit, cli, config, in_store, kiosks

__all__ = ["cli", "config"]  # the fixtures

# argon2 as the hub uses it, at a cost a test can pay 97 times (the hub's takes ~0.7 s each).
_CHEAP = argon2.PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(admin_cli_city, "hash_password", _CHEAP.hash)


@pytest.fixture
def with_sites(cli: Cli) -> Cli:
    assert cli("set-ward", "moji", "--name", "門司区", "--name-en", "Moji").code == 0
    assert cli("set-site", "moji-office", "--ward", "moji", "--kind", "ward_office",
               "--name", "門司区役所").code == 0  # fmt: skip
    assert cli("set-site", "moji-center", "--ward", "moji", "--name", "門司市民センター").code == 0
    return cli


def test_wards_and_sites_are_added_listed_and_audited(with_sites: Cli, config: Path) -> None:
    listing = with_sites("list-wards")
    assert listing.code == 0
    assert listing.out.splitlines()[:3] == [
        f"{'moji':<16} 門司区",
        f"  {'moji-office':<20} {'ward_office':<12} {0:>3} kiosks  門司区役所",
        f"  {'moji-center':<20} {'center':<12} {0:>3} kiosks  門司市民センター",
    ]
    actions = [(e.actor, e.action, e.target) for e in audit(config)][:3]
    assert actions == [
        ("cli", "site_saved", "moji-center"),
        ("cli", "site_saved", "moji-office"),
        ("cli", "ward_saved", "moji"),
    ]


def test_a_site_in_an_unknown_ward_is_refused(cli: Cli) -> None:
    result = cli("set-site", "x", "--ward", "nowhere", "--name", "どこか")
    assert result.code == 1
    assert "unknown ward 'nowhere'" in result.err


def test_a_kiosk_is_placed_at_a_site(with_sites: Cli, config: Path) -> None:
    assert with_sites("add-kiosk", "--name", "門司1", "--location", "1F").code == 0
    [kiosk] = kiosks(config)
    result = with_sites("set-kiosk-site", kiosk.id, "moji-center")
    assert result.code == 0, result.err
    assert kiosks(config)[0].site_id == "moji-center"
    refused = with_sites("set-kiosk-site", kiosk.id, "nowhere")
    assert (refused.code, refused.err.strip()) == (1, "madoguchi-admin: error: no site 'nowhere'")
    assert kiosks(config)[0].site_id == "moji-center"


def test_a_kiosk_is_added_at_a_site_and_listed_with_it(with_sites: Cli, config: Path) -> None:
    added = with_sites("add-kiosk", "--name", "門司2", "--location", "2F", "--site", "moji-office")
    assert added.code == 0, added.err
    assert kiosks(config)[0].site_id == "moji-office"
    assert f"{'moji-office':<16} 門司2 / 2F" in with_sites("list-kiosks").out
    refused = with_sites("add-kiosk", "--name", "門司3", "--location", "", "--site", "nowhere")
    assert (refused.code, refused.err.strip()) == (1, "madoguchi-admin: error: no site 'nowhere'")
    assert len(kiosks(config)) == 1


def name_shimin(config: Path) -> None:
    """The test city's departments have no names; placing one checks it whole, names too."""
    shimin = Department(id="shimin", names={"ja": "市民課"})
    in_store(config, lambda store: store.edit_directory(put_department(shimin), actor="t", now=0))


def test_a_service_and_a_department_placed_in_a_ward_offering_it(
    with_sites: Cli, config: Path
) -> None:
    name_shimin(config)
    saved = with_sites("set-service", "juminhyo", "--name", "住民票", "--overflow-after", "90")
    assert saved.code == 0, saved.err
    placed = with_sites("place-department", "shimin", "--ward", "moji", "--service", "juminhyo")
    assert placed.code == 0, placed.err
    assert placed.out.strip() == "Department shimin serves ward moji, offering juminhyo."
    directory = in_store(config, lambda store: store.load_directory())
    service = directory.service("juminhyo")
    assert service is not None
    assert service.overflow_after_seconds == 90.0
    shimin = directory.department("shimin")
    assert shimin is not None
    assert (shimin.ward_id, shimin.services) == ("moji", ["juminhyo"])
    assert [e.action for e in audit(config)][:2] == ["department_saved", "service_saved"]
    city_wide = with_sites("place-department", "shimin", "--ward", "none")
    assert city_wide.out.strip() == "Department shimin serves the whole city, offering -."


def test_a_department_in_an_unknown_ward_or_a_bad_wait_is_refused(
    with_sites: Cli, config: Path
) -> None:
    name_shimin(config)
    unknown = with_sites("place-department", "shimin", "--ward", "nowhere")
    assert unknown.code == 1
    assert "unknown ward 'nowhere'" in unknown.err
    bad = with_sites("set-service", "x", "--name", "x", "--overflow-after", "soon")
    assert (bad.code, bad.err.strip()) == (
        1,
        "madoguchi-admin: error: --overflow-after is seconds or never, not 'soon'",
    )


def test_a_ward_goes_only_once_its_sites_are_gone(with_sites: Cli, config: Path) -> None:
    refused = with_sites("delete-ward", "moji")
    assert refused.code == 1
    assert "ward 'moji' still has site moji-office, site moji-center" in refused.err
    assert with_sites("delete-site", "moji-office").code == 0
    assert with_sites("delete-site", "moji-center").code == 0
    assert with_sites("delete-ward", "moji").code == 0
    directory = in_store(config, lambda store: store.load_directory())
    assert (directory.wards, directory.sites) == ([], [])
    assert [e.action for e in audit(config)][:3] == ["ward_deleted", "site_deleted", "site_deleted"]


def test_a_staff_members_site_is_set_and_audited(with_sites: Cli, config: Path) -> None:
    added = with_sites("add-staff", "tanaka", "--display-name", "田中", "--department", "shimin",
                       "--password-stdin", stdin="long enough password\n")  # fmt: skip
    assert added.code == 0, added.err
    result = with_sites("set-staff-site", "tanaka", "moji-center")
    assert result.code == 0, result.err
    tanaka = account(config, "tanaka")
    assert tanaka is not None
    assert tanaka.site_id == "moji-center"
    entry = audit(config)[0]
    assert (entry.action, entry.detail) == (
        "account_site_set",
        {"before": None, "after": "moji-center"},
    )


# The CSV import.

BAD_LINES = {
    12: "unknown department kenko",
    40: "username 'user005' is on line 7 too",
    77: "role 'boss' is not one of staff, supervisor, admin",
}


def staff_csv(path: Path) -> Path:
    """100 staff as Excel saves them (UTF-8 with BOM, CRLF); the lines in BAD_LINES are bad."""
    lines = ["username,display_name,role,departments,site"]
    for n in range(100):
        line = len(lines) + 1
        username = "user005" if line == 40 else f"user{n:03d}"
        role = "boss" if line == 77 else ("supervisor" if n % 10 == 0 else "staff")
        departments = "shimin;kenko" if line == 12 else ("shimin;zeimu" if n % 2 else "zeimu")
        site = "moji-center" if n % 3 else ""
        lines.append(f'{username},"職員 {n}, 門司",{role},{departments},{site}')
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\r\n")
    return path


def kiosks_csv(path: Path) -> Path:
    lines = ["name,location,site"] + [f"門司 {n},{n}階ロビー,moji-center" for n in range(30)]
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\r\n")
    return path


def test_a_dry_run_reports_exactly_the_bad_lines_and_imports_nothing(
    with_sites: Cli, config: Path, tmp_path: Path
) -> None:
    staff, machines = staff_csv(tmp_path / "staff.csv"), kiosks_csv(tmp_path / "kiosks.csv")
    before = audit(config)
    result = with_sites("import-csv", "--staff", str(staff), "--kiosks", str(machines),
                        "--dry-run")  # fmt: skip
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        *(f"{staff}: line {line}: {why}" for line, why in BAD_LINES.items()),
        "3 lines with problems (skipped); would import 97 staff and 30 kiosks.",
    ]
    assert audit(config) == before
    assert kiosks(config) == []
    assert account(config, "user000") is None


def test_the_import_creates_every_good_line_and_writes_the_secrets_to_a_private_file(
    with_sites: Cli, config: Path, tmp_path: Path
) -> None:
    staff, machines = staff_csv(tmp_path / "staff.csv"), kiosks_csv(tmp_path / "kiosks.csv")
    secrets_file = tmp_path / "secrets.csv"
    result = with_sites("import-csv", "--staff", str(staff), "--kiosks", str(machines),
                        "--secrets-out", str(secrets_file))  # fmt: skip
    assert result.code == 0, result.err
    assert "Imported 127 lines." in result.out
    assert "3 lines with problems (skipped); importing 97 staff and 30 kiosks." in result.out
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    rows = [line.split(",") for line in secrets_file.read_text(encoding="utf-8").splitlines()]
    assert rows[0] == ["kind", "name", "secret"]
    passwords = {name: secret for kind, name, secret in rows[1:] if kind == "staff"}
    tokens = {name: secret for kind, name, secret in rows[1:] if kind == "kiosk"}
    assert (len(passwords), len(tokens)) == (97, 30)
    for secret in (*passwords.values(), *tokens.values()):
        assert secret not in result.out + result.err  # secrets never reach the terminal

    user = account(config, "user001")
    assert user is not None
    assert (user.display_name, user.role.value, user.departments, user.site_id) == (
        "職員 1, 門司", "staff", ("shimin", "zeimu"), "moji-center"
    )  # fmt: skip
    assert user.must_change_password
    assert verify_password(user.password_hash, passwords["user001"])
    assert account(config, "user099") is not None
    assert account(config, "user075") is None  # line 77, the bad role
    placed = kiosks(config)
    assert len(placed) == 30
    assert {k.site_id for k in placed} == {"moji-center"}
    by_token = in_store(
        config, lambda store: store.get_kiosk_by_token_hash(hash_token(tokens["門司 7"]))
    )
    assert by_token is not None
    assert by_token.name == "門司 7"
    created = [e for e in audit(config) if e.action in {"account_created", "kiosk_created"}]
    assert len(created) == 127


def test_the_import_refuses_to_overwrite_an_existing_secrets_file(
    with_sites: Cli, config: Path, tmp_path: Path
) -> None:
    secrets_file = tmp_path / "secrets.csv"
    secrets_file.write_text("other secrets\n", encoding="utf-8")
    machines = kiosks_csv(tmp_path / "kiosks.csv")
    result = with_sites("import-csv", "--kiosks", str(machines), "--secrets-out",
                        str(secrets_file))  # fmt: skip
    assert result.code == 1
    assert "exists; give a new file" in result.err
    assert secrets_file.read_text(encoding="utf-8") == "other secrets\n"
    assert kiosks(config) == []


def test_a_file_that_is_not_utf8_is_refused_with_its_line(with_sites: Cli, tmp_path: Path) -> None:
    shift_jis = tmp_path / "kiosks.csv"
    shift_jis.write_bytes("name,location,site\n門司,1階,moji-center\n".encode("shift_jis"))
    result = with_sites("import-csv", "--kiosks", str(shift_jis), "--dry-run")
    assert result.code == 1
    assert "line 2: not UTF-8" in result.err
