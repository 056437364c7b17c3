"""**Pure**: edits to the staff messages, one at a time, for ``Store.edit_directory``.

Like outcome_edit.py: each returns an edit that runs on the stored directory inside the write
transaction, with an audit detail of the fields as they were and are. A city may have no
messages at all (staff then type every message), so unlike outcome codes the last one goes too.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from signaling.admin.directory_edit import audit
from signaling.directory import Directory, DirectoryError, StaffMessage, check_staff_message
from signaling.store import NotFoundError
from signaling.store.city import DirectoryChange, DirectoryEdit


def put_message(message: StaffMessage) -> DirectoryEdit:
    """Create the message, or change the texts of the one with its id (keeping its place)."""
    check_staff_message(message)

    def edit(directory: Directory) -> DirectoryChange:
        before = next((m for m in directory.staff_messages if m.id == message.id), None)
        if before is None:
            messages = [*directory.staff_messages, message]  # a new message goes last
        else:
            messages = [message if m.id == message.id else m for m in directory.staff_messages]
        after = msgspec.structs.replace(directory, staff_messages=messages)
        return DirectoryChange(after, "staff_message_saved", message.id, audit(before, message))

    return edit


def delete_message(message_id: str) -> DirectoryEdit:
    """Remove a message from the consoles' choices."""

    def edit(directory: Directory) -> DirectoryChange:
        before = next((m for m in directory.staff_messages if m.id == message_id), None)
        if before is None:
            raise NotFoundError(f"no staff message {message_id!r}")
        messages = [m for m in directory.staff_messages if m.id != message_id]
        after = msgspec.structs.replace(directory, staff_messages=messages)
        return DirectoryChange(after, "staff_message_deleted", message_id, audit(before, None))

    return edit


def reorder_messages(ids: Sequence[str]) -> DirectoryEdit:
    """Put the messages in this order, the console's; ``ids`` names each one once."""

    def edit(directory: Directory) -> DirectoryChange:
        by_id = {m.id: m for m in directory.staff_messages}
        if sorted(ids) != sorted(by_id):
            raise DirectoryError(
                f"the new order must name every staff message once: {', '.join(by_id)}"
            )
        after = msgspec.structs.replace(directory, staff_messages=[by_id[i] for i in ids])
        detail = {"before": {"order": list(by_id)}, "after": {"order": list(ids)}}
        return DirectoryChange(after, "staff_messages_reordered", "staff_messages", detail)

    return edit
