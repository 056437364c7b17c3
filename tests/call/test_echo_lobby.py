"""The lobby's hardest everyday conditions, short, through the real AEC3 (bench/echo_rooms.py
has them all; `python -m bench.echo_cancellation` prints the full table). Each runs through
the engine's path and the path before #16 in the same test, so the test shows what the change
buys and fails if the engine's path loses it. Times are seconds of audio."""

from __future__ import annotations

import pytest

from bench.echo_cancellation import DRIFT_TALK_TARGET_DB, ERLE_TARGET_DB, EVENT_FLOOR_DB
from bench.echo_rooms import Condition, Path, Result, measure


def both(condition: Condition) -> tuple[Result, Result]:
    return measure(condition, Path.BEFORE), measure(condition, Path.NOW)


@pytest.mark.parametrize(
    "condition",
    [
        Condition("a 200 ms loop stall", stall_at_s=4.0, seconds=10.0, talk_from_s=7.0),
        Condition("a lost frame", lost_frame_at_s=4.0, seconds=10.0, talk_from_s=7.0),
    ],
    ids=lambda c: c.name,
)
def test_a_stall_or_a_lost_frame_never_lets_the_echo_through(condition: Condition) -> None:
    before, now = both(condition)
    # Measured: before 3-5 dB for the worst 300 ms after the event; now 53 dB.
    assert before.worst_erle_db < EVENT_FLOOR_DB
    assert now.worst_erle_db >= EVENT_FLOOR_DB, now
    assert now.erle_db[3.0] >= ERLE_TARGET_DB, now


def test_the_citizen_stays_over_the_echo_with_a_microphone_100_ppm_off_the_speaker() -> None:
    condition = Condition("drift 100 ppm", drift_ppm=100, seconds=24.0, talk_from_s=14.0)
    before, now = both(condition)
    # Measured over 30 s: before 8 dB, now 21 dB.
    assert now.citizen_over_residual_db >= DRIFT_TALK_TARGET_DB, now
    assert now.citizen_over_residual_db > before.citizen_over_residual_db + 3
