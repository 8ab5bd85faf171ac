"""The notifier: engine events and other sources in, Telegram messages out, never blocking.

Sources call `submit(record)` from any thread (it only touches the bounded `Outbox`)
or, for the engine, `consume(subscription)` runs on the notifier's loop and translates
each event (`EventTranslator`). One sender task (`run`) drains the outbox in order
through the bot (whose rate limiter keeps Telegram's limits) and retries a failed
send: a `RetryAfter` waits what Telegram asked, a network error or a 5xx backs off
exponentially, both at most `RetryPolicy.attempts` times; anything else (a bad
request, a blocked bot, a refused token) fails the record at once. A slow or dead
Bot API therefore only fills the outbox, whose overflow drops old low-priority
records, counted in `health()`.

Confirmation prompts are remembered by pending id (those the notifier pushed and
those `/pending` listed): when the confirmation is resolved, by a button, the REST
API or its TTL, each prompt is edited to show the outcome without buttons.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import ExtBot

from scalplab.notify.formatting import clip
from scalplab.notify.messages import Notification, PendingAlert, PendingOutcome
from scalplab.notify.outbox import Admission, Outbox
from scalplab.notify.ratelimit import NO_RETRY, retry_after_seconds
from scalplab.notify.redact import scrub
from scalplab.notify.rendered import Rendered
from scalplab.notify.translate import EventTranslator
from scalplab.simulation.events import EventSubscription

log = logging.getLogger(__name__)

BotState = Literal["starting", "ready", "unauthorized", "stopped"]
ChatId = int | str
MAX_PROMPTS = 500
"""Confirmation prompts remembered for their edits (oldest forgotten first)."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How a failed send is retried: `attempts` tries in all, backoff doubling from
    `backoff_s` up to `max_backoff_s`; a RetryAfter longer than `max_retry_after_s`
    fails the record instead of holding every other one that long."""

    attempts: int = 5
    backoff_s: float = 1.0
    max_backoff_s: float = 30.0
    max_retry_after_s: float = 300.0

    def backoff(self, attempt: int) -> float:
        """The wait before try `attempt + 1` after a network error (attempt ≥ 1)."""
        return float(min(self.max_backoff_s, self.backoff_s * 2 ** (attempt - 1)))


@dataclass(frozen=True, slots=True)
class NotifierHealth:
    """The notifier's figures for `/status/health`."""

    enabled: bool
    state: BotState
    sent: int
    failed: int
    dropped: int
    deduplicated: int
    cooled_down: int
    retries: int
    queue_depth: int
    last_error: str | None = None
    last_sent_at: str | None = None


@dataclass(frozen=True, slots=True)
class SendOutcome:
    """What became of one message: sent, failed (with the reason in words) or disabled."""

    status: Literal["sent", "failed", "disabled"]
    detail: str
    message_id: int | None = None


def disabled_health() -> NotifierHealth:
    """The snapshot to report when Telegram is disabled (TELEGRAM_ENABLED=false)."""
    return NotifierHealth(
        enabled=False,
        state="stopped",
        sent=0,
        failed=0,
        dropped=0,
        deduplicated=0,
        cooled_down=0,
        retries=0,
        queue_depth=0,
    )


def keyboard(rendered: Rendered) -> InlineKeyboardMarkup | None:
    """The inline keyboard of `rendered` (None without buttons)."""
    if not rendered.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(button.text, callback_data=button.data) for button in row]
            for row in rendered.buttons
        ]
    )


def describe_error(error: BaseException) -> str:
    """A Telegram error in words, without the token."""
    if isinstance(error, InvalidToken):
        return "Telegram rejected the bot token (401 Unauthorized): check TELEGRAM_BOT_TOKEN"
    if isinstance(error, RetryAfter):
        return f"Telegram's flood control asked to wait {retry_after_seconds(error):g} s"
    if isinstance(error, BadRequest):
        return f"Telegram refused the message: {scrub(error.message)}"
    if isinstance(error, TelegramError):
        return f"{type(error).__name__}: {scrub(error.message)}"
    return f"{type(error).__name__}: {scrub(str(error))}"


class Notifier:
    """See the module docstring. Build it anywhere; `run` and `consume` on its loop."""

    def __init__(
        self,
        outbox: Outbox,
        chat_id: ChatId,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        translator: EventTranslator | None = None,
    ) -> None:
        self.outbox = outbox
        self.chat_id = chat_id
        self.retry = retry or RetryPolicy()
        self.translator = translator or EventTranslator()
        self.state: BotState = "starting"
        self._sleep: Callable[[float], Awaitable[None]] = sleep or asyncio.sleep
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._prompts: dict[str, list[tuple[ChatId, int]]] = {}
        self.sent = 0
        self.failed = 0
        self.retries = 0
        self.last_error: str | None = None
        self.last_sent_at: str | None = None

    # ----- sources -------------------------------------------------------------------------

    def submit(self, notification: Notification) -> Admission:
        """Queue a record for sending (any thread; never blocks)."""
        return self.outbox.put(notification)

    async def consume(self, subscription: EventSubscription) -> None:
        """Translate the engine's events into records until cancelled."""
        try:
            async for event in subscription:
                for notification in self.translator.translate(event):
                    self.submit(notification)
        finally:
            subscription.close()

    def remember_prompt(self, pending_id: str, chat_id: ChatId, message_id: int) -> None:
        """A message showing `pending_id`'s buttons: edited when it is resolved."""
        self._prompts.setdefault(pending_id, []).append((chat_id, message_id))
        while len(self._prompts) > MAX_PROMPTS:
            del self._prompts[next(iter(self._prompts))]

    # ----- the sender ----------------------------------------------------------------------

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Wake the sender on `loop` whenever a record is admitted."""
        self._loop = loop
        self._wake = asyncio.Event()

        def wake() -> None:
            with contextlib.suppress(RuntimeError):  # a closed loop sends nothing any more
                loop.call_soon_threadsafe(self._set_wake)

        self.outbox.on_put = wake

    def _set_wake(self) -> None:
        if self._wake is not None:
            self._wake.set()

    async def run(self, bot: ExtBot[int], ready: asyncio.Event) -> None:
        """Send queued records in order until cancelled (starts once `ready` is set)."""
        if self._wake is None:
            self.bind(asyncio.get_running_loop())
        assert self._wake is not None
        await ready.wait()
        while True:
            item = self.outbox.take()
            if item is None:
                self._wake.clear()
                if self.outbox.counters().depth == 0:
                    await self._wake.wait()
                continue
            try:
                await self._dispatch(bot, item.notification)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # one bad record never stops the sender
                self._failed(exc)

    async def _dispatch(self, bot: ExtBot[int], notification: Notification) -> None:
        rendered = notification.render()
        if isinstance(notification, PendingOutcome):
            await self._edit_prompts(bot, notification.pending_id, rendered)
            return
        outcome = await self.deliver(bot, self.chat_id, rendered, self.retry.attempts)
        sent = outcome.status == "sent" and outcome.message_id is not None
        if sent and isinstance(notification, PendingAlert):
            assert outcome.message_id is not None
            self.remember_prompt(notification.pending_id, self.chat_id, outcome.message_id)

    async def deliver(
        self, bot: ExtBot[int], chat_id: ChatId, rendered: Rendered, attempts: int
    ) -> SendOutcome:
        """Send `rendered` to `chat_id`, retrying as the policy says; counts the result."""
        text = clip(rendered.text)
        markup = keyboard(rendered)
        return await self._with_retries(
            lambda: bot.send_message(
                chat_id=chat_id, text=text, reply_markup=markup, rate_limit_args=NO_RETRY
            ),
            attempts,
        )

    async def _edit_prompts(self, bot: ExtBot[int], pending_id: str, rendered: Rendered) -> None:
        text = clip(rendered.text)
        for chat_id, message_id in self._prompts.pop(pending_id, []):
            await self._with_retries(
                functools.partial(
                    bot.edit_message_text,
                    text=text,
                    chat_id=chat_id,
                    message_id=message_id,
                    reply_markup=None,
                    rate_limit_args=NO_RETRY,
                ),
                self.retry.attempts,
            )

    async def _with_retries(
        self, call: Callable[[], Awaitable[object]], attempts: int
    ) -> SendOutcome:
        attempt = 0
        while True:
            attempt += 1
            try:
                result = await call()
            except RetryAfter as exc:
                wait = retry_after_seconds(exc)
                if attempt >= attempts or wait > self.retry.max_retry_after_s:
                    return self._failed(exc)
                self.retries += 1
                log.info("Telegram flood control: retrying in %g s", wait)
                await self._pause(wait)
            except BadRequest as exc:
                if "message is not modified" in exc.message.lower():
                    return self._sent(None)
                return self._failed(exc)
            except NetworkError as exc:  # timeouts, connection errors, 5xx
                if attempt >= attempts:
                    return self._failed(exc)
                self.retries += 1
                delay = self.retry.backoff(attempt)
                log.info("Telegram send failed (%s): retrying in %g s", describe_error(exc), delay)
                await self._pause(delay)
            except InvalidToken as exc:
                self.state = "unauthorized"
                return self._failed(exc)
            except TelegramError as exc:
                return self._failed(exc)
            else:
                message_id = getattr(result, "message_id", None)
                return self._sent(message_id if isinstance(message_id, int) else None)

    async def _pause(self, seconds: float) -> None:
        await self._sleep(seconds)

    def _sent(self, message_id: int | None) -> SendOutcome:
        self.sent += 1
        self.last_sent_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return SendOutcome("sent", "delivered to Telegram", message_id)

    def _failed(self, error: BaseException) -> SendOutcome:
        self.failed += 1
        reason = describe_error(error)
        self.last_error = reason
        log.warning("Telegram message not delivered: %s", reason)
        return SendOutcome("failed", reason)

    # ----- health --------------------------------------------------------------------------

    def health(self, enabled: bool = True) -> NotifierHealth:
        """Sent, failed, dropped, deduplicated, cooled down, retries, queue depth."""
        counters = self.outbox.counters()
        return NotifierHealth(
            enabled=enabled,
            state=self.state,
            sent=self.sent,
            failed=self.failed,
            dropped=counters.dropped,
            deduplicated=counters.duplicates,
            cooled_down=counters.cooled_down,
            retries=self.retries,
            queue_depth=counters.depth,
            last_error=self.last_error,
            last_sent_at=self.last_sent_at,
        )
