"""What the 15m confluence plugin keeps bar by bar: the 15m indicators and windows
(`Tape`), each confirmation timeframe's EMA stack (`FeedTrend`) and the 1m momentum
(`Momentum`). Every value is from closed bars only, updated once per bar in the order
the bars close — the same in a backtest and in paper trading (`indicators_incremental`
are the batch indicators' bar-by-bar twins).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from scalplab.strategies.confluence_patterns import Window
from scalplab.strategies.indicators_incremental import (
    BollingerBands,
    DailyVwap,
    Ema,
    Macd,
    Obv,
    RollingMean,
    Rsi,
    StochRsiLine,
    WilderAtr,
)


@dataclass(frozen=True, slots=True)
class TapeSettings:
    """The indicator settings of the 15m tape (the plugin's params)."""

    rsi_period: int = 14
    bb_period: int = 20
    bb_k: float = 2.0
    atr_period: int = 14
    volume_period: int = 20
    window: int = 100
    divergence_bars: int = 14
    squeeze_bars: int = 20


class Tape:
    """The 15m bars' indicators (§3.2 Step 2) and the windows the patterns read."""

    def __init__(self, s: TapeSettings) -> None:
        self.settings = s
        self.emas = (Ema(9), Ema(21), Ema(50), Ema(200))
        self.prev_fast: float | None = None
        self.prev_mid: float | None = None
        self.rsi = Rsi(s.rsi_period)
        self.macd = Macd(12, 26, 9)
        self.prev_macd: tuple[float, float, float] | None = None
        self.bands = BollingerBands(s.bb_period, s.bb_k)
        self.widths: deque[float] = deque(maxlen=s.squeeze_bars)
        self.atr = WilderAtr(s.atr_period)
        self.obv = Obv()
        self.obvs: deque[float] = deque(maxlen=s.divergence_bars + 1)
        self.obv_closes: deque[float] = deque(maxlen=s.divergence_bars + 1)
        self.stoch = StochRsiLine(s.rsi_period, s.rsi_period, 3, 3)
        self.prev_stoch: tuple[float, float] | None = None
        self.volume_mean = RollingMean(s.volume_period)
        self.vwap = DailyVwap()
        self.vwap_value: float | None = None
        self.prev_vwap: float | None = None
        n = s.window
        self.opens: deque[float] = deque(maxlen=n)
        self.highs: deque[float] = deque(maxlen=n)
        self.lows: deque[float] = deque(maxlen=n)
        self.closes: deque[float] = deque(maxlen=n)
        self.volumes: deque[float] = deque(maxlen=n)
        self.rsis: deque[float] = deque(maxlen=n)
        self.bars = 0

    def update(self, open_ms: int, o: float, h: float, lo: float, c: float, v: float) -> None:
        """Feed the bar that just closed."""
        self.bars += 1
        fast, mid = self.emas[0].value, self.emas[1].value
        self.prev_fast, self.prev_mid = fast, mid
        for ema in self.emas:
            ema.update(c)
        rsi = self.rsi.update(c)
        self.prev_macd = self.macd.value
        self.macd.update(c)
        bands = self.bands.update(c)
        if bands is not None and bands[1] > 0:
            self.widths.append((bands[0] - bands[2]) / bands[1])
        self.atr.update(h, lo, c)
        self.obvs.append(self.obv.update(c, v))
        self.obv_closes.append(c)
        self.prev_stoch = self.stoch.value
        self.stoch.update(c)
        self.volume_mean.update(v)
        self.prev_vwap = self.vwap_value
        self.vwap_value = self.vwap.update(open_ms, h, lo, c, v)
        for line, value in (
            (self.opens, o),
            (self.highs, h),
            (self.lows, lo),
            (self.closes, c),
            (self.volumes, v),
            (self.rsis, np.nan if rsi is None else rsi),
        ):
            line.append(value)

    @property
    def ready(self) -> bool:
        """Whether every indicator the scores read has a value (the EMA200 may still be
        missing: the EMA sub-score then has no full stack)."""
        return (
            self.prev_fast is not None
            and self.prev_mid is not None
            and self.emas[2].value is not None
            and self.rsi.value is not None
            and self.macd.value is not None
            and self.prev_macd is not None
            and self.bands.value is not None
            and self.atr.value is not None
            and self.stoch.value is not None
            and self.prev_stoch is not None
            and self.volume_mean.value is not None
            and self.prev_vwap is not None
            and len(self.obvs) == self.obvs.maxlen
        )

    @property
    def trend(self) -> int:
        """+1 when the EMA50 is above the EMA200, −1 below, 0 before the EMA200."""
        slow, trend = self.emas[2].value, self.emas[3].value
        if slow is None or trend is None:
            return 0
        return 1 if slow > trend else -1 if slow < trend else 0

    @property
    def squeeze(self) -> bool:
        """The band width is the narrowest of the last `squeeze_bars` ("narrowing")."""
        widths = self.widths
        return len(widths) == widths.maxlen and widths[-1] <= min(widths)

    def window(self) -> Window:
        """The last bars as arrays (oldest first)."""
        return Window(
            np.fromiter(self.opens, np.float64),
            np.fromiter(self.highs, np.float64),
            np.fromiter(self.lows, np.float64),
            np.fromiter(self.closes, np.float64),
            np.fromiter(self.volumes, np.float64),
            np.fromiter(self.rsis, np.float64),
        )


class FeedTrend:
    """A confirmation timeframe's EMA 9 / 21 / 50, fed its closed bars."""

    def __init__(self) -> None:
        self.emas = (Ema(9), Ema(21), Ema(50))
        self.last_close: float | None = None

    def update(self, close: float) -> None:
        """Feed the next closed bar's close."""
        self.last_close = close
        for ema in self.emas:
            ema.update(close)

    @property
    def values(self) -> tuple[float | None, float | None, float | None]:
        """EMA 9, 21 and 50 (None while warming up)."""
        return (self.emas[0].value, self.emas[1].value, self.emas[2].value)


class Momentum:
    """The 1m closes (the seed's last 60) and their momentum: the sign of the last close
    against the close `bars` minutes before (§3.2 Step 4's undefined 1m momentum,
    PROPOSED)."""

    def __init__(self, bars: int, keep: int = 60) -> None:
        self.bars = bars
        self.closes: deque[float] = deque(maxlen=max(keep, bars + 1))

    def update(self, close: float) -> None:
        """Feed the next closed 1m bar's close."""
        self.closes.append(close)

    @property
    def direction(self) -> int:
        """+1 rising, −1 falling, 0 flat or unknown."""
        closes = self.closes
        if len(closes) <= self.bars:
            return 0
        change = closes[-1] - closes[-1 - self.bars]
        return 1 if change > 0 else -1 if change < 0 else 0


class Closes:
    """A reference feed's closes (the BTC 15m reference: its 1h change for the breakdown)."""

    def __init__(self, keep: int) -> None:
        self.closes: deque[float] = deque(maxlen=keep)

    def update(self, close: float) -> None:
        """Feed the next closed bar's close."""
        self.closes.append(close)

    def change_pct(self, bars: int) -> float | None:
        """The last close against the one `bars` bars before, in % (None: too few)."""
        closes = self.closes
        if len(closes) <= bars or closes[-1 - bars] <= 0:
            return None
        return (closes[-1] / closes[-1 - bars] - 1.0) * 100.0


__all__ = ["Closes", "FeedTrend", "Momentum", "Tape", "TapeSettings"]
