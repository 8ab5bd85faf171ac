"""SMA cross: the plain moving-average crossover, as a reference plugin.

Rules: when the fast simple moving average of closes crosses above the slow one,
go long; when it crosses below, go short. The entry is the bar's close, the
stop-loss `stop_pct` % away on the losing side and the take-profit `rr` times
that distance on the winning side. It is the strategy of the throughput
benchmark (`benchmarks/backtest_throughput.py`) and a template for new plugins,
including the vector form of its rule (`vector_signals`) for fast sweeps and its
chart overlays (`chart_overlays`: the two SMAs).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import backtrader as bt
import pandas as pd

from scalplab.strategies.base import SignalStrategy
from scalplab.strategies.overlays import OverlayLine, Overlays
from scalplab.strategies.params import ParamInfo
from scalplab.strategies.signal import Signal
from scalplab.strategies.vector import SHORT, CandleArrays, VectorSignals, bracket_signals


class SmaCrossStrategy(SignalStrategy):
    """Fast/slow simple-moving-average crossover with a fixed-percentage bracket."""

    name = "sma_cross"
    version = "1.0.0"
    description = "Fast/slow SMA crossover with a fixed % stop and an RR take-profit."

    params = (
        ("fast", 10),
        ("slow", 30),
        ("stop_pct", 1.0),
        ("rr", 3.0),
        ("allow_short", True),
    )
    param_info: ClassVar[dict[str, ParamInfo]] = {
        "fast": ParamInfo("Period of the fast SMA, in bars.", min=1, max=500),
        "slow": ParamInfo("Period of the slow SMA, in bars.", min=2, max=2000),
        "stop_pct": ParamInfo("Stop-loss distance from the entry, in %.", min=0.01, max=50),
        "rr": ParamInfo(
            "Take-profit distance as a multiple of the stop distance.", min=0.1, max=50
        ),
        "allow_short": ParamInfo("Also trade the bearish cross (short)."),
    }

    def __init__(self) -> None:
        fast = bt.indicators.SimpleMovingAverage(self.data.close, period=self.p.fast)
        slow = bt.indicators.SimpleMovingAverage(self.data.close, period=self.p.slow)
        self.cross = bt.indicators.CrossOver(fast, slow)

    @classmethod
    def vector_signals(
        cls, candles: CandleArrays, params: Mapping[str, int | float | bool | str]
    ) -> VectorSignals:
        """The crosses of Backtrader's SMAs (exactly summed windows) and their brackets."""
        from scalplab.strategies.vectorised.averages import crossover, simple_moving_average

        fast, slow = int(params["fast"]), int(params["slow"])
        close = candles.close
        cross = crossover(
            simple_moving_average(close, fast),
            simple_moving_average(close, slow),
            max(fast, slow) - 1,
        )
        if not params["allow_short"]:
            cross[cross == SHORT] = 0
        distance = close * float(params["stop_pct"]) / 100.0
        return bracket_signals(cross, close, distance, float(params["rr"]), max(fast, slow) + 1)

    @classmethod
    def chart_overlays(
        cls, candles: pd.DataFrame, params: Mapping[str, int | float | bool | str]
    ) -> Overlays:
        """The two SMAs the rule crosses (`sma_fast`, `sma_slow`), Backtrader's values bar
        for bar, from the bar each is first defined."""
        from scalplab.strategies.vectorised.averages import simple_moving_average

        bars = CandleArrays.from_frame(candles)
        return Overlays(
            lines=tuple(
                OverlayLine.defined(code, bars.open_time, simple_moving_average(bars.close, period))
                for code, period in (
                    ("sma_fast", int(params["fast"])),
                    ("sma_slow", int(params["slow"])),
                )
            )
        )

    def generate_signal(self) -> Signal | None:
        cross = self.cross[0]
        if cross == 0:
            return None
        close = float(self.data.close[0])
        distance = close * float(self.p.stop_pct) / 100.0
        if cross > 0:
            return Signal(
                "long",
                close,
                close - distance,
                close + distance * float(self.p.rr),
                confidence=50.0,
                reasons=[f"SMA{self.p.fast} crossed above SMA{self.p.slow}"],
            )
        if not self.p.allow_short:
            return None
        return Signal(
            "short",
            close,
            close + distance,
            close - distance * float(self.p.rr),
            confidence=50.0,
            reasons=[f"SMA{self.p.fast} crossed below SMA{self.p.slow}"],
        )
