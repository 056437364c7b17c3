"""The link's retry policy (call.link.Backoff), sans I/O: a restart's clients come back spread."""

from __future__ import annotations

import random
from collections import Counter

from call.link import BACKOFF_INITIAL, BACKOFF_MAX, Backoff

CLIENTS = 5500  # the city of docs/performance.md: 5,000 kiosks and 500 staff


def return_times(down_for: float, seed: int) -> list[float]:
    """When each client's first try finds the hub listening again, after GOING_AWAY at 0.

    Every try before ``down_for`` is refused at once (connection refused), as when the hub's
    process is restarting.
    """
    rng = random.Random(seed)
    times = []
    for _ in range(CLIENTS):
        backoff = Backoff(BACKOFF_INITIAL, BACKOFF_MAX, rng)
        at = backoff.after(fresh=True)
        while at < down_for:
            at += backoff.after(fresh=False)
        times.append(at - down_for)
    return times


def test_going_away_starts_from_the_shortest_window_and_failures_double_it() -> None:
    backoff = Backoff(BACKOFF_INITIAL, BACKOFF_MAX, random.Random(1))
    backoff.attempt = 7  # failures before the hub welcomed us
    assert backoff.after(fresh=True) <= BACKOFF_INITIAL
    windows = [BACKOFF_INITIAL * 2**n for n in range(1, 6)] + [BACKOFF_MAX] * 3
    for window in windows:
        assert backoff.after(fresh=False) <= min(window, BACKOFF_MAX)
    assert backoff.attempt == 1 + len(windows)


def test_clients_dropped_by_a_restart_come_back_spread_out_not_in_a_burst() -> None:
    # The hub takes seconds to start again (docs/performance.md, the reconnect storm).
    for down_for, seed in ((2.0, 2), (5.0, 3), (12.0, 4)):
        times = return_times(down_for, seed)
        # Nobody waits longer than one full window once the hub is back...
        assert max(times) <= BACKOFF_MAX
        # ...and no tenth of a second takes more than 1 in 10 of them. In lockstep (no
        # jitter), each generation of retries would land all at once.
        busiest = max(Counter(int(t * 10) for t in times).values())
        assert busiest <= CLIENTS / 10, (down_for, busiest)


def test_after_a_short_restart_most_clients_are_back_within_a_few_seconds() -> None:
    times = sorted(return_times(2.0, seed=5))
    assert times[len(times) // 2] < 2.0  # the median client
    assert times[int(0.9 * len(times))] < 5.0
