"""A real top-level window on a test X server, listed as a window manager would list it.

Xvfb has no window manager, so nothing keeps `_NET_CLIENT_LIST`; `publish_client_list` sets it
on the root window with xprop, as a manager does. The window is a Tk toplevel in a child
process that reads commands on stdin ("move X Y", "quit"), so a test can move and close it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from call.windows import DesktopWindow, find_window

UNIT = 0.05  # seconds, as in tests/call/test_screen.py
WAIT = 100 * UNIT
COLOUR = "#20a040"
BGR = (0x40, 0xA0, 0x20)

SHOW_WINDOW = """
import sys, tkinter
title, geometry, colour = sys.argv[1:4]
root = tkinter.Tk()
root.title(title)
root.geometry(geometry)
root.configure(background=colour)

def command(*_):
    words = sys.stdin.readline().split()
    if not words or words[0] == "quit":
        root.destroy()
    elif words[0] == "move":
        root.geometry(f"+{words[1]}+{words[2]}")

root.createfilehandler(sys.stdin, tkinter.READABLE, command)
root.mainloop()
"""


def needs_x11_tools() -> None:
    for tool in ("Xvfb", "xprop", "xwininfo"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (apt-get install xvfb x11-utils)")


@dataclass
class ShownWindow:
    display: str
    process: subprocess.Popen[str]
    id: int

    def send(self, command: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()

    def move(self, left: int, top: int) -> DesktopWindow | None:
        self.send(f"move {left} {top}")
        return wait_for(
            self.display, self.id, lambda w: w is not None and (w.left, w.top) == (left, top)
        )

    def close(self) -> None:
        if self.process.poll() is None:
            self.send("quit")
            self.process.wait(WAIT)
        wait_for(self.display, self.id, lambda w: w is None)


def wait_for(
    display: str, window_id: int, done: Callable[[DesktopWindow | None], bool]
) -> DesktopWindow | None:
    """The window as `find_window` sees it once `done` holds (None: it closed)."""
    deadline = time.monotonic() + WAIT
    while True:
        window = find_window(window_id, display)
        if done(window):
            return window
        if time.monotonic() > deadline:
            pytest.fail(f"window {window_id:#x} is {window}")
        time.sleep(UNIT / 5)


def publish_client_list(display: str, window_ids: list[int]) -> None:
    """What a window manager does: name the managed windows on the root window (EWMH)."""
    values = ",".join(str(window_id) for window_id in window_ids)
    command = ["xprop", "-display", display, "-root", "-f", "_NET_CLIENT_LIST", "32c"]
    subprocess.run([*command, "-set", "_NET_CLIENT_LIST", values], check=True)


@contextmanager
def shown_window(display: str, title: str, geometry: str) -> Iterator[ShownWindow]:
    """A mapped toplevel titled `title` at `geometry` ("640x480+100+50"), filled with COLOUR."""
    process = subprocess.Popen(
        [sys.executable, "-c", SHOW_WINDOW, title, geometry, COLOUR],
        env={"DISPLAY": display},
        stdin=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        encoding="utf-8",
    )
    try:
        window_id = _window_named(display, title, process)
        shown = ShownWindow(display, process, window_id)
        wait_for(display, window_id, lambda w: w is not None and w.shown)
        yield shown
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(WAIT)
        if process.stdin is not None:
            process.stdin.close()


def _window_named(display: str, title: str, process: subprocess.Popen[str]) -> int:
    deadline = time.monotonic() + WAIT
    while True:
        found = subprocess.run(
            ["xwininfo", "-display", display, "-name", title],
            capture_output=True,
            text=True,
            encoding="utf-8",
            check=False,
        )
        if found.returncode == 0:
            return int(found.stdout.split("Window id: ")[1].split()[0], 16)
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"no window {title!r} on {display} ({process.returncode})")
        time.sleep(UNIT / 5)
