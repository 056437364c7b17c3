"""Everything that differs between Windows and Linux, in one place.

The engine's own difference (the selector event loop on Windows) lives in call.bridge.
"""

from __future__ import annotations

import sys
from typing import Final

from PyQt6.QtCore import QRect
from PyQt6.QtGui import QFont, QGuiApplication
from PyQt6.QtWidgets import QApplication

from call.windows import DesktopWindow, list_windows

# Japanese UI fonts, best first: Windows ships Yu Gothic UI and Meiryo; Debian has Noto Sans CJK
# (fonts-noto-cjk). Qt falls back through the list for any glyph a font lacks.
UI_FONTS: Final = (
    ("Yu Gothic UI", "Meiryo UI", "Meiryo")
    if sys.platform == "win32"
    else ("Noto Sans CJK JP", "Noto Sans JP", "IPAGothic")
)
BASE_POINT_SIZE: Final = 11


def apply_ui_font(app: QApplication) -> None:
    font = QFont()
    font.setFamilies(list(UI_FONTS))
    font.setPointSize(BASE_POINT_SIZE)
    app.setFont(font)


def play_alert() -> None:
    """A short system sound for "someone started waiting"."""
    if sys.platform == "win32":
        import winsound  # Windows only

        winsound.MessageBeep(winsound.MB_ICONASTERISK)
    else:
        QApplication.beep()  # the X11 bell; silent where the desktop has none


def virtual_desktop() -> QRect:
    """All monitors together, in Qt's logical coordinates."""
    area = QRect()
    for screen in QGuiApplication.screens():
        area = area.united(screen.geometry())
    return area


def physical_region(region: QRect) -> tuple[int, int, int, int]:
    """A region in Qt's logical pixels as mss wants it: physical pixels.

    On Windows with display scaling (125%, 150%) the two differ by the screen's
    devicePixelRatio; on X11 the ratio is normally 1.
    """
    screen = QGuiApplication.screenAt(region.center()) or QGuiApplication.primaryScreen()
    ratio = 1.0 if screen is None else screen.devicePixelRatio()
    return (
        round(region.x() * ratio),
        round(region.y() * ratio),
        round(region.width() * ratio),
        round(region.height() * ratio),
    )


def shareable_windows() -> list[DesktopWindow]:
    """The desktop's windows worth sharing, front first, without the console's own.

    Qt's `winId()` of a top-level widget is the platform's id for it (the X window the window
    manager lists, the HWND), which is what call.windows reports.
    """
    own = {int(widget.winId()) for widget in QApplication.topLevelWidgets() if widget.isVisible()}
    return list_windows(exclude=own)
