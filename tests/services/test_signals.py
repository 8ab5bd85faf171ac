"""Signals through the services: their fate, the breaker of a blocked one, stream events.

Books are driven by hand through `SimulationEngine.attach` on the REAL sample's BTCUSDT
15m bars (see conftest).
"""

from __future__ import annotations

import asyncio

import anyio

from scalplab.orders.models import Bar
from scalplab.services.context import Services
from scalplab.services.signals import event_symbol
from scalplab.simulation.events import EngineEvent
from scalplab.simulation.views import SignalView
from tests.services.conftest import long_signal, step, two_books


def test_a_blocked_signal_carries_its_breaker_and_book(services: Services, bars: list[Bar]) -> None:
    services.runtime_settings.update({"risk": {"max_open_positions": 1}})
    sma, smc = two_books(services, bars)
    step(sma, bars[20], long_signal(bars[20]))
    step(smc, bars[20], long_signal(bars[20]))
    blocked, accepted = services.signals.list("BTCUSDT", 2)
    assert (accepted.strategy, accepted.status, accepted.breaker) == ("sma_cross", "accepted", None)
    assert (blocked.strategy, blocked.status, blocked.breaker) == (
        "smc",
        "blocked",
        "max_open_positions",
    )
    [event] = services.simulation.risk_events(10)
    assert (event.symbol, event.strategy, event.breaker, event.signal_id) == (
        "BTCUSDT",
        "smc",
        "max_open_positions",
        blocked.id,
    )
    assert accepted.order_id is not None
    order = services.orders.get(accepted.order_id)
    assert [event_symbol(record) for record in (blocked, event, order)] == ["BTCUSDT"] * 3
    assert event_symbol(services.simulation.status()) is None


def test_lowering_min_rr_lets_the_next_signal_through(services: Services, bars: list[Bar]) -> None:
    sma, _ = two_books(services, bars)
    step(sma, bars[20], long_signal(bars[20], reward=0.02))  # reward/risk 2 < 3
    [rejected] = services.signals.list(None, 10)
    assert (rejected.status, rejected.reason) == ("rejected", "min_rr")
    services.runtime_settings.update({"risk": {"min_rr": 1.5}})
    step(sma, bars[21], long_signal(bars[21], reward=0.02))
    accepted, _ = services.signals.list(None, 10)
    assert accepted.status == "accepted" and accepted.order_id is not None


def signal_view(signal_id: int, symbol: str) -> SignalView:
    return SignalView(
        id=signal_id,
        symbol=symbol,
        strategy="sma_cross",
        time_ms=1_750_118_400_000,
        side="long",
        entry=100.0,
        stop_loss=99.0,
        take_profit=104.0,
        confidence=60.0,
        reasons=["test"],
        status="accepted",
        reason="",
        qty=1.0,
        order_id=None,
    )


def test_the_event_stream_keeps_one_symbol_and_ends_when_stopped(services: Services) -> None:
    async def consume() -> tuple[list[EngineEvent], list[EngineEvent], bool]:
        subscription = services.signals.subscribe()
        stop = anyio.Event()
        events = services.signals.events(subscription, "BTCUSDT", stop)
        hub = services.engine.hub
        hub.publish("signal", signal_view(1, "ETHUSDT"))
        hub.publish("signal", signal_view(2, "BTCUSDT"))
        hub.publish("status", services.simulation.status())  # names no symbol: always passes
        first = [await anext(events), await anext(events)]
        stop.set()
        rest = [event async for event in events]
        return first, rest, subscription.closed

    first, rest, closed = asyncio.run(consume())
    assert [(event.kind, event_symbol(event.data)) for event in first] == [
        ("signal", "BTCUSDT"),
        ("status", None),
    ]
    assert rest == [] and closed
