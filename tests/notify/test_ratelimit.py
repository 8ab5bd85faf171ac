"""Telegram's limits as token buckets, on a clock the test moves (no real waiting)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from telegram.error import RetryAfter

from scalplab.notify.ratelimit import NO_RETRY, TelegramRateLimiter, TokenBucket, group_of

# python-telegram-bot warns on building a RetryAfter (a future type change of retry_after)
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


class Clock:
    """A monotonic clock that the fake sleep advances."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_a_bucket_allows_a_burst_then_one_token_per_interval() -> None:
    clock = Clock()
    bucket = TokenBucket(20, 60, clock, clock.sleep)

    async def take(n: int) -> list[float]:
        times = []
        for _ in range(n):
            await bucket.acquire()
            times.append(clock.now)
        return times

    times = asyncio.run(take(23))
    assert times[:20] == [0.0] * 20  # 20 per minute: the burst
    assert times[20:] == pytest.approx([3.0, 6.0, 9.0])  # then one every 3 s


def test_group_chats_get_20_per_minute_private_chats_only_the_overall_30_per_second() -> None:
    clock = Clock()
    limiter = TelegramRateLimiter(clock=clock, sleep=clock.sleep)
    calls: list[tuple[float, Any]] = []

    async def callback(chat_id: Any) -> bool:
        calls.append((clock.now, chat_id))
        return True

    async def send(chat_id: Any, n: int) -> None:
        for _ in range(n):
            await limiter.process_request(
                callback, (chat_id,), {}, "sendMessage", {"chat_id": chat_id}, None
            )

    asyncio.run(send(-100123, 21))
    group_times = [t for t, _ in calls]
    assert group_times[19] == 0.0 and group_times[20] == pytest.approx(3.0)

    calls.clear()
    limiter = TelegramRateLimiter(clock=clock, sleep=clock.sleep)
    start = clock.now
    asyncio.run(send(42, 40))  # a private chat: only the overall limit
    private = [t - start for t, _ in calls]
    assert private[:30] == [0.0] * 30  # the overall burst: 30 at once
    assert private[30:] == pytest.approx([n / 30 for n in range(1, 11)])  # then 30 per second
    assert limiter.throttled > 0


def test_requests_without_a_chat_are_never_throttled() -> None:
    clock = Clock()
    limiter = TelegramRateLimiter(overall_rate=1, clock=clock, sleep=clock.sleep)

    async def callback() -> bool:
        return True

    async def run() -> None:
        for _ in range(10):
            await limiter.process_request(callback, (), {}, "getUpdates", {"timeout": 10}, None)

    asyncio.run(run())
    assert clock.slept == []


def test_a_retry_after_pauses_every_request_for_the_time_telegram_asked() -> None:
    clock = Clock()
    limiter = TelegramRateLimiter(clock=clock, sleep=clock.sleep)
    answers = iter([RetryAfter(7), True])

    async def callback() -> bool:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def run() -> None:
        with pytest.raises(RetryAfter):  # the notifier's calls: no retry in the limiter
            await limiter.process_request(callback, (), {}, "sendMessage", {"chat_id": 1}, NO_RETRY)
        await limiter.process_request(callback, (), {}, "sendMessage", {"chat_id": 2}, None)

    asyncio.run(run())
    assert clock.now == pytest.approx(7.0)


def test_other_calls_retry_a_retry_after_a_bounded_number_of_times() -> None:
    clock = Clock()
    limiter = TelegramRateLimiter(clock=clock, sleep=clock.sleep, max_retries=2)
    calls: list[float] = []

    async def flooded() -> bool:
        calls.append(clock.now)
        if len(calls) <= 2:
            raise RetryAfter(3)
        return True

    async def run() -> bool:
        return await limiter.process_request(flooded, (), {}, "sendMessage", {"chat_id": 5}, None)

    assert asyncio.run(run()) is True
    assert calls == pytest.approx([0.0, 3.0, 6.0])
    calls.clear()

    async def always() -> bool:
        calls.append(clock.now)
        raise RetryAfter(1)

    async def give_up() -> None:
        await limiter.process_request(always, (), {}, "sendMessage", {"chat_id": 5}, None)

    with pytest.raises(RetryAfter):
        asyncio.run(give_up())
    assert len(calls) == 3


def test_which_chats_count_as_groups() -> None:
    assert group_of(-1001234) == -1001234
    assert group_of("-5") == -5
    assert group_of("@channel") == "@channel"
    assert group_of(42) is None
    assert group_of("42") is None
