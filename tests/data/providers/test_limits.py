"""The token-bucket rate limiter and the TTL cache, on a hand-moved clock."""

from __future__ import annotations

import pytest

from scalplab.data.providers.limits import TokenBucket, TtlCache
from scalplab.errors import InputError


class Mono:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_bucket_allows_a_minutes_burst_then_one_request_per_period() -> None:
    mono = Mono()
    bucket = TokenBucket(10, clock=mono)  # Whale Alert's free plan
    assert [bucket.take() for _ in range(10)] == [0.0] * 10
    assert bucket.take() == pytest.approx(6.0)  # the next token in 60 / 10 s
    mono.now += 3.0
    assert bucket.take() == pytest.approx(3.0)  # nothing taken while waiting
    mono.now += 3.0
    assert bucket.take() == 0.0
    assert bucket.take() == pytest.approx(6.0)
    mono.now += 600.0
    assert bucket.tokens == 10.0  # refills to its capacity, not beyond


def test_a_burst_smaller_than_a_minute() -> None:
    mono = Mono()
    bucket = TokenBucket(60, burst=2, clock=mono)
    assert (bucket.take(), bucket.take()) == (0.0, 0.0)
    assert bucket.take() == pytest.approx(1.0)


def test_a_retry_after_blocks_the_bucket_then_it_refills_from_empty() -> None:
    mono = Mono()
    bucket = TokenBucket(60, clock=mono)
    bucket.block_for(7.0)
    assert bucket.take() == pytest.approx(7.0) and bucket.tokens == 0.0
    mono.now += 7.0
    assert bucket.take() == pytest.approx(1.0)  # empty at the end of the block
    mono.now += 1.0
    assert bucket.take() == 0.0


def test_bad_limits_are_refused() -> None:
    with pytest.raises(InputError):
        TokenBucket(0)
    with pytest.raises(InputError):
        TokenBucket(10, burst=0.5)
    with pytest.raises(InputError):
        TtlCache(-1)


def test_the_cache_forgets_a_value_at_its_ttl() -> None:
    mono = Mono()
    cache: TtlCache[str] = TtlCache(30.0, clock=mono)
    assert cache.get("k") is None
    cache.put("k", "v")
    mono.now += 29.999
    assert cache.get("k") == "v"
    mono.now += 0.001
    assert cache.get("k") is None  # 30 s old: expired
    cache.put("k", "w")
    cache.clear()
    assert cache.get("k") is None
