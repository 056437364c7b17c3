"""End to end: two `madoguchi-bot` processes hold a whole consultation through a real hub.

The hub runs in this process (tests/fixtures/hub.py); the kiosk and the staff member are
separate processes with synthetic media, as they would be on two machines. Each bot prints a
JSON summary, and the numbers are printed here (never asserted: tests do not time things).

For the numbers in docs/call-engine.md, a 640x480 call at 30 fps for 20 seconds:

    MADOGUCHI_E2E_VIDEO=640x480@30 MADOGUCHI_E2E_SECONDS=20 \\
        .venv/bin/python -m pytest tests/e2e/test_call_over_hub.py -s
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from call.bot import SUMMARY_PREFIX
from tests.fixtures.hub import RunningHub
from tests.participant import UNIT

ROOT = Path(__file__).resolve().parents[2]
VIDEO = os.environ.get("MADOGUCHI_E2E_VIDEO", "320x240@15")
SECONDS = float(os.environ.get("MADOGUCHI_E2E_SECONDS", "3"))


async def run_bot(*args: str) -> tuple[dict[str, Any], str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "call.bot",
        *args,
        "--video",
        VIDEO,
        "--loopback-ice",
        "--summary",
        "--timeout",
        str(2 * UNIT),
        "--wait",
        str(4 * UNIT),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    log = err.decode()
    assert process.returncode == 0, log
    lines = [line for line in out.decode().splitlines() if line.startswith(SUMMARY_PREFIX)]
    assert len(lines) == 1, out.decode() + log
    summary: dict[str, Any] = json.loads(lines[0].removeprefix(SUMMARY_PREFIX))
    return summary, log


async def test_a_kiosk_bot_and_a_staff_bot_hold_a_whole_call_through_a_real_hub(
    hub: RunningHub,
) -> None:
    staff_account = next(a for a in hub.demo.accounts if a.username == "tanaka")
    async with asyncio.timeout(SECONDS + 8 * UNIT):
        (kiosk, kiosk_log), (staff, staff_log) = await asyncio.gather(
            run_bot("kiosk", "--server", hub.url, "--token", hub.demo.kiosks[0].token),
            run_bot(
                "staff",
                "--server",
                hub.url,
                "--username",
                staff_account.username,
                "--password",
                staff_account.password,
                "--hang-up-after",
                str(SECONDS),
                "--share-screen",
                "--share-page",
            ),
        )
    kiosk_call, staff_call = kiosk["calls"][0], staff["calls"][0]
    assert kiosk_call["session_id"] == staff_call["session_id"]
    for call in (kiosk_call, staff_call):
        assert call["frames"] > 0
        assert call["audio_seconds"] > 0
    assert kiosk_call["texts"] == 1  # the staff's text ...
    assert staff_call["phrases"] == 1  # ... answered with the quick phrase "yes"
    assert kiosk_call["content_shown"]
    assert "document: PageReady" in kiosk_log
    assert "wrap_up_saved" in staff_log
    assert "survey_saved" in kiosk_log
    print(f"\n{VIDEO} for {SECONDS:.0f} s:")
    for role, call in (("kiosk", kiosk_call), ("staff", staff_call)):
        numbers = {k: call[k] for k in ("setup_ms", "first_frame_ms", "cpu_percent", "frames")}
        print(f"  {role}: {numbers}")
