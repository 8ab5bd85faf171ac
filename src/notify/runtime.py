"""`TelegramRuntime`: the notifier and the bot on one thread and event loop of their own.

`start()` returns at once; the thread then connects to the Bot API at
`TELEGRAM_API_URL` (retrying with backoff while it is unreachable; a refused token
stops it, state `unauthorized`), publishes the command menu, starts long polling with
`drop_pending_updates=True` (updates sent while the bot was down are dropped, never
replayed) and runs, side by side: the sender, the engine-event consumer, the health
watcher and, with `TELEGRAM_DAILY_REPORT`, the 00:00 UTC report. Records queued
before the bot is connected wait in the outbox. Everything the rest of the process
calls (`submit`, `backtest_finished`, `health`, `send_test`, `close`) is thread-safe
and never blocks on Telegram, except `send_test`, which waits for its one answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from telegram import BotCommand
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application, ApplicationBuilder
from telegram.request import HTTPXRequest

from scalplab.backtests.storage import BacktestSummary
from scalplab.config import Settings
from scalplab.errors import ScalpLabError
from scalplab.notify.commands import BotServices, CommandRouter
from scalplab.notify.formatting import utc_time
from scalplab.notify.messages import BacktestFinished, Notification
from scalplab.notify.notifier import (
    ChatId,
    Notifier,
    NotifierHealth,
    RetryPolicy,
    SendOutcome,
    describe_error,
)
from scalplab.notify.outbox import DEFAULT_DEDUPE_WINDOW_S, DEFAULT_MAXSIZE, Admission, Outbox
from scalplab.notify.ratelimit import GROUP_PER_MINUTE, OVERALL_PER_SECOND, TelegramRateLimiter
from scalplab.notify.redact import protect
from scalplab.notify.rendered import Rendered
from scalplab.notify.replies import COMMANDS
from scalplab.notify.reports import DailyReporter
from scalplab.notify.translate import EventTranslator
from scalplab.notify.watch import HealthWatcher
from scalplab.simulation.events import EventSubscription

log = logging.getLogger(__name__)

TelegramApp = Application[Any, Any, Any, Any, Any, Any]
TEST_TIMEOUT_S = 20.0
"""Longest wait of `send_test` for Telegram's answer."""


@dataclass(frozen=True, slots=True)
class RuntimeOptions:
    """Timings and limits (production defaults; tests shorten them)."""

    poll_timeout_s: float = 10.0
    request_timeout_s: float = 10.0
    connect_backoff_s: float = 1.0
    max_connect_backoff_s: float = 60.0
    health_interval_s: float = 5.0
    report_tick_s: float = 30.0
    outbox_size: int = DEFAULT_MAXSIZE
    dedupe_window_s: float = DEFAULT_DEDUPE_WINDOW_S
    overall_rate: float = OVERALL_PER_SECOND
    overall_period_s: float = 1.0
    group_rate: float = GROUP_PER_MINUTE
    group_period_s: float = 60.0
    close_ttl_s: float = 60.0
    ready_wait_s: float = 5.0
    """How long `send_test` waits for a bot that is still connecting."""
    retry: RetryPolicy = field(default_factory=RetryPolicy)


def chat_id_of(text: str) -> ChatId:
    """`TELEGRAM_CHAT_ID` as Telegram takes it: an integer id, else an `@channel` name."""
    value = text.strip()
    return int(value) if value.lstrip("-").isdigit() else value


def probe_message(wall_ms: int) -> Rendered:
    """The text of `POST /notifications/test`."""
    return Rendered(
        f"✅ ScalpLab test message\nTelegram notifications reach this chat.\n⏰ {utc_time(wall_ms)}"
    )


def build_application(
    token: str, api_url: str, limiter: TelegramRateLimiter, options: RuntimeOptions
) -> TelegramApp:
    """A python-telegram-bot `Application` speaking to the Bot API at `api_url`."""
    base = api_url.rstrip("/")
    timeout = options.request_timeout_s
    return (
        ApplicationBuilder()
        .token(token)
        .base_url(f"{base}/bot")
        .base_file_url(f"{base}/file/bot")
        .request(
            HTTPXRequest(
                connection_pool_size=8,
                read_timeout=timeout,
                write_timeout=timeout,
                connect_timeout=timeout,
                pool_timeout=timeout,
            )
        )
        .get_updates_request(
            HTTPXRequest(
                connection_pool_size=2,
                read_timeout=timeout,
                write_timeout=timeout,
                connect_timeout=timeout,
                pool_timeout=timeout,
            )
        )
        .rate_limiter(limiter)
        .job_queue(None)
        .build()
    )


class TelegramRuntime:
    """See the module docstring."""

    def __init__(
        self,
        settings: Settings,
        services: BotServices,
        events: Callable[[], EventSubscription] | None = None,
        summaries: Callable[[str], BacktestSummary] | None = None,
        options: RuntimeOptions | None = None,
    ) -> None:
        self.settings = settings
        self.options = options or RuntimeOptions()
        self._token = settings.telegram_bot_token.get_secret_value()
        self.chat_id = chat_id_of(settings.telegram_chat_id)
        self.services = services
        self._events = events
        self._summaries = summaries
        self.outbox = Outbox(
            self.options.outbox_size,
            self.options.dedupe_window_s,
            settings.telegram_signal_cooldown_s,
        )
        simulation = services.simulation
        self.notifier = Notifier(
            self.outbox,
            self.chat_id,
            self.options.retry,
            translator=EventTranslator(equity=lambda: simulation.portfolio().equity),
        )
        self.router = CommandRouter(
            services,
            self.notifier,
            settings.telegram_allowed_user_ids,
            close_ttl_s=self.options.close_ttl_s,
        )
        self.watcher = HealthWatcher(
            services.health,
            services.trading,
            self.notifier.submit,
            interval_s=self.options.health_interval_s,
        )
        self.reporter = DailyReporter(
            services.simulation,
            self.notifier.submit,
            tick_s=self.options.report_tick_s,
            portfolio=services.portfolio,
        )
        self.app: TelegramApp | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready: asyncio.Event | None = None
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._main, name="telegram", daemon=True)

    # ----- life cycle ----------------------------------------------------------------------

    def start(self) -> TelegramRuntime:
        """Start the thread (returns once its loop runs; connecting goes on in it)."""
        self._thread.start()
        self._started.wait(10.0)
        return self

    def close(self, timeout: float = 15.0) -> None:
        """Stop polling and sending, close the HTTP clients, join the thread (idempotent)."""
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop already ended
                loop.call_soon_threadsafe(stop.set)
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _main(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve())
        except Exception as exc:  # the thread must end cleanly whatever happened
            log.error("the Telegram runtime ended: %s", describe_error(exc))
        finally:
            self.notifier.state = "stopped"
            self._started.set()
            loop.close()

    async def _serve(self) -> None:
        loop = asyncio.get_running_loop()
        self._stop, self._ready = asyncio.Event(), asyncio.Event()
        self.notifier.bind(loop)
        options = self.options
        limiter = TelegramRateLimiter(
            options.overall_rate,
            options.overall_period_s,
            options.group_rate,
            options.group_period_s,
        )
        protect(self._token)  # before the bot logs its URLs
        app = build_application(self._token, self.settings.telegram_api_url, limiter, options)
        protect(self._token)  # and on any logger it created meanwhile
        self.router.install(app)
        self.app = app
        tasks = [asyncio.create_task(self.notifier.run(app.bot, self._ready), name="tg-sender")]
        if self._events is not None:
            consume = self.notifier.consume(self._events())
            tasks.append(asyncio.create_task(consume, name="tg-events"))
            tasks.append(asyncio.create_task(self._pairs(), name="tg-pairs"))
        tasks.append(asyncio.create_task(self.watcher.run(), name="tg-health"))
        if self.settings.telegram_daily_report:
            tasks.append(asyncio.create_task(self.reporter.run(), name="tg-daily"))
        self._started.set()
        try:
            if await self._connect(app):
                try:
                    await self._begin_polling(app)
                except TelegramError as exc:  # notifications still go out
                    log.error("Telegram commands unavailable: %s", describe_error(exc))
                self.notifier.state = "ready"
                self._ready.set()
            await self._stop.wait()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self._shutdown(app)

    async def _pairs(self) -> None:
        """The engine's pairs and timeframes for the signal cards, before its next status."""
        try:
            status = await asyncio.to_thread(self.services.simulation.status)
        except ScalpLabError as exc:
            log.warning("no engine status for the Telegram cards: %s", exc.message)
            return
        self.notifier.translator.note_status(status)

    async def _connect(self, app: TelegramApp) -> bool:
        """`getMe` until it answers; False when the token is refused or on close."""
        assert self._stop is not None
        delay = self.options.connect_backoff_s
        while not self._stop.is_set():
            try:
                await app.initialize()
                return True
            except InvalidToken as exc:
                self.notifier.state = "unauthorized"
                self.notifier.last_error = describe_error(exc)
                log.error("Telegram bot not started: %s", self.notifier.last_error)
                return False
            except TelegramError as exc:
                self.notifier.last_error = describe_error(exc)
                log.warning(
                    "cannot reach the Telegram Bot API (%s): retrying in %g s",
                    self.notifier.last_error,
                    delay,
                )
            try:
                await asyncio.wait_for(self._stop.wait(), delay)
            except TimeoutError:
                delay = min(self.options.max_connect_backoff_s, delay * 2)
        return False

    async def _begin_polling(self, app: TelegramApp) -> None:
        try:
            await app.bot.set_my_commands([BotCommand(name, what) for name, what in COMMANDS])
        except TelegramError as exc:
            log.warning("Telegram command menu not set: %s", describe_error(exc))
        assert app.updater is not None
        await app.updater.start_polling(
            timeout=timedelta(seconds=self.options.poll_timeout_s),
            drop_pending_updates=True,
            bootstrap_retries=3,
            allowed_updates=["message", "callback_query"],
            error_callback=self._polling_error,
        )
        await app.start()
        log.info("Telegram bot polling (updates sent while it was down were dropped)")

    def _polling_error(self, error: TelegramError) -> None:
        log.warning("Telegram polling failed: %s", describe_error(error))

    async def _shutdown(self, app: TelegramApp) -> None:
        try:
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
            await app.shutdown()
        except (TelegramError, RuntimeError) as exc:
            log.warning("Telegram bot shutdown: %s", describe_error(exc))

    # ----- what the rest of the process calls ----------------------------------------------

    def submit(self, notification: Notification) -> Admission:
        """Queue a record (any thread; never blocks)."""
        return self.notifier.submit(notification)

    def health(self) -> NotifierHealth:
        """Sent, failed, dropped, deduplicated, retries, queue depth, bot state."""
        return self.notifier.health()

    def backtest_finished(self, job_id: str) -> None:
        """A backtest job ended: read its summary off the loop and queue the alert."""
        loop = self._loop
        if loop is None or self._summaries is None or loop.is_closed():
            return
        coroutine = self._backtest(job_id)
        try:
            asyncio.run_coroutine_threadsafe(coroutine, loop)
        except RuntimeError:  # the loop is shutting down
            coroutine.close()

    async def _backtest(self, job_id: str) -> None:
        assert self._summaries is not None
        try:
            summary = await asyncio.to_thread(self._summaries, job_id)
        except ScalpLabError as exc:  # deleted meanwhile
            log.info("no Telegram alert for backtest %s: %s", job_id, exc.message)
            return
        if summary.status in ("done", "failed"):
            self.submit(BacktestFinished(summary))

    def send_test(self, wall_ms: int) -> SendOutcome:
        """Send the test message now (not queued) and wait for Telegram's answer."""
        loop = self._loop
        if loop is None or loop.is_closed() or not self._thread.is_alive():
            return SendOutcome("failed", "the Telegram bot is not running")
        future = asyncio.run_coroutine_threadsafe(self._send_test(wall_ms), loop)
        try:
            return future.result(TEST_TIMEOUT_S)
        except TimeoutError:
            future.cancel()
            return SendOutcome("failed", f"Telegram did not answer within {TEST_TIMEOUT_S:g} s")

    async def _send_test(self, wall_ms: int) -> SendOutcome:
        ready, app = self._ready, self.app
        if ready is None or app is None:
            return SendOutcome("failed", "the Telegram bot is not running")
        if self.notifier.state == "unauthorized":
            return SendOutcome("failed", self.notifier.last_error or "the bot token was refused")
        if not ready.is_set():
            try:
                await asyncio.wait_for(ready.wait(), self.options.ready_wait_s)
            except TimeoutError:
                reason = self.notifier.last_error or "no answer yet"
                return SendOutcome("failed", f"not connected to Telegram yet ({reason})")
        return await self.notifier.deliver(app.bot, self.chat_id, probe_message(wall_ms), 1)
