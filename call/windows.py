"""The desktop's top-level windows, for sharing one of them: titles, places, and whether shown.

Staff share a window rather than the whole desktop (docs/video.md, Screen share). What is
captured is the window's rectangle on the screen, so this module only needs to name the windows
and say where each one is now; `call.screen` asks again every second to follow a moved window
and to stop when it closes.

- X11: the window manager's `_NET_CLIENT_LIST_STACKING` (EWMH; `_NET_CLIENT_LIST` if a manager
  keeps only that), read with `xprop`, and each window's title and geometry with `xwininfo`
  (both from x11-utils). The tools fail cleanly on a window that has just closed, where an
  Xlib call would need an error handler shared with mss. Without them only a region or a
  monitor can be shared.
- Windows: `EnumWindows` through ctypes; the rectangle is the one DWM draws (no invisible
  resize border). Qt makes the process DPI aware, so these are physical pixels, as mss grabs.

Window ids are the platform's own (an X window id, an HWND), so the console can leave out its
own windows by Qt's `winId()`.
"""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from collections.abc import Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Final

logger = logging.getLogger(__name__)

MIN_SIDE: Final = 48  # px: smaller windows are tool tips, tray icons and the like
TOOL_TIMEOUT: Final = 2.0  # seconds for one xprop or xwininfo run
LOOKUPS_AT_ONCE: Final = 8


class WindowLookupError(Exception):
    """The desktop cannot be asked about windows just now (no tool, no display, a timeout)."""


@dataclass(frozen=True, slots=True)
class DesktopWindow:
    """A top-level window and its client area in virtual-desktop pixels."""

    id: int
    title: str
    left: int
    top: int
    width: int
    height: int
    shown: bool  # mapped and not minimised: what is at its place on the screen is the window


def list_windows(display: str | None = None, exclude: Collection[int] = ()) -> list[DesktopWindow]:
    """The windows worth sharing, front to back; [] when the desktop cannot say."""
    try:
        if sys.platform == "win32":
            found = _win32_windows()
        else:
            ids = [window_id for window_id in _x11_client_list(display) if window_id not in exclude]
            # One xwininfo per window, several at once: the dialog waits for the slowest batch.
            with ThreadPoolExecutor(LOOKUPS_AT_ONCE, thread_name_prefix="xwininfo") as pool:
                looked_up = list(pool.map(lambda window_id: _x11_window(window_id, display), ids))
            found = [window for window in looked_up if window is not None]
    except WindowLookupError as error:
        logger.info("= no window list: %s", error)
        return []
    return [window for window in found if window.id not in exclude and worth_sharing(window)]


def find_window(window_id: int, display: str | None = None) -> DesktopWindow | None:
    """Where the window is now; None once it has closed. Raises `WindowLookupError`."""
    if sys.platform == "win32":
        return _win32_window(window_id)
    return _x11_window(window_id, display)


def worth_sharing(window: DesktopWindow) -> bool:
    return (
        window.shown and bool(window.title.strip()) and min(window.width, window.height) >= MIN_SIDE
    )


# --- X11: the pure parsers ----------------------------------------------------------------------

_XWININFO_TITLE = re.compile(r'Window id: (0x[0-9a-fA-F]+) (?:"(.*)"|\(has no name\))\s*$')
_XWININFO_FIELDS: Final = {
    "Absolute upper-left X": "left",
    "Absolute upper-left Y": "top",
    "Width": "width",
    "Height": "height",
    "Map State": "map_state",
}


def parse_client_list(xprop_output: str) -> list[int]:
    """Window ids from `xprop -root _NET_CLIENT_LIST…`, bottom to top as the WM stacks them.

    A window manager writes the type WINDOW (`… window id # 0x1c00003, 0x2400007`); a
    property set by hand reads `… = 2097155, 2097160`. "not found" yields [].
    """
    _, sep, values = xprop_output.partition("#")
    if not sep:
        _, sep, values = xprop_output.partition("=")
    if not sep:
        return []
    ids = []
    for value in values.split(","):
        try:
            ids.append(int(value.strip(), 0))
        except ValueError:
            logger.warning("= xprop gave a window id %r; skipped", value.strip())
    return ids


def parse_window_info(xwininfo_output: str) -> DesktopWindow | None:
    """One window from `xwininfo -id ID`; None if the output lacks its id or geometry."""
    window_id: int | None = None
    title = ""
    fields: dict[str, str] = {}
    for line in xwininfo_output.splitlines():
        if (match := _XWININFO_TITLE.search(line)) is not None:
            window_id, title = int(match[1], 16), match[2] or ""
            continue
        key, sep, value = line.strip().partition(":")
        if sep and key in _XWININFO_FIELDS:
            fields[_XWININFO_FIELDS[key]] = value.strip()
    try:
        left, top = int(fields["left"]), int(fields["top"])
        width, height = int(fields["width"]), int(fields["height"])
    except (KeyError, ValueError):
        return None
    if window_id is None:
        return None
    shown = fields.get("map_state") == "IsViewable"
    return DesktopWindow(window_id, title, left, top, width, height, shown)


# --- X11: asking the tools ----------------------------------------------------------------------


def _x11_client_list(display: str | None) -> list[int]:
    for atom in ("_NET_CLIENT_LIST_STACKING", "_NET_CLIENT_LIST"):
        result = _run_tool(["xprop", "-root", "-notype", atom], display)
        ids = parse_client_list(result.stdout) if result.returncode == 0 else []
        if ids:
            return ids[::-1]  # the WM lists bottom to top; staff want the front window first
    return []


def _x11_window(window_id: int, display: str | None) -> DesktopWindow | None:
    result = _run_tool(["xwininfo", "-id", hex(window_id)], display)
    if result.returncode != 0:
        if "No such window" in result.stderr or "Bad" in result.stderr:
            return None  # it closed
        raise WindowLookupError(f"xwininfo failed: {result.stderr.strip()[:200]}")
    return parse_window_info(result.stdout)


def _run_tool(command: list[str], display: str | None) -> subprocess.CompletedProcess[str]:
    if display is not None:
        command = [command[0], "-display", display, *command[1:]]
    try:
        return subprocess.run(
            command,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=TOOL_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise WindowLookupError(f"{command[0]}: {error}") from error


# --- Windows ------------------------------------------------------------------------------------

if sys.platform == "win32":
    import ctypes
    from ctypes import wintypes

    # Private DLL handles: setting argtypes on the shared ctypes.windll ones would change them
    # for mss too. Typed, so an HWND is passed as a pointer-sized handle, not a C int.
    _user32 = ctypes.WinDLL("user32")
    _dwmapi = ctypes.WinDLL("dwmapi")
    _ENUM_PROC = ctypes.WINFUNCTYPE(wintypes.BOOL, wintypes.HWND, wintypes.LPARAM)
    for _name, _argtypes, _restype in (
        ("EnumWindows", [_ENUM_PROC, wintypes.LPARAM], wintypes.BOOL),
        ("IsWindow", [wintypes.HWND], wintypes.BOOL),
        ("IsWindowVisible", [wintypes.HWND], wintypes.BOOL),
        ("IsIconic", [wintypes.HWND], wintypes.BOOL),
        ("GetWindow", [wintypes.HWND, wintypes.UINT], wintypes.HWND),
        ("GetWindowLongW", [wintypes.HWND, ctypes.c_int], wintypes.LONG),
        ("GetWindowTextLengthW", [wintypes.HWND], ctypes.c_int),
        ("GetWindowTextW", [wintypes.HWND, wintypes.LPWSTR, ctypes.c_int], ctypes.c_int),
        ("GetWindowRect", [wintypes.HWND, ctypes.POINTER(wintypes.RECT)], wintypes.BOOL),
    ):
        getattr(_user32, _name).argtypes = _argtypes
        getattr(_user32, _name).restype = _restype
    _dwmapi.DwmGetWindowAttribute.argtypes = [
        wintypes.HWND, wintypes.DWORD, ctypes.c_void_p, wintypes.DWORD,
    ]  # fmt: skip
    _dwmapi.DwmGetWindowAttribute.restype = ctypes.c_long  # an HRESULT: 0 is success
    _DWMWA_EXTENDED_FRAME_BOUNDS: Final = 9
    _DWMWA_CLOAKED: Final = 14  # windows of other virtual desktops, suspended UWP apps
    _GWL_EXSTYLE: Final = -20
    _WS_EX_TOOLWINDOW: Final = 0x80
    _GW_OWNER: Final = 4

    def _win32_windows() -> list[DesktopWindow]:
        handles: list[int] = []

        def visit(hwnd: int | None, _: int) -> bool:
            if hwnd:
                handles.append(hwnd)
            return True

        if not _user32.EnumWindows(_ENUM_PROC(visit), 0):
            raise WindowLookupError("EnumWindows failed")
        found = []
        for hwnd in handles:  # EnumWindows goes front to back
            ex_style = _user32.GetWindowLongW(hwnd, _GWL_EXSTYLE)
            if ex_style & _WS_EX_TOOLWINDOW or _user32.GetWindow(hwnd, _GW_OWNER):
                continue  # palettes and dialogs belong to a window that is listed
            if (window := _win32_window(hwnd)) is not None:
                found.append(window)
        return found

    def _win32_window(hwnd: int) -> DesktopWindow | None:
        if not _user32.IsWindow(hwnd):
            return None
        length = _user32.GetWindowTextLengthW(hwnd)
        buffer = ctypes.create_unicode_buffer(length + 1)
        _user32.GetWindowTextW(hwnd, buffer, length + 1)
        rect = wintypes.RECT()
        if _dwmapi.DwmGetWindowAttribute(
            hwnd, _DWMWA_EXTENDED_FRAME_BOUNDS, ctypes.byref(rect), ctypes.sizeof(rect)
        ):  # a failed HRESULT: no DWM frame; the plain rectangle will do
            _user32.GetWindowRect(hwnd, ctypes.byref(rect))
        cloaked = wintypes.DWORD()
        if _dwmapi.DwmGetWindowAttribute(
            hwnd, _DWMWA_CLOAKED, ctypes.byref(cloaked), ctypes.sizeof(cloaked)
        ):
            cloaked.value = 0
        shown = (
            bool(_user32.IsWindowVisible(hwnd)) and not _user32.IsIconic(hwnd) and not cloaked.value
        )
        width, height = rect.right - rect.left, rect.bottom - rect.top
        return DesktopWindow(hwnd, buffer.value, rect.left, rect.top, width, height, shown)
