"""**Pure**: staff and kiosk lists from CSV, checked line by line before anything is imported.

The files are UTF-8, with or without the byte order mark Excel writes ("CSV UTF-8"). The first
line names the columns, in any order (docs/admin.md, "Bulk import from CSV"):

- staff: ``username, display_name, role, departments, site``; ``role`` is staff, supervisor or
  admin; ``departments`` are department ids separated by ``;`` (or its full-width form), one at
  least for staff; ``site`` is a site id or empty.
- kiosks: ``name, location, site``.

Every problem is reported with its line number; a line with a problem is skipped, the others
can be imported. A name that appears twice in the file is a problem on its second line.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from signaling.directory import Directory
from signaling.protocol import Role
from signaling.store.accounts import USERNAME_PATTERN

STAFF_COLUMNS = ("username", "display_name", "role", "departments", "site")
KIOSK_COLUMNS = ("name", "location", "site")
ACCOUNT_ROLES = (Role.STAFF, Role.SUPERVISOR, Role.ADMIN)
_FULL_WIDTH_SEMICOLON = "\uff1b"
_MAX_NAME = 100  # the database's columns (signaling/store/schema.py)
_MAX_LOCATION = 200


@dataclass(frozen=True, slots=True)
class Problem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True, slots=True)
class StaffLine:
    line: int
    username: str
    display_name: str
    role: Role
    departments: tuple[str, ...]
    site_id: str | None


@dataclass(frozen=True, slots=True)
class KioskLine:
    line: int
    name: str
    location: str
    site_id: str | None


def decode(data: bytes) -> str:
    """The file's text; ValueError (with the line) if it is not UTF-8, as Excel's other
    "CSV" saves Shift_JIS."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ValueError(
            f"line {line}: not UTF-8; in Excel save as 「CSV UTF-8 (コンマ区切り)」"
        ) from None


def read_staff(
    text: str, directory: Directory, existing_usernames: Sequence[str]
) -> tuple[list[StaffLine], list[Problem]]:
    good: list[StaffLine] = []
    problems: list[Problem] = []
    taken = set(existing_usernames)
    seen: dict[str, int] = {}  # username -> the line it is on in this file
    departments = {d.id for d in directory.departments}
    for line, row in _rows(text, STAFF_COLUMNS, problems):
        username = row["username"]
        role_text = row["role"].lower() or Role.STAFF.value
        # Japanese input methods type the full-width semicolon as easily as the ASCII one.
        listed = row["departments"].replace(_FULL_WIDTH_SEMICOLON, ";").split(";")
        chosen = tuple(d.strip() for d in listed if d.strip())
        unknown = [d for d in chosen if d not in departments]
        why = (
            _check_text("display_name", row["display_name"], _MAX_NAME)
            or (
                f"username {username!r} must be 1-64 lower-case letters, digits, '.', '_' or '-'"
                if not USERNAME_PATTERN.fullmatch(username)
                else ""
            )
            or (f"username {username!r} is taken" if username in taken else "")
            or (
                f"username {username!r} is on line {seen[username]} too" if username in seen else ""
            )
            or (
                f"role {row['role']!r} is not one of {', '.join(r.value for r in ACCOUNT_ROLES)}"
                if role_text not in {r.value for r in ACCOUNT_ROLES}
                else ""
            )
            or (f"unknown department {', '.join(unknown)}" if unknown else "")
            or ("staff need at least one department" if role_text == "staff" and not chosen else "")
            or _check_site(row["site"], directory)
        )
        if why:
            problems.append(Problem(line, why))
            continue
        seen[username] = line
        good.append(
            StaffLine(
                line, username, row["display_name"], Role(role_text), chosen, row["site"] or None
            )
        )
    return good, problems


def read_kiosks(
    text: str, directory: Directory, existing_names: Sequence[str]
) -> tuple[list[KioskLine], list[Problem]]:
    good: list[KioskLine] = []
    problems: list[Problem] = []
    taken = set(existing_names)
    seen: dict[str, int] = {}  # name -> the line it is on in this file
    for line, row in _rows(text, KIOSK_COLUMNS, problems):
        name = row["name"]
        why = (
            _check_text("name", name, _MAX_NAME)
            or (f"a kiosk named {name!r} exists" if name in taken else "")
            or (f"kiosk {name!r} is on line {seen[name]} too" if name in seen else "")
            or (
                f"location is longer than {_MAX_LOCATION} characters"
                if len(row["location"]) > _MAX_LOCATION
                else ""
            )
            or _check_site(row["site"], directory)
        )
        if why:
            problems.append(Problem(line, why))
            continue
        seen[name] = line
        good.append(KioskLine(line, name, row["location"], row["site"] or None))
    return good, problems


def _rows(
    text: str, columns: Sequence[str], problems: list[Problem]
) -> Iterator[tuple[int, dict[str, str]]]:
    """Each non-blank line after the header, by column name, with its line number."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        problems.append(Problem(1, f"the file is empty; the first line names {', '.join(columns)}"))
        return
    except csv.Error as exc:
        problems.append(Problem(1, f"not CSV: {exc}"))
        return
    missing = [c for c in columns if c not in header]
    unknown = [h for h in header if h not in columns]
    if missing or unknown:
        problems.append(
            Problem(
                1,
                f"the first line must name the columns {', '.join(columns)} "
                f"(missing: {', '.join(missing) or '-'}; unknown: {', '.join(unknown) or '-'})",
            )
        )
        return
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            problems.append(Problem(reader.line_num, f"not CSV: {exc}"))
            return
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            problems.append(
                Problem(reader.line_num, f"{len(row)} columns, the first line has {len(header)}")
            )
            continue
        yield reader.line_num, {name: cell.strip() for name, cell in zip(header, row, strict=True)}


def _check_text(column: str, value: str, longest: int) -> str:
    if not value:
        return f"{column} is empty"
    if len(value) > longest:
        return f"{column} is longer than {longest} characters"
    return ""


def _check_site(site_id: str, directory: Directory) -> str:
    if site_id and directory.site(site_id) is None:
        return f"unknown site {site_id!r}"
    return ""
