"""madoguchi-admin: register staff and kiosks from a terminal, against the hub's database.

It reads the same settings as the hub (``--config`` plus ``MADOGUCHI_*``), and every change
it makes is audited with the actor "cli". Exit status: 0 done, 1 refused, 2 bad usage.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import getpass
import os
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

from signaling import admin_cli_accounts, admin_cli_city
from signaling.app import STATE_FILE
from signaling.auth import MIN_PASSWORD_CHARS, hash_password
from signaling.demo import seed_demo
from signaling.directory import DirectoryError
from signaling.protocol import Role
from signaling.settings import SettingsError, load_settings
from signaling.store import (
    Account,
    ConflictError,
    NotFoundError,
    SchemaVersionError,
    Store,
    StoreError,
)
from signaling.store import backup as backups
from signaling.store.engine import missing_driver

ACTOR = "cli"
PROG = "madoguchi-admin"
_TOKYO = ZoneInfo("Asia/Tokyo")


class CommandError(Exception):
    """The command cannot be done as asked; the message says why."""


Command = Callable[[Store, argparse.Namespace], Awaitable[None]]
# Commands on the database file itself, which must not open (and so migrate) it first.
FileCommand = Callable[[argparse.Namespace], None]


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # bad usage or --help: argparse has already said why
        return exc.code if isinstance(exc.code, int) else 2
    try:
        args.settings = load_settings(args.config, os.environ)
        if problem := missing_driver(args.settings.database_url):
            print(f"{PROG}: error: {problem}", file=sys.stderr)
            return 1
        if args.file_command is not None:
            file_command: FileCommand = args.file_command
            file_command(args)
            return 0
        password = _read_password(args) if args.needs_password else None
        return asyncio.run(_run(args, password))
    except (
        backups.BackupError,
        CommandError,
        ConflictError,
        DirectoryError,
        NotFoundError,
        SchemaVersionError,
        SettingsError,
        StoreError,
        ValueError,  # the store's checks on names
    ) as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 1


async def _run(args: argparse.Namespace, password: str | None) -> int:
    store = await Store.open(args.settings.database_url)
    try:
        if password is not None:
            args.password_hash = await asyncio.to_thread(hash_password, password)
        command: Command = args.command
        await command(store, args)
    finally:
        await store.close()
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    parser.add_argument("--config", metavar="PATH", help="the hub's settings file (TOML)")
    commands = parser.add_subparsers(metavar="COMMAND", required=True)

    def add(
        name: str, command: Command, summary: str, *, needs_password: bool = False
    ) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=summary, description=summary)
        sub.set_defaults(command=command, needs_password=needs_password, file_command=None)
        if needs_password:
            sub.add_argument(
                "--password-stdin",
                action="store_true",
                help="read the password from the first line of standard input",
            )
        return sub

    sub = add(
        "add-staff", _add_staff, "create a staff, supervisor or admin account", needs_password=True
    )
    sub.add_argument("username")
    sub.add_argument("--display-name", required=True, help="the name citizens and staff see")
    sub.add_argument("--role", choices=[r.value for r in sorted(_ACCOUNT_ROLES)], default="staff")
    sub.add_argument(
        "--department",
        action="append",
        default=[],
        metavar="ID",
        help="a department the account serves; repeat for several",
    )
    add(
        "disable-account", _disable_account, "disable an account and end its sessions"
    ).add_argument("username")
    add("enable-account", _enable_account, "enable a disabled account").add_argument("username")
    sub = add(
        "reset-password",
        _reset_password,
        "set a new password and end the account's sessions",
        needs_password=True,
    )
    sub.add_argument("username")
    sub.add_argument(
        "--temporary",
        action="store_true",
        help="its owner must choose a new one before anything else (POST /account/password)",
    )
    sub = add("add-kiosk", _add_kiosk, "register a kiosk and print its device token once")
    sub.add_argument("--name", required=True, help="a unique name, e.g. 中央公民館")
    sub.add_argument("--location", required=True, help="where it stands, shown to staff")
    sub.add_argument("--site", metavar="SITE_ID", help="the site it belongs to (list-wards)")
    add("disable-kiosk", _disable_kiosk, "disable a kiosk").add_argument("kiosk_id")
    add("enable-kiosk", _enable_kiosk, "enable a disabled kiosk").add_argument("kiosk_id")
    add(
        "reissue-kiosk-token",
        _reissue_kiosk_token,
        "give a kiosk a new device token; the old one stops working",
    ).add_argument("kiosk_id")
    add("list-accounts", _list_accounts, "list every account")
    add("list-kiosks", _list_kiosks, "list every kiosk")
    admin_cli_city.register(add)  # wards, sites, a kiosk's site, import-csv
    admin_cli_accounts.register(add)  # set-account, outcome codes
    add("seed-demo", _seed_demo, "load the demo city 窓口市 with demo accounts and kiosks")
    add("upgrade", _upgrade, "bring the database's schema to this version (the hub also does)")
    for name, file_command, summary in (
        ("backup", _backup, "copy the SQLite database to PATH (0600), safe while the hub runs"),
        ("restore", _restore, "replace the SQLite database with the backup at PATH; hub stopped"),
    ):
        sub = commands.add_parser(name, help=summary, description=summary)
        sub.set_defaults(file_command=file_command, needs_password=False)
        sub.add_argument("path", metavar="PATH")
    return parser


_ACCOUNT_ROLES = {Role.STAFF, Role.SUPERVISOR, Role.ADMIN}


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass(f"New password for {args.username}: ")
        if getpass.getpass("Again: ") != password:
            raise CommandError("the passwords do not match")
    if len(password) < MIN_PASSWORD_CHARS:
        raise CommandError(f"the password must be at least {MIN_PASSWORD_CHARS} characters")
    return password


async def _account(store: Store, username: str) -> Account:
    account = await store.get_account_by_username(username)
    if account is None:
        raise CommandError(f"no account named {username!r}")
    return account


async def _add_staff(store: Store, args: argparse.Namespace) -> None:
    role = Role(args.role)
    if role is Role.STAFF and not args.department:
        raise CommandError("staff need at least one --department")
    try:
        account = await store.create_account(
            args.username,
            args.display_name,
            role,
            args.password_hash,
            args.department,
            actor=ACTOR,
            now=time.time(),
        )
    except NotFoundError as exc:
        known = ", ".join(d.id for d in (await store.load_directory()).departments)
        raise CommandError(f"{exc}; known departments: {known or 'none'}") from None
    print(f"Created {account.role.value} {account.username} ({account.id}).")


async def _disable_account(store: Store, args: argparse.Namespace) -> None:
    account = await _account(store, args.username)
    await store.set_account_disabled(account.id, True, actor=ACTOR, now=time.time())
    print(f"Disabled {account.username}; their sessions have ended.")


async def _enable_account(store: Store, args: argparse.Namespace) -> None:
    account = await _account(store, args.username)
    await store.set_account_disabled(account.id, False, actor=ACTOR, now=time.time())
    print(f"Enabled {account.username}.")


async def _reset_password(store: Store, args: argparse.Namespace) -> None:
    account = await _account(store, args.username)
    await store.set_password(
        account.id, args.password_hash, actor=ACTOR, now=time.time(), must_change=args.temporary
    )
    print(f"Set a new password for {account.username}; their sessions have ended.")
    if args.temporary:
        print("It is temporary: they choose their own at their next sign-in.")


async def _add_kiosk(store: Store, args: argparse.Namespace) -> None:
    kiosk, token = await store.create_kiosk(
        args.name, args.location, actor=ACTOR, now=time.time(), site_id=args.site
    )
    print(f"Registered kiosk {kiosk.id}: {kiosk.name} ({kiosk.location}).", file=sys.stderr)
    _print_token(token)


async def _reissue_kiosk_token(store: Store, args: argparse.Namespace) -> None:
    token = await store.reissue_kiosk_token(args.kiosk_id, actor=ACTOR, now=time.time())
    print(
        f"Issued a new token for kiosk {args.kiosk_id}; the old one no longer works.",
        file=sys.stderr,
    )
    _print_token(token)


def _print_token(token: str) -> None:
    # The token alone goes to stdout, so it can be piped into the kiosk's setup.
    print(
        "Device token below. It is shown ONCE and cannot be recovered: only its hash is "
        "stored. Enter it in the kiosk now; if it is lost, run reissue-kiosk-token.",
        file=sys.stderr,
    )
    print(token)


async def _disable_kiosk(store: Store, args: argparse.Namespace) -> None:
    await store.set_kiosk_disabled(args.kiosk_id, True, actor=ACTOR, now=time.time())
    print(f"Disabled kiosk {args.kiosk_id}.")


async def _enable_kiosk(store: Store, args: argparse.Namespace) -> None:
    await store.set_kiosk_disabled(args.kiosk_id, False, actor=ACTOR, now=time.time())
    print(f"Enabled kiosk {args.kiosk_id}.")


async def _list_accounts(store: Store, args: argparse.Namespace) -> None:
    print(f"{'USERNAME':<16} {'ID':<10} {'ROLE':<10} {'STATUS':<8} {'DEPARTMENTS':<24} NAME")
    for a in await store.list_accounts():
        status = "disabled" if a.disabled else "active"
        departments = ",".join(a.departments) or "-"
        print(
            f"{a.username:<16} {a.id:<10} {a.role.value:<10} {status:<8} {departments:<24} "
            f"{a.display_name}"
        )


async def _list_kiosks(store: Store, args: argparse.Namespace) -> None:
    print(f"{'ID':<10} {'STATUS':<8} {'LAST SEEN (JST)':<16} {'SITE':<16} NAME / LOCATION")
    for k in await store.list_kiosks():
        status = "disabled" if k.disabled else "active"
        seen = _tokyo(k.last_seen_at) if k.last_seen_at is not None else "never"
        print(f"{k.id:<10} {status:<8} {seen:<16} {k.site_id or '-':<16} {k.name} / {k.location}")


async def _seed_demo(store: Store, args: argparse.Namespace) -> None:
    credentials = await seed_demo(store)
    path = credentials.write(args.settings.var_dir)
    print(credentials.render())
    print(f"(also written to {path})", file=sys.stderr)


async def _upgrade(store: Store, args: argparse.Namespace) -> None:
    # Store.open has already migrated; say from where.
    before, now = store.revision_at_open, await store.schema_revision()
    if before == now:
        print(f"The schema is at revision {now}, this version's newest: nothing to do.")
    else:
        print(f"Upgraded the schema from {before or 'an empty database'} to {now}.")


def _backup(args: argparse.Namespace) -> None:
    database = backups.sqlite_path(args.settings.database_url)
    summary = backups.backup(database, Path(args.path))
    print(f"Backed up {database} to {summary.describe()}.")


def _restore(args: argparse.Namespace) -> None:
    database = backups.sqlite_path(args.settings.database_url)
    summary = backups.restore(Path(args.path), database)
    print(f"Restored {args.path} into {summary.describe()}.")
    # The switchboard's saved queues and calls are newer than the backup: a restored
    # database starts without them, like after a crash (open consultations end as network_lost).
    state = Path(args.settings.var_dir) / STATE_FILE
    if state.exists():
        state.replace(state.with_name(f"{STATE_FILE}.before-restore"))
        print(f"Moved the switchboard state aside to {state}.before-restore.")
    print("Start the hub: it upgrades the schema if the backup is older.", file=sys.stderr)


def _tokyo(at: float) -> str:
    return dt.datetime.fromtimestamp(at, _TOKYO).strftime("%Y-%m-%d %H:%M")


if __name__ == "__main__":
    sys.exit(main())
