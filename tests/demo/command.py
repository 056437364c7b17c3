"""The demo's command and the environment its processes run in, for the demo's tests.

The demo is run as a newcomer runs it, `python -m demo` in the project folder, in its own
process: it starts the hub, the apps and the bot as processes of its own.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def demo_env(display: str | None) -> dict[str, str]:
    """This environment, with the given display or none at all (and never offscreen Qt)."""
    hidden = {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"}  # the Qt tests set offscreen
    env = {name: value for name, value in os.environ.items() if name not in hidden}
    if display is not None:
        env["DISPLAY"] = display
    return env


def demo_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "demo", *args]
