"""A take-profit ladder with stop rules and a max-hold: a replay through paper trading gives
exactly the backtest's trades (real sample week, every breaker on).

The plugin is written to the run's `STRATEGIES_DIR` (`data/strategies`), so the backtest
and the replayed paper engine discover the same code.
"""

from __future__ import annotations

from pathlib import Path

from scalplab.orders.runs import RunRequest
from scalplab.timeutil import parse_utc
from tests.conftest import make_settings
from tests.simulation.conftest import WEEK_END, WEEK_START, add_plugin, replayed_backtest

PLUGIN = '''
import backtrader as bt

from scalplab.strategies.base import SignalStrategy
from scalplab.strategies.signal import Signal


class LadderCross(SignalStrategy):
    """SMA(5/20) cross; stop 0.3 %; legs 2.5R / 3.5R / 5R at 40 / 40 / 20 %; breakeven
    after leg 1, stop to leg 1 after leg 2, a 3 × ATR(14) trail, 12 bars at most."""

    name = "ladder_cross"
    params = (("fast", 5), ("slow", 20), ("stop_pct", 0.3))

    def __init__(self):
        fast = bt.indicators.SimpleMovingAverage(self.data.close, period=self.p.fast)
        slow = bt.indicators.SimpleMovingAverage(self.data.close, period=self.p.slow)
        self.cross = bt.indicators.CrossOver(fast, slow)

    def generate_signal(self):
        if self.cross[0] == 0:
            return None
        close = float(self.data.close[0])
        risk = close * self.p.stop_pct / 100.0
        sign = 1.0 if self.cross[0] > 0 else -1.0
        legs = ((2.5, 0.4), (3.5, 0.4), (5.0, 0.2))
        return Signal(
            "long" if sign > 0 else "short",
            close,
            close - sign * risk,
            take_profits=tuple((close + sign * r * risk, fraction) for r, fraction in legs),
            breakeven_after_leg=1,
            stop_to_leg_after_leg=(2, 1),
            trail_atr=(3.0, 14),
            max_hold_bars=12,
            reasons=["cross"],
        )
'''


def test_a_ladder_strategy_replayed_through_paper_trading_equals_the_backtest(
    data_dir: Path,
) -> None:
    add_plugin(data_dir, "ladder_cross", PLUGIN)
    settings = make_settings(data_dir)  # the environment's defaults: every breaker on
    run = RunRequest(
        "BTCUSDT",
        "ladder_cross",
        "15m",
        parse_utc(WEEK_START, "start"),
        parse_utc(WEEK_END, "end"),
    )
    keys = ("trades", "signals", "metrics", "rejected", "blocked", "equity", "risk")
    backtest = replayed_backtest(run, settings, keys)
    trades = backtest["trades"]
    assert isinstance(trades, list)
    exits = {(t["exit_reason"], t["leg"]) for t in trades}
    # the sample exercises every leg, the stop, and the signal's own max-hold
    assert {("tp", 1), ("tp", 2), ("tp", 3), ("sl", None), ("max_hold", None)} <= exits
    # a stop that fills in profit was moved by a stop rule (the first stop is a loss)
    assert any(t["exit_reason"] == "sl" and t["pnl"] > 0 for t in trades)
    # one record per closing fill: the metrics count them
    metrics = backtest["metrics"]
    assert isinstance(metrics, dict) and metrics["trades"] == len(trades)
