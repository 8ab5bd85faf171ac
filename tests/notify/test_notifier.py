"""The notifier against the fake Bot API, fed by the real engine's events.

Formats, dedupe and cooldown, Telegram's limits, retries (429 with retry_after, 5xx,
a refused request) and the engine never waiting for Telegram.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest

from scalplab.data.candles import CandleStore
from scalplab.data.stream import bars_from_frame
from scalplab.notify.fake_bot_api import FakeBotApi
from scalplab.notify.messages import HealthAlert
from scalplab.orders.models import Bar
from scalplab.services.context import Services
from tests.notify.conftest import (
    FAST,
    GROUP,
    OWNER,
    MakeRuntime,
    long_signal,
    step,
    trade_pair,
    wait_until,
)

# python-telegram-bot warns on building a RetryAfter (a future type change of retry_after)
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


def texts(fake: FakeBotApi) -> list[str]:
    return [message.text for message in fake.sent()]


def started(fake: FakeBotApi) -> None:
    """Wait for the start-up message, so a test's own messages come after it."""
    wait_until(lambda: any("NOTIFIER STARTED" in t for t in texts(fake)), what="start-up")


def alert(detail: str) -> HealthAlert:
    return HealthAlert("feed_down", "LIVE STREAM DOWN", detail, dedupe=detail)


def test_a_real_signal_its_fill_and_its_stop_become_seed_messages_in_order(
    make_runtime: MakeRuntime, services: Services, fake: FakeBotApi, bars: list[Bar]
) -> None:
    make_runtime()
    started(fake)
    ex = trade_pair(services)
    for bar in bars[:20]:
        step(ex, bar)
    step(ex, bars[20], long_signal(bars[20]))
    for bar in bars[21:40]:
        step(ex, bar)
    [trade] = services.simulation.trades(10, 0)
    wait_until(lambda: len(fake.sent()) == 4, what="card, fill and exit")

    card, filled, exit_ = texts(fake)[1:]
    [signal] = services.signals.list(None, 10)
    assert card == "\n".join(
        [
            "🔥 SMA_CROSS LONG SIGNAL 🔥",
            "",
            "Symbol: BTCUSDT",
            "Exchange: BINANCE",
            "",
            "Entry: $107,229.30",
            "Take Profit: $111,518.47 (+4.00%)",
            "Stop Loss: $106,157.01 (-1.00%)",
            "",
            "Score: 72.5/100",
            "",
            "Reasons:",
            "  • Strong OI divergence detected",
            "  • Large sweep order detected",
            "",
            "⏰ 2025-06-17 05:00:00 UTC",
        ]
    )
    assert (signal.entry, signal.take_profit, signal.stop_loss) == (107229.3, 111518.47, 106157.01)
    assert filled.splitlines()[0] == "🟢 LONG BTCUSDT — order filled"
    assert "Entry: $107,240.02" in filled and "SL: $106,157.01" in filled
    assert exit_.splitlines()[:2] == [
        "🔴 STOP LOSS — BTCUSDT LONG",
        f"-${-trade.trade.pnl:,.2f} net (-1.13%)",
    ]
    assert trade.trade.exit_reason == "sl"
    assert "Hold: 4h 15m" in exit_


def test_duplicates_are_sent_once_and_signals_of_a_symbol_respect_the_cooldown(
    make_runtime: MakeRuntime, services: Services, fake: FakeBotApi, data_dir: Path
) -> None:
    runtime = make_runtime()
    started(fake)
    assert runtime.submit(alert("x")) == "queued"
    assert runtime.submit(alert("x")) == "duplicate"

    btc, eth = trade_pair(services, "BTCUSDT"), trade_pair(services, "ETHUSDT")
    store = CandleStore(data_dir)
    btc_bars = bars_from_frame(store.read("BTCUSDT", "15m", None, None))
    eth_bars = bars_from_frame(store.read("ETHUSDT", "15m", None, None))
    for b, e in zip(btc_bars[:20], eth_bars[:20], strict=True):
        step(btc, b)
        step(eth, e)
    step(btc, btc_bars[20], long_signal(btc_bars[20]))
    step(eth, eth_bars[20], long_signal(eth_bars[20]))
    for bar in btc_bars[21:40]:  # BTCUSDT's trade stops out at bar 37
        step(btc, bar)
    step(btc, btc_bars[40], long_signal(btc_bars[40]))  # a new BTC signal within 60 s
    assert [s.status for s in services.signals.list("BTCUSDT", 10)] == ["accepted"] * 2

    wait_until(lambda: runtime.health().queue_depth == 0, what="the outbox to drain")
    time.sleep(0.1)
    cards = [t for t in texts(fake) if "SIGNAL" in t]
    assert [c.split("\n")[2] for c in cards] == ["Symbol: BTCUSDT", "Symbol: ETHUSDT"]
    assert sum(1 for t in texts(fake) if t.startswith("🚨 LIVE STREAM DOWN")) == 1
    health = runtime.health()
    assert (health.deduplicated, health.cooled_down) == (1, 1)


def test_group_chats_get_their_per_minute_limit(
    make_runtime: MakeRuntime, fake: FakeBotApi
) -> None:
    options = dataclasses.replace(FAST, group_rate=3, group_period_s=0.5)
    runtime = make_runtime(options=options, TELEGRAM_CHAT_ID=str(GROUP))
    started(fake)
    for n in range(6):
        runtime.submit(alert(str(n)))
    wait_until(lambda: len(fake.sent(GROUP)) == 7, what="six alerts")
    times = [m.sent_at for m in fake.sent(GROUP)]
    # a burst of 3, then 6 per second: n messages never within less than (n - 3) / 6 s
    for i, first in enumerate(times):
        for j in range(i + 3, len(times)):
            assert times[j] - first >= (j - i + 1 - 3) / 6 - 0.02, (i, j, times)
    assert times[-1] - times[0] >= 4 / 6 - 0.02


def test_a_429_is_retried_after_the_time_telegram_asked(
    make_runtime: MakeRuntime, fake: FakeBotApi
) -> None:
    runtime = make_runtime()
    started(fake)
    fake.fail("sendMessage", 429, retry_after=1)
    began = time.monotonic()
    runtime.submit(alert("flood"))
    wait_until(lambda: any("flood" in t for t in texts(fake)), what="the retried alert")
    assert time.monotonic() - began >= 1.0
    assert len(fake.calls_of("sendMessage")) == 3  # start-up, the 429, the retry
    # the fake answered before the runtime counted the answer: wait for the count
    wait_until(lambda: runtime.health().sent == 2, what="the retried alert counted")
    health = runtime.health()
    assert (health.sent, health.failed, health.retries) == (2, 0, 1)


def test_server_errors_are_retried_with_backoff_a_bounded_number_of_times(
    make_runtime: MakeRuntime, fake: FakeBotApi
) -> None:
    runtime = make_runtime()
    started(fake)
    fake.fail("sendMessage", 500, times=2)
    runtime.submit(alert("after two 500s"))
    wait_until(lambda: any("after two 500s" in t for t in texts(fake)), what="the alert")
    assert runtime.health().retries == 2

    fake.fail("sendMessage", 502, times=FAST.retry.attempts)
    runtime.submit(alert("never"))
    wait_until(lambda: runtime.health().failed == 1, what="the give-up")
    health = runtime.health()
    assert health.retries == 2 + FAST.retry.attempts - 1
    assert health.last_error == "NetworkError: Bad Gateway"
    assert not any("never" in t for t in texts(fake))
    runtime.submit(alert("next one"))  # the sender goes on with the next record
    wait_until(lambda: any("next one" in t for t in texts(fake)), what="the next alert")


def test_a_refused_message_fails_at_once_with_the_reason_in_words(
    make_runtime: MakeRuntime, fake: FakeBotApi
) -> None:
    runtime = make_runtime()
    started(fake)
    fake.fail("sendMessage", 400, description="Bad Request: chat not found")
    runtime.submit(alert("lost"))
    wait_until(lambda: runtime.health().failed == 1, what="the failure")
    health = runtime.health()
    assert health.retries == 0
    assert health.last_error == "Telegram refused the message: Chat not found"


def test_a_stalled_bot_api_never_slows_the_engine(
    make_runtime: MakeRuntime, services: Services, fake: FakeBotApi, bars: list[Bar]
) -> None:
    options = dataclasses.replace(FAST, outbox_size=4, request_timeout_s=30.0)
    runtime = make_runtime(options=options, TELEGRAM_SIGNAL_COOLDOWN_S=0)
    started(fake)
    fake.slow("sendMessage", 30.0)  # every send now hangs for 30 s
    runtime.submit(alert("stuck"))
    wait_until(lambda: len(fake.calls_of("sendMessage")) == 2, what="the stalled send")

    ex = trade_pair(services)
    slowest = 0.0
    began = time.monotonic()
    for bar in bars[:400]:
        tick = time.monotonic()
        step(ex, bar, long_signal(bar))
        slowest = max(slowest, time.monotonic() - tick)
    elapsed = time.monotonic() - began
    trades = services.simulation.trades(1000, 0)
    assert len(trades) >= 3  # the engine really traded: signals, fills, exits published
    assert slowest < 0.5 and elapsed < 10.0, (slowest, elapsed)
    wait_until(lambda: runtime.health().dropped > 0, what="drops")
    health = runtime.health()
    assert health.queue_depth <= 4 and health.sent == 1  # only the start-up message
    assert OWNER in {m.chat_id for m in fake.sent()}
