from signaling.limits import TokenBucket


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
