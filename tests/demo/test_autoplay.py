"""`madoguchi-demo --autoplay` end to end: a real hub, both apps, a bot and WebRTC, under Xvfb.

Nothing is faked: the autoplay is run as a person runs it, and the test reads what it leaves
behind (its exit status, its screenshots, its summary). Numbers are checked for being there,
never for being fast.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from PIL import Image

from tests.demo.command import ROOT, demo_command, demo_env
from tests.participant import UNIT

# Every step the autoplay shows, in order (demo/autoplay.py).
SCREENS = (
    "kiosk-attract",
    "console-login",
    "console-ready",
    "kiosk-language",
    "kiosk-topic",
    "kiosk-ready",
    "kiosk-waiting",
    "console-queue",
    "console-call",
    "kiosk-in-call",
    "console-document",
    "kiosk-document",
    "console-transfer",
    "kiosk-transferring",
    "console-wrap-up",
    "console-today",
    "kiosk-in-call-second",
    "kiosk-confirm-end",
    "kiosk-survey",
    "kiosk-thank-you",
    "kiosk-reset",
)
DIALOGS = frozenset({"console-login", "console-transfer"})  # the rest are whole windows


def run_autoplay(display: str, screenshots: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        demo_command("--autoplay", "--screenshots", str(screenshots), "--timeout", str(16 * UNIT)),
        cwd=ROOT,
        env=demo_env(display),
        capture_output=True,
        text=True,
        timeout=20 * UNIT,
        check=False,
    )


def test_the_autoplay_plays_a_whole_consultation_and_shows_every_step(
    xvfb: str, tmp_path: Path
) -> None:
    screenshots = tmp_path / "screenshots"
    done = run_autoplay(xvfb, screenshots)

    assert done.returncode == 0, done.stdout + done.stderr
    expected = {f"{n:02d}-{name}.png": name for n, name in enumerate(SCREENS, start=1)}
    assert sorted(p.name for p in screenshots.glob("*.png")) == sorted(expected)
    for file, screen in expected.items():
        with Image.open(screenshots / file) as image:
            if screen not in DIALOGS:
                assert image.size == (1920, 1080), file
            _, brightest = image.convert("L").getextrema()  # one band: two numbers
            assert isinstance(brightest, int | float)
            assert brightest > 0, f"{file} is black"

    summary: dict[str, Any] = json.loads((screenshots / "summary.json").read_text())
    for number in (
        "hub_ready_seconds",
        "setup_ms",
        "first_frames_ms",
        "second_leg_setup_ms",
        "console_fps",
        "kiosk_fps",
        "rtt_mean_ms",
        "wait_seconds",
        "talk_seconds",
    ):
        assert isinstance(summary[number], int | float), number
    assert [leg["department"] for leg in summary["legs"]] == ["市民課", "福祉課"]
    # The citizen is at 北区's 北部支所, whose 市民課 nobody staffs: 中央区's answered.
    assert [leg["overflowed_from"] for leg in summary["legs"]] == ["北区 市民課", None]
    assert all(isinstance(leg["talk_seconds"], float) for leg in summary["legs"])
    assert (summary["transfers"], summary["survey_score"], summary["end_reason"]) == (
        1,
        5,
        "completed",
    )
    for label in (
        "setup: accept → connected",
        "video received",
        "round trip (RTT)",
        "wait (hub",
        "北区 市民課 → 市民課",
    ):
        assert label in done.stdout
