"""Rate limits with time passed in: messages per connection, connections per principal and per
address; and the token bucket they share with the engine's packet pacer (call.video_tuning)."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass


class TokenBucket:
    """``burst`` tokens at once, refilled at ``rate`` a second: messages, or a stream's bytes.

    Sans-I/O, after aioquic: time comes in as ``now``. `take` refuses what is over the rate (a
    message); `delay` always takes and returns the wait that pays the debt back (a packet to
    hold). The clock starts at ``now``, or at the first call without it.
    """

    def __init__(self, rate: float, burst: float, now: float | None = None) -> None:
        if rate <= 0 or burst <= 0:
            raise ValueError(f"rate and burst must be positive, not {rate} and {burst}")
        self.rate = rate
        self.burst = burst
        self.taken = 0.0  # all that was taken, for stats and tests
        self._tokens = float(burst)
        self._updated = now

    def take(self, now: float, amount: float = 1) -> bool:
        """Spend ``amount``; False, spending nothing, when that is over the rate."""
        self._refill(now)
        if self._tokens < amount:
            return False
        self._tokens -= amount
        self.taken += amount
        return True

    def delay(self, now: float, amount: float) -> float:
        """Take ``amount`` at ``now``, into debt if need be; return the wait that pays it back."""
        self._refill(now)
        self._tokens -= amount
        self.taken += amount
        return max(0.0, -self._tokens / self.rate)

    def tokens(self, now: float) -> float:
        """What could be taken at ``now``, without taking it."""
        if self._updated is None:
            return self._tokens
        return min(self.burst, self._tokens + max(0.0, now - self._updated) * self.rate)

    def _refill(self, now: float) -> None:
        self._tokens = self.tokens(now)
        self._updated = now


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


@dataclass(frozen=True, slots=True)
class AddressRefusal:
    """Why a connection was refused at the door, and after how many seconds a retry can help."""

    reason: str
    retry_after: float


class AddressLimit:
    """Connections from one IP address: at most ``max_open`` at once, new ones at a bounded rate.

    A whole center may sit behind one NAT address, so ``max_open`` is sized for its kiosks and
    consoles together, and the burst lets all of them reconnect at once after a restart. Time is
    passed in; memory stays bounded like ReconnectLimit's.
    """

    def __init__(
        self,
        max_open: int,
        per_minute: float,
        burst: float,
        log_interval: float = 60.0,
        max_addresses: int = 100_000,
    ) -> None:
        self._max_open = max_open
        self._reconnects = ReconnectLimit(per_minute, burst, max_addresses)
        self._open: dict[str, int] = {}
        self._log_interval = log_interval
        self._max_addresses = max_addresses
        self._logged_until: dict[str, float] = {}

    def admit(self, address: str, now: float) -> AddressRefusal | None:
        """Count one new connection; on None the caller must ``release`` it when it ends."""
        if self._open.get(address, 0) >= self._max_open:
            return AddressRefusal(f"more than {self._max_open} connections from one address", 1.0)
        wait = self._reconnects.admit(address, now)
        if wait is not None:
            return AddressRefusal("connecting too often from one address", wait)
        self._open[address] = self._open.get(address, 0) + 1
        return None

    def release(self, address: str) -> None:
        left = self._open.get(address, 0) - 1
        if left > 0:
            self._open[address] = left
        else:
            self._open.pop(address, None)

    def open_from(self, address: str) -> int:
        return self._open.get(address, 0)

    def should_log(self, address: str, now: float) -> bool:
        """True at most once per ``log_interval`` per address, so a flood is one log line."""
        if self._logged_until.get(address, now) > now:
            return False
        if len(self._logged_until) >= self._max_addresses:
            self._logged_until = {a: t for a, t in self._logged_until.items() if t > now}
            if len(self._logged_until) >= self._max_addresses:
                return False  # under a flood from this many addresses, stay quiet
        self._logged_until[address] = now + self._log_interval
        return True
