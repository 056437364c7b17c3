"""Demo test fixtures: a real Xvfb screen, and the environment the demo's processes run in.

The demo is run as a newcomer runs it, `python -m demo` in the project folder, in its own
process: it starts the hub, the apps and the bot as processes of its own.
"""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.participant import UNIT

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def xvfb() -> Iterator[str]:
    """A virtual 1920x1080 X screen; its DISPLAY."""
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (make system-packages installs it)")
    read, write = os.pipe()
    process = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    try:
        # Xvfb writes its display number once it accepts clients.
        ready, _, _ = select.select([read], [], [], 2 * UNIT)
        assert ready, "Xvfb did not start"
        number = os.read(read, 64).decode().strip()
        yield f":{number}"
    finally:
        os.close(read)
        process.terminate()
        process.wait()


def demo_env(display: str | None) -> dict[str, str]:
    """This environment, with the given display or none at all (and never offscreen Qt)."""
    hidden = {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"}  # the Qt tests set offscreen
    env = {name: value for name, value in os.environ.items() if name not in hidden}
    if display is not None:
        env["DISPLAY"] = display
    return env


def demo_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "demo", *args]
