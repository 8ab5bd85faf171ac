"""The fast path's records: what a screened trial gives back, and why a run cannot be screened.

A `FastResult` holds the trades of one trial (`FastTrade`, the fields of the result
JSON's trades with epoch-ms times), its `Metrics` computed by the same code as a
Backtrader result's (`scalplab.orders.metrics`), and its signals' fates. A run the
compiled kernel cannot reproduce exactly is refused with `FastPathUnsupported`, naming
what it lacks, so a sweep falls back to the Backtrader path for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from scalplab.errors import InputError
from scalplab.orders.metrics import Metrics
from scalplab.orders.models import ExitReason, Trade, trade_dict
from scalplab.strategies.signal import Side
from scalplab.strategies.vector import FloatArray


class FastPathUnsupported(InputError):  # noqa: N818 - the name the interface fixes
    """The run uses something the fast path does not simulate; `reason` says what (run it
    through the Backtrader path instead)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"the fast path cannot run this: {reason}")
        self.reason = reason


@dataclass(frozen=True, slots=True)
class FastTrade:
    """One closed trade of a screened trial (times: the fill bars' open times, epoch ms)."""

    side: Side
    entry_time_ms: int
    exit_time_ms: int
    entry_price: float
    exit_price: float
    qty: float
    exit_reason: ExitReason
    fees: float
    funding: float
    pnl: float
    slippage: float = 0.0
    bars_held: int = 0

    def to_trade(self, symbol: str, strategy: str) -> Trade:
        """The execution model's record of this trade."""
        return Trade(
            symbol=symbol,
            strategy=strategy,
            side=self.side,
            entry_ms=self.entry_time_ms,
            exit_ms=self.exit_time_ms,
            entry_price=self.entry_price,
            exit_price=self.exit_price,
            qty=self.qty,
            exit_reason=self.exit_reason,
            fees=self.fees,
            funding=self.funding,
            slippage=self.slippage,
            pnl=self.pnl,
            bars_held=self.bars_held,
        )


@dataclass(frozen=True)
class FastResult:
    """A screened trial: its trades, metrics, and signals rejected or blocked, by reason.

    `equity` is the equity at each bar's close (the last one after the end-of-data
    close), as the Backtrader result's equity curve.
    """

    trades: list[FastTrade]
    metrics: Metrics
    rejected: dict[str, int]
    blocked: dict[str, int] = field(default_factory=dict)
    equity: FloatArray = field(default_factory=lambda: np.empty(0))
    pair: str = ""
    strategy: str = ""

    @property
    def net_pnl(self) -> float:
        """Final equity minus the initial capital."""
        return self.metrics.net_pnl


def to_result_trades(fast: FastResult) -> list[dict[str, object]]:
    """The trades in the result JSON's shape (`trade_dict`: ISO-8601 UTC times)."""
    return [trade_dict(trade.to_trade(fast.pair, fast.strategy)) for trade in fast.trades]
