"""Paper trading through the services: orders per book, signals and their events, positions.

Books are driven by hand through `SimulationEngine.attach` (what a strategy does per bar),
on the REAL sample's BTCUSDT 15m bars, so each test decides when a signal happens.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from scalplab.data.candles import CandleStore
from scalplab.data.stream import bars_from_frame
from scalplab.errors import ConflictError, InputError, NotFoundError
from scalplab.orders.metrics import Metrics
from scalplab.orders.models import Bar
from scalplab.orders.types import OrderRequest
from scalplab.services.context import Services
from scalplab.services.orders import idempotent_client_id
from scalplab.services.signals import event_symbol
from scalplab.simulation.runner import StepExecutor
from scalplab.simulation.views import PairSpec, TradeView
from scalplab.strategies.signal import Signal


def step(executor: StepExecutor, bar: Bar, signal: Signal | None = None) -> None:
    executor.on_bar(bar)
    if signal is not None:
        executor.on_signal(bar, signal)
    executor.checkpoint()


def long_signal(bar: Bar, reward: float = 0.04) -> Signal:
    """A long at the close with a 1 % stop (reward/risk `reward` / 1 %)."""
    return Signal("long", bar.close, bar.close * 0.99, bar.close * (1 + reward), 60.0, ["test"])


@pytest.fixture
def bars(data_dir: Path) -> list[Bar]:
    return bars_from_frame(CandleStore(data_dir).read("BTCUSDT", "15m", None, None))


def two_books(services: Services, bars: list[Bar]) -> tuple[StepExecutor, StepExecutor]:
    """BTCUSDT traded by sma_cross and by smc, 20 plain bars each."""
    sma = services.engine.attach(PairSpec("BTCUSDT", "sma_cross", "15m"))
    smc = services.engine.attach(PairSpec("BTCUSDT", "smc", "15m"))
    for bar in bars[:20]:
        step(sma, bar)
        step(smc, bar)
    return sma, smc


def test_a_manual_order_names_its_book_when_a_symbol_has_several(
    services: Services, bars: list[Bar]
) -> None:
    sma, smc = two_books(services, bars)
    buy = OrderRequest("BTCUSDT", "buy", qty=Decimal("0.002"))
    with pytest.raises(ConflictError) as several:
        services.orders.submit(buy)
    assert several.value.message == (
        "BTCUSDT is traded by several strategies (sma_cross, smc): name one"
    )
    with pytest.raises(NotFoundError, match="BTCUSDT is not traded by 'nope'"):
        services.orders.submit(buy, "nope")
    first = services.orders.submit(buy, "smc", idempotency_key="click-1")
    again = services.orders.submit(buy, "smc", idempotency_key="click-1")
    assert (first.created, again.created) == (True, False)
    assert again.order.id == first.order.id and first.order.status == "accepted"
    step(sma, bars[20])
    step(smc, bars[20])
    [position] = services.simulation.positions()
    assert (position.symbol, position.strategy, position.qty) == ("BTCUSDT", "smc", 0.002)

    closed = services.simulation.close_position("btcusdt", "smc")
    assert (closed.symbol, closed.strategy, closed.requested) == ("BTCUSDT", "smc", True)
    with pytest.raises(ConflictError, match="BTCUSDT/sma_cross has no open position"):
        services.simulation.close_position("BTCUSDT", "sma_cross")
    step(smc, bars[21])
    [trade] = services.simulation.trades(10, 0)
    assert isinstance(trade, TradeView)
    assert (trade.trade.strategy, trade.trade.exit_reason) == ("smc", "manual")
    metrics = services.simulation.performance()
    assert isinstance(metrics, Metrics) and metrics.trades == 1
    assert services.simulation.portfolio().open_positions == 0


def test_a_risk_sized_entry_needs_no_qty(services: Services, bars: list[Bar]) -> None:
    two_books(services, bars)
    with pytest.raises(InputError, match="qty is required"):
        services.orders.submit(OrderRequest("BTCUSDT", "buy"), "sma_cross")
    stop = Decimal(str(round(bars[19].close * 0.99, 1)))
    sized = services.orders.submit(
        OrderRequest("BTCUSDT", "buy", stop_loss=stop, take_profit=stop * 2), "sma_cross"
    )
    assert sized.order.qty is not None and sized.order.qty > 0


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
    assert [event_symbol(record) for record in (blocked, event)] == ["BTCUSDT", "BTCUSDT"]
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


def test_an_idempotency_key_and_a_client_order_id_exclude_each_other() -> None:
    assert idempotent_client_id("mine", None) == "mine"
    assert idempotent_client_id(None, "key").startswith("m-")  # type: ignore[union-attr]
    with pytest.raises(InputError, match="give either client_order_id or an Idempotency-Key"):
        idempotent_client_id("mine", "key")
