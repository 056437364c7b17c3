"""The console at 1366x768 and 1920x1080, at 100 % and 125 % Windows scaling: each run is a
process of its own (tests/staff_console/layout_check.py), since Qt fixes its scale at start."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

SCREENS = [(1366, 768), (1920, 1080)]
SCALES = ["1", "1.25"]


def layout_problems(width: int, height: int, scale: str, *extra: str) -> list[dict[str, str]]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QT_SCALE_FACTOR": scale}
    done = subprocess.run(
        [sys.executable, "-m", "tests.staff_console.layout_check", str(width), str(height), *extra],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize(("width", "height"), SCREENS)
def test_nothing_is_cut_off_and_nothing_scrolls_sideways(
    width: int, height: int, scale: str
) -> None:
    assert layout_problems(width, height, scale) == []


def test_the_check_finds_a_cut_button_a_cut_label_and_a_sideways_scrollbar() -> None:
    found = layout_problems(1366, 768, "1", "--plant")
    widgets = {p["widget"] for p in found if p["where"].startswith("queue")}
    assert any(w.startswith("QPushButton") for w in widgets), found
    assert "QLabel today_summary" in widgets, found
    assert any(p["problem"] == "horizontal scrollbar" for p in found), found
