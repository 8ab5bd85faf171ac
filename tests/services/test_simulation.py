"""The paper engine through the services: positions per book, closing one, trades, metrics.

Books are driven by hand through `SimulationEngine.attach` on the REAL sample's BTCUSDT
15m bars (see conftest).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from scalplab.errors import ConflictError
from scalplab.orders.metrics import Metrics
from scalplab.orders.models import Bar
from scalplab.orders.types import OrderRequest
from scalplab.services.context import Services
from scalplab.simulation.views import TradeView
from tests.services.conftest import step, two_books


def test_a_position_is_closed_in_its_own_book(services: Services, bars: list[Bar]) -> None:
    sma, smc = two_books(services, bars)
    services.orders.submit(OrderRequest("BTCUSDT", "buy", qty=Decimal("0.002")), "smc")
    step(sma, bars[20])
    step(smc, bars[20])
    assert services.simulation.portfolio().open_positions == 1
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
    assert metrics.to_dict() == services.engine.read.performance()
    assert services.simulation.portfolio().open_positions == 0
    assert services.simulation.positions() == []


def test_start_stop_and_reset(services: Services) -> None:
    services.pairs.create("BTCUSDT", "sma_cross", "15m", {})
    started = services.simulation.start(speed="max", end=None)
    assert started.state == "running" and started.speed is None
    [pair] = started.pairs
    assert (pair.symbol, pair.strategy) == ("BTCUSDT", "sma_cross")
    services.engine.wait(60)
    stopped = services.simulation.stop()
    assert stopped.state == "stopped" and stopped.candles_processed > 0
    reset = services.simulation.reset()
    assert (reset.candles_processed, reset.pairs) == (0, [])
