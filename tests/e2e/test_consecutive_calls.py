"""bench/calls.py in short: consecutive calls through a real hub, and every failure classified.

The harness is the bench's own (`bench.calls.run`): the hub in its own process, a kiosk bot and
a staff bot holding call after call. A few calls must all succeed; a bot killed mid-run must be
one classified failure, restarted, with the calls after it succeeding; and the line a real bot
prints when the hub refuses it must be classified as such.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

from bench.call_outcomes import Failure, Tally, classify_exit, current_session, judge
from bench.calls import Bots, Options, run
from bench.calls_report import Run, Sample, growth, report_sections
from call.bot import FAILED_PREFIX
from tests.fixtures.hub import RunningHub
from tests.participant import UNIT

ROOT = Path(__file__).resolve().parents[2]


def short_run(calls: int) -> Options:
    return Options(
        calls=calls,
        minutes=None,
        hang_up_after=1.0,
        timeout=2 * UNIT,
        stall=8 * UNIT,
        sample_every=0.5,
    )


async def test_consecutive_calls_through_a_real_hub_all_succeed(tmp_path: Path) -> None:
    result = await run(short_run(3), tmp_path)
    attempts = result.tally.attempts
    assert [(a.failure, a.detail) for a in attempts] == [(None, "")] * 3
    for attempt in attempts:
        assert attempt.kiosk is not None
        assert attempt.staff is not None
        for report in (attempt.kiosk, attempt.staff):
            assert report["frames"] > 0
            assert report["audio_seconds"] > 0
            assert report["ended"] == "completed"
    assert len({a.session_id for a in attempts}) == 3
    assert result.starts == {"kiosk": 1, "staff": 1}  # one process each held every call
    assert any(s.hub and s.kiosk and s.staff for s in result.samples)  # RSS of all three


async def test_a_bot_killed_mid_run_is_one_classified_failure_and_the_run_goes_on(
    tmp_path: Path,
) -> None:
    killed: list[int] = []

    def kill_the_kiosk_after_the_first_call(bots: Bots) -> None:
        pid = bots.pid("kiosk")
        if len(bots.tally.attempts) == 1 and pid is not None and not killed:
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    result = await run(short_run(3), tmp_path, after_each=kill_the_kiosk_after_the_first_call)
    attempts = result.tally.attempts
    assert killed
    assert attempts[0].succeeded
    failed = [a for a in attempts if a.failure is not None]
    assert len(failed) == 1, [(a.failure, a.detail) for a in attempts]
    assert failed[0].failure is Failure.BOT_CRASH
    assert "signal 9" in failed[0].detail
    assert failed[0].excerpt.startswith("kiosk:")
    assert attempts[-1].succeeded  # the restarted kiosk holds the next call
    assert result.starts["kiosk"] == 2


async def test_a_bot_the_hub_refuses_says_so_and_is_classified_hub_refused(
    hub: RunningHub,
) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "call.bot", "kiosk", "--server", hub.url, "--token", "not-a-device-token"),
        *("--summary", "--loopback-ice", "--timeout", str(2 * UNIT)),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 4 * UNIT)
    lines = [line for line in out.decode().splitlines() if line.startswith(FAILED_PREFIX)]
    assert len(lines) == 1
    failed = json.loads(lines[0].removeprefix(FAILED_PREFIX))
    assert failed["step"] == "connecting"
    assert failed["session_id"] is None
    failure, detail = classify_exit(failed, process.returncode)
    assert failure is Failure.HUB_REFUSED
    assert detail.startswith("kiosk, connecting: the hub refused us")


def report(role: str, session_id: str, **changes: object) -> dict[str, object]:
    good = {"frames": 30, "audio_seconds": 1.0, "ended": "completed", "setup_ms": 50.0}
    return {"role": role, "session_id": session_id, **good, **changes}


def test_both_ends_of_a_session_are_one_attempt_judged_on_what_each_received() -> None:
    tally = Tally()
    assert tally.reported(report("kiosk", "s1")) is None  # the staff end is still to come
    assert tally.in_flight() == ["s1"]
    first = tally.reported(report("staff", "s1"))
    assert first is not None
    assert first.succeeded
    second = tally.reported(report("staff", "s2", frames=0))
    assert second is None
    second = tally.reported(report("kiosk", "s2"))
    assert second is not None
    assert (second.failure, second.detail) == (Failure.NO_FRAMES, "staff saw no remote frames")
    assert judge(report("kiosk", "s"), report("staff", "s", ended="network_lost"))[0] is (
        Failure.NOT_COMPLETED
    )
    assert judge(report("kiosk", "s", audio_seconds=0.0), report("staff", "s"))[0] is (
        Failure.NO_AUDIO
    )
    assert [a.succeeded for a in tally.attempts] == [True, False]


def test_a_failure_at_one_end_and_the_other_ends_report_are_one_attempt() -> None:
    tally = Tally()
    failed = {
        "role": "staff",
        "step": "setting up the call",
        "session_id": "s1",
        "error": "nothing expected came within 20 s",
    }
    failure, detail = classify_exit(failed, 1)
    assert failure is Failure.SETUP_TIMEOUT
    assert tally.failed("s1", failure, detail, "staff:\n...") is not None
    assert tally.reported(report("kiosk", "s1")) is None  # late, and not counted again
    assert tally.failed("s1", Failure.BOT_CRASH, "kiosk crashed", "") is None
    assert len(tally.attempts) == 1
    assert tally.attempts[0].detail.endswith("; then kiosk crashed")
    went = {**failed, "error": "the call went failed: ice failed"}
    assert classify_exit(went, 1)[0] is Failure.CONNECT_FAILED
    assert classify_exit({**failed, "step": "saving the wrap-up"}, 1)[0] is Failure.NOT_SAVED
    assert classify_exit(None, -9) == (
        Failure.BOT_CRASH,
        "exited (signal 9) with no scenario error",
    )


def test_a_crashed_bots_session_is_read_from_its_log() -> None:
    log = "\n".join(
        [
            "... < session_started session_id=a1",
            "... < survey_saved session_id=a1",
            "... < session_started session_id=b2",
            "... = call connected (connected)",
        ]
    )
    assert current_session(log) == "b2"
    assert current_session(log + "\n... < survey_saved session_id=b2") is None
    assert current_session("... = connected as kiosk k-1") is None


def test_the_report_lists_every_failure_and_each_processs_growth_after_the_warm_up() -> None:
    tally = Tally()
    for n in range(3):
        tally.reported(report("kiosk", f"s{n}"))
        tally.reported(report("staff", f"s{n}"))
    tally.failed(
        "s3", Failure.SETUP_TIMEOUT, "staff, setting up the call: ...", "staff:\nlast line"
    )
    run = Run(started=0.0, seconds=3600.0, tally=tally, starts={"kiosk": 1, "staff": 2})
    for minute in range(61):  # the staff bot was restarted at minute 10
        run.samples.append(
            Sample(
                60.0 * minute,
                minute,
                100_000 + 100 * minute,
                200_000,
                150_000,
                1,
                1 + (minute >= 10),
            )
        )
    growth_after = {p: growth(run.samples, p, warm_up=300.0) for p in ("hub", "kiosk", "staff")}
    assert growth_after["hub"] is not None
    assert growth_after["hub"].warm_kib == 100_500  # 5 minutes in
    assert growth_after["hub"].end_kib == 106_000
    assert growth_after["staff"] is not None
    assert growth_after["staff"].warm_at == 900.0  # 5 minutes into its second life
    calls, soak = report_sections(run, "cmd", "0.1 0.1 0.1", 300.0, "Calls.", soak_only=False)
    assert "| calls | 4 |" in calls
    assert "| succeeded | 3 (75.0 %) |" in calls
    assert "| setup timeout | 1 | staff, setting up the call: ... |" in calls
    assert "    last line" in calls  # the log excerpt, as a code block
    assert "the staff bot 1 time" in calls
    assert "| hub | 98.1 | 103.5 | 103.5 | +5.5 % |" in soak
    assert all(len(line) <= 100 for line in soak.splitlines() if not line.startswith("|"))
