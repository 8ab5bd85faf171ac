"""Chart overlays of the plugins: computed from the candles given, without look-ahead.

The SMA cross lines are checked against Backtrader's own SMA lines, and the SMC zones
against the rules that define them and the signals the plugin's rule gives, on real
BTCUSDT candles.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import backtrader as bt
import numpy as np
import pandas as pd
import pytest

from scalplab.data.feeds import CandleArrayFeed
from scalplab.strategies.base import SignalStrategy
from scalplab.strategies.overlays import ZONE_KINDS, OverlayZone
from scalplab.strategies.registry import discover
from scalplab.strategies.sma_cross import SmaCrossStrategy
from scalplab.strategies.smc import SmcStrategy
from scalplab.strategies.vector import CandleArrays
from tests.conftest import WEEK_START_MS, real_klines

DAY = 1440
SMC_PARAMS: dict[str, int | float | bool | str] = {
    "swing_length": 5,
    "zone_mode": "ob",
    "zone_max_age": 50,
    "min_displacement": 0.5,
    "atr_period": 14,
    "sl_atr_mult": 0.5,
    "rr": 3.0,
    "min_atr_pct": 0.0,
    "trend_filter": False,
    "ema_period": 50,
    "direction": "both",
}


@pytest.fixture(scope="module")
def candles() -> pd.DataFrame:
    """Two real days of BTCUSDT 1m candles."""
    frame = real_klines("BTCUSDT")
    start = int(np.searchsorted(frame.open_time.to_numpy(), WEEK_START_MS))
    return frame.iloc[start : start + 2 * DAY].reset_index(drop=True)


class SmaProbe(bt.Strategy):
    """Records Backtrader's two SMAs on every bar where each is defined."""

    params: ClassVar[Any] = (("fast", 9), ("slow", 21))

    def __init__(self) -> None:
        self.fast = bt.indicators.SimpleMovingAverage(self.data.close, period=self.p.fast)
        self.slow = bt.indicators.SimpleMovingAverage(self.data.close, period=self.p.slow)
        self.rows: dict[str, list[tuple[int, float]]] = {"sma_fast": [], "sma_slow": []}

    def prenext(self) -> None:
        self.next()

    def next(self) -> None:
        bar = len(self) - 1
        for code, line in (("sma_fast", self.fast), ("sma_slow", self.slow)):
            if len(line) and not math.isnan(line[0]):
                self.rows[code].append((bar, line[0]))


def test_sma_cross_lines_are_backtraders_smas(candles: pd.DataFrame) -> None:
    cerebro = bt.Cerebro(stdstats=False, runonce=False, maxcpus=1)
    cerebro.adddata(CandleArrayFeed(candles))
    cerebro.addstrategy(SmaProbe)
    [probe] = cerebro.run()
    params = {"fast": 9, "slow": 21, "stop_pct": 1.0, "rr": 3.0, "allow_short": True}
    overlays = SmaCrossStrategy.chart_overlays(candles, params)
    assert overlays.zones == ()
    times = candles.open_time.tolist()
    assert [line.code for line in overlays.lines] == ["sma_fast", "sma_slow"]
    for line in overlays.lines:
        expected = probe.rows[line.code]
        assert len(expected) > 2000
        assert list(line.time) == [times[bar] for bar, _ in expected]
        assert list(line.value) == [value for _, value in expected]
    # the first value is on bar period - 1: nothing before it, the window ends there
    assert overlays.lines[0].time[0] == times[8]
    assert overlays.lines[1].value[0] == math.fsum(candles.close[:21]) / 21


def smc_zones(candles: pd.DataFrame) -> list[OverlayZone]:
    return list(SmcStrategy.chart_overlays(candles, SMC_PARAMS).zones)


def test_smc_zones_follow_their_rules(candles: pd.DataFrame) -> None:
    zones = smc_zones(candles)
    kinds = {kind: sum(z.kind == kind for z in zones) for kind in ZONE_KINDS}
    assert min(kinds.values()) >= 10, kinds
    row = {t: i for i, t in enumerate(candles.open_time.tolist())}
    high, low = candles.high.to_numpy(), candles.low.to_numpy()
    for zone in zones:
        bar = row[zone.start]
        assert zone.low <= zone.high and zone.start <= zone.end
        if zone.kind == "fvg_bull":  # confirmed by its third candle, the bar it starts on
            assert (zone.low, zone.high) == (high[bar - 2], low[bar])
        elif zone.kind == "fvg_bear":
            assert (zone.low, zone.high) == (high[bar], low[bar - 2])
        else:  # an order block: a candle before the break that confirms it
            before = range(max(0, bar - 500), bar)
            assert any((low[i], high[i]) == (zone.low, zone.high) for i in before)
    # no zone before the plugin's bar loop starts (max(atr + 1, ema) bars)
    assert min(row[z.start] for z in zones) >= 49


def test_smc_zones_have_no_look_ahead(candles: pd.DataFrame) -> None:
    full = smc_zones(candles)
    for n in (700, 1900):
        part = smc_zones(candles.iloc[:n])
        last = int(candles.open_time.iloc[n - 1])
        seen = [z for z in full if z.start <= last]
        assert [(z.kind, z.start, z.low, z.high) for z in part] == [
            (z.kind, z.start, z.low, z.high) for z in seen
        ]
        for mine, known in zip(part, seen, strict=True):
            # a zone ended before the cut ends there in the full history too
            assert mine.end == known.end if mine.end < last else known.end >= last


def test_smc_entries_end_an_order_block_of_their_side(candles: pd.DataFrame) -> None:
    signals = SmcStrategy.vector_signals(CandleArrays.from_frame(candles), SMC_PARAMS)
    ends = {(z.kind, z.end) for z in smc_zones(candles)}
    times = candles.open_time.to_numpy()
    bars = np.flatnonzero(signals.side)
    assert len(bars) >= 5
    for bar in bars:
        kind = "order_block_bull" if signals.side[bar] > 0 else "order_block_bear"
        assert (kind, int(times[bar])) in ends


def test_only_declaring_plugins_have_overlays(candles: pd.DataFrame) -> None:
    declaring = {
        info.name
        for info in discover().list()
        if info.cls.chart_overlays.__func__ is not SignalStrategy.chart_overlays.__func__  # type: ignore[attr-defined]
    }
    assert {"sma_cross", "smc"} <= declaring
    assert SignalStrategy.chart_overlays(candles, {}) is None
