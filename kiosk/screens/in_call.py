"""7. In call: staff large, self-view small, big mute and volume, quick phrases, staff text.

Left: the stage (staff video, or what they show with their video inset), the 筆談 sign with its
meaning and the text staff send, and a row of big controls (mute, quieter, the volume, louder)
that never moves. Right: the self-view and the quick phrases. What a phrase sent is confirmed in
the bottom bar's notice. The red "end" button is the chrome's bottom-left one, and it asks first
(`ConfirmEndScreen`).
"""

from __future__ import annotations

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import QGridLayout, QHBoxLayout, QVBoxLayout, QWidget

from kiosk.engine import MediaFeeds, Phrase
from kiosk.screens.base import Screen
from kiosk.screens.privacy import Bullet
from kiosk.theme import Kind, Theme
from kiosk.viewmodels import Icon, InCallVM, ScreenVM
from kiosk.widgets.level_bar import LevelBar
from kiosk.widgets.panel import Panel
from kiosk.widgets.stage import Stage
from kiosk.widgets.text import KText, Role
from kiosk.widgets.touch_button import TouchButton
from kiosk.widgets.video_view import VideoView

SIDE_WIDTH = 600
PHRASE_GAP = 14
# (row, column, columns spanned): the long phrases one to a row, so that none breaks inside a
# word, and いいえ left of はい, as in every question the kiosk asks.
PHRASE_PLACES = {
    Phrase.CANNOT_HEAR: (0, 0, 2),
    Phrase.SAY_AGAIN: (1, 0, 2),
    Phrase.SLOWER: (2, 0, 2),
    Phrase.NO: (3, 0, 1),
    Phrase.YES: (3, 1, 1),
}


class InCallScreen(Screen):
    mute_clicked = pyqtSignal()
    volume_clicked = pyqtSignal(int)  # -1 or +1
    phrase_clicked = pyqtSignal(object)  # Phrase
    document_camera_clicked = pyqtSignal()

    def __init__(self, theme: Theme) -> None:
        super().__init__(theme)
        self.column.setContentsMargins(32, 20, 32, 16)
        row = QHBoxLayout()
        row.setSpacing(theme.gap_px)
        row.addLayout(self._main(theme), 1)
        row.addWidget(self._side(theme))
        self.column.addLayout(row, 1)

    def _main(self, theme: Theme) -> QVBoxLayout:
        main = QVBoxLayout()
        main.setSpacing(16)
        self.stage = Stage(theme)
        self.stage.document_camera_clicked.connect(self.document_camera_clicked)
        main.addWidget(self.stage, 1)
        self.messages = Panel(theme.palette.message, padding=14)
        header = QHBoxLayout()
        header.addWidget(Bullet(theme, Icon.HITSUDAN), 0, Qt.AlignmentFlag.AlignTop)
        # The sign's caption stays at body size in large text, leaving the room to the messages.
        self.hitsudan = KText(theme, Role.BODY, color=theme.palette.message.text, bold=True, px=30)
        header.addWidget(self.hitsudan, 1)
        self.messages.body.addLayout(header)
        self.staff_texts = KText(theme, Role.HEADING, color=theme.palette.message.text, bold=False)
        self.messages.body.addWidget(self.staff_texts)
        main.addWidget(self.messages)
        controls = QHBoxLayout()
        controls.setSpacing(theme.gap_px)
        self.mute = TouchButton(theme, Kind.NEUTRAL, Icon.MIC)
        self.quieter = TouchButton(theme, Kind.NEUTRAL, Icon.VOLUME_DOWN)
        self.louder = TouchButton(theme, Kind.NEUTRAL, Icon.VOLUME_UP)
        self.mute.clicked.connect(self.mute_clicked)
        self.quieter.clicked.connect(lambda: self.volume_clicked.emit(-1))
        self.louder.clicked.connect(lambda: self.volume_clicked.emit(+1))
        volume = QVBoxLayout()
        volume.setSpacing(4)
        self.volume_text = KText(
            theme, Role.BODY, bold=True, align=Qt.AlignmentFlag.AlignCenter, px=24
        )
        self.volume_bar = LevelBar(theme)
        self.volume_bar.setFixedHeight(40)
        volume.addWidget(self.volume_text)
        volume.addWidget(self.volume_bar)
        controls.addWidget(self.mute, 4)
        controls.addWidget(self.quieter, 3)
        controls.addLayout(volume, 2)
        controls.addWidget(self.louder, 3)
        main.addLayout(controls)
        return main

    def _side(self, theme: Theme) -> QWidget:
        holder = QWidget()
        holder.setFixedWidth(SIDE_WIDTH)
        side = QVBoxLayout(holder)
        side.setContentsMargins(0, 0, 0, 0)
        side.setSpacing(theme.gap_px)
        self.self_view = VideoView(theme, Icon.PERSON, compact=True)
        self.self_view.setFixedSize(320, 240)
        side.addWidget(self.self_view, 0, Qt.AlignmentFlag.AlignHCenter)
        grid = QGridLayout()
        grid.setSpacing(PHRASE_GAP)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        self.phrases: dict[Phrase, TouchButton] = {}
        for phrase in Phrase:
            button = TouchButton(theme, Kind.NEUTRAL, None)
            button.clicked.connect(lambda _=False, phrase=phrase: self.phrase_clicked.emit(phrase))
            row, column, span = PHRASE_PLACES[phrase]
            grid.addWidget(button, row, column, 1, span)
            self.phrases[phrase] = button
        side.addLayout(grid)
        side.addStretch(1)
        return holder

    def render(self, vm: ScreenVM) -> None:  # type: ignore[override]  # a vm in
        assert isinstance(vm, InCallVM)
        camera = (vm.document_camera.label, vm.document_camera.on) if vm.document_camera else None
        self.stage.render(vm.content, vm.staff_label, vm.staff_speaking, vm.status, camera)
        self.self_view.set_name(vm.muted_text or vm.you_label)
        self.self_view.set_speaking(vm.you_speaking)
        self.mute.setVisible(vm.mute is not None)
        if vm.mute is not None:
            kind = Kind.SELECTED if vm.mute.on else Kind.NEUTRAL
            self.mute.set_content(vm.mute.label, icon=vm.mute.icon, kind=kind)
        for widget in (self.quieter, self.louder, self.volume_bar):
            widget.setVisible(vm.volume_adjustable)
        self.quieter.set_content(vm.volume_down)
        self.louder.set_content(vm.volume_up)
        self.volume_text.set_text(vm.volume_text if vm.volume_adjustable else "")
        self.volume_bar.set_level(vm.volume / vm.volume_steps)
        for option in vm.phrases:
            self.phrases[option.phrase].set_content(option.label)
        # The two buttons of a row get one height, the taller label's, so the grid stays even.
        for row in range(4):
            buttons = [
                (b, PHRASE_PLACES[p][2])
                for p, b in self.phrases.items()
                if PHRASE_PLACES[p][0] == row
            ]
            width = [(SIDE_WIDTH - PHRASE_GAP) // 2, SIDE_WIDTH]
            height = max(b.heightForWidth(width[span - 1]) for b, span in buttons)
            for button, _ in buttons:
                button.setFixedHeight(height)
        self.hitsudan.set_text(vm.hitsudan)
        # The newest two, or the newest one when a document needs the room.
        self.staff_texts.set_text("\n".join(vm.staff_texts[-1 if vm.content else -2 :]))

    def show_media(self, feeds: MediaFeeds) -> None:
        self.stage.show_media(feeds)
        self.self_view.set_frame(feeds.self_frame())
