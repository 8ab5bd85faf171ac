"""The account's order rate limits, kept before Binance does, on a clock moved by hand."""

from __future__ import annotations

import threading

import pytest

from scalplab.data.adapters.binance.order_limits import OrderRateLimiter


class FakeTime:
    """A clock and a `sleep` that moves it."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def limiter(time: FakeTime, **kwargs: object) -> OrderRateLimiter:
    return OrderRateLimiter(clock=time.clock, sleep=time.sleep, **kwargs)  # type: ignore[arg-type]


def test_the_ten_second_window_makes_the_next_order_wait() -> None:
    time = FakeTime()
    orders = limiter(time, per_10s=5, per_minute=100, safety_margin=0.0)
    for _ in range(5):
        assert orders.acquire() == 0.0
        time.now += 1.0
    assert orders.acquire() == pytest.approx(5.0)  # until the first leaves the window
    assert time.slept == [pytest.approx(5.0)]
    stats = orders.stats()
    assert (stats.orders_10s, stats.orders_1m, stats.waits) == (5, 6, 1)
    assert stats.waited_s == pytest.approx(5.0)


def test_the_minute_window_makes_the_next_order_wait() -> None:
    time = FakeTime()
    orders = limiter(time, per_10s=100, per_minute=4, safety_margin=0.0)
    for _ in range(4):
        orders.acquire()
        time.now += 11.0
    assert orders.stats().orders_10s == 0
    assert orders.acquire() == pytest.approx(60.0 - 44.0)


def test_the_margin_of_safety_leaves_part_of_each_limit_unused() -> None:
    time = FakeTime()
    default = limiter(time)
    assert (default.limit_10s, default.limit_1m) == (270, 1080)
    tight = limiter(time, safety_margin=0.5)
    assert (tight.limit_10s, tight.limit_1m) == (150, 600)
    for _ in range(150):
        tight.acquire()
    assert time.slept == []
    tight.acquire()
    assert time.slept == [pytest.approx(10.0)]
    with pytest.raises(ValueError, match="safety_margin"):
        limiter(time, safety_margin=1.0)


def test_binances_counts_correct_the_windows_upward() -> None:
    time = FakeTime(1_700_000_000.0)  # at the start of one of Binance's 10 s windows
    orders = limiter(time, per_10s=10, per_minute=100, safety_margin=0.0)
    orders.acquire()
    orders.note(8, 30)  # another process placed orders on the account
    stats = orders.stats()
    assert (stats.orders_10s, stats.orders_1m, stats.corrections) == (30, 30, 1)
    assert (stats.binance_10s, stats.binance_1m) == (8, 30)
    orders.note(8, 30)  # the same counts again change nothing
    assert orders.stats().corrections == 1
    orders.acquire()
    assert time.slept == [pytest.approx(10.0)]
    orders.note(None, None)
    assert orders.stats().corrections == 1


def test_a_hold_after_minus_1015_delays_the_next_order() -> None:
    time = FakeTime()
    orders = limiter(time)
    orders.hold(3.0)
    assert orders.acquire() == pytest.approx(3.0)


def test_callers_in_threads_share_the_windows() -> None:
    time = FakeTime()
    orders = limiter(time, per_10s=1000, per_minute=1000, safety_margin=0.0)
    threads = [threading.Thread(target=lambda: [orders.acquire() for _ in range(50)])
               for _ in range(8)]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert orders.stats().orders_10s == 400 and time.slept == []
    assert orders.stats().to_dict()["orders_1m"] == 400
