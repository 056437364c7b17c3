"""**Pure**: the admin page's edits to the directory, one department or category at a time.

Each function returns an edit for ``Store.edit_directory``, which runs it on the stored
directory inside its write transaction, so two admins' edits never overwrite each other.
The audit detail holds the fields that changed, as they were and as they are, keyed by path
(``names.en``, ``hours.weekly.mon``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, TypeVar

import msgspec

from signaling.directory import (
    Category,
    Department,
    Directory,
    DirectoryError,
    check_category,
    check_department,
    validate_directory,
)
from signaling.store import ConflictError, NotFoundError
from signaling.store.city import DirectoryChange, DirectoryEdit

Entry = TypeVar("Entry", Department, Category)


def put_department(department: Department) -> DirectoryEdit:
    """Create the department, or replace the one with its id (keeping its place)."""
    check_department(department)

    def edit(directory: Directory) -> DirectoryChange:
        before = directory.department(department.id)
        departments = _put(directory.departments, department)
        after = msgspec.structs.replace(directory, departments=departments)
        validate_directory(after)
        return DirectoryChange(after, "department_saved", department.id, audit(before, department))

    return edit


def delete_department(department_id: str) -> DirectoryEdit:
    """Remove a department no category uses (the store also refuses one with staff)."""

    def edit(directory: Directory) -> DirectoryChange:
        before = directory.department(department_id)
        if before is None:
            raise NotFoundError(f"no department {department_id!r}")
        if users := [c.id for c in directory.categories if c.department_id == department_id]:
            raise ConflictError(
                f"department {department_id!r} is used by categories {', '.join(users)}: "
                "move or delete them first"
            )
        departments = [d for d in directory.departments if d.id != department_id]
        after = msgspec.structs.replace(directory, departments=departments)
        return DirectoryChange(after, "department_deleted", department_id, audit(before, None))

    return edit


def put_category(category: Category) -> DirectoryEdit:
    """Create the category, or replace the one with its id (keeping its place)."""
    check_category(category)

    def edit(directory: Directory) -> DirectoryChange:
        # A topic of a service names no department; validate_directory checks the service.
        if category.department_id and directory.department(category.department_id) is None:
            raise DirectoryError(
                f"category {category.id!r}: there is no department {category.department_id!r}"
            )
        before = directory.category(category.id)
        categories = _put(directory.categories, category)
        after = msgspec.structs.replace(directory, categories=categories)
        validate_directory(after)
        return DirectoryChange(after, "category_saved", category.id, audit(before, category))

    return edit


def delete_category(category_id: str) -> DirectoryEdit:
    def edit(directory: Directory) -> DirectoryChange:
        before = directory.category(category_id)
        if before is None:
            raise NotFoundError(f"no category {category_id!r}")
        categories = [c for c in directory.categories if c.id != category_id]
        after = msgspec.structs.replace(directory, categories=categories)
        return DirectoryChange(after, "category_deleted", category_id, audit(before, None))

    return edit


def reorder_departments(ids: Sequence[str]) -> DirectoryEdit:
    """Put the departments in this order (the console lists them so); `ids` names each once."""
    return _reorder("departments", ids)


def reorder_categories(ids: Sequence[str]) -> DirectoryEdit:
    """Put the categories in this order, the order of the kiosk's topic buttons."""
    return _reorder("categories", ids)


def _reorder(field: Literal["departments", "categories"], ids: Sequence[str]) -> DirectoryEdit:
    kind = "department" if field == "departments" else "category"

    def edit(directory: Directory) -> DirectoryChange:
        before: list[Any] = getattr(directory, field)  # of departments or of categories
        entries = _reordered(before, ids, kind)
        after = msgspec.structs.replace(directory, **{field: entries})
        detail = {"before": {"order": [e.id for e in before]}, "after": {"order": list(ids)}}
        return DirectoryChange(after, f"{field}_reordered", field, detail)

    return edit


def _reordered(entries: list[Entry], ids: Sequence[str], kind: str) -> list[Entry]:
    by_id = {entry.id: entry for entry in entries}
    missing = [i for i in by_id if i not in ids]
    unknown = sorted({i for i in ids if i not in by_id})
    twice = sorted({i for i in ids if ids.count(i) > 1})
    problems = [
        f"{label} {', '.join(found)}"
        for label, found in (("missing", missing), ("unknown", unknown), ("twice", twice))
        if found
    ]
    if problems:
        raise DirectoryError(f"the new order must name every {kind} once: {'; '.join(problems)}")
    return [by_id[i] for i in ids]


def _put(entries: list[Entry], entry: Entry) -> list[Entry]:
    if any(e.id == entry.id for e in entries):
        return [entry if e.id == entry.id else e for e in entries]
    added = list(entries)
    added.append(entry)  # a new entry goes last
    return added


def audit(before: msgspec.Struct | None, after: msgspec.Struct | None) -> dict[str, Any]:
    """The changed fields as they were and are; a new entry has no before, a deleted no after."""
    old = _flatten(msgspec.to_builtins(before)) if before is not None else {}
    new = _flatten(msgspec.to_builtins(after)) if after is not None else {}
    changed = [key for key in {**old, **new} if old.get(key) != new.get(key)]
    return {
        "before": {key: old[key] for key in changed if key in old},
        "after": {key: new[key] for key in changed if key in new},
    }


def _flatten(value: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, item in value.items():
        if isinstance(item, dict):  # an empty one adds nothing: no names, closed all week
            flat.update(_flatten(item, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = item
    return flat
