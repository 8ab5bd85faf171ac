"""Telegram's flood limits, enforced before Telegram does: two kinds of token bucket.

Telegram allows a bot about 30 messages per second overall and 20 per minute in one
group or channel. python-telegram-bot's `AIORateLimiter` needs the optional
`aiolimiter` package, which this project does not install, so `TelegramRateLimiter`
implements the same policy on its own `TokenBucket`s: every request that names a
`chat_id` takes a token from the overall bucket, and a request to a group or channel
(a negative id or an `@username`) also from that chat's bucket. A `RetryAfter` from
Telegram pauses EVERY request for the time Telegram asked; the request is then made
again up to `max_retries` times (a call's `rate_limit_args` overrides that count; as
python-telegram-bot drops a 0 there, `NO_RETRY` (-1) means none: the notifier passes it
and retries by its own policy, so it can count its retries). `getUpdates` and
`answerCallbackQuery` name no chat and are never throttled.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

OVERALL_PER_SECOND = 30.0
GROUP_PER_MINUTE = 20.0
MAX_GROUP_BUCKETS = 512
EPSILON = 1e-9
NO_RETRY = -1
"""`rate_limit_args` meaning "never retry a RetryAfter here"."""
"""Idle group buckets beyond this many are forgotten (a full bucket holds no state)."""

Sleep = Callable[[float], Awaitable[None]]
ApiResult = bool | dict[str, Any] | list[dict[str, Any]]


def retry_after_seconds(error: RetryAfter) -> float:
    """The wait Telegram asked for, in seconds.

    Read from the stored timedelta, as python-telegram-bot's own `AIORateLimiter` does:
    its public `retry_after` property warns about a future type change on every read.
    """
    return float(error._retry_after.total_seconds())


class TokenBucket:
    """`rate` tokens per `period` seconds, holding at most `rate` (the burst).

    `acquire` waits (with the injectable `sleep`) until a token is free; buckets are
    used from one event loop, so no lock is needed beyond asyncio's own ordering.
    """

    def __init__(
        self,
        rate: float,
        period: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if rate <= 0 or period <= 0:
            raise ValueError("a token bucket needs a positive rate and period")
        self.capacity = rate
        self.refill_per_s = rate / period
        self._clock = clock
        self._sleep = sleep
        self._tokens = rate
        self._updated = clock()
        self._lock = asyncio.Lock()

    def _refill(self) -> None:
        now = self._clock()
        elapsed = max(0.0, now - self._updated)
        self._tokens = min(self.capacity, self._tokens + elapsed * self.refill_per_s)
        self._updated = now

    def full(self) -> bool:
        """True when no token is in use (the bucket can be forgotten)."""
        self._refill()
        return self._tokens >= self.capacity

    async def acquire(self) -> float:
        """Take one token, waiting for it if needed; returns how long it waited."""
        waited = 0.0
        async with self._lock:  # first come, first served
            while True:
                self._refill()
                if self._tokens >= 1.0 - EPSILON:  # float refill rounding
                    self._tokens = max(0.0, self._tokens - 1.0)
                    return waited
                delay = (1.0 - self._tokens) / self.refill_per_s
                waited += delay
                await self._sleep(delay)


def group_of(chat_id: object) -> int | str | None:
    """The chat whose group limit applies (negative ids and `@names`), else None."""
    if isinstance(chat_id, str):
        text = chat_id.strip()
        if text.startswith("@"):
            return text
        with contextlib.suppress(ValueError):
            chat_id = int(text)
    if isinstance(chat_id, int) and not isinstance(chat_id, bool) and chat_id < 0:
        return chat_id
    return None


class TelegramRateLimiter(BaseRateLimiter[int]):
    """python-telegram-bot's rate-limiter hook with Telegram's two limits (see module)."""

    def __init__(
        self,
        overall_rate: float = OVERALL_PER_SECOND,
        overall_period: float = 1.0,
        group_rate: float = GROUP_PER_MINUTE,
        group_period: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        max_retries: int = 2,
    ) -> None:
        self.max_retries = max_retries
        self._clock = clock
        self._sleep = sleep
        self._overall = TokenBucket(overall_rate, overall_period, clock, sleep)
        self._group_rate = group_rate
        self._group_period = group_period
        self._groups: dict[int | str, TokenBucket] = {}
        self._paused_until = 0.0
        self.throttled = 0
        """Requests that had to wait for a token."""

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    def _group_bucket(self, group: int | str) -> TokenBucket:
        if len(self._groups) > MAX_GROUP_BUCKETS:
            for key, idle in list(self._groups.items()):
                if key != group and idle.full():
                    del self._groups[key]
        found = self._groups.get(group)
        if found is not None:
            return found
        bucket = TokenBucket(self._group_rate, self._group_period, self._clock, self._sleep)
        self._groups[group] = bucket
        return bucket

    async def _wait_pause(self) -> None:
        while (left := self._paused_until - self._clock()) > 0:
            await self._sleep(left)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, ApiResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> ApiResult:
        """Wait for the pause and the tokens, then make the request; a `RetryAfter` pauses
        every request for the time Telegram asked, and the request is retried up to
        `rate_limit_args` (default `max_retries`) times before the error propagates."""
        retries = self.max_retries if rate_limit_args is None else max(0, rate_limit_args)
        attempt = 0
        while True:
            await self._wait_pause()
            await self._tokens(data.get("chat_id"))
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                until = self._clock() + retry_after_seconds(error)
                self._paused_until = max(self._paused_until, until)
                if attempt >= retries:
                    raise
                attempt += 1

    async def _tokens(self, chat_id: object) -> None:
        if chat_id is None:
            return
        group = group_of(chat_id)
        waited = 0.0
        if group is not None:
            waited += await self._group_bucket(group).acquire()
        waited += await self._overall.acquire()
        if waited > 0:
            self.throttled += 1
