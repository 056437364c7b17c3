"""madoguchi-admin's commands for the city's shape and bulk imports (registered by admin_cli).

Wards and sites are edited in the database, audited with the actor "cli"; a running hub sends
them to kiosks and consoles at its next housekeeping, a minute by default (the admin page's
edits go out at once). A kiosk's site is read at its next sign-in. ``import-csv`` checks every
line first (docs/admin.md).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec

from signaling import people_csv
from signaling.admin import city_shape_edit
from signaling.admin.directory_edit import put_department
from signaling.auth import hash_password
from signaling.directory import Service, Site, SiteKind, Ward
from signaling.store import ConflictError, NotFoundError, Store, StoreError

ACTOR = "cli"
Add = Callable[..., argparse.ArgumentParser]


def register(add: Add) -> None:
    """Add the commands with admin_cli's ``add(name, command, summary)``."""
    add("list-wards", _list_wards, "list the wards and their sites")
    sub = add("set-ward", _set_ward, "create a ward, or change its names and overflow")
    sub.add_argument("ward_id")
    _names(sub)
    sub.add_argument(
        "--no-overflow",
        action="store_true",
        help="its citizens and desks stay in the ward (no overflow across its boundary)",
    )
    sub = add("set-site", _set_site, "create a site (ward office or center), or change it")
    sub.add_argument("site_id")
    sub.add_argument("--ward", required=True, metavar="WARD_ID")
    sub.add_argument("--kind", choices=[k.value for k in SiteKind], default="center")
    _names(sub)
    sub = add("set-service", _set_service, "create a service desks in several wards share")
    sub.add_argument("service_id")
    _names(sub)
    sub.add_argument(
        "--overflow-after",
        default="120",
        metavar="SECONDS",
        help='seconds before other wards may take its citizens; "never" keeps them in the ward',
    )
    sub = add(
        "place-department",
        _place_department,
        "put a department in a ward (or city-wide) and say which services it offers",
    )
    sub.add_argument("department_id")
    sub.add_argument("--ward", required=True, metavar="WARD_ID", help='a ward, or "none"')
    sub.add_argument("--service", action="append", default=[], metavar="SERVICE_ID")
    for name, command, what in (
        ("delete-ward", _delete_ward, "a ward with no sites or departments left"),
        ("delete-site", _delete_site, "a site with no kiosks or staff left"),
        ("delete-service", _delete_service, "a service no department or category uses"),
    ):
        add(name, command, f"remove {what}").add_argument("id")
    sub = add("set-staff-site", _set_staff_site, "say at which site a staff member works")
    sub.add_argument("username")
    sub.add_argument("site_id", help='a site id, or "none"')
    sub = add("set-kiosk-site", _set_kiosk_site, "place a kiosk at a site (read at its sign-in)")
    sub.add_argument("kiosk_id")
    sub.add_argument("site_id", help='a site id, or "none" to unplace it')
    sub = add("import-csv", _import_csv, "import staff and kiosks from CSV files (UTF-8)")
    sub.add_argument("--staff", metavar="CSV", type=Path, help=", ".join(people_csv.STAFF_COLUMNS))
    sub.add_argument("--kiosks", metavar="CSV", type=Path, help=", ".join(people_csv.KIOSK_COLUMNS))
    sub.add_argument(
        "--dry-run", action="store_true", help="check every line and report; import nothing"
    )
    sub.add_argument(
        "--secrets-out",
        metavar="PATH",
        type=Path,
        help="a new file (0600) for the new accounts' temporary passwords and kiosks' tokens",
    )


def _names(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--name", required=True, metavar="JA", help="the Japanese name")
    sub.add_argument("--name-en", metavar="EN", help="the English name")


def _names_of(args: argparse.Namespace) -> dict[str, str]:
    return {"ja": args.name, **({"en": args.name_en} if args.name_en else {})}


async def _list_wards(store: Store, args: argparse.Namespace) -> None:
    directory = await store.load_directory()
    kiosks = await store.list_kiosks()
    for ward in directory.wards:
        overflow = "" if ward.shares_overflow else "  (no overflow)"
        print(f"{ward.id:<16} {ward.names.get('ja', '')}{overflow}")
        for site in (s for s in directory.sites if s.ward_id == ward.id):
            placed = sum(1 for k in kiosks if k.site_id == site.id)
            print(f"  {site.id:<20} {site.kind.value:<12} {placed:>3} kiosks  {site.names['ja']}")
    if unplaced := [k.name for k in kiosks if k.site_id is None]:
        print(f"Kiosks at no site: {', '.join(unplaced)}")


async def _set_ward(store: Store, args: argparse.Namespace) -> None:
    ward = Ward(id=args.ward_id, names=_names_of(args), shares_overflow=not args.no_overflow)
    await store.edit_directory(city_shape_edit.put(ward), actor=ACTOR, now=time.time())
    print(f"Saved ward {ward.id}.")


async def _set_site(store: Store, args: argparse.Namespace) -> None:
    site = Site(id=args.site_id, ward_id=args.ward, names=_names_of(args), kind=SiteKind(args.kind))
    await store.edit_directory(city_shape_edit.put(site), actor=ACTOR, now=time.time())
    print(f"Saved site {site.id} in ward {site.ward_id}.")


async def _set_service(store: Store, args: argparse.Namespace) -> None:
    try:
        after = None if args.overflow_after == "never" else float(args.overflow_after)
    except ValueError:
        given = args.overflow_after
        raise ValueError(f"--overflow-after is seconds or never, not {given!r}") from None
    service = Service(id=args.service_id, names=_names_of(args), overflow_after_seconds=after)
    await store.edit_directory(city_shape_edit.put(service), actor=ACTOR, now=time.time())
    print(f"Saved service {service.id}.")


async def _place_department(store: Store, args: argparse.Namespace) -> None:
    department = (await store.load_directory()).department(args.department_id)
    if department is None:
        raise NotFoundError(f"no department {args.department_id!r}")
    placed = msgspec.structs.replace(
        department,
        ward_id=None if args.ward == "none" else args.ward,
        services=list(args.service),
    )
    await store.edit_directory(put_department(placed), actor=ACTOR, now=time.time())
    where = f"ward {placed.ward_id}" if placed.ward_id else "the whole city"
    print(f"Department {placed.id} serves {where}, offering {', '.join(placed.services) or '-'}.")


async def _delete_ward(store: Store, args: argparse.Namespace) -> None:
    await store.edit_directory(city_shape_edit.delete_ward(args.id), actor=ACTOR, now=time.time())
    print(f"Deleted ward {args.id}.")


async def _delete_site(store: Store, args: argparse.Namespace) -> None:
    await store.edit_directory(city_shape_edit.delete_site(args.id), actor=ACTOR, now=time.time())
    print(f"Deleted site {args.id}.")


async def _delete_service(store: Store, args: argparse.Namespace) -> None:
    edit = city_shape_edit.delete_service(args.id)
    await store.edit_directory(edit, actor=ACTOR, now=time.time())
    print(f"Deleted service {args.id}.")


async def _set_staff_site(store: Store, args: argparse.Namespace) -> None:
    account = await store.get_account_by_username(args.username)
    if account is None:
        raise NotFoundError(f"no account named {args.username!r}")
    site_id = None if args.site_id == "none" else args.site_id
    await store.set_account_site(account.id, site_id, actor=ACTOR, now=time.time())
    print(f"{account.username} works at {site_id or 'no one site'}.")


async def _set_kiosk_site(store: Store, args: argparse.Namespace) -> None:
    site_id = None if args.site_id == "none" else args.site_id
    kiosk = await store.set_kiosk_site(args.kiosk_id, site_id, actor=ACTOR, now=time.time())
    print(f"Kiosk {kiosk.id} ({kiosk.name}) is at {site_id or 'no site'} from its next sign-in.")


async def _import_csv(store: Store, args: argparse.Namespace) -> None:
    if args.staff is None and args.kiosks is None:
        raise ValueError("give --staff CSV, --kiosks CSV, or both")
    directory = await store.load_directory()
    staff: list[people_csv.StaffLine] = []
    kiosks: list[people_csv.KioskLine] = []
    problems: list[str] = []
    if args.staff is not None:
        usernames = [a.username for a in await store.list_accounts()]
        text = people_csv.decode(await asyncio.to_thread(args.staff.read_bytes))
        staff, found = people_csv.read_staff(text, directory, usernames)
        problems += [f"{args.staff}: {p}" for p in found]
    if args.kiosks is not None:
        names = [k.name for k in await store.list_kiosks()]
        text = people_csv.decode(await asyncio.to_thread(args.kiosks.read_bytes))
        kiosks, found = people_csv.read_kiosks(text, directory, names)
        problems += [f"{args.kiosks}: {p}" for p in found]
    for problem in problems:
        print(problem)
    verb = "would import" if args.dry_run else "importing"
    print(
        f"{len(problems)} lines with problems (skipped); {verb} {len(staff)} staff and "
        f"{len(kiosks)} kiosks."
    )
    if args.dry_run or not (staff or kiosks):
        return
    if args.secrets_out is None:
        raise ValueError("--secrets-out PATH is needed: new accounts and kiosks get secrets")
    with _secrets_file(args.secrets_out) as out:
        out.write("kind,name,secret\n")
        failed = await _create(store, staff, kiosks, out)
    for failure in failed:
        print(failure)
    print(
        f"Imported {len(staff) + len(kiosks) - len(failed)} lines. Temporary passwords (changed "
        f"at the first sign-in) and kiosk tokens are in {args.secrets_out}; hand them out, "
        "then delete the file."
    )


async def _create(
    store: Store,
    staff: list[people_csv.StaffLine],
    kiosks: list[people_csv.KioskLine],
    out: Any,
) -> list[str]:
    """Create each line in its own transaction; a line the store refuses is reported."""
    failed = []
    for person in staff:
        password = secrets.token_urlsafe(12)
        password_hash = await asyncio.to_thread(hash_password, password)
        try:
            await store.create_account_at_site(
                person.username,
                person.display_name,
                person.role,
                password_hash,
                person.departments,
                person.site_id,
                actor=ACTOR,
                now=time.time(),
            )
        except (ConflictError, NotFoundError, ValueError, StoreError) as exc:
            failed.append(f"staff line {person.line}: not imported: {exc}")
            continue
        out.write(f"staff,{person.username},{password}\n")
    for kiosk in kiosks:
        try:
            created, token = await store.create_kiosk(
                kiosk.name, kiosk.location, actor=ACTOR, now=time.time(), site_id=kiosk.site_id
            )
        except (ConflictError, NotFoundError, ValueError, StoreError) as exc:
            failed.append(f"kiosk line {kiosk.line}: not imported: {exc}")
            continue
        out.write(f"kiosk,{_csv_cell(created.name)},{token}\n")
    return failed


def _csv_cell(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\n') else text


def _secrets_file(path: Path) -> Any:
    """A new file only its owner can read: never an existing one, which may hold other secrets."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ValueError(f"{path} exists; give a new file for the secrets") from None
    return os.fdopen(descriptor, "w", encoding="utf-8")
