"""What every screen shares: the theme, the margins, and the title at the top."""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QVBoxLayout, QWidget

from kiosk.core.engine_port import MediaFeeds
from kiosk.core.viewmodels import ScreenVM
from kiosk.theme import Theme
from kiosk.widgets.text import KText, Role

MARGIN = 48


class Screen(QWidget):
    """A page of the kiosk. Subclasses build their widgets once and fill them in `render`."""

    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self.theme = theme
        self.column = QVBoxLayout(self)
        self.column.setContentsMargins(MARGIN, 32, MARGIN, 24)
        self.column.setSpacing(theme.gap_px)

    def title_text(self, *, centred: bool = False) -> KText:
        align = Qt.AlignmentFlag.AlignHCenter if centred else Qt.AlignmentFlag.AlignLeft
        title = KText(self.theme, Role.TITLE, align=align | Qt.AlignmentFlag.AlignVCenter)
        self.column.addWidget(title)
        return title

    def render(self, vm: ScreenVM) -> None:  # type: ignore[override]  # a vm in
        raise NotImplementedError

    def show_media(self, feeds: MediaFeeds) -> None:
        """Live pictures and levels, polled by the window; most screens have none."""
