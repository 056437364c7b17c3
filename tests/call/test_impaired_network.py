"""A real call survives a bad network: 5 % loss, a 1 Mbit/s cap, a 10 s blackout.

Each case is one call of `CALL_SECONDS` between two `madoguchi-bot` processes (synthetic
camera, 640x480 at 15 fps, or 720p at 30 for the cap, which the camera must be able to pass;
speech-like voice) through a real hub, with the kiosk in a network namespace of its own
(tests/impairment.py: the lab, and how each impairment is made without netem). The first
seconds of every call are unimpaired: the baseline each case is compared with, in the same
run. What is checked is what the people in the call get, from each bot's call report
(call/media_watch.py): the same session from start to the staff's hang-up, video that keeps
coming or comes back, and audio that stays whole. Wall-clock figures (freeze and recovery
times) are printed with `-s`, not asserted. On a machine so busy that even the clean start
gets under half the camera's frames, the media figures say nothing about the network: the
session checks still run, and the rest is skipped with the figure that says why.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from call.session import CallSettings
from signaling.protocol import EndReason
from tests.impairment import (
    LIGHT_VIDEO,
    VIDEO,
    BotRun,
    ImpairedLab,
    LabHub,
    call_across,
    camera_fps,
    fps,
    frames_after,
    frozen,
    kbps,
    lab_hub,
    recovery,
)
from tests.netns import missing_tools

CALL_SECONDS = 60.0
CLEAN_SECONDS = 20.0  # unimpaired, from connected: the baseline
# The cap comes later: aiortc's camera bitrate starts at 500 kbit/s and takes 20 to 30 s to
# pass 1 Mbit/s on a clean wire.
CAP_FROM_SECONDS = 30.0
SETTLE_SECONDS = 6.0  # for the sender to react before its rate is judged (three stats samples)
LOSS_PERCENT = 5
CAP_KBIT = 1000
BLACKOUT_SECONDS = 10.0
# The bound for media that keeps going (as in tests/e2e/test_hub_crash.py): no gap in
# the voice over 1 s.
AUDIO_GAP_BOUND_MS = 1000
# Longer than this without a picture, the engine would have declared the path dead: a frozen
# call, not a lossy one.
LOSS_TIMEOUT = CallSettings().loss_timeout

pytestmark = [
    pytest.mark.skipif(missing_tools() is not None, reason=missing_tools() or ""),
    pytest.mark.timeout(CALL_SECONDS + 180),
]


@pytest.fixture(scope="module")
def lab() -> Iterator[ImpairedLab]:
    """One lab for the three calls: the namespaces and their wire, cleared before each."""
    built = ImpairedLab.build()
    try:
        yield built
    finally:
        built.close()


@pytest.fixture
async def hub(lab: ImpairedLab, tmp_path: Path) -> AsyncIterator[LabHub]:
    lab.clear()
    try:
        async with lab_hub(lab, tmp_path / "var") as running:
            yield running
    finally:
        lab.clear()


async def impaired_call(
    lab: ImpairedLab,
    hub: LabHub,
    logs: Path,
    impair: Callable[[], None],
    start: float = CLEAN_SECONDS,
    until: float = CALL_SECONDS - 1,
    video: str = LIGHT_VIDEO,
) -> tuple[BotRun, BotRun, float, float]:
    """A call impaired by `impair` from `start` to `until` seconds after it connected (by the
    staff's clock, which also times the hang-up); the two bots, and when the impairment began
    and ended (monotonic)."""
    async with call_across(lab, hub, CALL_SECONDS, logs, video) as (kiosk, staff):
        await asyncio.sleep(staff.connected_at + start - time.monotonic())
        impair()
        began = time.monotonic()
        await asyncio.sleep(staff.connected_at + until - time.monotonic())
        lab.clear()
        ended = time.monotonic()
    return kiosk, staff, began, ended


def assert_one_call_to_the_end(kiosk: BotRun, staff: BotRun) -> None:
    """Both ends were in the same session until the staff member hung up, and never left it."""
    assert kiosk.report["session_id"] == staff.report["session_id"]
    for bot in (kiosk, staff):
        assert bot.report["ended"] == EndReason.COMPLETED  # the hang-up, not a lost network
        assert bot.report["seconds"] >= CALL_SECONDS - 1


def skip_if_starved(kiosk: BotRun, staff: BotRun, began: float, video: str) -> None:
    """Skip when the clean start did not get half the camera's frames: the machine was too busy
    for the figures to say anything about the network (a starved bot also sends less audio)."""
    for _, _, receiver in directions(kiosk, staff):
        got = fps(receiver.report, *clean(receiver, began))
        if got < camera_fps(video) / 2:
            pytest.skip(f"too busy to judge: the clean start got {got} fps of {video}")


def directions(kiosk: BotRun, staff: BotRun) -> list[tuple[str, BotRun, BotRun]]:
    """(name, sender, receiver) for the two camera streams."""
    return [("to staff", kiosk, staff), ("to kiosk", staff, kiosk)]


def window(bot: BotRun, began: float, ended: float) -> tuple[float, float]:
    return bot.seconds(began), bot.seconds(ended)


def clean(bot: BotRun, began: float) -> tuple[float, float]:
    return 2.0, bot.seconds(began)  # past the first frames' ramp


def audio_share(report: dict[str, Any]) -> float:
    """The part of the call's length that arrived as audio at the speaker."""
    return float(report["audio_seconds"]) / float(report["seconds"])


async def test_a_call_with_five_percent_loss_each_way_keeps_its_picture_and_voice(
    lab: ImpairedLab, hub: LabHub, tmp_path: Path
) -> None:
    kiosk, staff, began, ended = await impaired_call(
        lab, hub, tmp_path, lambda: lab.loss(LOSS_PERCENT)
    )
    assert_one_call_to_the_end(kiosk, staff)
    skip_if_starved(kiosk, staff, began, LIGHT_VIDEO)
    print(f"\n{LOSS_PERCENT} % loss each way, from {CLEAN_SECONDS:.0f} s:")
    for name, sender, receiver in directions(kiosk, staff):
        got = receiver.report
        lossy = window(receiver, began, ended)
        clean_fps, lossy_fps = fps(got, *clean(receiver, began)), fps(got, *lossy)
        longest = max((length for start, length in got["freezes"] if start >= lossy[0]), default=0)
        print(
            f"  {name}: {clean_fps} -> {lossy_fps} fps, frozen {frozen(got, *lossy)} s of "
            f"{lossy[1] - lossy[0]:.0f} (longest {longest} s), sent "
            f"{kbps(sender.report, *clean(sender, began), sent=True)} -> "
            f"{kbps(sender.report, *window(sender, began, ended), sent=True)} kbps; audio "
            f"{100 * audio_share(got):.1f} % of the call, longest gap {got['max_audio_gap_ms']} ms"
        )
        # The picture keeps coming, at a lower rate: no freeze as long as a dead path.
        assert 0 < lossy_fps
        assert longest < LOSS_TIMEOUT
        # The voice stays whole: only what the network lost is missing (aiortc's own jitter
        # buffer lost five times that), and no gap a person would notice as a dropout.
        assert audio_share(got) >= 1 - 2 * LOSS_PERCENT / 100
        assert got["max_audio_gap_ms"] < AUDIO_GAP_BOUND_MS


async def test_a_call_capped_at_one_megabit_each_way_sends_under_the_cap(
    lab: ImpairedLab, hub: LabHub, tmp_path: Path
) -> None:
    kiosk, staff, began, ended = await impaired_call(
        lab, hub, tmp_path, lambda: lab.cap(CAP_KBIT), start=CAP_FROM_SECONDS, video=VIDEO
    )
    assert_one_call_to_the_end(kiosk, staff)
    skip_if_starved(kiosk, staff, began, VIDEO)
    print(f"\n{CAP_KBIT} kbit/s cap each way, from {CAP_FROM_SECONDS:.0f} s:")
    clean_peaks, rates = [], []
    for name, sender, receiver in directions(kiosk, staff):
        sent = sender.report
        start, end = window(sender, began, ended)
        peak = max(
            (s for at, s, _ in sent["video_kbps"] if s is not None and at < start), default=0
        )
        clean_peaks.append(peak)
        capped = kbps(sent, start + SETTLE_SECONDS, end, sent=True)
        got = receiver.report
        capped_fps = fps(got, *window(receiver, began, ended))
        print(
            f"  {name}: sent {kbps(sent, *clean(sender, began), sent=True)} kbps clean "
            f"(peak {peak}) -> {capped} kbps capped; {fps(got, *clean(receiver, began))} -> "
            f"{capped_fps} fps, frozen {frozen(got, *window(receiver, began, ended))} s; "
            f"longest audio gap {got['max_audio_gap_ms']} ms"
        )
        assert capped_fps > 0
        assert got["max_audio_gap_ms"] < AUDIO_GAP_BOUND_MS
        rates.append(capped)
    if max(clean_peaks) <= CAP_KBIT:
        # aiortc's bandwidth estimate is delay based, and a starved CPU looks like a queue to
        # it: on a busy machine the camera never passes 1 Mbit/s, and there is nothing to adapt.
        pytest.skip(f"the cap never bit: the camera peaked at {max(clean_peaks)} kbit/s clean")
    # The senders adapted: they send under the cap rather than into a queue that drops.
    assert None not in rates
    assert max(rate or 0 for rate in rates) < CAP_KBIT


async def test_a_call_through_a_ten_second_blackout_comes_back_by_itself(
    lab: ImpairedLab, hub: LabHub, tmp_path: Path
) -> None:
    # The kiosk's whole network goes dark, its hub link too, not only the media.
    kiosk, staff, began, ended = await impaired_call(
        lab, hub, tmp_path, lab.blackout, until=CLEAN_SECONDS + BLACKOUT_SECONDS
    )
    assert_one_call_to_the_end(kiosk, staff)
    skip_if_starved(kiosk, staff, began, LIGHT_VIDEO)
    print(f"\n{BLACKOUT_SECONDS:.0f} s blackout from {CLEAN_SECONDS:.0f} s:")
    for name, _, receiver in directions(kiosk, staff):
        got = receiver.report
        dark_from, dark_until = window(receiver, began, ended)
        frozen_for, back_after = recovery(got, dark_from, dark_until)
        after = dark_until + back_after
        print(
            f"  {name}: frozen {frozen_for} s, first frame {back_after} s after the light came "
            f"back; then {fps(got, after + 1, got['seconds'])} fps (clean "
            f"{fps(got, *clean(receiver, began))}); audio {got['audio_seconds']} s of "
            f"{got['seconds']:.0f}"
        )
        # Frames came again, by themselves, well before the hang-up ...
        assert frames_after(got, dark_until) > 0
        assert fps(got, CALL_SECONDS - 10, CALL_SECONDS - 1) > 0
        # ... and so did the voice: more arrived than there was before the blackout.
        assert got["audio_seconds"] > dark_from + (CALL_SECONDS - dark_until) / 2
