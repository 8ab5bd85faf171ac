"""The fills of the fast kernel: sizing, the bracket levels a bar reaches, a closing trade.

Compiled twins of `scalplab.orders.sizing.risk_position_size` (with the step grid of
`scalplab.backtests.fast.ticks`), `scalplab.orders.levels.bracket_exit` for one stop
and one target, and `scalplab.orders.ledger.Ledger.close` of a whole position — each
the same operations in the same order, so the same floats — plus CPython's `sum()` of
floats (the risk gate's ATR average).
"""

from __future__ import annotations

import math

import numpy as np

from scalplab.strategies.vector import FloatArray, IntArray
from scalplab.strategies.vectorised.jit import compiled

STEP_TOLERANCE = 1e-9
EXACT_INTEGER = float(2**53)

# Exit reasons (trade rows), in `EXIT_REASONS` order.
EXIT_TP, EXIT_SL, EXIT_LIQUIDATION, EXIT_END, EXIT_MAX_HOLD = 0, 1, 2, 3, 4
EXIT_REASONS = ("tp", "sl", "liquidation", "end", "max_hold")

# sizing[]: the symbol's step grid and limits (max qty: inf when none).
SIZE_STEP, SIZE_UNITS, SIZE_DIVISOR, SIZE_MIN_QTY, SIZE_MIN_NOTIONAL, SIZE_MAX_QTY = range(6)
# Trade rows: ints (side, entry bar, exit bar, reason), floats (below).
ROW_ENTRY_PRICE, ROW_EXIT_PRICE, ROW_QTY, ROW_FEES, ROW_FUNDING, ROW_SLIPPAGE, ROW_PNL = range(7)


@compiled
def python_sum(values: FloatArray, first: int, count: int, compensated: bool) -> float:
    """CPython's `sum()` of `count` floats of the ring `values` from index `first` on:
    sequential before Python 3.12, Neumaier-compensated since (`compensated`)."""
    size = len(values)
    total = 0.0 + values[first % size]
    carry = 0.0
    for k in range(1, count):
        x = values[(first + k) % size]
        added = total + x
        if compensated:
            if abs(total) >= abs(x):
                carry += (total - added) + x
            else:
                carry += (x - added) + total
        total = added
    if compensated and carry != 0.0 and math.isfinite(carry):
        total += carry
    return float(total)


@compiled
def position_size(
    equity: float, entry: float, stop: float, risk_pct: float, leverage: float, sizing: FloatArray
) -> float:
    """`risk_position_size`: by risk, by leverage, the max qty, down to the step (NaN when
    the step count is beyond exact float arithmetic)."""
    distance = abs(entry - stop)
    if equity <= 0 or entry <= 0 or distance <= 0:
        return 0.0
    by_risk = equity * risk_pct / 100.0 / distance
    by_leverage = equity * leverage / entry
    qty = by_leverage if by_leverage < by_risk else by_risk
    qty = min(qty, sizing[SIZE_MAX_QTY])
    if sizing[SIZE_UNITS] <= 0:
        return float(qty)
    steps = max(np.floor(qty / sizing[SIZE_STEP] + STEP_TOLERANCE), 0.0)
    numerator = steps * sizing[SIZE_UNITS]
    if numerator >= EXACT_INTEGER:
        return math.nan
    return float(numerator / sizing[SIZE_DIVISOR])


@compiled
def stop_reason(
    stop_touched: bool, liquidation_touched: bool, stop: float, liquidation: float, entry: float
) -> int:
    """The touched stop level nearer the entry (the stop-loss on a tie)."""
    if stop_touched and liquidation_touched:
        return EXIT_LIQUIDATION if abs(liquidation - entry) < abs(stop - entry) else EXIT_SL
    return EXIT_SL if stop_touched else EXIT_LIQUIDATION


@compiled
def level_hit(
    direction: int,
    entry: float,
    stop: float,
    target: float,
    liquidation: float,
    bar_open: float,
    bar_high: float,
    bar_low: float,
) -> tuple[int, float]:
    """`bracket_exit`: the exit reason and unslipped price a bar fills (reason −1: none)."""
    if direction > 0:
        if bar_open <= liquidation or bar_open <= stop:
            reason = stop_reason(
                bar_open <= stop, bar_open <= liquidation, stop, liquidation, entry
            )
            return reason, bar_open
        if bar_open >= target:
            return EXIT_TP, bar_open
        if bar_low <= liquidation or bar_low <= stop:
            reason = stop_reason(bar_low <= stop, bar_low <= liquidation, stop, liquidation, entry)
            return reason, stop if reason == EXIT_SL else liquidation
        if bar_high >= target:
            return EXIT_TP, target
        return -1, 0.0
    if bar_open >= liquidation or bar_open >= stop:
        reason = stop_reason(bar_open >= stop, bar_open >= liquidation, stop, liquidation, entry)
        return reason, bar_open
    if bar_open <= target:
        return EXIT_TP, bar_open
    if bar_high >= liquidation or bar_high >= stop:
        reason = stop_reason(bar_high >= stop, bar_high >= liquidation, stop, liquidation, entry)
        return reason, stop if reason == EXIT_SL else liquidation
    if bar_low <= target:
        return EXIT_TP, target
    return -1, 0.0


@compiled
def close_trade(
    ints: IntArray,
    floats: FloatArray,
    row: int,
    direction: int,
    qty: float,
    entry: float,
    entry_bar: int,
    fees: float,
    funding: float,
    slippage: float,
    exit_bar: int,
    price: float,
    reference: float,
    fee_pct: float,
    reason: int,
) -> tuple[float, float, float, float]:
    """`Ledger.close` of the whole position into trade row `row`: returns the gross P&L,
    the exit fee, the exit slippage and the trade's P&L."""
    fee = abs(price * qty) * fee_pct / 100.0
    gross = (price - entry) * qty * direction
    exit_slippage = abs(price - reference) * qty
    pnl = gross - fees - fee - funding
    ints[row, 0] = direction
    ints[row, 1] = entry_bar
    ints[row, 2] = exit_bar
    ints[row, 3] = reason
    floats[row, ROW_ENTRY_PRICE] = entry
    floats[row, ROW_EXIT_PRICE] = price
    floats[row, ROW_QTY] = qty
    floats[row, ROW_FEES] = fees + fee
    floats[row, ROW_FUNDING] = funding
    floats[row, ROW_SLIPPAGE] = slippage + exit_slippage
    floats[row, ROW_PNL] = pnl
    return gross, fee, exit_slippage, pnl
