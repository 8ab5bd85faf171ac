"""The levels an entry trades at: a signal's levels on the tick, a manual order sized.

ARCHITECTURE.md fixes the levels that execute as the signal's stop-loss and
take-profit rounded to the symbol's tick (nearest, halves away from zero, in Decimal)
when the signal is produced; sizing, the reward/risk gate, the orders shown in
`/orders` and every fill use them, in every mode.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from scalplab.data.symbols import SymbolRules
from scalplab.orders.models import Bar, Position, ReasonParams
from scalplab.orders.sizing import risk_position_size
from scalplab.orders.types import OrderRejected, OrderRequest, round_to_tick
from scalplab.strategies.signal import Signal


@dataclass(frozen=True, slots=True)
class EntryPlan:
    """A signal's entry and its bracket on the tick grid (`*_tick`: the exact decimals).

    `take_profits_tick`: a ladder's leg prices on the tick, nearest first (empty without
    a ladder; `take_profit_tick` is then the farthest leg)."""

    side: str
    entry: float
    stop_loss_tick: Decimal
    take_profit_tick: Decimal
    take_profits_tick: tuple[Decimal, ...] = ()

    @property
    def stop_loss(self) -> float:
        """The stop-loss that fills."""
        return float(self.stop_loss_tick)

    @property
    def take_profit(self) -> float:
        """The take-profit that fills."""
        return float(self.take_profit_tick)

    @property
    def levels_valid(self) -> bool:
        """Stop on the losing side of the entry, every take-profit on the winning side."""
        stop, target = self.stop_loss, self.take_profit
        if self.take_profits_tick:
            prices = [float(price) for price in self.take_profits_tick]
            target = min(prices) if self.side == "long" else max(prices)
        if self.side == "long":
            return stop < self.entry < target
        return target < self.entry < stop

    @property
    def reward_risk(self) -> float:
        """`|take_profit − entry| / |entry − stop_loss|` (0 when the risk is zero)."""
        risk = abs(self.entry - self.stop_loss)
        return abs(self.take_profit - self.entry) / risk if risk > 0 else 0.0


def plan_signal(rules: SymbolRules, signal: Signal) -> EntryPlan:
    """The signal's levels rounded to the tick (a ladder's legs too)."""
    ladder = signal.take_profits or ()
    return EntryPlan(
        side=signal.side,
        entry=signal.entry,
        stop_loss_tick=round_to_tick(signal.stop_loss, rules.tick_size),
        take_profit_tick=round_to_tick(signal.target, rules.tick_size),
        take_profits_tick=tuple(round_to_tick(price, rules.tick_size) for price, _ in ladder),
    )


@dataclass(frozen=True, slots=True)
class Sizing:
    """A sized quantity, or the reason it cannot trade (`reason` empty: it can)."""

    qty: float
    reason: str = ""
    params: ReasonParams = field(default_factory=dict, compare=False)
    """The numbers the reason's message fills in (not compared: the reason decides)."""


def size_entry(
    rules: SymbolRules,
    equity: float,
    entry: float,
    stop: float,
    risk_per_trade_pct: float,
    max_leverage: float,
    free_margin: float,
) -> Sizing:
    """A signal's market entry: `qty = min(equity × risk% / |entry − stop|, equity ×
    leverage / entry, the symbol's largest position)` down to the step, and the
    checks on it: min_qty, min_notional, insufficient_margin (its initial margin over the
    equity not already held as margin)."""
    qty = risk_position_size(
        equity,
        entry,
        stop,
        risk_per_trade_pct,
        max_leverage,
        rules.step_size,
        max_position_float(rules),
    )
    if qty <= 0 or qty < float(rules.min_qty):
        return Sizing(qty, "min_qty", {"qty": qty, "min": float(rules.min_qty)})
    notional = qty * entry
    if notional < float(rules.min_notional):
        return Sizing(
            qty, "min_notional", {"notional": round(notional, 2), "min": float(rules.min_notional)}
        )
    if notional / max_leverage > free_margin * (1 + 1e-9):
        margin = round(notional / max_leverage, 2)
        return Sizing(qty, "insufficient_margin", {"margin": margin, "free": round(free_margin, 2)})
    return Sizing(qty)


def max_position_float(rules: SymbolRules) -> float | None:
    """The symbol's largest position (`SymbolRules.max_position_qty`) as a float cap for
    sizing an entry (None: no limit known)."""
    limit = rules.max_position_qty
    return None if limit is None else float(limit)


def plan_manual(
    request: OrderRequest,
    bar: Bar,
    position: Position | None,
    size: Callable[[float, float], float],
) -> OrderRequest:
    """A person's order as it will be queued: an entry without a quantity but with a
    stop-loss is sized by risk like a signal; a reduce-only order needs a position to
    reduce, on the other side."""
    if request.reduce_only:
        if position is None:
            raise OrderRejected("a reduce_only order needs an open position to reduce")
        if (position.side == "long") == (request.side == "buy"):
            raise OrderRejected(
                f"a reduce_only {request.side} cannot reduce a {position.side} position"
            )
        if request.qty is None:
            raise OrderRejected("qty is required for a reduce_only order")
        return request
    if request.qty is not None:
        return request
    if request.stop_loss is None:
        raise OrderRejected("qty is required (or give a stop_loss to size the entry by risk)")
    qty = size(float(request.entry_price(bar.close)), float(request.stop_loss))
    if qty <= 0:
        raise OrderRejected("the risk-sized quantity is zero: widen the stop or add equity")
    return request.with_qty(Decimal(repr(qty)))
