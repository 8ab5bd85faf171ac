"""Backtrader 1.9.78 works on our Python / numpy / pandas: a smoke test of what we rely on."""

from __future__ import annotations

import collections
import collections.abc
import warnings

import backtrader as bt
import pandas as pd
import pytest

from scalplab.data import btcompat
from tests.conftest import real_klines


class Doubled(bt.Indicator):
    """An indicator that binds its line to the owner's through `bindlines()`."""

    lines = ("value",)

    def __init__(self) -> None:
        self.lines.value = self.data * 2.0


class Binder(bt.Strategy):
    lines = ("mirror",)

    def __init__(self) -> None:
        sma = bt.indicators.SMA(self.data.close, period=5)
        sma.bindlines(owner="mirror", own=0)  # the call that used collections.Iterable
        self.doubled = Doubled(self.data.close)
        self.seen: list[tuple[float, float]] = []

    def next(self) -> None:
        self.seen.append((float(self.doubled[0]), float(self.data.close[0])))


@pytest.mark.parametrize(("runonce", "preload"), [(True, True), (False, True), (False, False)])
def test_backtrader_runs_indicators_bindlines_and_analyzers(runonce: bool, preload: bool) -> None:
    btcompat.install()
    assert collections.Iterable is collections.abc.Iterable  # type: ignore[attr-defined]
    candles = real_klines("BTCUSDT").head(3 * 1440)
    frame = candles.set_index(pd.to_datetime(candles.open_time, unit="ms"))
    cerebro = bt.Cerebro(runonce=runonce, preload=preload)
    cerebro.adddata(bt.feeds.PandasData(dataname=frame[["open", "high", "low", "close", "volume"]]))
    cerebro.addstrategy(Binder)
    cerebro.addanalyzer(
        bt.analyzers.SharpeRatio,
        timeframe=bt.TimeFrame.Days,
        annualize=True,
        factor=365,
        _name="sharpe",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # cerebro's datetime.utcnow()
        [strategy] = cerebro.run()
    assert len(strategy.seen) == len(frame) - 4  # SMA(5) warm-up
    assert all(d == pytest.approx(2 * c) for d, c in strategy.seen)
    assert "sharperatio" in strategy.analyzers.sharpe.get_analysis()
    # PandasData keeps UTC wall time (naive) for a naive UTC index
    assert bt.num2date(strategy.data.datetime[0]) == frame.index[-1].to_pydatetime()
