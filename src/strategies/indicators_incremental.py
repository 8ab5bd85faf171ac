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
"""

from __future__ import annotations

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
