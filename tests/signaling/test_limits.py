import pytest

from signaling.limits import AddressLimit, ReconnectLimit, TokenBucket


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


def test_an_address_may_hold_only_so_many_connections_at_once() -> None:
    limit = AddressLimit(max_open=2, per_minute=60, burst=10)
    assert limit.admit("192.0.2.1", 0) is None
    assert limit.admit("192.0.2.1", 0) is None
    refusal = limit.admit("192.0.2.1", 0)
    assert refusal is not None
    assert "connections from one address" in refusal.reason
    assert limit.admit("198.51.100.7", 0) is None  # another address is not held up
    limit.release("192.0.2.1")
    assert limit.admit("192.0.2.1", 0) is None
    assert limit.open_from("192.0.2.1") == 2


def test_new_connections_from_an_address_come_in_a_burst_then_at_a_steady_rate() -> None:
    limit = AddressLimit(max_open=100, per_minute=6, burst=3)
    for _ in range(3):
        assert limit.admit("192.0.2.1", 0) is None
        limit.release("192.0.2.1")
    refusal = limit.admit("192.0.2.1", 0)
    assert refusal is not None
    assert refusal.retry_after == pytest.approx(10)
    assert limit.admit("192.0.2.1", 10) is None


def test_a_refused_address_is_logged_once_per_interval() -> None:
    limit = AddressLimit(max_open=1, per_minute=60, burst=10, log_interval=60)
    assert [limit.should_log("192.0.2.1", t) for t in (0, 1, 59)] == [True, False, False]
    assert limit.should_log("198.51.100.7", 1) is True
    assert limit.should_log("192.0.2.1", 60) is True


def test_the_log_throttle_forgets_quiet_addresses() -> None:
    limit = AddressLimit(max_open=1, per_minute=60, burst=10, log_interval=60, max_addresses=2)
    assert limit.should_log("a", 0)
    assert limit.should_log("b", 0)
    assert limit.should_log("c", 1) is False  # a flood of addresses stays quiet
    assert limit.should_log("c", 61) is True  # a and b expired and were dropped


def test_a_bucket_refuses_a_message_over_the_rate_but_lets_a_packet_run_into_debt() -> None:
    bucket = TokenBucket(rate=1000, burst=1500, now=0)
    assert bucket.take(0, 1000)
    assert not bucket.take(0, 1000)  # 500 left: refused, and nothing spent
    assert bucket.tokens(0) == 500
    assert bucket.delay(0, 1000) == 0.5  # a packet is held until the debt is paid
    assert bucket.tokens(0.5) == 0
    assert bucket.taken == 2000


def test_a_bucket_without_a_start_time_starts_its_clock_at_the_first_use() -> None:
    bucket = TokenBucket(rate=10, burst=10)
    assert bucket.delay(100.0, 10) == 0.0  # full at the first use, however late it comes
    assert bucket.delay(100.0, 5) == 0.5
