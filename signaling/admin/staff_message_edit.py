"""**Pure**: edits to the staff messages, one at a time, for ``Store.edit_directory``
(list_edit.py). A city may have no messages at all (staff then type every message), so unlike
outcome codes the last one goes too."""

from __future__ import annotations

from collections.abc import Sequence

from signaling.admin.list_edit import KeyedList
from signaling.directory import StaffMessage, check_staff_message
from signaling.store.city import DirectoryEdit

STAFF_MESSAGES: KeyedList[StaffMessage] = KeyedList(
    "staff_messages", "staff_message", lambda message: message.id
)


def put_message(message: StaffMessage) -> DirectoryEdit:
    """Create the message, or change the texts of the one with its id (keeping its place)."""
    check_staff_message(message)
    return STAFF_MESSAGES.put(message)


def delete_message(message_id: str) -> DirectoryEdit:
    """Remove a message from the consoles' choices."""
    return STAFF_MESSAGES.delete(message_id)


def reorder_messages(ids: Sequence[str]) -> DirectoryEdit:
    """Put the messages in this order, the console's; ``ids`` names each one once."""
    return STAFF_MESSAGES.reorder(ids)
