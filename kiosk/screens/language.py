"""2. Language: six big buttons, each language in its own name and script, never a flag."""

from __future__ import annotations

from dataclasses import replace

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import QGridLayout

from kiosk.core.viewmodels import Icon, LanguageVM
from kiosk.i18n import Language
from kiosk.screens.base import Screen
from kiosk.theme import Kind, Theme
from kiosk.widgets.text import Role
from kiosk.widgets.touch_button import TouchButton

COLUMNS = 2


class LanguageScreen(Screen[LanguageVM]):
    chosen = pyqtSignal(object)  # Language

    def __init__(self, theme: Theme) -> None:
        super().__init__(theme)
        self.title = self.title_text()
        grid = QGridLayout()
        grid.setSpacing(theme.gap_px * 2)
        self.buttons: dict[Language, TouchButton] = {}
        for index, language in enumerate(Language):
            # Each label in the fonts of its own language: 中文 in the SC face, 한국어 in KR.
            own = replace(theme, language=language)
            button = TouchButton(own, Kind.NEUTRAL, Icon.GLOBE, role=Role.TITLE)
            button.setMinimumHeight(150)
            button.clicked.connect(lambda _=False, language=language: self.chosen.emit(language))
            grid.addWidget(button, index // COLUMNS, index % COLUMNS)
            self.buttons[language] = button
        self.column.addLayout(grid)
        self.column.addStretch(1)

    def draw(self, vm: LanguageVM) -> None:
        self.title.set_text(vm.title)
        for option in vm.options:
            self.buttons[option.language].set_content(
                option.label,
                kind=Kind.SELECTED if option.selected else Kind.NEUTRAL,
                icon=Icon.CHECK if option.selected else Icon.GLOBE,
            )
