"""The switchboard's state on disk, written ahead of the messages that tell of it.

After every input that changes the durable state (`Outputs.state_changed`), the hub writes the
switchboard's snapshot and the consultation history not yet in the store to this file, and only
then sends what the input produced. So whatever a client has heard of (a place in a queue, a
call, a transfer, a wrap-up) is on disk, and a hub killed at any instant restarts from it: the
clients re-attach to their sessions, and the history events are applied again (they are
idempotent), so the history is complete.

The file is replaced whole with ``os.replace``: a crash mid-write leaves the previous version,
never a torn one. There is no fsync: the page cache outlives the process (kill -9, an
out-of-memory kill, a segfault); a power cut of the machine may lose the last seconds
(docs/operations.md, What survives a crash).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import msgspec

from signaling import events

logger = logging.getLogger("madoguchi.state_file")

FORMAT = 1
_KINDS: dict[str, type[events.Event]] = {kind.__name__: kind for kind in events.CONSULTATION}


class _Entry(msgspec.Struct):
    kind: str
    event: msgspec.Raw


class _File(msgspec.Struct):
    format: int
    switchboard: msgspec.Raw
    history: list[_Entry]


@dataclass(frozen=True)
class SavedState:
    switchboard: bytes  # Switchboard.snapshot()
    history: list[events.Event]  # in the order they happened; some may be in the store already


class StateFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._scratch = path.with_name(path.name + ".new")

    def write(self, switchboard: bytes, history: Sequence[events.Event]) -> None:
        """Replace the file; raises OSError (a full disk), leaving the previous one whole."""
        entries = [_Entry(type(e).__name__, msgspec.Raw(msgspec.json.encode(e))) for e in history]
        data = msgspec.json.encode(_File(FORMAT, msgspec.Raw(switchboard), entries))
        # Session metadata and transfer notes: readable by the hub's user only.
        fd = os.open(self._scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data)
        except OSError:
            self._scratch.unlink(missing_ok=True)
            raise
        os.replace(self._scratch, self.path)

    def read(self) -> SavedState | None:
        """The last state written, or None when there is none.

        Raises ValueError for a file this hub cannot read (app.py sets it aside and says so).
        """
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return None
        saved = msgspec.json.decode(data, type=_File)
        if saved.format != FORMAT:
            raise ValueError(f"format {saved.format}, this hub reads {FORMAT}")
        history = []
        for entry in saved.history:
            kind = _KINDS.get(entry.kind)
            if kind is None:
                raise ValueError(f"unknown history event {entry.kind!r}")
            history.append(msgspec.json.decode(entry.event, type=kind))
        return SavedState(bytes(saved.switchboard), history)
