"""A sandbox: one account's execution model, simulated venue, risk gate, queue and pipeline.

Backtests build one with an in-memory queue and no confirmations; paper trading with
the database's repositories and the pending-confirmation list. Either way the same
objects are wired the same way, so the two cannot drift apart (nautilus_trader's
sandbox wraps its backtest matching engine the same way).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from scalplab.orders.atr import AtrTracker
from scalplab.orders.confirming import Confirmations
from scalplab.orders.execution import ExecutionConfig, ExecutionModel
from scalplab.orders.halt import HaltSwitch
from scalplab.orders.outcomes import Outcome
from scalplab.orders.pipeline import OrderPipeline
from scalplab.orders.queue import MemoryOrderRepository, OrderQueue
from scalplab.orders.risk import RiskGate, RiskSettings
from scalplab.orders.venue import ListeningVenue, SimulatedVenue, VenueFactory


@dataclass
class Sandbox:
    """The wired objects of one account."""

    model: ExecutionModel
    venue: ListeningVenue
    gate: RiskGate
    atr: AtrTracker
    queue: OrderQueue
    pipeline: OrderPipeline


def open_sandbox(
    config: ExecutionConfig,
    risk: RiskSettings,
    queue: OrderQueue | None = None,
    *,
    confirmations: Confirmations | None = None,
    clock_ms: Callable[[], int] | None = None,
    listener: Callable[[Outcome], None] | None = None,
    keep_equity: bool = True,
    track_atr: bool = True,
    venue_factory: VenueFactory | None = None,
    halt: HaltSwitch | None = None,
) -> Sandbox:
    """Wire a sandbox (an in-memory queue unless one is given). `track_atr=False` skips
    the ATR window when the extreme-volatility breaker can never bind (a backtest whose
    settings switch it off). `venue_factory` puts another venue over the model (live
    trading: Binance); the simulated venue otherwise. `halt` is the kill switch the
    pipeline obeys (paper and live trading; backtests have none)."""
    model = ExecutionModel(config, keep_equity=keep_equity)
    gate = RiskGate(risk)
    atr = AtrTracker(risk.atr_period, risk.atr_average_window)
    orders = queue if queue is not None else OrderQueue(MemoryOrderRepository())
    venue = SimulatedVenue(model) if venue_factory is None else venue_factory(model, orders)
    pipeline = OrderPipeline(
        venue,
        gate,
        orders,
        risk_per_trade_pct=config.risk_per_trade_pct,
        max_leverage=config.max_leverage,
        atr=atr if track_atr else None,
        confirmations=confirmations,
        clock_ms=clock_ms,
        listener=listener,
        halt=halt,
    )
    venue.listen(pipeline.on_venue_event)
    return Sandbox(model, venue, gate, atr, orders, pipeline)
