"""9. Survey: five faces, one tap; skipping is the bottom-left button."""

from __future__ import annotations

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import QHBoxLayout

from kiosk.core.viewmodels import Icon, SurveyVM
from kiosk.screens.base import Screen
from kiosk.theme import Kind, Theme
from kiosk.widgets.text import KText, Role
from kiosk.widgets.touch_button import TouchButton


class SurveyScreen(Screen[SurveyVM]):
    answered = pyqtSignal(int)  # 1 (bad) to 5 (good)

    def __init__(self, theme: Theme) -> None:
        super().__init__(theme)
        self.title = self.title_text(centred=True)
        self.hint = KText(theme, Role.HEADING, align=Qt.AlignmentFlag.AlignCenter, bold=False)
        self.column.addWidget(self.hint)
        self.column.addStretch(1)
        row = QHBoxLayout()
        row.setSpacing(theme.gap_px)
        self.faces: list[TouchButton] = []
        for _ in range(5):
            face = TouchButton(theme, Kind.NEUTRAL, Icon.FACE_3, vertical=True, icon_px=140)
            face.setMinimumHeight(300)
            row.addWidget(face)
            self.faces.append(face)
        self.column.addLayout(row)
        self.column.addStretch(2)
        self._scores: list[int] = []

    def draw(self, vm: SurveyVM) -> None:
        self.title.set_text(vm.title)
        self.hint.set_text(vm.hint)
        if self._scores != [face.score for face in vm.faces]:
            self._scores = [face.score for face in vm.faces]
            for button, face in zip(self.faces, vm.faces, strict=True):
                button.clicked.connect(lambda _=False, score=face.score: self.answered.emit(score))
        for button, face in zip(self.faces, vm.faces, strict=True):
            button.set_content(face.label, icon=face.icon)
