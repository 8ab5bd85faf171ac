"""Vector forms of the signal rules: bit for bit what the Backtrader plugins decide.

The reference is Backtrader itself: the plugin runs in Cerebro on real BTCUSDT candles
with an executor that records every signal and never holds a position (so each signal
is the one `generate_signal` gives as if flat, which is the vector form's contract),
and Backtrader's own indicator lines are recorded beside it.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from typing import Any, ClassVar, Literal

import backtrader as bt
import numpy as np
import pandas as pd
import pytest

from scalplab.data.bars import Bar
from scalplab.data.feeds import CandleArrayFeed
from scalplab.strategies.base import SignalStrategy
from scalplab.strategies.breakers import BreakerInputs
from scalplab.strategies.registry import discover
from scalplab.strategies.signal import Signal
from scalplab.strategies.sma_cross import SmaCrossStrategy
from scalplab.strategies.smc import SmcStrategy
from scalplab.strategies.vector import CandleArrays, VectorSignals, bracket_signals
from scalplab.strategies.vectorised.averages import (
    average_true_range,
    crossover,
    exact_sum,
    exponential_moving_average,
    simple_moving_average,
)
from tests.backtests.plugins import ScriptedStrategy
from tests.conftest import WEEK_START_MS, real_klines

DAY = 1440


@pytest.fixture(scope="module")
def candles() -> pd.DataFrame:
    """Three real days of BTCUSDT 1m candles (4,320 bars)."""
    frame = real_klines("BTCUSDT")
    start = int(np.searchsorted(frame.open_time.to_numpy(), WEEK_START_MS))
    return frame.iloc[start : start + 3 * DAY].reset_index(drop=True)


class FlatRecorder:
    """An executor that records each signal and never holds a position."""

    def __init__(self) -> None:
        self.signals: dict[int, Signal] = {}

    def on_bar(self, bar: Bar) -> None:
        """Nothing fills: the strategy stays flat."""

    def on_signal(self, bar: Bar, signal: Signal, breakers: BreakerInputs | None = None) -> None:
        self.signals[bar.open_ms] = signal

    def bars_held(self) -> int:
        return 0

    def request_exit(self, reason: Literal["max_hold", "signal"]) -> bool:
        return False

    def position(self) -> None:
        return None

    def finish(self) -> None:
        """Nothing to close."""


def run_flat(
    cls: type[SignalStrategy], frame: pd.DataFrame, params: Mapping[str, Any]
) -> tuple[FlatRecorder, int]:
    """The plugin in Cerebro over `frame`: its signals as if flat, and its warm-up."""
    recorder = FlatRecorder()
    cerebro = bt.Cerebro(stdstats=False, maxcpus=1)
    cerebro.adddata(CandleArrayFeed(frame))
    cerebro.addstrategy(cls, executor=recorder, market=None, **params)
    [strategy] = cerebro.run()
    return recorder, int(strategy._minperiod)


def assert_same_signals(
    vector: VectorSignals, recorded: dict[int, Signal], open_ms: np.ndarray
) -> None:
    chosen = np.flatnonzero(vector.side)
    assert [int(open_ms[i]) for i in chosen] == sorted(recorded)
    for i in chosen:
        signal = recorded[int(open_ms[i])]
        assert (1 if signal.side == "long" else -1) == vector.side[i]
        # identical floats, not approximately equal ones
        assert (vector.entry[i], vector.stop_loss[i], vector.take_profit[i]) == (
            signal.entry,
            signal.stop_loss,
            signal.take_profit,
        )
    assert np.isnan(vector.entry[vector.side == 0]).all()


SMA_PARAMS: list[dict[str, object]] = [
    {},
    {"fast": 3, "slow": 5, "stop_pct": 0.3, "rr": 4.0},
    {"fast": 1, "slow": 2, "allow_short": False},
    {"fast": 30, "slow": 12, "stop_pct": 2.5, "rr": 3.5},
    {"fast": 50, "slow": 200, "stop_pct": 0.1},
]


@pytest.mark.parametrize("given", SMA_PARAMS)
def test_sma_cross_vector_form_equals_the_plugin(
    candles: pd.DataFrame, given: dict[str, object]
) -> None:
    params = discover(None).get("sma_cross").resolve(given)
    recorded, warmup = run_flat(SmaCrossStrategy, candles, params)
    vector = SmaCrossStrategy.vector_signals(CandleArrays.from_frame(candles), params)
    assert recorded.signals, "no cross: the check proves nothing"
    assert_same_signals(vector, recorded.signals, candles.open_time.to_numpy())
    assert vector.warmup_bars == warmup and not vector.quiet_in_position


SMC_PARAMS: list[dict[str, object]] = [
    {},
    {"swing_length": 2, "zone_mode": "fvg", "min_displacement": 0.5, "atr_period": 7},
    {"swing_length": 3, "zone_mode": "ob", "direction": "short", "sl_atr_mult": 0.0},
    {"swing_length": 4, "trend_filter": True, "ema_period": 20, "min_atr_pct": 0.02},
    {"swing_length": 1, "direction": "long", "zone_max_age": 5, "rr": 2.0, "ema_period": 2},
]


@pytest.mark.parametrize("given", SMC_PARAMS)
def test_smc_vector_form_equals_the_plugin(candles: pd.DataFrame, given: dict[str, object]) -> None:
    params = discover(None).get("smc").resolve(given)
    recorded, warmup = run_flat(SmcStrategy, candles, params)
    vector = SmcStrategy.vector_signals(CandleArrays.from_frame(candles), params)
    assert len(recorded.signals) >= 5, "too few setups: the check proves little"
    assert_same_signals(vector, recorded.signals, candles.open_time.to_numpy())
    assert vector.warmup_bars == warmup and vector.quiet_in_position


class IndicatorProbe(bt.Strategy):
    """Records Backtrader's SMA, EMA, ATR and crossover lines bar by bar."""

    params: ClassVar[Any] = (("fast", 7), ("slow", 19), ("ema", 23), ("atr", 11))

    def __init__(self) -> None:
        self.fast = bt.indicators.SimpleMovingAverage(self.data.close, period=self.p.fast)
        self.slow = bt.indicators.SimpleMovingAverage(self.data.close, period=self.p.slow)
        self.cross = bt.indicators.CrossOver(self.fast, self.slow)
        self.ema = bt.indicators.ExponentialMovingAverage(self.data.close, period=self.p.ema)
        self.atr = bt.indicators.AverageTrueRange(self.data, period=self.p.atr)
        self.rows: list[tuple[float, float, float, float, float]] = []

    def next(self) -> None:
        self.rows.append((self.fast[0], self.slow[0], self.cross[0], self.ema[0], self.atr[0]))


@pytest.mark.parametrize("runonce", [True, False])
def test_indicators_are_backtraders_bit_for_bit(candles: pd.DataFrame, runonce: bool) -> None:
    cerebro = bt.Cerebro(stdstats=False, runonce=runonce, maxcpus=1)
    cerebro.adddata(CandleArrayFeed(candles))
    cerebro.addstrategy(IndicatorProbe)
    [probe] = cerebro.run()
    first = int(probe._minperiod) - 1  # the bar of the first `next`
    bars = CandleArrays.from_frame(candles)
    fast = simple_moving_average(bars.close, 7)
    slow = simple_moving_average(bars.close, 19)
    mine = np.column_stack(
        [
            fast,
            slow,
            crossover(fast, slow, 18).astype(np.float64),
            exponential_moving_average(bars.close, 23),
            average_true_range(bars.high, bars.low, bars.close, 11),
        ]
    )[first:]
    assert np.array_equal(mine, np.array(probe.rows))


def test_exact_sum_is_math_fsum() -> None:
    rng = random.Random(11)
    scratch = np.empty(400)
    for trial in range(400):
        size = rng.randint(0, 300)
        if trial % 2:
            values = [rng.uniform(-1, 1) * 10.0 ** rng.randint(-25, 25) for _ in range(size)]
        else:
            values = [
                rng.choice([1e16, 1.0, -1e16, 1e-16, 0.1, -0.3, 2.0**-60]) for _ in range(size)
            ]
        array = np.array(values, dtype=np.float64)
        assert exact_sum(array, 0, size, scratch) == math.fsum(values)


def test_rolling_sma_is_fsum_of_every_window() -> None:
    rng = random.Random(5)
    for trial in range(120):
        values = np.array(
            [
                rng.gauss(0, 1) * 2.0 ** rng.randint(-60, 60)
                if trial % 3
                else round(rng.uniform(60_000, 120_000), 1)
                for _ in range(rng.randint(1, 300))
            ]
        )
        period = rng.randint(1, 40)
        expected = np.full(len(values), np.nan)
        for i in range(period - 1, len(values)):
            expected[i] = math.fsum(values[i - period + 1 : i + 1]) / period
        assert np.array_equal(simple_moving_average(values, period), expected, equal_nan=True)
    with_nan = np.array([1.0, 2.0, np.nan, 4.0, 5.0, 6.0])
    assert np.array_equal(
        simple_moving_average(with_nan, 2), [np.nan, 1.5, np.nan, np.nan, 4.5, 5.5], equal_nan=True
    )


def test_candle_arrays_and_signal_slots(candles: pd.DataFrame) -> None:
    bars = CandleArrays.from_frame(candles)
    assert len(bars) == len(candles) and bars.open_time.dtype == np.int64
    part = bars.window(10, 20)
    assert len(part) == 10 and part.close[0] == candles.close.iloc[10]
    assert part.open_time[-1] == candles.open_time.iloc[19]
    none = VectorSignals.none(5, warmup_bars=3)
    assert none.count == 0 and len(none) == 5 and none.warmup_bars == 3
    with pytest.raises(ValueError, match="one value per bar"):
        VectorSignals(np.zeros(3, dtype=np.int8), np.zeros(2), np.zeros(3), np.zeros(3))
    side = np.array([0, 1, -1], dtype=np.int8)
    levels = bracket_signals(side, np.array([10.0, 100.0, 200.0]), np.array([1.0, 2.0, 4.0]), 3.0)
    assert levels.count == 2 and np.isnan(levels.entry[0])
    assert (levels.stop_loss[1], levels.take_profit[1]) == (98.0, 106.0)
    assert (levels.stop_loss[2], levels.take_profit[2]) == (204.0, 188.0)


def test_which_plugins_have_a_vector_form() -> None:
    assert SmaCrossStrategy.has_vector_form() and SmcStrategy.has_vector_form()
    assert not SignalStrategy.has_vector_form()
    assert not ScriptedStrategy.has_vector_form()
    bars = CandleArrays.from_frame(real_klines("BTCUSDT").head(50))
    assert ScriptedStrategy.vector_signals(bars, {}) is None

    class Reworded(SmaCrossStrategy):
        """Changes the rule but inherits the vector form: no longer described by it."""

        def generate_signal(self) -> Signal | None:
            return None

    class Renamed(SmaCrossStrategy):
        """Keeps the rule: the vector form still describes it."""

    assert not Reworded.has_vector_form() and Renamed.has_vector_form()
