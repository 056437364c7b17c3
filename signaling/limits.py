"""Rate limits with time passed in: messages per connection, connections per principal."""

from __future__ import annotations

from collections import OrderedDict


class TokenBucket:
    """Allows ``burst`` messages at once, refilled at ``rate`` per second."""

    def __init__(self, rate: float, burst: float, now: float) -> None:
        self._rate = rate
        self._burst = burst
        self._tokens = burst
        self._updated = now

    def take(self, now: float) -> bool:
        """Spend one token; False when the sender is over its rate."""
        elapsed = max(0.0, now - self._updated)
        self._tokens = min(self._burst, self._tokens + elapsed * self._rate)
        self._updated = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True

    def tokens(self, now: float) -> float:
        """How many messages could be sent at ``now``, without spending any."""
        return min(self._burst, self._tokens + max(0.0, now - self._updated) * self._rate)


class ReconnectLimit:
    """How often one principal may be let in: a token bucket per principal, with time passed in.

    Memory stays bounded: a principal whose bucket has refilled is forgotten (it would start
    full anyway), and at most ``max_principals`` are tracked (the stalest go first).
    """

    def __init__(self, per_minute: float, burst: float, max_principals: int = 100_000) -> None:
        self._rate = per_minute / 60
        self._burst = burst
        self._max = max_principals
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()
        self._refilled_at: dict[str, float] = {}

    def admit(self, principal_id: str, now: float) -> float | None:
        """Count one connection; None if it may go ahead, else the seconds to wait."""
        self._forget_refilled(now)
        bucket = self._buckets.pop(principal_id, None) or TokenBucket(self._rate, self._burst, now)
        self._buckets[principal_id] = bucket
        admitted = bucket.take(now)
        self._refilled_at[principal_id] = now + (self._burst - bucket.tokens(now)) / self._rate
        while len(self._buckets) > self._max:
            oldest, _ = self._buckets.popitem(last=False)
            del self._refilled_at[oldest]
        return None if admitted else (1 - bucket.tokens(now)) / self._rate

    def __len__(self) -> int:
        return len(self._buckets)

    def _forget_refilled(self, now: float) -> None:
        # Ordered by last use, so a full bucket can only hide behind a fresher one briefly.
        while self._buckets:
            principal_id = next(iter(self._buckets))
            if self._refilled_at[principal_id] > now:
                return
            del self._buckets[principal_id]
            del self._refilled_at[principal_id]
