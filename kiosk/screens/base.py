"""What every screen shares: the theme, the margins, and the title at the top."""

from __future__ import annotations

from typing import Any, Generic, TypeVar, get_args, get_origin

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QVBoxLayout, QWidget

from kiosk.core.engine_port import MediaFeeds
from kiosk.core.viewmodels import ScreenVM
from kiosk.theme import Theme
from kiosk.widgets.text import KText, Role

MARGIN = 48

VM = TypeVar("VM", bound=ScreenVM)


class Screen(QWidget, Generic[VM]):
    """A page of the kiosk, drawing one kind of view-model: `class X(Screen[XVM])`.

    Subclasses build their widgets once and fill them in `draw`. (Not `render`: that is
    QWidget's own, which paints a widget into a device.)
    """

    vm_type: type[VM]  # the view-model it draws, read from `Screen[...]`, for the window's check

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for base in cls.__dict__.get("__orig_bases__", ()):
            if get_origin(base) is Screen:
                cls.vm_type = get_args(base)[0]
        if not hasattr(cls, "vm_type"):
            raise TypeError(f"{cls.__name__}: subclass Screen[SomeVM], naming its view-model")

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

    def draw(self, vm: VM) -> None:
        raise NotImplementedError

    def show_media(self, feeds: MediaFeeds) -> None:
        """Live pictures and levels, polled by the window; most screens have none."""
