"""`verify`: does a screened trial equal the Backtrader result of the same run?

The fast path is only trusted where it agrees with Cerebro: the same trades (side,
entry and exit time, entry and exit price, quantity, exit reason, all exactly), their
fees, funding and P&L within `RELATIVE_TOLERANCE`, and the net P&L too. The first
difference found is named, so a disagreement can be chased to the trade and the field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from scalplab.backtests.fast.model import FastResult, FastTrade
from scalplab.timeutil import iso_ms

RELATIVE_TOLERANCE = 1e-9
EXACT_FIELDS = (
    "side",
    "entry_time",
    "exit_time",
    "entry_price",
    "exit_price",
    "qty",
    "exit_reason",
)
CLOSE_FIELDS = ("fees", "funding", "pnl")


@dataclass(frozen=True, slots=True)
class Verification:
    """The verdict: `ok` only with identical trades and the net P&L within tolerance."""

    ok: bool
    trades_fast: int
    trades_backtrader: int
    first_difference: str | None
    net_pnl_rel_diff: float


def relative_difference(a: float, b: float) -> float:
    """`|a − b| / max(|a|, |b|)` (0 when equal)."""
    if a == b:
        return 0.0
    return abs(a - b) / max(abs(a), abs(b))


def _fast_fields(trade: FastTrade) -> dict[str, object]:
    return {
        "side": trade.side,
        "entry_time": iso_ms(trade.entry_time_ms),
        "exit_time": iso_ms(trade.exit_time_ms),
        "entry_price": trade.entry_price,
        "exit_price": trade.exit_price,
        "qty": trade.qty,
        "exit_reason": trade.exit_reason,
        "fees": trade.fees,
        "funding": trade.funding,
        "pnl": trade.pnl,
    }


def _trade_difference(number: int, fast: FastTrade, stored: Mapping[str, object]) -> str | None:
    mine = _fast_fields(fast)
    for name in EXACT_FIELDS:
        if mine[name] != stored.get(name):
            return f"trade {number}: {name} {mine[name]!r} (fast) != {stored.get(name)!r}"
    for name in CLOSE_FIELDS:
        value, other = mine[name], stored.get(name)
        if not isinstance(value, float) or not isinstance(other, int | float):
            return f"trade {number}: {name} {value!r} (fast) != {other!r}"
        if relative_difference(value, float(other)) > RELATIVE_TOLERANCE:
            return f"trade {number}: {name} {value!r} (fast) != {other!r}"
    return None


def verify(fast: FastResult, result: Mapping[str, object]) -> Verification:
    """Compare a fast trial with a Backtrader result dict (`run_backtest`'s, or a stored
    one: trades with ISO times)."""
    stored = result.get("trades")
    trades: Sequence[Mapping[str, object]] = stored if isinstance(stored, list) else []
    metrics = result.get("metrics")
    net = metrics.get("net_pnl") if isinstance(metrics, Mapping) else None
    net_diff = (
        relative_difference(fast.net_pnl, float(net)) if isinstance(net, int | float) else 1.0
    )
    difference: str | None = None
    for number, (mine, theirs) in enumerate(zip(fast.trades, trades, strict=False), start=1):
        difference = _trade_difference(number, mine, theirs)
        if difference is not None:
            break
    if difference is None and len(fast.trades) != len(trades):
        shorter = min(len(fast.trades), len(trades))
        difference = (
            f"trade count {len(fast.trades)} (fast) != {len(trades)}: "
            f"first unmatched trade is number {shorter + 1}"
        )
    if difference is None and net_diff > RELATIVE_TOLERANCE:
        difference = f"net P&L {fast.net_pnl!r} (fast) != {net!r}"
    return Verification(
        ok=difference is None,
        trades_fast=len(fast.trades),
        trades_backtrader=len(trades),
        first_difference=difference,
        net_pnl_rel_diff=net_diff,
    )
