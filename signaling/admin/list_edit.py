"""**Pure**: edits to a list of the directory whose entries have a key and an order, one at a
time, for ``Store.edit_directory``: the outcome codes (outcome_edit.py) and the staff messages
(staff_message_edit.py).

Like directory_edit.py, each returns an edit that runs on the stored directory inside the write
transaction, with an audit detail of the fields as they were and are. A new entry goes last; a
changed one keeps its place; a reorder must name every entry once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import msgspec

from signaling.admin.directory_edit import audit
from signaling.directory import Directory, DirectoryError
from signaling.store import ConflictError, NotFoundError
from signaling.store.city import DirectoryChange, DirectoryEdit

E = TypeVar("E", bound=msgspec.Struct)


@dataclass(frozen=True, slots=True)
class KeyedList(Generic[E]):
    field: str  # the Directory field, also the target of a reorder's audit entry
    entry: str  # one entry, as audit actions name it: "outcome_code" -> outcome_code_saved
    key: Callable[[E], str]
    # Why the last entry may not be deleted; None: it may.
    last_needed: str | None = None

    def entries(self, directory: Directory) -> list[E]:
        entries: list[E] = getattr(directory, self.field)
        return entries

    def put(self, new: E) -> DirectoryEdit:
        """Create the entry, or change the one with its key (keeping its place); audited."""
        key = self.key(new)

        def edit(directory: Directory) -> DirectoryChange:
            entries = self.entries(directory)
            before = next((e for e in entries if self.key(e) == key), None)
            if before is None:
                changed = [*entries, new]
            else:
                changed = [new if self.key(e) == key else e for e in entries]
            return DirectoryChange(
                self._replaced(directory, changed), f"{self.entry}_saved", key, audit(before, new)
            )

        return edit

    def delete(self, key: str) -> DirectoryEdit:
        """Remove an entry; the history keeps what used it."""

        def edit(directory: Directory) -> DirectoryChange:
            entries = self.entries(directory)
            before = next((e for e in entries if self.key(e) == key), None)
            if before is None:
                raise NotFoundError(f"no {self._name} {key!r}")
            kept = [e for e in entries if self.key(e) != key]
            if not kept and self.last_needed is not None:
                raise ConflictError(f"{key!r} is the last {self._name}: {self.last_needed}")
            return DirectoryChange(
                self._replaced(directory, kept), f"{self.entry}_deleted", key, audit(before, None)
            )

        return edit

    def reorder(self, keys: Sequence[str]) -> DirectoryEdit:
        """Put the entries in this order, the consoles'; ``keys`` names each one once."""

        def edit(directory: Directory) -> DirectoryChange:
            by_key = {self.key(e): e for e in self.entries(directory)}
            if sorted(keys) != sorted(by_key):
                raise DirectoryError(
                    f"the new order must name every {self._name} once: {', '.join(by_key)}"
                )
            ordered = [by_key[k] for k in keys]
            detail = {"before": {"order": list(by_key)}, "after": {"order": list(keys)}}
            action = f"{self.field}_reordered"
            return DirectoryChange(self._replaced(directory, ordered), action, self.field, detail)

        return edit

    @property
    def _name(self) -> str:
        return self.entry.replace("_", " ")

    def _replaced(self, directory: Directory, entries: list[E]) -> Directory:
        changes: dict[str, Any] = {self.field: entries}
        return msgspec.structs.replace(directory, **changes)
