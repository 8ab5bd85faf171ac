"""The runtime: wiring from `Services`, settings, the test message, backtest alerts, and
the bot token never reaching a log line, an error or an answer."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scalplab.errors import ConfigError
from scalplab.notify.fake_bot_api import FakeBotApi
from scalplab.notify.notifier import disabled_health
from scalplab.notify.redact import REDACTED, scrub
from scalplab.orders.models import Bar
from scalplab.orders.runs import RunRequest
from scalplab.services.context import Services
from tests.conftest import make_settings
from tests.notify.conftest import (
    OWNER,
    STRANGER,
    TOKEN,
    MakeRuntime,
    long_signal,
    step,
    telegram_settings,
    trade_pair,
    wait_until,
)

# python-telegram-bot warns on building a RetryAfter (a future type change of retry_after)
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

WRONG_TOKEN = "7000000001:AAHwrongTokenThatTelegramRefuses_42"


def test_telegram_settings_are_checked() -> None:
    settings = make_settings(Path("data"), TELEGRAM_ALLOWED_USERS=" 12, 345 ,")
    assert settings.telegram_allowed_user_ids == frozenset({12, 345})
    assert make_settings(Path("data")).telegram_allowed_user_ids == frozenset()
    assert make_settings(Path("data")).telegram_api_url == "https://api.telegram.org"
    assert make_settings(Path("data")).telegram_daily_report is True
    with pytest.raises(ValueError, match="numeric Telegram user ids"):
        make_settings(Path("data"), TELEGRAM_ALLOWED_USERS="12,@bob")
    with pytest.raises(ValueError, match="needs TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID"):
        make_settings(Path("data"), TELEGRAM_ENABLED=True)
    with pytest.raises(ValueError) as refused:
        make_settings(Path("data"), TELEGRAM_ENABLED=True, TELEGRAM_BOT_TOKEN=TOKEN)
    assert "needs TELEGRAM_CHAT_ID" in str(refused.value)
    assert TOKEN not in repr(make_settings(Path("data"), TELEGRAM_BOT_TOKEN=TOKEN))


def test_load_settings_refuses_half_a_telegram_config_without_the_token(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from scalplab.config import load_settings

    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv("TELEGRAM_ENABLED", "true")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    with pytest.raises(ConfigError) as refused:
        load_settings()
    assert "TELEGRAM_CHAT_ID" in refused.value.message and TOKEN not in refused.value.message


def test_services_start_the_runtime_when_enabled_and_close_it(
    data_dir: Path, fake: FakeBotApi, bars: list[Bar]
) -> None:
    settings = telegram_settings(data_dir, fake, TELEGRAM_ENABLED=True)
    services = Services.start(settings)
    try:
        telegram = services.telegram
        assert telegram is not None
        wait_until(lambda: telegram.health().state == "ready", what="the bot")
        ex = trade_pair(services)
        for bar in bars[:20]:
            step(ex, bar)
        step(ex, bars[20], long_signal(bars[20]))
        wait_until(lambda: any("SIGNAL" in m.text for m in fake.sent(OWNER)), what="the card")
        outcome = telegram.send_test(1_750_000_000_000)
        assert (outcome.status, outcome.detail) == ("sent", "delivered to Telegram")
        assert fake.message(outcome.message_id or 0).text.startswith("✅ ScalpLab test message")
    finally:
        services.close()
    assert telegram.health().state == "stopped"
    assert not telegram._thread.is_alive()


def test_a_finished_backtest_is_announced(
    make_runtime: MakeRuntime, services: Services, fake: FakeBotApi
) -> None:
    runtime = make_runtime()
    services.worker.add_listener(runtime.backtest_finished)  # as `start_telegram` does
    queued = services.backtests.submit(
        RunRequest(
            "BTCUSDT",
            "sma_cross",
            "15m",
            datetime(2025, 6, 17, tzinfo=UTC),
            datetime(2025, 6, 18, tzinfo=UTC),
        )
    )
    wait_until(
        lambda: any("BACKTEST DONE" in m.text for m in fake.sent()),
        timeout=60,
        what="the backtest alert",
    )
    [text] = [m.text for m in fake.sent() if "BACKTEST" in m.text]
    summary = services.backtests.store.summary(queued.id)
    assert text.splitlines()[:2] == [
        "🧪 BACKTEST DONE — BTCUSDT sma_cross 15m",
        "2025-06-17 00:00 → 2025-06-18 00:00 UTC",
    ]
    assert f"Trades: {(summary.metrics or {})['trades']} |" in text
    assert text.endswith(f"Id: {queued.id}")


def test_a_refused_token_stops_the_bot_and_says_why_without_the_token(
    make_runtime: MakeRuntime, fake: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    runtime = make_runtime(ready=False, TELEGRAM_BOT_TOKEN=WRONG_TOKEN)
    wait_until(lambda: runtime.health().state == "unauthorized", what="the refusal")
    outcome = runtime.send_test(1_750_000_000_000)
    assert outcome.status == "failed"
    assert outcome.detail == (
        "Telegram rejected the bot token (401 Unauthorized): check TELEGRAM_BOT_TOKEN"
    )
    assert fake.calls_of("sendMessage") == []
    assert_secret_absent(caplog, WRONG_TOKEN)


def test_an_unreachable_bot_api_is_retried_and_reported(
    make_runtime: MakeRuntime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    runtime = make_runtime(ready=False, TELEGRAM_API_URL="http://127.0.0.1:9")
    wait_until(lambda: runtime.health().last_error is not None, what="the first failure")
    outcome = runtime.send_test(1_750_000_000_000)
    assert outcome.status == "failed"
    assert outcome.detail.startswith("not connected to Telegram yet (NetworkError")
    assert runtime.health().state == "starting"
    assert_secret_absent(caplog, TOKEN)


def test_the_token_never_reaches_a_log_line(
    make_runtime: MakeRuntime,
    services: Services,
    fake: FakeBotApi,
    bars: list[Bar],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    runtime = make_runtime()
    fake.send_command(STRANGER, "/status")
    fake.send_command(OWNER, "/status")
    wait_until(lambda: len(fake.sent(STRANGER)) == 1 and len(fake.sent(OWNER)) >= 2)
    fake.fail("sendMessage", 500, times=2)
    ex = trade_pair(services)
    for bar in bars[:20]:
        step(ex, bar)
    step(ex, bars[20], long_signal(bars[20]))
    wait_until(lambda: runtime.health().retries == 2 and runtime.health().sent >= 2, timeout=5)
    polls = len(fake.calls_of("getUpdates"))
    fake.fail("getUpdates", 500)  # a polling failure is logged too
    fake.send_command(OWNER, "/help")  # ends the running long poll
    wait_until(lambda: len(fake.calls_of("getUpdates")) >= polls + 2, what="the next polls")
    runtime.close()
    assert any("Telegram polling failed" in r.getMessage() for r in caplog.records)
    assert any("telegram" in r.name for r in caplog.records)  # PTB did log, at DEBUG
    assert_secret_absent(caplog, TOKEN)
    assert not [r for r in caplog.records if r.name.startswith("httpx") and r.levelno < 30]


def test_scrub_replaces_every_token_in_use() -> None:
    assert scrub(f"https://api.telegram.org/bot{TOKEN}/getMe") == (
        f"https://api.telegram.org/bot{REDACTED}/getMe"
    )


def assert_secret_absent(caplog: pytest.LogCaptureFixture, secret: str) -> None:
    """`secret` is in no captured message, traceback or formatted line."""
    assert caplog.records, "nothing was logged: the check would prove nothing"
    assert secret not in caplog.text
    for record in caplog.records:
        assert secret not in record.getMessage()
        assert secret not in (record.exc_text or "")
        assert secret not in logging.Formatter().format(record)


def test_without_telegram_enabled_nothing_runs_and_health_says_disabled(
    services: Services,
) -> None:
    assert services.telegram is None  # the fixture's settings leave TELEGRAM_ENABLED off
    health = disabled_health()
    assert (health.enabled, health.state, health.sent, health.queue_depth) == (
        False,
        "stopped",
        0,
        0,
    )
