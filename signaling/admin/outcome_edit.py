"""**Pure**: edits to the outcome codes, one at a time, for ``Store.edit_directory``.

Like directory_edit.py: each returns an edit that runs on the stored directory inside the write
transaction, with an audit detail of the fields as they were and are. The last code cannot be
deleted, so a wrap-up always has a code to choose.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from signaling.admin.directory_edit import audit
from signaling.directory import Directory, DirectoryError, OutcomeCode
from signaling.outcome_codes import check_outcome
from signaling.store import ConflictError, NotFoundError
from signaling.store.city import DirectoryChange, DirectoryEdit


def put_outcome(outcome: OutcomeCode) -> DirectoryEdit:
    """Create the code, or rename the one with that code (keeping its place); audited."""
    check_outcome(outcome)

    def edit(directory: Directory) -> DirectoryChange:
        before = next((o for o in directory.outcome_codes if o.code == outcome.code), None)
        if before is None:
            codes = [*directory.outcome_codes, outcome]  # a new code goes last
        else:
            codes = [outcome if o.code == outcome.code else o for o in directory.outcome_codes]
        after = msgspec.structs.replace(directory, outcome_codes=codes)
        return DirectoryChange(after, "outcome_code_saved", outcome.code, audit(before, outcome))

    return edit


def delete_outcome(code: str) -> DirectoryEdit:
    """Remove a code from the choices; the history keeps the consultations that used it."""

    def edit(directory: Directory) -> DirectoryChange:
        before = next((o for o in directory.outcome_codes if o.code == code), None)
        if before is None:
            raise NotFoundError(f"no outcome code {code!r}")
        codes = [o for o in directory.outcome_codes if o.code != code]
        if not codes:
            raise ConflictError(
                f"{code!r} is the last outcome code: staff need one to finish a consultation; "
                "add another first"
            )
        after = msgspec.structs.replace(directory, outcome_codes=codes)
        return DirectoryChange(after, "outcome_code_deleted", code, audit(before, None))

    return edit


def reorder_outcomes(codes: Sequence[str]) -> DirectoryEdit:
    """Put the codes in this order, the console's; ``codes`` names each one once."""

    def edit(directory: Directory) -> DirectoryChange:
        by_code = {o.code: o for o in directory.outcome_codes}
        if sorted(codes) != sorted(by_code):
            raise DirectoryError(
                f"the new order must name every outcome code once: {', '.join(by_code)}"
            )
        after = msgspec.structs.replace(directory, outcome_codes=[by_code[c] for c in codes])
        detail = {"before": {"order": list(by_code)}, "after": {"order": list(codes)}}
        return DirectoryChange(after, "outcome_codes_reordered", "outcome_codes", detail)

    return edit
