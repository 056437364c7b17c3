"""**Pure**: importing the city file into a database that admins have edited since.

The database is the source of truth; the city file is an import that never stops the hub. Each
entry (ward, site, service, department, category, outcome code, staff
message, reading) is merged by its id against
the file as it was last imported, the *base*, so that the file's changes and the admins' edits
are told apart:

- in the file, not in the database: created (unless an admin deleted it since the base and the
  file still says the same: that deletion stands);
- in both, different: the file's version if the file changed it since the base (or there is
  no base), else the database's (an admin's edit is kept);
- in the database, not in the file: removed if the file dropped it since the base, else kept
  (an admin added it);
- a removal the database cannot make is not made: a department with staff, a site with kiosks
  or staff, and anything a kept entry still points at.

Whatever is kept that differs from the file is a *difference*: reported in the log and the
audit log, so the operator can bring the file in line or edit the database on purpose.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import msgspec

from signaling.directory import (
    Category,
    Department,
    Directory,
    OutcomeCode,
    Reading,
    Service,
    Site,
    StaffMessage,
    Ward,
    validate_directory,
)


class Change(StrEnum):
    # What the import did.
    CREATED = "created"
    UPDATED = "updated"
    REMOVED = "removed"
    # Where the database stays unlike the file: the differences to report.
    KEPT_EDIT = "kept_database_edit"
    KEPT_DELETION = "kept_database_deletion"
    KEPT_ADDITION = "kept_database_addition"
    KEPT_IN_USE = "kept_in_use"


DIFFERENCES = frozenset(
    {Change.KEPT_EDIT, Change.KEPT_DELETION, Change.KEPT_ADDITION, Change.KEPT_IN_USE}
)

_WHY = {
    Change.KEPT_EDIT: "edited in the database; the file has an older version",
    Change.KEPT_DELETION: "deleted in the database; still in the file",
    Change.KEPT_ADDITION: "added in the database; not in the file",
}


@dataclass(frozen=True, slots=True)
class Difference:
    kind: str  # "ward", "site", "service", "department", "category", "outcome_code"
    id: str
    change: Change
    reason: str = ""

    def describe(self) -> str:
        reason = self.reason or _WHY.get(self.change, "")
        return f"{self.kind} {self.id}" + (f" ({reason})" if reason else "")


@dataclass(frozen=True, slots=True)
class CityImport:
    """The directory to store, and every way it came out unlike the database or the file."""

    directory: Directory
    changes: tuple[Difference, ...] = ()
    # Why the file was not imported at all (the database's directory is kept as it is).
    error: str = ""

    @property
    def differences(self) -> tuple[Difference, ...]:
        """Where the database still differs from the file after the import."""
        return tuple(c for c in self.changes if c.change in DIFFERENCES)

    def summary(self) -> dict[str, list[str]]:
        """For the log and the audit entry: each change's entries, described."""
        grouped: dict[str, list[str]] = {}
        for change in self.changes:
            grouped.setdefault(change.change.value, []).append(change.describe())
        return grouped


@dataclass(frozen=True, slots=True)
class InUse:
    """What the database cannot remove, whatever the file says."""

    departments_with_staff: frozenset[str] = frozenset()
    sites_with_kiosks_or_staff: frozenset[str] = frozenset()


def merge_city_file(
    base: Directory | None, stored: Directory, file: Directory, in_use: InUse = InUse()
) -> CityImport:
    """The directory after importing ``file``; raises DirectoryError if no consistent one is
    found (then the database stays as it is, and the caller reports why)."""
    merger = _Merger(base, stored, file)
    wards = merger.merge("ward", "wards")
    sites = merger.merge("site", "sites")
    services = merger.merge("service", "services")
    departments = merger.merge("department", "departments")
    categories = merger.merge("category", "categories")
    outcomes = merger.merge("outcome_code", "outcome_codes")
    staff_messages = merger.merge("staff_message", "staff_messages")
    readings = merger.merge("reading", "readings")
    keep = merger.keep
    for department_id in in_use.departments_with_staff:
        keep("department", department_id, "has staff; removed from the file")
    for site_id in in_use.sites_with_kiosks_or_staff:
        keep("site", site_id, "has kiosks or staff; removed from the file")
    # Whatever a kept entry points at must stay too, until nothing more is needed.
    while True:
        before = len(merger.changes)
        for site in sites():
            keep("ward", site.ward_id, f"site {site.id} is in it")
        for department in departments():
            if department.ward_id is not None:
                keep("ward", department.ward_id, f"department {department.id} is in it")
            for service_id in department.services:
                keep("service", service_id, f"department {department.id} offers it")
        for category in categories():
            keep("department", category.department_id, f"category {category.id} uses it")
            if category.service_id:
                keep("service", category.service_id, f"category {category.id} uses it")
                merger.keep_an_offer(category.service_id, f"category {category.id} uses it")
        if len(merger.changes) == before:
            break
    merger.changes.extend(merger.removals())
    directory = Directory(
        wards=wards(),
        sites=sites(),
        services=services(),
        departments=departments(),
        categories=categories(),
        outcome_codes=outcomes(),
        staff_messages=staff_messages(),
        readings=readings(),
    )
    validate_directory(directory)
    return CityImport(directory, tuple(merger.changes))


Entry = Ward | Site | Service | Department | Category | OutcomeCode | StaffMessage | Reading


def _key(entry: Entry) -> str:
    if isinstance(entry, OutcomeCode):
        return entry.code
    return entry.word if isinstance(entry, Reading) else entry.id


@dataclass
class _Merger:
    base: Directory | None
    stored: Directory
    file: Directory
    changes: list[Difference] = field(default_factory=list)
    # kind -> the stored entries the merge removed, which keep() may bring back.
    _removed: dict[str, dict[str, Entry]] = field(default_factory=dict)
    # kind -> the merged entries, by id, in order.
    _merged: dict[str, dict[str, Entry]] = field(default_factory=dict)

    def merge(self, kind: str, field: str) -> Callable[[], list[Any]]:
        """Merge one kind of entry (a Directory field); returns how to read the result once
        keep() is done."""
        file: Sequence[Entry] = getattr(self.file, field)
        stored_by = {_key(e): e for e in getattr(self.stored, field)}
        base_by = None if self.base is None else {_key(e): e for e in getattr(self.base, field)}
        merged: dict[str, Entry] = {}
        removed: dict[str, Entry] = {}
        for entry in file:
            key = _key(entry)
            mine = stored_by.get(key)
            was = None if base_by is None else base_by.get(key)
            if mine is None:
                if was is not None and was == entry:
                    self._note(kind, key, Change.KEPT_DELETION)
                else:
                    merged[key] = entry
                    self._note(kind, key, Change.CREATED)
            elif mine == entry:
                merged[key] = mine
            elif was is not None and was == entry:
                merged[key] = mine
                self._note(kind, key, Change.KEPT_EDIT)
            else:
                merged[key] = entry
                self._note(kind, key, Change.UPDATED, _changed_fields(mine, entry))
        in_file = {_key(e) for e in file}
        for key, entry in stored_by.items():
            if key in in_file:
                continue
            if base_by is not None and key in base_by:
                removed[key] = entry
            else:
                merged[key] = entry
                self._note(kind, key, Change.KEPT_ADDITION)
        self._merged[kind], self._removed[kind] = merged, removed
        return lambda: list(self._merged[kind].values())

    def keep(self, kind: str, key: str, reason: str) -> None:
        """Bring back a removed entry that cannot go; nothing if it was not removed."""
        entry = self._removed.get(kind, {}).pop(key, None)
        if entry is not None:
            self._merged[kind][key] = entry
            self._note(kind, key, Change.KEPT_IN_USE, reason)

    def keep_an_offer(self, service_id: str, reason: str) -> None:
        """Bring back the removed departments offering the service if no other one does."""
        departments = self._merged["department"].values()
        if any(service_id in d.services for d in departments if isinstance(d, Department)):
            return
        for key, entry in list(self._removed["department"].items()):
            if isinstance(entry, Department) and service_id in entry.services:
                self.keep("department", key, f"offers service {service_id}; {reason}")

    def removals(self) -> Iterable[Difference]:
        for kind, entries in self._removed.items():
            for key in entries:
                yield Difference(kind, key, Change.REMOVED)

    def _note(self, kind: str, key: str, change: Change, reason: str = "") -> None:
        self.changes.append(Difference(kind, key, change, reason))


def _changed_fields(before: Entry, after: Entry) -> str:
    old, new = msgspec.to_builtins(before), msgspec.to_builtins(after)
    names = sorted(k for k in {**old, **new} if old.get(k) != new.get(k))
    return ", ".join(names)
