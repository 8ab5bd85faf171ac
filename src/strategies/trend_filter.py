"""Trend filter: an SMA cross traded only with the higher timeframe and with BTC.

The example of extra feeds (`feeds`): besides the bars of the run's timeframe it reads
the run's symbol on a higher timeframe (`datas[1]`, 1h) and BTCUSDT as a reference
(`datas[2]`, 15m). Rules, on the close of each bar of the run's timeframe:

- long when the fast SMA of closes crosses above the slow one, the last CLOSED 1h bar
  closes above its EMA(`htf_period`) and BTC's last closed 15m bar closes above its
  SMA(`btc_period`);
- short on the mirror image (cross below, 1h close under its EMA, BTC under its SMA),
  unless `allow_short` is off;
- entry at the close, stop-loss `stop_pct` % away, take-profit `rr` times that.

The 1h bar a 5m or 15m bar sees is the last one that closed by that bar's close — never
the hour still forming — in backtests and paper trading alike (the platform aligns extra
feeds; see `scalplab.strategies.feeds`).
"""

from __future__ import annotations

from typing import ClassVar

import backtrader as bt

from scalplab.strategies.base import SignalStrategy, finite
from scalplab.strategies.params import ParamInfo
from scalplab.strategies.signal import Signal


class TrendFilterStrategy(SignalStrategy):
    """SMA cross filtered by the 1h trend of the symbol and by BTC's trend."""

    name = "trend_filter"
    version = "1.0.0"
    description = "SMA cross traded with the 1h trend and with BTC (extra feeds example)."
    feeds = ("1h", "BTCUSDT:15m")

    params = (
        ("fast", 10),
        ("slow", 30),
        ("htf_period", 20),
        ("btc_period", 20),
        ("stop_pct", 1.0),
        ("rr", 3.0),
        ("allow_short", True),
    )
    param_info: ClassVar[dict[str, ParamInfo]] = {
        "fast": ParamInfo("Period of the fast SMA on the run's timeframe.", min=1, max=500),
        "slow": ParamInfo("Period of the slow SMA on the run's timeframe.", min=2, max=2000),
        "htf_period": ParamInfo("EMA period of the 1h trend filter, in 1h bars.", min=2, max=500),
        "btc_period": ParamInfo("SMA period of BTC's 15m trend filter.", min=2, max=500),
        "stop_pct": ParamInfo("Stop-loss distance from the entry, in %.", min=0.01, max=50),
        "rr": ParamInfo(
            "Take-profit distance as a multiple of the stop distance.", min=0.1, max=50
        ),
        "allow_short": ParamInfo("Also trade the bearish cross (short)."),
    }

    def __init__(self) -> None:
        base, hourly, btc = self.datas[0], self.datas[1], self.datas[2]
        fast = bt.indicators.SimpleMovingAverage(base.close, period=self.p.fast)
        slow = bt.indicators.SimpleMovingAverage(base.close, period=self.p.slow)
        self.cross = bt.indicators.CrossOver(fast, slow)
        self.htf_ema = bt.indicators.ExponentialMovingAverage(
            hourly.close, period=self.p.htf_period
        )
        self.btc_sma = bt.indicators.SimpleMovingAverage(btc.close, period=self.p.btc_period)
        self.hourly, self.btc = hourly, btc

    def generate_signal(self) -> Signal | None:
        cross = self.cross[0]
        if cross == 0:
            return None
        hourly_close, hourly_ema = float(self.hourly.close[0]), float(self.htf_ema[0])
        btc_close, btc_sma = float(self.btc.close[0]), float(self.btc_sma[0])
        if not finite(hourly_ema, btc_sma):
            return None
        close = float(self.data.close[0])
        distance = close * float(self.p.stop_pct) / 100.0
        reward = distance * float(self.p.rr)
        if cross > 0 and hourly_close > hourly_ema and btc_close > btc_sma:
            return Signal(
                "long",
                close,
                close - distance,
                close + reward,
                reasons=["SMA cross up", "1h close above its EMA", "BTC above its SMA"],
            )
        if cross < 0 and self.p.allow_short and hourly_close < hourly_ema and btc_close < btc_sma:
            return Signal(
                "short",
                close,
                close + distance,
                close - reward,
                reasons=["SMA cross down", "1h close below its EMA", "BTC below its SMA"],
            )
        return None
