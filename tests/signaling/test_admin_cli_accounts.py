"""madoguchi-admin set-account, reset-password --temporary and the outcome-code commands."""

from __future__ import annotations

from pathlib import Path

from signaling.outcome_codes import DEFAULTS
from signaling.store import Store

from .test_admin_cli import PASSWORD, Cli, account, add_tanaka, audit, cli, config, in_store

__all__ = ["cli", "config"]  # the fixtures, used by name


def outcome_codes(config: Path) -> list[tuple[str, dict[str, str]]]:
    async def load(store: Store) -> list[tuple[str, dict[str, str]]]:
        return [(o.code, o.names) for o in (await store.load_directory()).outcome_codes]

    return in_store(config, load)


def test_set_account_moves_renames_and_promotes_staff_with_an_audit_entry(
    cli: Cli, config: Path
) -> None:
    add_tanaka(cli)
    moved = cli("set-account", "tanaka", "--department", "zeimu")
    assert moved.code == 0, moved.err
    assert "sign in again" in moved.out
    tanaka = account(config, "tanaka")
    assert tanaka is not None
    assert tanaka.departments == ("zeimu",)
    result = cli("set-account", "tanaka", "--display-name", "田中 一郎", "--role", "supervisor")
    assert result.code == 0, result.err
    tanaka = account(config, "tanaka")
    assert tanaka is not None
    assert (tanaka.display_name, tanaka.role.value) == ("田中 一郎", "supervisor")
    assert cli("set-account", "tanaka", "--no-departments").code == 0
    assert cli("set-account", "tanaka", "--no-departments").out.endswith("nothing to change.\n")
    updates = [e for e in audit(config) if e.action == "account_updated"]
    assert [(e.actor, e.detail["after"]) for e in reversed(updates)] == [
        ("cli", {"departments": ["zeimu"]}),
        ("cli", {"display_name": "田中 一郎", "role": "supervisor"}),
        ("cli", {"departments": []}),
    ]


def test_set_account_refuses_what_it_cannot_do_and_changes_nothing(cli: Cli, config: Path) -> None:
    add_tanaka(cli)
    for args, says in [
        (("nobody", "--role", "admin"), "no account named 'nobody'"),
        (("tanaka", "--department", "nowhere"), "unknown department 'nowhere'"),
        (("tanaka", "--display-name", "  "), "display name must not be empty"),
        (("tanaka",), "say what to change"),
    ]:
        result = cli("set-account", *args)
        assert result.code == 1, args
        assert says in result.err, result.err
    assert cli("set-account", "tanaka", "--role", "kiosk").code == 2  # not a choice
    tanaka = account(config, "tanaka")
    assert tanaka is not None
    assert (tanaka.display_name, tanaka.departments) == ("田中", ("shimin", "zeimu"))
    assert not [e for e in audit(config) if e.action == "account_updated"]


def test_a_temporary_password_must_be_changed_at_the_next_sign_in(cli: Cli, config: Path) -> None:
    add_tanaka(cli)
    result = cli("reset-password", "tanaka", "--temporary", "--password-stdin", stdin=PASSWORD)
    assert result.code == 0, result.err
    assert "temporary" in result.out
    tanaka = account(config, "tanaka")
    assert tanaka is not None
    assert tanaka.must_change_password
    assert cli("reset-password", "tanaka", "--password-stdin", stdin=PASSWORD).code == 0
    tanaka = account(config, "tanaka")
    assert tanaka is not None
    assert not tanaka.must_change_password
    details = [e.detail for e in audit(config) if e.action == "password_set"]
    assert details == [{"must_change": False}, {"must_change": True}]


def test_a_city_without_outcome_codes_lists_the_defaults_in_six_languages(
    cli: Cli, config: Path
) -> None:
    result = cli("list-outcomes")
    assert result.code == 0, result.err
    for outcome in DEFAULTS:
        assert outcome.code in result.out
        assert set(outcome.names) == {"ja", "ja-easy", "en", "zh", "ko", "vi"}
    assert [code for code, _ in outcome_codes(config)] == [o.code for o in DEFAULTS]
    assert [e.action for e in audit(config)].count("outcome_codes_defaulted") == 1
    assert cli("list-outcomes").code == 0
    assert [e.action for e in audit(config)].count("outcome_codes_defaulted") == 1


def test_outcome_codes_are_added_renamed_ordered_and_deleted_but_never_the_last(
    cli: Cli, config: Path
) -> None:
    added = cli("set-outcome", "booked", "--name", "予約受付", "--name-en", "Appointment made",
                "--name-vi", "Đã đặt lịch")  # fmt: skip
    assert added.code == 0, added.err
    codes = dict(outcome_codes(config))
    assert codes["booked"] == {"ja": "予約受付", "en": "Appointment made", "vi": "Đã đặt lịch"}
    assert "resolved" in codes  # the defaults came first
    assert cli("set-outcome", "booked", "--name", "予約済み").code == 0
    assert dict(outcome_codes(config))["booked"] == {"ja": "予約済み"}
    order = ["booked", *(o.code for o in DEFAULTS)]
    assert cli("order-outcomes", *order).code == 0
    assert [code for code, _ in outcome_codes(config)] == order
    assert cli("order-outcomes", "booked").code == 1  # must name every code
    for code in order[:-1]:
        assert cli("delete-outcome", code).code == 0, code
    last = cli("delete-outcome", order[-1])
    assert last.code == 1
    assert "last outcome code" in last.err
    assert [code for code, _ in outcome_codes(config)] == [order[-1]]
    bad = cli("set-outcome", "Bad Code", "--name", "x")
    assert bad.code == 1
    assert "outcome code" in bad.err
    actions = [e.action for e in audit(config)]
    assert {"outcome_code_saved", "outcome_codes_reordered", "outcome_code_deleted"} <= set(actions)
