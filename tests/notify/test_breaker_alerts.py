"""A strategy breaker's block reaches Telegram through the breaker alert, like any breaker's
(real engine events of the REAL sample's BTCUSDT 15m bars)."""

from __future__ import annotations

from scalplab.notify.messages import BreakerAlert
from scalplab.orders.models import Bar
from scalplab.services.context import Services
from scalplab.strategies.breakers import BreakerInputs, Cooldown
from tests.notify.conftest import long_signal, step, trade_pair
from tests.notify.test_translate import collect

COOLDOWN = BreakerInputs((Cooldown("sgnl_cooldown", 3600, "symbol"),))


def test_a_strategy_breakers_block_becomes_a_breaker_alert(
    services: Services, bars: list[Bar]
) -> None:
    book = trade_pair(services)

    def drive() -> None:
        for bar in bars[:20]:
            step(book, bar)
        book.on_bar(bars[20])
        book.on_signal(bars[20], long_signal(bars[20]), COOLDOWN)  # accepted
        book.checkpoint()
        book.on_bar(bars[21])
        services.engine.close_position("BTCUSDT", "sma_cross")  # out at bar 22's open
        book.checkpoint()
        book.on_bar(bars[22])
        book.on_signal(bars[22], long_signal(bars[22]), COOLDOWN)  # 30 min after the entry
        book.checkpoint()

    alerts = [r for r in collect(services, drive) if isinstance(r, BreakerAlert)]
    [alert] = alerts
    assert alert.side == "long"
    assert alert.render().text.splitlines()[:3] == [
        "⚠️ CIRCUIT BREAKER — sgnl_cooldown",
        "Blocked: BTCUSDT LONG signal (sma_cross)",
        "Reason: the last entry of symbol BTCUSDT at 2025-06-17T05:00:00Z is 1800 s old, "
        "within the cooldown of 3600 s; signal blocked until 2025-06-17T06:00:00Z",
    ]
