"""Engine events → message records, on the real engine's events (and real order records)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from scalplab.data.candles import CandleStore
from scalplab.data.stream import bars_from_frame
from scalplab.notify.messages import (
    BreakerAlert,
    HealthAlert,
    Notification,
    OrderFilled,
    OrderRejectedAlert,
    PendingAlert,
    PendingOutcome,
    SignalAlert,
    TradeClosedAlert,
)
from scalplab.notify.translate import EventTranslator
from scalplab.orders.models import Bar
from scalplab.orders.types import Order, OrderRequest
from scalplab.services.context import Services
from scalplab.simulation.events import EngineEvent
from scalplab.simulation.views import EngineStatus
from tests.notify.conftest import long_signal, step, trade_pair


def collect(services: Services, drive: Callable[[], None]) -> list[Notification]:
    """The records the engine's events become while `drive()` runs."""

    async def run() -> list[EngineEvent]:
        subscription = services.signals.subscribe()
        await asyncio.to_thread(drive)
        await asyncio.sleep(0.05)
        events = []
        while (event := subscription.get_nowait()) is not None:
            events.append(event)
        subscription.close()
        return events

    translator = EventTranslator()
    return [n for event in asyncio.run(run()) for n in translator.translate(event)]


def test_signals_fills_exits_and_breaker_blocks(services: Services, data_dir: Path) -> None:
    services.runtime_settings.update({"risk": {"max_open_positions": 1}})
    store = CandleStore(data_dir)
    btc_bars = bars_from_frame(store.read("BTCUSDT", "15m", None, None))
    eth_bars = bars_from_frame(store.read("ETHUSDT", "15m", None, None))
    btc, eth = trade_pair(services, "BTCUSDT"), trade_pair(services, "ETHUSDT")

    def drive() -> None:
        for b, e in zip(btc_bars[:20], eth_bars[:20], strict=True):
            step(btc, b)
            step(eth, e)
        step(btc, btc_bars[20], long_signal(btc_bars[20]))
        step(eth, eth_bars[20], long_signal(eth_bars[20]))  # blocked: one position at most
        for bar in btc_bars[21:40]:
            step(btc, bar)

    records = collect(services, drive)
    kinds = [type(r).__name__ for r in records]
    assert kinds == ["SignalAlert", "BreakerAlert", "OrderFilled", "TradeClosedAlert"]
    card, breaker, filled, closed = records
    assert isinstance(card, SignalAlert) and card.signal.symbol == "BTCUSDT"
    assert isinstance(breaker, BreakerAlert) and breaker.side == "long"
    assert breaker.render().text.splitlines()[:3] == [
        "⚠️ CIRCUIT BREAKER — max_open_positions",
        "Blocked: ETHUSDT LONG signal (sma_cross)",
        "Reason: 1 open positions reach the limit of 1",
    ]
    assert isinstance(filled, OrderFilled) and filled.order.symbol == "BTCUSDT"
    assert isinstance(closed, TradeClosedAlert) and closed.trade.exit_reason == "sl"


def test_a_confirmation_prompts_then_its_resolution_edits(
    services: Services, bars: list[Bar]
) -> None:
    services.runtime_settings.update({"confirm_orders": True})
    ex = trade_pair(services)

    def drive() -> None:
        for bar in bars[:20]:
            step(ex, bar)
        step(ex, bars[20], long_signal(bars[20]))
        [pending] = services.orders.pending()
        services.orders.reject(pending.pending.id)

    records = collect(services, drive)
    assert [type(r).__name__ for r in records] == ["SignalAlert", "PendingAlert", "PendingOutcome"]
    card, prompt, outcome = records
    assert isinstance(card, SignalAlert) and "Waiting for confirmation" in card.render().text
    assert isinstance(prompt, PendingAlert)
    rendered = prompt.render()
    assert rendered.text.splitlines()[:3] == [
        "⏳ CONFIRM ORDER — BTCUSDT LONG",
        "Strategy: sma_cross",
        "Type: market | Qty: 0.093",
    ]
    assert [b.data for b in rendered.buttons[0]] == [
        f"cf:{prompt.pending_id}",
        f"rj:{prompt.pending_id}",
    ]
    assert isinstance(outcome, PendingOutcome)
    assert outcome.render().text.startswith("❌ REJECTED — BTCUSDT LONG")
    assert outcome.render().buttons == ()
    # the person's own rejection is told by the edit, not by an "order rejected" alert
    assert not any(isinstance(r, OrderRejectedAlert) for r in records)


def test_a_rejected_entry_is_told_with_its_reason_and_an_engine_failure_alerts() -> None:
    order = Order.from_request(
        OrderRequest("BTCUSDT", "buy", qty="0.5", source="manual"),
        "ord-1",
        "ord-1",
        "accepted",
        1_750_000_000_000,
    )
    order.transition("rejected", 1_750_000_000_001, "Margin is insufficient (-2019)")
    translator = EventTranslator()
    [alert] = translator.translate(EngineEvent(1, "order", order, 0))
    assert isinstance(alert, OrderRejectedAlert)
    assert alert.render().text == (
        "⛔ ORDER REJECTED — BTCUSDT LONG\nType: market | Qty: 0.5\n"
        "Reason: Margin is insufficient (-2019)"
    )
    status = EngineStatus("stopped", "live", None, None, [], 10, False, error="feed lost")
    [health] = translator.translate(EngineEvent(2, "status", status, 0))
    assert isinstance(health, HealthAlert) and health.render().text == (
        "🚨 PAPER ENGINE STOPPED\nError: feed lost"
    )
    running = EngineStatus("running", "live", None, None, [], 10, False)
    assert translator.translate(EngineEvent(3, "status", running, 0)) == []
