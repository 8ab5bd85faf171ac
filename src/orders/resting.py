"""Resting orders (limit, stop-market, stop-limit, trailing-stop) matched bar by bar.

The rules are the execution semantics of the bracket legs, applied to every
order type: the bar's open is checked before its range (an order the bar opens
through fills at the open), stop and market fills are slipped in full and pay
the taker fee, limit fills are never slipped and pay the maker fee.

- limit: a buy fills at the open if the bar opens at or below the price, else
  at the price when the low reaches it (mirror for a sell).
- stop_market: a buy triggers when the price rises to the stop (at the open if
  it opens above), a sell when it falls to it; fills there, slipped.
- stop_limit: triggers like a stop; if the limit is marketable at the trigger
  price it fills there (taker, not slipped: the limit caps the price), otherwise
  it rests as a plain limit order from the next bar on.
- trailing_stop: a sell trails the highest price since it was placed by
  `callback_rate_pct` %; each bar is first checked against the trail as it was
  (open, then low), and only then is the extreme updated with the bar's high
  (the conservative order: a bar's high is not assumed to come before its low).
  A buy trails the lowest price. Fills like a stop.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from scalplab.data.bars import Bar
from scalplab.orders.costs import CostModel
from scalplab.orders.models import Liquidity

RestingType = Literal["market", "limit", "stop_market", "stop_limit", "trailing_stop"]


@dataclass(slots=True)
class RestingOrder:
    """An order working on one book until it fills or is cancelled (`stop_loss` and
    `take_profit`: the bracket its fill opens, with the ids of the orders behind them)."""

    id: str
    side: Literal["buy", "sell"]
    type: RestingType
    qty: float
    price: float | None = None
    stop_price: float | None = None
    callback_rate_pct: float | None = None
    reduce_only: bool = False
    stop_loss: float | None = None
    take_profit: float | None = None
    stop_order_id: str | None = None
    take_profit_order_id: str | None = None
    placed_ms: int = 0
    triggered: bool = False
    trail_extreme: float | None = None

    @property
    def buying(self) -> bool:
        """True for a buy order."""
        return self.side == "buy"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (also its persisted state)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RestingOrder:
        """Inverse of `to_dict`."""
        return cls(**data)


@dataclass(frozen=True, slots=True)
class RestingFill:
    """Where an order filled: the price paid, the unslipped reference and the fee side."""

    price: float
    reference: float
    liquidity: Liquidity


def _stop_fill(order: RestingOrder, bar: Bar, level: float, costs: CostModel) -> RestingFill | None:
    if order.buying:
        if bar.open >= level:
            return RestingFill(costs.slipped(bar.open, True), bar.open, "taker")
        if bar.high >= level:
            return RestingFill(costs.slipped(level, True), level, "taker")
        return None
    if bar.open <= level:
        return RestingFill(costs.slipped(bar.open, False), bar.open, "taker")
    if bar.low <= level:
        return RestingFill(costs.slipped(level, False), level, "taker")
    return None


def _limit_fill(order: RestingOrder, bar: Bar, price: float) -> RestingFill | None:
    if order.buying:
        if bar.open <= price:
            return RestingFill(bar.open, bar.open, "maker")
        if bar.low <= price:
            return RestingFill(price, price, "maker")
        return None
    if bar.open >= price:
        return RestingFill(bar.open, bar.open, "maker")
    if bar.high >= price:
        return RestingFill(price, price, "maker")
    return None


def trail_level(order: RestingOrder) -> float | None:
    """The current trigger price of a trailing stop (None before it has a reference)."""
    if order.trail_extreme is None or order.callback_rate_pct is None:
        return None
    rate = order.callback_rate_pct / 100.0
    if order.buying:
        return order.trail_extreme * (1.0 + rate)
    return order.trail_extreme * (1.0 - rate)


def match(order: RestingOrder, bar: Bar, costs: CostModel) -> RestingFill | None:
    """The fill of `order` during `bar`, if any; updates trailing/trigger state in place."""
    if order.type == "market":
        return RestingFill(costs.slipped(bar.open, order.buying), bar.open, "taker")
    if order.type == "limit":
        assert order.price is not None
        return _limit_fill(order, bar, order.price)
    if order.type == "stop_market":
        assert order.stop_price is not None
        return _stop_fill(order, bar, order.stop_price, costs)
    if order.type == "stop_limit":
        assert order.stop_price is not None and order.price is not None
        if order.triggered:
            return _limit_fill(order, bar, order.price)
        trigger = _stop_fill(order, bar, order.stop_price, costs)
        if trigger is None:
            return None
        order.triggered = True
        at = trigger.reference
        marketable = at <= order.price if order.buying else at >= order.price
        return RestingFill(at, at, "taker") if marketable else None
    level = trail_level(order)
    fill = _stop_fill(order, bar, level, costs) if level is not None else None
    if fill is None:
        extreme = bar.low if order.buying else bar.high
        if order.trail_extreme is None:
            order.trail_extreme = extreme
        elif order.buying:
            order.trail_extreme = min(order.trail_extreme, extreme)
        else:
            order.trail_extreme = max(order.trail_extreme, extreme)
    return fill
