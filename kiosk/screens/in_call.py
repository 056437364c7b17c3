"""7. In call: the document is what the citizen came for, so it gets the screen.

The screen has no window bars. On the left, a column 320 px wide, the whole height, that never
changes: a video (the staff member while something takes the main area, else the self-view),
the quick phrases, the microphone, the volume, and the red "end" at the
bottom left (it asks first, `ConfirmEndScreen`). On the right, the call's own top bar (the
window's buttons in their usual places, with the zoom buttons where the title would be) over the
main area (`Stage`): 1600 x 968 px on the reference panel, enough for an A4 page 968 px tall
(89 % of real size) or a 16:9 share 1600 px wide. Only the main area changes between video,
document and writing-pad modes.
"""

from __future__ import annotations

from dataclasses import replace

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import QGridLayout, QHBoxLayout, QVBoxLayout, QWidget

from call.control_messages import QuickPhrase
from kiosk.core.engine_port import KIOSK_PHRASES, MediaFeeds
from kiosk.core.viewmodels import Icon, InCallVM, MainArea
from kiosk.screens.base import Screen
from kiosk.theme import Kind, Theme
from kiosk.widgets.chrome import TOP_HEIGHT, TopBar
from kiosk.widgets.content_tools import ContentTools
from kiosk.widgets.level_bar import LevelBar
from kiosk.widgets.stage import Stage
from kiosk.widgets.touch_button import TouchButton
from kiosk.widgets.video_view import VideoView

COLUMN_WIDTH = 320  # = the video's width; the main area keeps the other 1600 px
VIDEO_HEIGHT = 240  # 320 x 240: the least for lip-reading (EN 301 549 §6.5)
ROW_GAP = 10
LABEL_PX = 26  # two lines of a phrase fit a row; 24 px or more is body text (docs/kiosk-rules.md)
# (row, column, columns spanned): the long phrases one to a row, and いいえ left of はい, as in
# every question the kiosk asks.
PHRASE_PLACES = {
    QuickPhrase.CANNOT_HEAR: (0, 0, 2),
    QuickPhrase.SAY_AGAIN: (1, 0, 2),
    QuickPhrase.SLOWER: (2, 0, 2),
    QuickPhrase.NO: (3, 0, 1),
    QuickPhrase.YES: (3, 1, 1),
}


class InCallScreen(Screen[InCallVM]):
    mute_toggled = pyqtSignal()
    volume_requested = pyqtSignal(int)  # -1 or +1
    phrase_chosen = pyqtSignal(object)  # QuickPhrase
    document_camera_toggled = pyqtSignal()
    paper_send_requested = pyqtSignal()  # 「この紙を 送る」: a still of the paper to staff
    pad_opened = pyqtSignal()
    pad_closed = pyqtSignal()
    pad_cleared = pyqtSignal()
    stroke_drawn = pyqtSignal(str, object)  # the citizen's stroke as it grows: id, points
    end_requested = pyqtSignal()

    def __init__(self, theme: Theme) -> None:
        super().__init__(theme)
        self.column.setContentsMargins(0, 0, 0, 0)
        self.column.setSpacing(0)
        row = QHBoxLayout()
        row.setSpacing(0)
        # The column is the same in both text sizes, so its buttons never move.
        row.addWidget(self._side(replace(theme, large_text=False)))
        main = QVBoxLayout()
        main.setSpacing(0)
        self.tools = ContentTools(theme, TOP_HEIGHT - 16)
        # The bar is the window's, with the same buttons in the same places in both text sizes.
        self.top = TopBar(replace(theme, large_text=False), tools=self.tools)
        main.addWidget(self.top)
        self.stage = Stage(theme)
        main.addWidget(self.stage, 1)
        row.addLayout(main, 1)
        self.column.addLayout(row, 1)
        self.tools.zoom_out_requested.connect(self.stage.document.zoom_out)
        self.tools.zoom_in_requested.connect(self.stage.document.zoom_in)
        self.tools.zoom_fit_requested.connect(self.stage.document.fit)
        self.tools.document_camera_toggled.connect(self.document_camera_toggled)
        self.tools.pad_clear_requested.connect(self.pad_cleared)
        self.tools.pad_toggled.connect(self._on_pad_toggled)
        self.stage.pad.stroke_drawn.connect(self.stroke_drawn)
        self.stage.paper.send_requested.connect(self.paper_send_requested)
        self._pad_open = False

    def _side(self, theme: Theme) -> QWidget:
        holder = QWidget()
        holder.setFixedWidth(COLUMN_WIDTH)
        side = QVBoxLayout(holder)
        side.setContentsMargins(0, 0, 0, 12)
        side.setSpacing(ROW_GAP)
        self.video = VideoView(theme, Icon.PERSON, compact=True)
        self.video.setFixedSize(COLUMN_WIDTH, VIDEO_HEIGHT)
        side.addWidget(self.video)
        side.addSpacing(2)
        grid = QGridLayout()
        grid.setContentsMargins(8, 0, 8, 0)
        grid.setSpacing(ROW_GAP)
        self.phrases: dict[QuickPhrase, TouchButton] = {}
        for phrase in KIOSK_PHRASES:
            button = self._button(theme, None)
            button.clicked.connect(lambda _=False, phrase=phrase: self.phrase_chosen.emit(phrase))
            row, column, span = PHRASE_PLACES[phrase]
            grid.addWidget(button, row, column, 1, span)
            self.phrases[phrase] = button
        self.mute = self._button(theme, Icon.MIC)
        # Half a row each: the speaker pictogram above a one-line label.
        self.quieter, self.louder = (
            TouchButton(theme, icon=icon, vertical=True, label_px=24, icon_px=28, compact=True)
            for icon in (Icon.VOLUME_DOWN, Icon.VOLUME_UP)
        )
        self.end = self._button(theme, Icon.END_CALL, Kind.STOP)
        grid.addWidget(self.mute, 4, 0, 1, 2)
        grid.addWidget(self.quieter, 5, 0)
        grid.addWidget(self.louder, 5, 1)
        self.volume_bar = LevelBar(theme)  # the volume, readable without reading
        self.volume_bar.setFixedHeight(12)
        grid.addWidget(self.volume_bar, 6, 0, 1, 2)
        grid.addWidget(self.end, 7, 0, 1, 2)
        self.mute.clicked.connect(self.mute_toggled)
        self.quieter.clicked.connect(lambda: self.volume_requested.emit(-1))
        self.louder.clicked.connect(lambda: self.volume_requested.emit(+1))
        self.end.clicked.connect(self.end_requested)
        for row in (0, 1, 2, 3, 4, 5, 7):
            grid.setRowStretch(row, 1)
        # An engine without mute or volume hides those buttons; the others keep their places.
        for button in (self.mute, self.quieter, self.louder):
            policy = button.sizePolicy()
            policy.setRetainSizeWhenHidden(True)
            button.setSizePolicy(policy)
        side.addLayout(grid, 1)
        return holder

    def _button(self, theme: Theme, icon: Icon | None, kind: Kind = Kind.NEUTRAL) -> TouchButton:
        return TouchButton(theme, kind, icon, label_px=LABEL_PX, icon_px=32, compact=True)

    def draw(self, vm: InCallVM) -> None:
        self.tools.draw(vm)
        self.stage.draw(vm)
        main_taken = vm.main is not MainArea.VIDEO
        # The small video shows the staff member while the main area shows something else.
        self.video.set_name(vm.staff_label if main_taken else vm.muted_text or vm.you_label)
        self.video.set_speaking(vm.staff_speaking if main_taken else vm.you_speaking)
        self.mute.setVisible(vm.mute is not None)
        if vm.mute is not None:
            kind = Kind.SELECTED if vm.mute.on else Kind.NEUTRAL
            self.mute.set_content(vm.mute.label, icon=vm.mute.icon, kind=kind)
        self._pad_open = vm.pad.open
        for widget in (self.quieter, self.louder):
            widget.setVisible(vm.volume_adjustable)
        self.quieter.set_content(vm.volume_down)
        self.louder.set_content(vm.volume_up)
        self.volume_bar.setAccessibleName(vm.volume_text)
        self.volume_bar.set_level(vm.volume / vm.volume_steps)
        for option in vm.phrases:
            self.phrases[option.phrase].set_content(option.label)
        self.end.set_content(vm.end_label)

    def _on_pad_toggled(self) -> None:
        (self.pad_closed if self._pad_open else self.pad_opened).emit()

    def show_media(self, feeds: MediaFeeds) -> None:
        self.stage.show_media(feeds)
        main_taken = self.stage.staff_video.isHidden()
        self.video.set_frame(feeds.staff_frame() if main_taken else feeds.self_frame())
