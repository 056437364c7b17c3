"""3. Topic: the hub's categories as big tiles; a closed one shows its hours instead.

Every tile keeps its description (or, when closed, its reopening time) in both text sizes, and
all tiles are as tall as the tallest, on every page. Beside the title there is a button for
each page, so every page is one tap away: with a language button on the attract screen, every
topic is at most five taps from the start to "call staff" (tests/kiosk/test_screens.py).
"""

from __future__ import annotations

from dataclasses import replace

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtGui import QResizeEvent
from PyQt6.QtWidgets import QGridLayout, QHBoxLayout, QSizePolicy, QWidget

from kiosk.core.viewmodels import Icon, TopicOption, TopicVM
from kiosk.screens.base import MARGIN, Screen
from kiosk.theme import Kind, Theme
from kiosk.widgets.text import KText, Role
from kiosk.widgets.touch_button import TouchButton

COLUMNS = 2


class TopicScreen(Screen[TopicVM]):
    """Tiles in pages (no scrolling, which would need a swipe): 6 a page, 4 in large text."""

    chosen = pyqtSignal(str)  # category id

    def __init__(self, theme: Theme) -> None:
        super().__init__(theme)
        self.per_page = 4 if theme.large_text else 6
        self.page = 0
        self._vm: TopicVM | None = None
        self.pager = QHBoxLayout()  # the title, then a button for each page
        self.pager.setSpacing(theme.gap_px)
        self.title = KText(theme, Role.TITLE)
        self.pager.addWidget(self.title, 1)
        self.column.addLayout(self.pager)
        self.pages: list[TouchButton] = []
        self.grid = QGridLayout()
        self.grid.setSpacing(theme.gap_px)
        # Names in the reading size, so that large text makes them larger too.
        self._role = Role.HEADING if theme.large_text else Role.BUTTON
        self.tiles: list[TouchButton] = []
        for index in range(self.per_page):
            tile = self._tile()
            tile.clicked.connect(lambda _=False, index=index: self._on_tile_clicked(index))
            self.grid.addWidget(tile, index // COLUMNS, index % COLUMNS)
            self.tiles.append(tile)
        self._probe = self._tile(parent=self)  # measures tiles on other pages; never shown
        self._probe.hide()
        self.column.addLayout(self.grid)
        self.column.addStretch(1)

    def _tile(self, parent: QWidget | None = None) -> TouchButton:
        tile = TouchButton(
            self.theme, Kind.NEUTRAL, Icon.COUNTER, role=self._role, centred=False, parent=parent
        )
        return self._kept(tile)

    @staticmethod
    def _kept(button: TouchButton) -> TouchButton:
        policy = button.sizePolicy()
        policy.setRetainSizeWhenHidden(True)  # the others stay where they are
        button.setSizePolicy(policy)
        return button

    def draw(self, vm: TopicVM) -> None:
        if self._vm is not None and vm.topics != self._vm.topics:
            self.page = min(self.page, self._pages(vm) - 1)
        self._vm = vm
        self.title.set_text(vm.title)
        shown = vm.topics[self.page * self.per_page : (self.page + 1) * self.per_page]
        for index, tile in enumerate(self.tiles):
            topic = shown[index] if index < len(shown) else None
            tile.setVisible(topic is not None)
            if topic is not None:
                self._fill(tile, topic)
        self._page_buttons(self._pages(vm), vm.page_label)
        self._equalize()

    @staticmethod
    def _fill(tile: TouchButton, topic: TopicOption) -> None:
        icon = topic.icon if topic.open else Icon.CLOSED
        tile.set_content(topic.name, kind=Kind.NEUTRAL, icon=icon, detail=topic.description)

    def _page_buttons(self, pages: int, label: str) -> None:
        """One button a page, the current one selected; none when everything fits on one."""
        wanted = pages if pages > 1 else 0
        while len(self.pages) < wanted:
            number = len(self.pages)
            # Like the bars, the same in both text sizes.
            button = TouchButton(replace(self.theme, large_text=False), Kind.NEUTRAL, Icon.NEXT)
            button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            button.clicked.connect(lambda _=False, number=number: self._on_pager_clicked(number))
            self.pager.addWidget(button)
            self.pages.append(button)
        for number, button in enumerate(self.pages):
            button.setVisible(number < wanted)
            here = number == self.page
            kind, icon = (Kind.SELECTED, Icon.CHECK) if here else (Kind.NEUTRAL, Icon.NEXT)
            button.set_content(label.format(page=number + 1, pages=pages), kind=kind, icon=icon)
            hint = button.sizeHint()
            button.setFixedSize(hint.width(), self.theme.target_px)

    def _equalize(self) -> None:
        """Every tile as tall as the tallest topic needs, on any page, at the tiles' width."""
        if self._vm is None or not self._vm.topics:
            return
        width = self.tiles[0].width()
        if width < 2 * self.theme.target_px:  # not laid out yet: the width it will get
            usable = self.width() - 2 * MARGIN - self.theme.gap_px * (COLUMNS - 1)
            width = max(usable // COLUMNS, self.theme.target_px)
        needed = 0
        for topic in self._vm.topics:
            self._fill(self._probe, topic)
            needed = max(needed, self._probe.heightForWidth(width))
        for tile in self.tiles:
            if tile.height() != needed or tile.minimumHeight() != needed:
                tile.setFixedHeight(needed)

    def resizeEvent(self, event: QResizeEvent | None) -> None:  # noqa: N802  # Qt override
        super().resizeEvent(event)
        self._equalize()

    def _pages(self, vm: TopicVM) -> int:
        return max(1, -(-len(vm.topics) // self.per_page))

    def _on_tile_clicked(self, index: int) -> None:
        if self._vm is not None:
            position = self.page * self.per_page + index
            if position < len(self._vm.topics):
                self.chosen.emit(self._vm.topics[position].category_id)

    def _on_pager_clicked(self, page: int) -> None:
        if self._vm is not None:
            self.page = max(0, min(self._pages(self._vm) - 1, page))
            self.draw(self._vm)
