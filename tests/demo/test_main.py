"""`madoguchi-demo` on a machine with no display: it says so, and plays the autoplay under Xvfb."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from demo.__main__ import has_display
from tests.demo.command import ROOT, demo_command, demo_env
from tests.demo.test_autoplay import SCREENS
from tests.participant import UNIT


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, False),
        ({"DISPLAY": ":0"}, True),
        ({"WAYLAND_DISPLAY": "wayland-0"}, True),
        ({"DISPLAY": ""}, False),
        ({"QT_QPA_PLATFORM": "offscreen"}, True),
    ],
)
def test_a_display_is_display_or_wayland_display_on_linux(
    environ: dict[str, str], expected: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.platform", "linux")
    assert has_display(environ) is expected


def test_without_a_display_the_demo_says_so_and_plays_itself_under_xvfb(tmp_path: Path) -> None:
    if shutil.which("xvfb-run") is None:
        pytest.skip("xvfb-run is not installed (make system-packages installs it)")
    screenshots = tmp_path / "screenshots"
    done = subprocess.run(
        demo_command("--screenshots", str(screenshots), "--timeout", str(16 * UNIT)),
        cwd=ROOT,
        env=demo_env(None),
        capture_output=True,
        text=True,
        timeout=20 * UNIT,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "this machine has no display" in done.stdout
    assert "Madoguchi autoplay: a whole consultation" in done.stdout
    assert f"the screenshots are in {screenshots.resolve()}/" in done.stdout
    assert len(list(screenshots.glob("*.png"))) == len(SCREENS)  # every step the autoplay shows
