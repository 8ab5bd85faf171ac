"""`SignalStrategy`'s own duties that plugins rely on without knowing."""

from __future__ import annotations

from pathlib import Path

import pytest

from scalplab.timeutil import iso_ms
from tests.conftest import make_settings
from tests.simulation.conftest import (
    NON_BINDING_RISK,
    add_plugin,
    data_dir,
    real_bars,
    replayed_backtest,
    sample_template,
    two_days,
)

__all__ = ["data_dir", "sample_template"]  # fixtures: a copy of the session's real sample

LOOKBACK_PLUGIN = '''
"""A long after three higher closes, read straight from the feed (no indicator)."""

from scalplab.strategies.base import SignalStrategy
from scalplab.strategies.signal import Signal


class ThreeUp(SignalStrategy):
    name = "three_up"
    version = "1.0.0"

    def generate_signal(self):
        if len(self) < 4:
            return None
        close = self.data.close
        if not close[0] > close[-1] > close[-2] > close[-3]:
            return None
        price = float(close[0])
        return Signal("long", price, price * 0.99, price * 1.04, reasons=["three up"])
'''


def test_history_read_straight_from_the_feed_is_the_same_in_paper_trading(
    data_dir: Path,
) -> None:
    """Paper trading saves memory (Cerebro keeps only the bars lines need): a plugin that
    reads `close[-3]` without an indicator must still see the bar three back, not a
    value wrapped round a one-bar buffer."""
    add_plugin(data_dir, "three_up", LOOKBACK_PLUGIN)
    backtest = replayed_backtest(two_days("three_up"), make_settings(data_dir, **NON_BINDING_RISK))
    signals = backtest["signals"]
    assert isinstance(signals, list) and len(signals) > 5


EXIT_PLUGIN = '''
"""A long every 20 bars, closed by its own exit rule two bars after the entry."""

from scalplab.strategies.base import SignalStrategy
from scalplab.strategies.signal import Signal


class OwnExit(SignalStrategy):
    name = "own_exit"
    version = "1.0.0"

    def generate_signal(self):
        if self.in_position:
            self.held = getattr(self, "held", 0) + 1
            if self.held == 2:
                self.exit_position()
            return None
        self.held = 0
        if len(self) % 20:
            return None
        price = float(self.data.close[0])
        return Signal("long", price, price * 0.9, price * 1.5, reasons=["every 20"])
'''


def test_a_strategy_closes_its_position_by_its_own_rule_at_the_next_open(
    data_dir: Path,
) -> None:
    add_plugin(data_dir, "own_exit", EXIT_PLUGIN)
    settings = make_settings(data_dir, **NON_BINDING_RISK, SLIPPAGE_PCT=0.05)
    backtest = replayed_backtest(two_days("own_exit"), settings)
    trades = backtest["trades"]
    assert isinstance(trades, list) and len(trades) > 3
    bars = real_bars(data_dir, "ETHUSDT", "15m")
    for trade in trades[:-1]:
        assert trade["exit_reason"] == "signal"
        # filled at the open of bar e; the plugin counts the closes of e and e + 1 in the
        # position and fires at the second → out at the open of e + 2, slipped 0.05 %
        entry = next(i for i, bar in enumerate(bars) if iso_ms(bar.open_ms) == trade["entry_time"])
        exit_bar = bars[entry + 2]
        assert trade["exit_time"] == iso_ms(exit_bar.open_ms)
        assert trade["exit_price"] == pytest.approx(exit_bar.open * (1 - 0.0005))
    assert backtest["metrics"]["exits"]["signal"] == len(trades) - (
        trades[-1]["exit_reason"] != "signal"
    )
