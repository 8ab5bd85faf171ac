"""Running the same bars and signals through the order pipeline and the fast kernel.

`run_both` drives a `Harness` (one book of a sandbox, as a strategy's base class does
it: a closed bar, the max-hold request, maybe a signal, then the end of the data) and
`simulate` over the same bars, and returns both, so a test can assert its
hand-computed numbers on the fast result and that the two agree on everything.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from scalplab.backtests.fast import FastResult, FastSetup, simulate
from scalplab.data.symbols import SymbolRules
from scalplab.orders.execution import ExecutionConfig
from scalplab.orders.funding import FundingSchedule
from scalplab.orders.models import Bar
from scalplab.orders.risk import RiskSettings
from scalplab.strategies.signal import Signal
from scalplab.strategies.vector import CandleArrays, VectorSignals
from tests.orders.harness import CONFIG, NO_BREAKERS, RULES, Harness


@dataclass
class Dual:
    """Both runs of one scenario."""

    fast: FastResult
    harness: Harness


def arrays(bars: list[Bar]) -> CandleArrays:
    """The bars as candle arrays."""
    return CandleArrays(
        np.array([b.open_ms for b in bars], dtype=np.int64),
        np.array([b.open for b in bars]),
        np.array([b.high for b in bars]),
        np.array([b.low for b in bars]),
        np.array([b.close for b in bars]),
        np.array([b.volume for b in bars]),
    )


def slots(bars: int, signals: dict[int, Signal], quiet: bool = False) -> VectorSignals:
    """The signals by bar index as signal slots (`quiet`: the rule is silent in position)."""
    side = np.zeros(bars, dtype=np.int8)
    entry, stop, target = (np.full(bars, np.nan) for _ in range(3))
    for index, signal in signals.items():
        side[index] = 1 if signal.side == "long" else -1
        entry[index], stop[index] = signal.entry, signal.stop_loss
        assert signal.take_profit is not None
        target[index] = signal.take_profit
    return VectorSignals(side, entry, stop, target, quiet_in_position=quiet)


def run_both(
    bars: list[Bar],
    signals: dict[int, Signal],
    *,
    config: ExecutionConfig = CONFIG,
    rules: SymbolRules = RULES,
    risk: RiskSettings = NO_BREAKERS,
    funding: FundingSchedule | None = None,
    max_hold_bars: int = 0,
    quiet: bool = False,
) -> Dual:
    """The scenario through the pipeline and through the fast kernel (`quiet`: the
    strategy gives no signal while it holds a position)."""
    schedule = funding or FundingSchedule([], 0.0)
    harness = Harness(config, risk, rules, schedule, last_open_ms=bars[-1].open_ms)
    for index, bar in enumerate(bars):
        harness.on_bar(bar)
        if max_hold_bars and harness.executor.bars_held() >= max_hold_bars:
            harness.executor.request_exit("max_hold")
        if index in signals and not (quiet and harness.executor.position() is not None):
            harness.on_signal(bar, signals[index])
    harness.finish()
    setup = FastSetup(config, rules, schedule, risk, max_hold_bars, rules.symbol, "test")
    return Dual(simulate(arrays(bars), slots(len(bars), signals, quiet), setup), harness)


def assert_agree(dual: Dual) -> None:
    """Same trades (every field), equity curve, signal fates and totals."""
    fast, harness = dual.fast, dual.harness
    assert [t.to_trade(t_symbol(harness), "test") for t in fast.trades] == harness.trades
    model = harness.model
    assert fast.equity.tolist() == [value for _, value in model.equity_curve]
    fates = Counter((record.status, record.breaker or record.reason) for record in harness.signals)
    rejected = {reason: n for (status, reason), n in fates.items() if status == "rejected"}
    blocked = {reason: n for (status, reason), n in fates.items() if status == "blocked"}
    assert fast.rejected == dict(sorted(rejected.items()))
    assert fast.blocked == dict(sorted(blocked.items()))
    metrics = fast.metrics
    assert metrics.final_equity == model.equity
    assert metrics.signals_accepted == fates[("accepted", "")]
    assert metrics.signals_dropped == fates[("dropped", "last_bar")]
    totals = model.totals()
    assert (metrics.fees, metrics.slippage, metrics.funding) == (
        totals["fees"],
        totals["slippage"],
        totals["funding"],
    )
    assert metrics.exposure_pct == totals["bars_in_market"] / totals["bars"] * 100.0
    assert metrics.funding_default_instants == totals["funding_default_instants"]


def t_symbol(harness: Harness) -> str:
    """The harness book's symbol."""
    return harness.model.book(harness.book).key.symbol
