"""**Pure**: edits to the city's shape, one ward, site or service at a time.

Like directory_edit.py, each function returns an edit for ``Store.edit_directory``, which runs
it on the stored directory in its write transaction with its audit entry (the changed fields,
as they were and are). The store refuses to remove a site where kiosks or staff are.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from signaling.admin.directory_edit import audit
from signaling.directory import (
    KIOSK_LANGUAGES,
    Directory,
    DirectoryError,
    Service,
    Site,
    Ward,
    validate_directory,
)
from signaling.store import ConflictError, NotFoundError
from signaling.store.city import DirectoryChange, DirectoryEdit

Shape = Ward | Site | Service
_FIELDS: dict[type[Shape], Literal["wards", "sites", "services"]] = {
    Ward: "wards",
    Site: "sites",
    Service: "services",
}
_KINDS = {Ward: "ward", Site: "site", Service: "service"}


def put(entry: Shape) -> DirectoryEdit:
    """Create the ward, site or service, or replace the one with its id (keeping its place)."""
    kind = _KINDS[type(entry)]
    _check_names(f"{kind} {entry.id!r}: names", entry.names)

    def edit(directory: Directory) -> DirectoryChange:
        field = _FIELDS[type(entry)]
        entries: list[Shape] = list(getattr(directory, field))
        before = next((e for e in entries if e.id == entry.id), None)
        if before is None:
            entries.append(entry)
        else:
            entries = [entry if e.id == entry.id else e for e in entries]
        after = msgspec.structs.replace(directory, **{field: entries})
        validate_directory(after)
        return DirectoryChange(after, f"{kind}_saved", entry.id, audit(before, entry))

    return edit


def delete_ward(ward_id: str) -> DirectoryEdit:
    """Remove a ward with no sites and no departments left in it."""

    def edit(directory: Directory) -> DirectoryChange:
        before = directory.ward(ward_id)
        if before is None:
            raise NotFoundError(f"no ward {ward_id!r}")
        users = [f"site {s.id}" for s in directory.sites if s.ward_id == ward_id]
        users += [f"department {d.id}" for d in directory.departments if d.ward_id == ward_id]
        if users:
            raise ConflictError(
                f"ward {ward_id!r} still has {', '.join(users)}: move or delete them first"
            )
        after = msgspec.structs.replace(
            directory, wards=[w for w in directory.wards if w.id != ward_id]
        )
        return DirectoryChange(after, "ward_deleted", ward_id, audit(before, None))

    return edit


def delete_site(site_id: str) -> DirectoryEdit:
    """Remove a site (the store refuses while kiosks or staff are placed there)."""

    def edit(directory: Directory) -> DirectoryChange:
        before = directory.site(site_id)
        if before is None:
            raise NotFoundError(f"no site {site_id!r}")
        after = msgspec.structs.replace(
            directory, sites=[s for s in directory.sites if s.id != site_id]
        )
        return DirectoryChange(after, "site_deleted", site_id, audit(before, None))

    return edit


def _check_names(where: str, names: dict[str, str]) -> None:
    # The same rule as a department's names (signaling/directory.py, check_department).
    for language, text in names.items():
        if language not in KIOSK_LANGUAGES:
            raise DirectoryError(
                f"{where}: unknown language {language!r}; use {', '.join(KIOSK_LANGUAGES)}"
            )
        if not text.strip():
            raise DirectoryError(f"{where}: {language} is empty; leave the language out instead")
    if "ja" not in names:
        raise DirectoryError(f"{where}: a Japanese (ja) one is required")


def delete_service(service_id: str) -> DirectoryEdit:
    """Remove a service no department offers and no category names."""

    def edit(directory: Directory) -> DirectoryChange:
        before = directory.service(service_id)
        if before is None:
            raise NotFoundError(f"no service {service_id!r}")
        users = [f"department {d.id}" for d in directory.departments if service_id in d.services]
        users += [f"category {c.id}" for c in directory.categories if c.service_id == service_id]
        if users:
            raise ConflictError(
                f"service {service_id!r} is used by {', '.join(users)}: change them first"
            )
        services = [s for s in directory.services if s.id != service_id]
        after = msgspec.structs.replace(directory, services=services)
        return DirectoryChange(after, "service_deleted", service_id, audit(before, None))

    return edit


def parse(kind: type[Shape], raw: object, entry_id: str) -> Shape:
    """An API body as a ward, site or service, its id from the path."""
    if not isinstance(raw, dict):
        raise DirectoryError("the body must be a JSON object")
    if raw.setdefault("id", entry_id) != entry_id:
        raise DirectoryError(f"the body's id {raw['id']!r} is not the path's {entry_id!r}")
    try:
        return msgspec.convert(raw, kind)
    except msgspec.ValidationError as exc:
        raise DirectoryError(str(exc)) from None
