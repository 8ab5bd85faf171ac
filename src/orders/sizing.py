"""Position sizing: fixed fractional risk over the stop distance, capped by leverage."""

from __future__ import annotations

import math
from decimal import Decimal


def floor_to_step(qty: float, step: Decimal) -> float:
    """Round `qty` down to a multiple of `step`, tolerating 1e-9 of a step of float noise."""
    if step <= 0:
        return qty
    steps = math.floor(qty / float(step) + 1e-9)
    return float(Decimal(max(steps, 0)) * step)


def risk_position_size(
    equity: float,
    entry: float,
    stop_loss: float,
    risk_pct: float,
    max_leverage: float,
    step: Decimal,
    max_qty: float | None = None,
) -> float:
    """`min(equity × risk% / |entry − stop|, equity × leverage / entry, max_qty)`, down to
    the step; `max_qty` is the symbol's largest quantity for the order's type (None: no
    cap)."""
    distance = abs(entry - stop_loss)
    if equity <= 0 or entry <= 0 or distance <= 0:
        return 0.0
    by_risk = equity * risk_pct / 100.0 / distance
    by_leverage = equity * max_leverage / entry
    qty = min(by_risk, by_leverage)
    if max_qty is not None:
        qty = min(qty, max_qty)
    return floor_to_step(qty, step)


def liquidation_price(entry: float, long: bool, leverage: float, maint_margin_pct: float) -> float:
    """Isolated-margin liquidation price `entry × (1 ∓ 1/leverage ± MMR)`."""
    mmr = maint_margin_pct / 100.0
    if long:
        return entry * (1.0 - 1.0 / leverage + mmr)
    return entry * (1.0 + 1.0 / leverage - mmr)
