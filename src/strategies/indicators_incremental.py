"""Bar-by-bar twins of `scalplab.strategies.indicators`, for code that sees one closed bar
at a time: a strategy's `generate_signal`, the execution model's stop rules
(`scalplab.orders.stop_rules`), the risk gate's volatility breaker (`scalplab.orders.atr`).

Each twin does its batch function's arithmetic, in the same order, one bar more per call;
`tests/strategies/test_indicators.py` checks every twin against its batch function on
real candles, value for value. (They live beside `indicators`, not in it, only because
that module would outgrow the 500-line limit of a module.)

- `WilderAtr`: Wilder's ATR as ARCHITECTURE.md's `trail_atr` rule defines it — seeded with
  the mean of the first `period` true ranges of the data it is fed, the first bar's true
  range being high − low (it has no previous close), then
  `ATR = (ATR × (period − 1) + TR) / period`. The seed is summed left to right, as
  `indicators.atr` sums it. Its first value comes with bar `period − 1` (0-based), one bar
  before `indicators.atr`'s, which (like TA-Lib) has no true range for bar 0: fed the
  true ranges of `indicators.true_range` from bar 1 on (`add`), it is `indicators.atr`.
- `DailyVwap`: `indicators.vwap_daily`, the typical-price VWAP restarted at 00:00 UTC.
- `Ema`, `Rsi`, `Macd`, `RollingMean`, `BollingerBands`, `Obv`, `StochRsiLine`:
  `indicators.ema`, `rsi`, `macd`, `sma`, `bollinger`, `obv` and `stoch_rsi` with their
  seeding, value for value (a window's sum and deviation are numpy's over the same
  window). Each has `value` (None during its warm-up) and `update(...)`; `StochRsiLine`
  gives `(k, d)` from `d`'s first bar. They were added for the 15m confluence plugin
  (`confluence_15m`), which sees one closed bar at a time.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from scalplab.errors import InputError
from scalplab.strategies.indicators import DAY_MS


def bar_true_range(high: float, low: float, prev_close: float | None) -> float:
    """One bar's true range: `max(H − L, |H − C₋₁|, |L − C₋₁|)`, and `H − L` for the
    first bar of the data (`prev_close` None)."""
    span = high - low
    if prev_close is None:
        return span
    return max(span, abs(high - prev_close), abs(low - prev_close))


class WilderAtr:
    """Wilder's ATR of one period, fed bar by bar (`update`) or true range by true range
    (`add`); `value` is None until `period` true ranges were fed.

    Until then `count` and `total` are the true ranges fed and their sum; `prev_close`
    is the close of the last bar `update` saw (None before the first). All of it is
    plain data, so that an owner can save it and build the same ATR from it again.
    """

    __slots__ = ("count", "period", "prev_close", "total", "value")

    def __init__(
        self,
        period: int,
        count: int = 0,
        total: float = 0.0,
        value: float | None = None,
        prev_close: float | None = None,
    ) -> None:
        if period < 1:
            raise InputError(f"ATR period must be >= 1, not {period}")
        self.period = period
        self.count = count
        self.total = total
        self.value = value
        self.prev_close = prev_close

    def update(self, high: float, low: float, close: float) -> float | None:
        """Feed the next closed bar; the ATR after it (None before `period` bars)."""
        true_range = bar_true_range(high, low, self.prev_close)
        self.prev_close = close
        return self.add(true_range)

    def add(self, true_range: float) -> float | None:
        """Feed the next bar's true range; the ATR after it (None before `period` of them)."""
        value = self.value
        if value is not None:
            self.value = (value * (self.period - 1) + true_range) / self.period
        else:
            self.total += true_range
            self.count += 1
            if self.count == self.period:
                self.value = self.total / self.period
        return self.value


class DailyVwap:
    """`indicators.vwap_daily` bar by bar: `update` gives the day's VWAP up to that bar."""

    __slots__ = ("day", "pv", "volume")

    def __init__(self) -> None:
        self.day: int | None = None
        self.pv = 0.0
        self.volume = 0.0

    def update(self, open_ms: int, high: float, low: float, close: float, volume: float) -> float:
        """Feed the next closed bar (`open_ms`: its open time, epoch ms); `Σ(TP × V) / ΣV`
        over the bars of its UTC day so far, or its own typical price TP while the day's
        volume is 0."""
        day = open_ms // DAY_MS
        typical = (high + low + close) / 3.0
        if day != self.day:
            self.day, self.pv, self.volume = day, 0.0, 0.0
        self.pv += typical * volume
        self.volume += volume
        return self.pv / self.volume if self.volume > 0 else typical


def _period(period: int, name: str = "period") -> int:
    if isinstance(period, bool) or not isinstance(period, int) or period < 1:
        raise InputError(f"{name} must be >= 1, not {period!r}")
    return period


def _left_sum(values: object) -> float:
    """Left-to-right sum, as `indicators` sums its seeds."""
    total = 0.0
    for value in values:  # type: ignore[attr-defined]
        total += value
    return total


class Ema:
    """`indicators.ema`: seeded with the mean of the first `period` values, then
    `ema = (x − ema) × k + ema`, `k = 2 / (period + 1)`."""

    __slots__ = ("_seed", "k", "period", "value")

    def __init__(self, period: int) -> None:
        self.period = _period(period)
        self.k = 2.0 / (period + 1)
        self._seed: list[float] = []
        self.value: float | None = None

    def update(self, x: float) -> float | None:
        """Feed the next value; the EMA after it (None before `period` values)."""
        value = self.value
        if value is not None:
            self.value = (x - value) * self.k + value
        else:
            self._seed.append(x)
            if len(self._seed) == self.period:
                self.value = _left_sum(self._seed) / self.period
                self._seed = []
        return self.value


class Rsi:
    """`indicators.rsi`: Wilder's averages of gains and losses seeded with the mean of the
    first `period` changes; 50 while both averages are 0."""

    __slots__ = ("_gains", "_losses", "avg_gain", "avg_loss", "period", "prev", "value")

    def __init__(self, period: int = 14) -> None:
        self.period = _period(period)
        self.prev: float | None = None
        self._gains: list[float] = []
        self._losses: list[float] = []
        self.avg_gain: float | None = None
        self.avg_loss = 0.0
        self.value: float | None = None

    def update(self, close: float) -> float | None:
        """Feed the next close; the RSI after it (None for the first `period` closes)."""
        prev, self.prev = self.prev, close
        if prev is None:
            return None
        change = close - prev
        gain, loss = max(change, 0.0), max(-change, 0.0)
        n = self.period
        if self.avg_gain is None:
            self._gains.append(gain)
            self._losses.append(loss)
            if len(self._gains) < n:
                return None
            self.avg_gain = _left_sum(self._gains) / n
            self.avg_loss = _left_sum(self._losses) / n
            self._gains, self._losses = [], []
        else:
            keep = float(n - 1)
            self.avg_gain = (self.avg_gain * keep + gain) / n
            self.avg_loss = (self.avg_loss * keep + loss) / n
        total = self.avg_gain + self.avg_loss
        self.value = 50.0 if total == 0.0 else 100.0 * (self.avg_gain / total)
        return self.value


class Macd:
    """`indicators.macd` (TA-Lib's seeding): both EMAs start at the `slow`-th close, the
    fast one seeded with the mean of the last `fast` closes there; the signal EMA is
    seeded with the mean of the first `signal` MACD values. `value` is
    `(macd, signal, hist)` from the `slow + signal − 1`-th close on."""

    __slots__ = ("_closes", "_fast", "_lines", "_signal", "_slow", "signal_period", "value")

    def __init__(self, fast: int = 12, slow: int = 26, signal: int = 9) -> None:
        _period(fast, "fast"), _period(slow, "slow"), _period(signal, "signal")
        if fast >= slow:
            raise InputError(f"fast ({fast}) must be shorter than slow ({slow})")
        self._closes: deque[float] = deque(maxlen=slow)
        self._fast, self._slow = Ema(fast), Ema(slow)
        self.signal_period = signal
        self._signal = Ema(signal)
        self._lines = 0
        self.value: tuple[float, float, float] | None = None

    def update(self, close: float) -> tuple[float, float, float] | None:
        """Feed the next close; `(macd, signal, hist)` after it (None during the warm-up)."""
        fast, slow = self._fast, self._slow
        if slow.value is None:
            self._closes.append(close)
            if len(self._closes) < slow.period:
                return None
            closes = list(self._closes)
            slow.value = _left_sum(closes) / slow.period
            fast.value = _left_sum(closes[-fast.period :]) / fast.period
        else:
            fast.update(close)
            slow.update(close)
        assert fast.value is not None and slow.value is not None
        line = fast.value - slow.value
        signal = self._signal.update(line)
        if signal is None:
            return None
        self.value = (line, signal, line - signal)
        return self.value


class RollingMean:
    """`indicators.sma`: the mean of the last `period` values (None before `period`)."""

    __slots__ = ("period", "value", "window")

    def __init__(self, period: int) -> None:
        self.period = _period(period)
        self.window: deque[float] = deque(maxlen=period)
        self.value: float | None = None

    def update(self, x: float) -> float | None:
        """Feed the next value; the mean of the window after it."""
        self.window.append(x)
        if len(self.window) == self.period:
            self.value = (
                float(np.fromiter(self.window, np.float64, self.period).sum()) / self.period
            )
        return self.value


class BollingerBands:
    """`indicators.bollinger`: `(upper, middle, lower)` of the last `period` closes,
    σ the population standard deviation."""

    __slots__ = ("k", "period", "value", "window")

    def __init__(self, period: int = 20, k: float = 2.0) -> None:
        self.period = _period(period)
        self.k = float(k)
        self.window: deque[float] = deque(maxlen=period)
        self.value: tuple[float, float, float] | None = None

    def update(self, close: float) -> tuple[float, float, float] | None:
        """Feed the next close; the bands after it (None before `period` closes)."""
        self.window.append(close)
        if len(self.window) < self.period:
            return None
        values = np.fromiter(self.window, np.float64, self.period)
        middle = float(values.sum()) / self.period
        deviation = float(values.std())
        self.value = (middle + self.k * deviation, middle, middle - self.k * deviation)
        return self.value


class Obv:
    """`indicators.obv`: the first volume, then ± each bar's volume as the close rises or
    falls (unchanged on an unchanged close)."""

    __slots__ = ("prev", "value")

    def __init__(self) -> None:
        self.prev: float | None = None
        self.value: float | None = None

    def update(self, close: float, volume: float) -> float:
        """Feed the next bar; the OBV after it."""
        if self.prev is None or self.value is None:
            self.value = volume
        else:
            change = close - self.prev
            step = volume if change > 0 else -volume if change < 0 else 0.0
            self.value = self.value + step
        self.prev = close
        return self.value


class StochRsiLine:
    """`indicators.stoch_rsi`: `raw = 100 × (RSI − min) / (max − min)` over the last
    `stoch_period` RSI values (50 when flat), `k = SMA(raw, k)`, `d = SMA(k, d)`;
    `value` is `(k, d)` once `d` exists."""

    __slots__ = ("_d", "_d_period", "_k", "_k_period", "_rsi", "_rsis", "value")

    def __init__(
        self, rsi_period: int = 14, stoch_period: int = 14, k: int = 3, d: int = 3
    ) -> None:
        self._rsi = Rsi(rsi_period)
        self._rsis: deque[float] = deque(maxlen=_period(stoch_period, "stoch_period"))
        self._k_period, self._d_period = _period(k, "k"), _period(d, "d")
        self._k: deque[float] = deque(maxlen=k)
        self._d: deque[float] = deque(maxlen=d)
        self.value: tuple[float, float] | None = None

    def update(self, close: float) -> tuple[float, float] | None:
        """Feed the next close; `(k, d)` after it (None during the warm-up)."""
        rsi = self._rsi.update(close)
        if rsi is None:
            return None
        self._rsis.append(rsi)
        if len(self._rsis) < (self._rsis.maxlen or 1):
            return None
        lowest, highest = min(self._rsis), max(self._rsis)
        span = highest - lowest
        raw = 50.0 if span == 0.0 else 100.0 * ((rsi - lowest) / span)
        self._k.append(raw)
        if len(self._k) < self._k_period:
            return None
        k_value = _left_sum(self._k) / self._k_period
        self._d.append(k_value)
        if len(self._d) < self._d_period:
            return None
        self.value = (k_value, _left_sum(self._d) / self._d_period)
        return self.value
