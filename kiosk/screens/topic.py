"""3. Topic: the hub's categories as big tiles; a closed one shows its hours instead."""

from __future__ import annotations

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import QGridLayout, QHBoxLayout

from kiosk.screens.base import Screen
from kiosk.theme import Kind, Theme
from kiosk.viewmodels import Icon, ScreenVM, TopicOption, TopicVM
from kiosk.widgets.text import KText, Role
from kiosk.widgets.touch_button import TouchButton

COLUMNS = 2


class TopicScreen(Screen):
    """Tiles in pages (no scrolling, which would need a swipe): 6 a page, 4 in large text."""

    chosen = pyqtSignal(str)  # category id

    def __init__(self, theme: Theme) -> None:
        super().__init__(theme)
        self.per_page = 4 if theme.large_text else 6
        self.page = 0
        self._topics: tuple[TopicOption, ...] = ()
        self.title = self.title_text()
        self.grid = QGridLayout()
        self.grid.setSpacing(theme.gap_px)
        self.tiles: list[TouchButton] = []
        for index in range(self.per_page):
            # Names in the reading size, so that large text makes them larger too.
            role = Role.HEADING if theme.large_text else Role.BUTTON
            tile = TouchButton(theme, Kind.NEUTRAL, Icon.COUNTER, role=role, centred=False)
            tile.clicked.connect(lambda _=False, index=index: self._on_tile_clicked(index))
            policy = tile.sizePolicy()
            policy.setRetainSizeWhenHidden(True)
            tile.setSizePolicy(policy)
            self.grid.addWidget(tile, index // COLUMNS, index % COLUMNS)
            self.tiles.append(tile)
        self.column.addLayout(self.grid)
        self.column.addStretch(1)
        pager = QHBoxLayout()
        pager.setSpacing(theme.gap_px)
        self.previous = TouchButton(theme, Kind.NEUTRAL, Icon.BACK)
        self.next = TouchButton(theme, Kind.NEUTRAL, Icon.NEXT)
        self.page_label = KText(theme, Role.BODY, align=Qt.AlignmentFlag.AlignCenter)
        for button in (self.previous, self.next):
            policy = button.sizePolicy()
            policy.setRetainSizeWhenHidden(True)  # the other one stays where it is
            button.setSizePolicy(policy)
        self.previous.clicked.connect(lambda: self._on_pager_clicked(-1))
        self.next.clicked.connect(lambda: self._on_pager_clicked(+1))
        pager.addWidget(self.previous)
        pager.addWidget(self.page_label, 1)
        pager.addWidget(self.next)
        self.column.addLayout(pager)
        self._vm: TopicVM | None = None

    def render(self, vm: ScreenVM) -> None:  # type: ignore[override]  # a vm in
        assert isinstance(vm, TopicVM)
        if self._vm is not None and vm.topics != self._vm.topics:
            self.page = min(self.page, self._pages(vm) - 1)
        self._vm = vm
        self.title.set_text(vm.title)
        shown = vm.topics[self.page * self.per_page : (self.page + 1) * self.per_page]
        for index, tile in enumerate(self.tiles):
            topic = shown[index] if index < len(shown) else None
            tile.setVisible(topic is not None)
            if topic is not None:
                tile.set_content(
                    topic.name,
                    kind=Kind.NEUTRAL,
                    icon=topic.icon if topic.open else Icon.CLOSED,
                    # Large text leaves out the one-line description: the name is enough to
                    # choose, and a closed topic's hours are on the screen that follows.
                    detail=(topic.closed_label or "")
                    if self.theme.large_text
                    else topic.description,
                )
        pages = self._pages(vm)
        self.page_label.setVisible(pages > 1)
        self.previous.setVisible(self.page > 0)
        self.next.setVisible(self.page < pages - 1)
        self.previous.set_content(vm.previous_page)
        self.next.set_content(vm.next_page)
        self.page_label.set_text(vm.page_label.format(page=self.page + 1, pages=pages))

    def _pages(self, vm: TopicVM) -> int:
        return max(1, -(-len(vm.topics) // self.per_page))

    def _on_tile_clicked(self, index: int) -> None:
        if self._vm is not None:
            position = self.page * self.per_page + index
            if position < len(self._vm.topics):
                self.chosen.emit(self._vm.topics[position].category_id)

    def _on_pager_clicked(self, step: int) -> None:
        if self._vm is not None:
            self.page = max(0, min(self._pages(self._vm) - 1, self.page + step))
            self.render(self._vm)
