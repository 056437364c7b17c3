"""madoguchi-admin's commands for accounts over the years and for outcome codes (registered by
admin_cli).

``set-account`` changes a staff member's name, role or departments; a new role or departments
end their sessions, so their console asks them to sign in again (a running hub's open
connection keeps its old rights until then: the admin page closes it at once instead). The
outcome commands edit the codes staff choose at a wrap-up; a city with none gets the defaults
first (signaling/outcome_codes.py), as the hub does at its start. Everything is audited with the
actor "cli"; a running hub sends new outcome codes to consoles at its next housekeeping (a
minute by default).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from signaling.admin import outcome_edit
from signaling.directory import KIOSK_LANGUAGES, OutcomeCode
from signaling.outcome_codes import ensure_outcome_codes
from signaling.protocol import Role
from signaling.store import Store
from signaling.store.accounts import ACCOUNT_ROLES

ACTOR = "cli"
Add = Callable[..., argparse.ArgumentParser]


def register(add: Add) -> None:
    """Add the commands with admin_cli's ``add(name, command, summary)``."""
    sub = add("set-account", _set_account, "change a staff member's name, role or departments")
    sub.add_argument("username")
    sub.add_argument("--display-name", help="the name citizens and staff see")
    sub.add_argument(
        "--reading",
        help="the name in kana (たなか はなこ), which citizens read romanised or with ruby",
    )
    sub.add_argument("--role", choices=sorted(r.value for r in ACCOUNT_ROLES))
    departments = sub.add_mutually_exclusive_group()
    departments.add_argument(
        "--department",
        action="append",
        metavar="ID",
        help="a department they serve, replacing the ones they had; repeat for several",
    )
    departments.add_argument(
        "--no-departments", action="store_true", help="they serve no department any more"
    )
    add("list-outcomes", _list_outcomes, "list the outcome codes staff choose at a wrap-up")
    sub = add("set-outcome", _set_outcome, "create an outcome code, or rename one")
    sub.add_argument("code", help="1-64 of a-z, 0-9, - and _, e.g. resolved")
    for language in KIOSK_LANGUAGES:
        flag = "--name" if language == "ja" else f"--name-{language}"
        sub.add_argument(
            flag,
            dest=f"name_{language.replace('-', '_')}",
            required=language == "ja",
            metavar=language.upper(),
            help=f"the name in {language}" + (" (required)" if language == "ja" else ""),
        )
    sub = add("delete-outcome", _delete_outcome, "remove an outcome code (never the last one)")
    sub.add_argument("code")
    sub = add("order-outcomes", _order_outcomes, "put the outcome codes in this order")
    sub.add_argument("codes", nargs="+", metavar="CODE", help="every code, once each")


async def _set_account(store: Store, args: argparse.Namespace) -> None:
    account = await store.get_account_by_username(args.username)
    if account is None:
        raise ValueError(f"no account named {args.username!r}")
    departments = [] if args.no_departments else args.department
    if (args.display_name, args.reading, args.role, departments) == (None, None, None, None):
        raise ValueError("say what to change: --display-name, --reading, --role or --department")
    before, after = await store.update_account(
        account.id,
        display_name=args.display_name,
        name_reading=args.reading,
        role=None if args.role is None else Role(args.role),
        departments=departments,
        actor=ACTOR,
        now=time.time(),
    )
    if after == before:
        print(f"{after.username}: nothing to change.")
        return
    print(
        f"{after.username}: {after.display_name}, {after.role.value}, "
        f"departments {', '.join(after.departments) or 'none'}."
    )
    if (after.role, after.departments) != (before.role, before.departments):
        print("Their sessions have ended: they sign in again to get the new rights.")


async def _list_outcomes(store: Store, args: argparse.Namespace) -> None:
    directory = await ensure_outcome_codes(store, actor=ACTOR, now=time.time())
    print(f"{'CODE':<20} {'JA':<12} OTHER LANGUAGES")
    for outcome in directory.outcome_codes:
        others = ", ".join(f"{lang}={name}" for lang, name in outcome.names.items() if lang != "ja")
        print(f"{outcome.code:<20} {outcome.names['ja']:<12} {others}")


async def _set_outcome(store: Store, args: argparse.Namespace) -> None:
    names = {
        language: text
        for language in KIOSK_LANGUAGES
        if (text := getattr(args, f"name_{language.replace('-', '_')}")) is not None
    }
    edit = outcome_edit.put_outcome(OutcomeCode(code=args.code, names=names))  # checked here
    await ensure_outcome_codes(store, actor=ACTOR, now=time.time())
    await store.edit_directory(edit, actor=ACTOR, now=time.time())
    print(f"Saved outcome code {args.code} ({names['ja']}).")


async def _delete_outcome(store: Store, args: argparse.Namespace) -> None:
    await store.edit_directory(outcome_edit.delete_outcome(args.code), actor=ACTOR, now=time.time())
    print(f"Deleted outcome code {args.code}; past consultations keep it in their history.")


async def _order_outcomes(store: Store, args: argparse.Namespace) -> None:
    edit = outcome_edit.reorder_outcomes(args.codes)
    await store.edit_directory(edit, actor=ACTOR, now=time.time())
    print(f"Outcome codes in order: {', '.join(args.codes)}.")
