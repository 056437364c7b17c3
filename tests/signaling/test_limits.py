import pytest

from signaling.limits import ReconnectLimit, TokenBucket


def test_bucket_allows_a_burst_then_refuses() -> None:
    bucket = TokenBucket(rate=1, burst=3, now=0)
    assert [bucket.take(0) for _ in range(4)] == [True, True, True, False]


def test_bucket_refills_at_its_rate_up_to_the_burst() -> None:
    bucket = TokenBucket(rate=2, burst=3, now=0)
    for _ in range(3):
        bucket.take(0)
    assert bucket.take(0.5) is True
    assert bucket.take(0.5) is False
    assert sum(bucket.take(100) for _ in range(10)) == 3


def test_a_clock_going_backwards_does_not_mint_tokens() -> None:
    bucket = TokenBucket(rate=1, burst=1, now=10)
    assert bucket.take(10) is True
    assert bucket.take(5) is False


def test_reconnects_are_allowed_in_a_burst_then_at_the_steady_rate() -> None:
    limit = ReconnectLimit(per_minute=6, burst=3)
    assert [limit.admit("k-1", 0) for _ in range(3)] == [None, None, None]
    assert limit.admit("k-1", 0) == pytest.approx(10)
    assert limit.admit("k-1", 10) is None
    assert limit.admit("k-1", 10) == pytest.approx(10)


def test_each_principal_has_its_own_reconnect_allowance() -> None:
    limit = ReconnectLimit(per_minute=6, burst=1)
    assert limit.admit("k-1", 0) is None
    assert limit.admit("k-2", 0) is None
    assert limit.admit("k-1", 0) is not None


def test_a_principal_whose_allowance_refilled_is_forgotten() -> None:
    limit = ReconnectLimit(per_minute=60, burst=5)
    limit.admit("k-1", 0)
    limit.admit("k-2", 0)
    assert len(limit) == 2
    limit.admit("k-3", 1.5)  # one second refills one token: k-1 and k-2 are full again
    assert len(limit) == 1


def test_at_most_max_principals_are_tracked() -> None:
    limit = ReconnectLimit(per_minute=1, burst=2, max_principals=3)
    for n in range(10):
        limit.admit(f"k-{n}", 0)
    assert len(limit) == 3
