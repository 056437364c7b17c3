"""1. Attract: the time, which counters are open now, and "touch anywhere to start"."""

from __future__ import annotations

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QMouseEvent
from PyQt6.QtWidgets import QGridLayout, QHBoxLayout, QVBoxLayout

from kiosk.i18n import Language
from kiosk.screens.base import Screen
from kiosk.theme import Theme
from kiosk.viewmodels import AttractVM, ScreenVM
from kiosk.widgets.panel import Panel
from kiosk.widgets.text import KText, Role

CENTRE = Qt.AlignmentFlag.AlignCenter


class AttractScreen(Screen):
    started = pyqtSignal()

    def __init__(self, theme: Theme) -> None:
        super().__init__(theme)
        self.setProperty("touch_target", True)  # the window beeps for it like a button
        top = QHBoxLayout()
        top.setSpacing(64)
        left = QVBoxLayout()
        self.clock = KText(theme, Role.TITLE, px=96)
        self.date = KText(theme, Role.HEADING)
        self.heading = KText(theme, Role.HEADING)
        left.addWidget(self.clock)
        left.addWidget(self.date)
        left.addSpacing(24)
        left.addWidget(self.heading)
        left.addStretch(1)
        self.open_panel = Panel(theme.palette.panel)
        self.open_title = KText(theme, Role.HEADING)
        self.open_panel.body.addWidget(self.open_title)
        self.departments: list[KText] = []
        top.addLayout(left, 3)
        top.addWidget(self.open_panel, 2, Qt.AlignmentFlag.AlignTop)
        self.column.addLayout(top, 1)
        self.touch = KText(theme, Role.TITLE, align=CENTRE)
        self.column.addWidget(self.touch)
        self.others = QGridLayout()
        self.others.setHorizontalSpacing(48)
        self.others.setVerticalSpacing(8)
        self.column.addLayout(self.others)
        self._others: list[KText] = []

    def render(self, vm: ScreenVM) -> None:  # type: ignore[override]  # a vm in
        assert isinstance(vm, AttractVM)
        self.clock.set_text(vm.clock)
        self.date.set_text(vm.date)
        self.heading.set_text(vm.heading)
        self.open_title.set_text(vm.open_title)
        lines = [f"{d.name}　{d.until}".strip() for d in vm.open_departments] or [vm.none_open]
        while len(self.departments) < len(lines):
            label = KText(self.theme, Role.BODY, bold=False)
            self.open_panel.body.addWidget(label)
            self.departments.append(label)
        for label, text in zip(
            self.departments, [*lines, *[""] * len(self.departments)], strict=False
        ):
            label.set_text(text)
        self.touch.set_text(vm.touch)
        if [o.text() for o in self._others] != [text for _, text in vm.touch_lines]:
            self._rebuild_others(vm.touch_lines)

    def _rebuild_others(self, lines: tuple[tuple[Language, str], ...]) -> None:
        for label in self._others:
            label.deleteLater()
        self._others = []
        for language, text in lines:
            theme = Theme(self.theme.palette, language)  # for those who have not chosen yet
            label = KText(theme, Role.BODY, text, align=CENTRE, bold=True, px=24)
            self.others.addWidget(label, 0, len(self._others))
            self._others.append(label)

    def mouseReleaseEvent(self, event: QMouseEvent | None) -> None:  # noqa: N802  # Qt override
        if event is not None and self.rect().contains(event.position().toPoint()):
            self.started.emit()
