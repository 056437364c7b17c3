"""F1: every shortcut of the console on one sheet, from the one table that binds them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PyQt6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from staff_console.i18n import Translator


@dataclass(frozen=True, slots=True)
class Shortcut:
    keys: str  # as QKeySequence reads it: "Ctrl+Shift+E"
    label: str  # a catalog key: what it does
    action: Callable[[], None]


def sheet_rows(shortcuts: Sequence[Shortcut]) -> list[tuple[str, str]]:
    """(keys, label) rows; a run of keys doing the same thing is one row: "Alt+1 ... Alt+9"."""
    rows: list[tuple[list[str], str]] = []
    for shortcut in shortcuts:
        if rows and rows[-1][1] == shortcut.label:
            rows[-1][0].append(shortcut.keys)
        else:
            rows.append(([shortcut.keys], shortcut.label))
    return [
        (shown(keys[0]) if len(keys) == 1 else f"{shown(keys[0])} ... {shown(keys[-1])}", label)
        for keys, label in rows
    ]


def shown(keys: str) -> str:
    """Keys as the keyboard's caps say them: Qt's "Return" is the Enter key."""
    return "Enter" if keys == "Return" else keys


class ShortcutSheet(QDialog):
    def __init__(
        self, tr: Translator, shortcuts: Sequence[Shortcut], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("keys.sheet_title"))
        rows = sheet_rows(shortcuts)
        self.table = QTableWidget(len(rows), 2)
        self.table.setObjectName("shortcut_table")
        self.table.setHorizontalHeaderLabels([tr("keys.column_keys"), tr("keys.column_action")])
        for row, (keys, label) in enumerate(rows):
            self.table.setItem(row, 0, QTableWidgetItem(keys))
            self.table.setItem(row, 1, QTableWidgetItem(tr(label)))
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        assert header is not None
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        vertical = self.table.verticalHeader()
        assert vertical is not None
        vertical.setVisible(False)
        buttons = QDialogButtonBox()
        buttons.addButton(tr("keys.close") + " (Esc)", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        # Every row in view where the screen allows: the sheet is read, not scrolled.
        rows_height = self.table.verticalHeader().length() + 120  # type: ignore[union-attr]
        screen = self.screen()
        room = screen.availableGeometry().height() - 40 if screen is not None else 600
        self.resize(560, min(rows_height, room))
