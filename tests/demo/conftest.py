"""Demo test fixtures: a real Xvfb screen (the demo's command and environment are in command.py)."""

from __future__ import annotations

import os
import select
import shutil
import subprocess
from collections.abc import Iterator

import pytest

from tests.participant import UNIT


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
