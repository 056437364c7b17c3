"""1. Attract: the time, which counters answer now, and a start button in every language.

A language button goes straight to the topics in that language (one tap fewer than the
language screen); a touch anywhere else starts on the language screen.
"""

from __future__ import annotations

from dataclasses import replace

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QMouseEvent
from PyQt6.QtWidgets import QGridLayout, QHBoxLayout, QVBoxLayout

from kiosk.core.viewmodels import AttractVM, Icon
from kiosk.i18n import Language
from kiosk.screens.base import Screen
from kiosk.theme import Kind, Theme
from kiosk.widgets.panel import Panel
from kiosk.widgets.text import KText, Role
from kiosk.widgets.touch_button import TouchButton

CENTRE = Qt.AlignmentFlag.AlignCenter
COLUMNS = 3


class AttractScreen(Screen[AttractVM]):
    started = pyqtSignal()
    language_chosen = pyqtSignal(object)  # Language

    def __init__(self, theme: Theme) -> None:
        super().__init__(theme)
        self.setProperty("touch_target", True)  # the window beeps for it like a button
        top = QHBoxLayout()
        top.setSpacing(64)
        left = QVBoxLayout()
        left.setSpacing(8)  # the language buttons below need the height
        self.clock = KText(theme, Role.TITLE, px=80)
        self.date = KText(theme, Role.HEADING)
        self.heading = KText(theme, Role.HEADING)
        left.addWidget(self.clock)
        left.addWidget(self.date)
        left.addSpacing(16)
        left.addWidget(self.heading)
        left.addStretch(1)
        self.open_panel = Panel(theme.palette.panel)
        self.lines: list[KText] = []
        self._shown: tuple[tuple[str, bool], ...] = ()
        top.addLayout(left, 1)
        top.addWidget(self.open_panel, 1, Qt.AlignmentFlag.AlignTop)
        self.column.addLayout(top, 1)
        self.touch = KText(theme, Role.HEADING, align=CENTRE)
        self.column.addWidget(self.touch)
        grid = QGridLayout()
        grid.setSpacing(theme.gap_px)
        self.starts: dict[Language, TouchButton] = {}
        for index, language in enumerate(Language):
            # Each in the fonts of its own language, for those who have not chosen yet.
            own = replace(theme, language=language)
            button = TouchButton(own, Kind.NEUTRAL, Icon.GLOBE)
            button.clicked.connect(lambda _=False, lang=language: self.language_chosen.emit(lang))
            grid.addWidget(button, index // COLUMNS, index % COLUMNS)
            self.starts[language] = button
        self.column.addLayout(grid)

    def draw(self, vm: AttractVM) -> None:
        self.clock.set_text(vm.clock)
        self.date.set_text(vm.date)
        self.heading.set_text(vm.heading)
        lines = [(vm.open_title, True)]
        lines += [(f"{d.name}　{d.until}".strip(), False) for d in vm.open_departments]
        lines += [(vm.none_open, False)] if vm.none_open else []
        if vm.unstaffed_title:
            lines += [(vm.unstaffed_title, True)]
            lines += [("　·　".join(vm.unstaffed_departments), False)]  # one line if it fits
        if tuple(lines) != self._shown:
            self._show_lines(tuple(lines))
        self.touch.set_text(vm.touch)
        for start in vm.starts:
            self.starts[start.language].set_content(start.label)

    def _show_lines(self, lines: tuple[tuple[str, bool], ...]) -> None:
        for label in self.lines:
            self.open_panel.body.removeWidget(label)
            label.deleteLater()
        self.lines = []
        for text, is_title in lines:
            label = KText(self.theme, Role.BODY, bold=is_title)
            label.set_text(text)
            self.open_panel.body.addWidget(label)
            self.lines.append(label)
        self._shown = lines

    def mouseReleaseEvent(self, event: QMouseEvent | None) -> None:  # noqa: N802  # Qt override
        if event is not None and self.rect().contains(event.position().toPoint()):
            self.started.emit()
