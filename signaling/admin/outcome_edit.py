"""**Pure**: edits to the outcome codes, one at a time, for ``Store.edit_directory``
(list_edit.py). The last code cannot be deleted, so a wrap-up always has a code to choose."""

from __future__ import annotations

from collections.abc import Sequence

from signaling.admin.list_edit import KeyedList
from signaling.directory import OutcomeCode
from signaling.outcome_codes import check_outcome
from signaling.store.city import DirectoryEdit

OUTCOME_CODES: KeyedList[OutcomeCode] = KeyedList(
    "outcome_codes",
    "outcome_code",
    lambda outcome: outcome.code,
    last_needed="staff need one to finish a consultation; add another first",
)


def put_outcome(outcome: OutcomeCode) -> DirectoryEdit:
    """Create the code, or rename the one with that code (keeping its place); audited."""
    check_outcome(outcome)
    return OUTCOME_CODES.put(outcome)


def delete_outcome(code: str) -> DirectoryEdit:
    """Remove a code from the choices; the history keeps the consultations that used it."""
    return OUTCOME_CODES.delete(code)


def reorder_outcomes(codes: Sequence[str]) -> DirectoryEdit:
    """Put the codes in this order, the console's; ``codes`` names each one once."""
    return OUTCOME_CODES.reorder(codes)
