"""Technical indicators of the seed strategies, as pure numpy functions over whole series.

Every function takes 1-D series of one bar per element (oldest first) and returns
float64 arrays of the same length. The value at index t uses bars 0..t only (no
look-ahead); it is NaN only during the warm-up, whose length each function states as
"first value at index ...". After the warm-up a value is always finite (except for
`pivots`, an event series: NaN on every bar that confirms no swing).

TA-Lib parity. `sma`, `ema`, `rsi`, `macd`, `bollinger`, `true_range`, `atr`, `obv`,
`plus_di`, `minus_di` and `adx` reproduce TA-Lib (default settings: unstable period 0,
default compatibility) value for value, with the same NaN positions; the recursions
use TA-Lib's own arithmetic order (over 30 days of real 1m klines of six symbols:
TRANGE, OBV, MACD line, DI and ADX bit-identical, EMA within one ulp, the others within
5e-12 relative, Stoch RSI within 2e-12 on its 0..100 scale). One deliberate difference:
a division by a zero range gives a neutral 50, not TA-Lib's 0, for RSI (no move at
all over its window) and for Stoch RSI (a flat RSI window), so that a frozen market
never reads as "oversold".

Recursive indicators (EMA and Wilder smoothing) run a plain Python loop over a list,
about 5 ms per smoothed series of 43,200 bars; the rest is vectorised. Bad input (a
mismatched length, a period < 1, a NaN or infinite value, a negative volume) raises
`InputError`.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import pairwise
from math import isfinite, isnan
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

from scalplab.errors import InputError, snippet

FloatArray = npt.NDArray[np.float64]
DAY_MS = 86_400_000


class Macd(NamedTuple):
    macd: FloatArray
    signal: FloatArray
    hist: FloatArray


class Bands(NamedTuple):
    upper: FloatArray
    middle: FloatArray
    lower: FloatArray


class StochRsi(NamedTuple):
    k: FloatArray
    d: FloatArray


class Directional(NamedTuple):
    plus_di: FloatArray
    minus_di: FloatArray
    adx: FloatArray


class Pivots(NamedTuple):
    high: FloatArray
    low: FloatArray


# --- input checks -----------------------------------------------------------------------


def _series(values: npt.ArrayLike, name: str) -> FloatArray:
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a series of numbers") from None
    if array.ndim != 1:
        raise InputError(f"{name} must be one-dimensional, not {array.ndim}-D")
    bad = np.flatnonzero(~np.isfinite(array))
    if bad.size:
        raise InputError(f"{name} holds a non-finite value at index {int(bad[0])}")
    return array


def _bars(**named: npt.ArrayLike) -> list[FloatArray]:
    """The named series as float64 arrays, checked finite and of one length."""
    arrays = [_series(values, name) for name, values in named.items()]
    lengths = {name: len(array) for name, array in zip(named, arrays, strict=True)}
    if len(set(lengths.values())) > 1:
        shown = ", ".join(f"{name} {length}" for name, length in lengths.items())
        raise InputError(f"series lengths differ: {shown}")
    return arrays


def _period(value: int, name: str = "period", minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise InputError(f"{name} must be an integer, not {snippet(value)}")
    if value < minimum:
        raise InputError(f"{name} must be >= {minimum}, not {int(value)}")
    return int(value)


def _nans(n: int) -> FloatArray:
    return np.full(n, np.nan)


# --- building blocks --------------------------------------------------------------------


def _total(values: Iterable[float]) -> float:
    """Sum from left to right, as TA-Lib's seeds are summed."""
    total = 0.0
    for value in values:
        total += value
    return total


def _seed(values: Iterable[float], period: int) -> float:
    return _total(values) / period


def _ema_loop(values: list[float], seed: float, k: float) -> list[float]:
    out: list[float] = []
    prev = float(seed)
    append = out.append
    for value in values:
        prev = (value - prev) * k + prev
        append(prev)
    return out


def _wilder_loop(values: list[float], seed: float, period: int) -> list[float]:
    """`prev = (prev × (period − 1) + value) / period` (Wilder's mean, TA-Lib's order)."""
    out: list[float] = []
    prev, keep = float(seed), float(period - 1)
    append = out.append
    for value in values:
        prev = (prev * keep + value) / period
        append(prev)
    return out


def _wilder_sum_loop(values: list[float], seed: float, period: int) -> list[float]:
    """`prev = prev − prev / period + value` (Wilder's running sum, as TA-Lib's DM/TR)."""
    out: list[float] = []
    prev = float(seed)
    append = out.append
    for value in values:
        prev = prev - prev / period + value
        append(prev)
    return out


def _sma_from(values: FloatArray, first: int, period: int) -> FloatArray:
    """SMA of `values[first:]`, NaN before index `first + period − 1`."""
    out = _nans(len(values))
    if len(values) - first >= period:
        windows = sliding_window_view(values[first:], period)
        out[first + period - 1 :] = windows.sum(axis=1) / period
    return out


def _ema_from(values: FloatArray, at: int, period: int) -> FloatArray:
    """EMA with `k = 2 / (period + 1)` seeded at index `at` with the SMA of the `period`
    values ending there; NaN before `at`."""
    out = _nans(len(values))
    if at < len(values):
        seed = _seed(values[at - period + 1 : at + 1].tolist(), period)
        out[at] = seed
        out[at + 1 :] = _ema_loop(values[at + 1 :].tolist(), seed, 2.0 / (period + 1))
    return out


def _true_range(high: FloatArray, low: FloatArray, close: FloatArray) -> FloatArray:
    out = _nans(len(high))
    if len(high) > 1:
        prev_close = close[:-1]
        out[1:] = np.maximum(
            high[1:] - low[1:],
            np.maximum(np.abs(high[1:] - prev_close), np.abs(low[1:] - prev_close)),
        )
    return out


def _rsi(close: FloatArray, period: int) -> FloatArray:
    out = _nans(len(close))
    if len(close) <= period:
        return out
    change = np.diff(close)
    gain, loss = np.maximum(change, 0.0), np.maximum(-change, 0.0)
    avg_gain = np.empty(len(change))
    avg_loss = np.empty(len(change))
    avg_gain[period - 1] = _seed(gain[:period].tolist(), period)
    avg_loss[period - 1] = _seed(loss[:period].tolist(), period)
    avg_gain[period:] = _wilder_loop(gain[period:].tolist(), avg_gain[period - 1], period)
    avg_loss[period:] = _wilder_loop(loss[period:].tolist(), avg_loss[period - 1], period)
    up, total = avg_gain[period - 1 :], avg_gain[period - 1 :] + avg_loss[period - 1 :]
    flat = total == 0.0
    out[period:] = np.where(flat, 50.0, 100.0 * (up / np.where(flat, 1.0, total)))
    return out


# --- public indicators ------------------------------------------------------------------


def sma(values: npt.ArrayLike, period: int) -> FloatArray:
    """Simple moving average: the mean of the last `period` values (TA-Lib SMA).

    First value at index `period − 1`.
    """
    (x,) = _bars(values=values)
    return _sma_from(x, 0, _period(period))


def ema(values: npt.ArrayLike, period: int) -> FloatArray:
    """Exponential moving average, `k = 2 / (period + 1)` (TA-Lib EMA).

    `ema[t] = ema[t−1] + k × (x[t] − ema[t−1])`, seeded at index `period − 1` (its first
    value) with the SMA of the first `period` values.
    """
    (x,) = _bars(values=values)
    n = _period(period)
    return _ema_from(x, n - 1, n)


def rsi(close: npt.ArrayLike, period: int = 14) -> FloatArray:
    """Wilder's RSI (TA-Lib RSI): `100 × avg_gain / (avg_gain + avg_loss)`.

    Gains and losses are the positive and negative close-to-close changes. Both averages
    are seeded with the plain mean of the first `period` changes (bars 1..period), then
    smoothed `avg = (avg × (period − 1) + x) / period`. First value at index `period`.
    A window without any move (both averages 0) gives 50 (TA-Lib: 0).
    """
    (x,) = _bars(close=close)
    return _rsi(x, _period(period))


def macd(close: npt.ArrayLike, fast: int = 12, slow: int = 26, signal: int = 9) -> Macd:
    """MACD as TA-Lib computes it: `macd = EMA_fast − EMA_slow`, `signal = EMA(macd)`,
    `hist = macd − signal`.

    TA-Lib's seeding, reproduced here: the slow EMA is `ema(close, slow)` (first value at
    `slow − 1`); the fast EMA starts at that same index, seeded with the SMA of the
    `fast` closes ending there, so it is NOT `ema(close, fast)` during its first few
    hundred bars (the gap decays as `(1 − 2/(fast + 1))^t`). The signal EMA is seeded
    with the mean of the first `signal` MACD values. All three outputs start at index
    `slow + signal − 2` (33 for 12/26/9), where the signal line starts.
    """
    (x,) = _bars(close=close)
    fast, slow, signal = _period(fast, "fast"), _period(slow, "slow"), _period(signal, "signal")
    if fast >= slow:
        raise InputError(f"fast ({fast}) must be shorter than slow ({slow})")
    line = _ema_from(x, slow - 1, fast) - _ema_from(x, slow - 1, slow)
    first = slow + signal - 2
    signal_line = _ema_from(line, first, signal)
    line[:first] = np.nan
    return Macd(line, signal_line, line - signal_line)


def bollinger(close: npt.ArrayLike, period: int = 20, k: float = 2.0) -> Bands:
    """Bollinger bands (TA-Lib BBANDS with an SMA): `middle = SMA(period)`,
    `upper/lower = middle ± k × σ`, σ the population standard deviation (divisor
    `period`) of the same `period` closes. First value at index `period − 1`.
    """
    (x,) = _bars(close=close)
    n = _period(period)
    if isinstance(k, bool) or not isinstance(k, int | float) or not isfinite(k) or k < 0:
        raise InputError(f"k must be a finite number >= 0, not {snippet(k)}")
    middle = _sma_from(x, 0, n)
    deviation = _nans(len(x))
    if len(x) >= n:
        deviation[n - 1 :] = sliding_window_view(x, n).std(axis=1)
    return Bands(middle + k * deviation, middle, middle - k * deviation)


def true_range(high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike) -> FloatArray:
    """True range (TA-Lib TRANGE): `max(H − L, |H − C₋₁|, |L − C₋₁|)`.

    First value at index 1: bar 0 has no previous close.
    """
    return _true_range(*_bars(high=high, low=low, close=close))


def atr(
    high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike, period: int = 14
) -> FloatArray:
    """Wilder's average true range (TA-Lib ATR).

    Seeded with the mean of the first `period` true ranges (bars 1..period), then
    `atr = (atr × (period − 1) + TR) / period`. First value at index `period`.
    """
    h, lo, c = _bars(high=high, low=low, close=close)
    n = _period(period)
    out = _nans(len(c))
    if len(c) > n:
        tr = _true_range(h, lo, c)
        seed = _seed(tr[1 : n + 1].tolist(), n)
        out[n] = seed
        out[n + 1 :] = _wilder_loop(tr[n + 1 :].tolist(), seed, n)
    return out


def obv(close: npt.ArrayLike, volume: npt.ArrayLike) -> FloatArray:
    """On-balance volume (TA-Lib OBV): starts at `volume[0]` on bar 0, then adds the
    bar's volume when the close rises, subtracts it when it falls, keeps it when the
    close is unchanged. No warm-up. Its level depends on where the series starts: only
    its changes (slopes, divergences) carry meaning.
    """
    c, v = _bars(close=close, volume=volume)
    if np.any(v < 0):
        raise InputError("volume must not be negative")
    steps = np.empty(len(c))
    steps[:1] = v[:1]
    steps[1:] = np.sign(np.diff(c)) * v[1:]
    return np.cumsum(steps)


def stoch_rsi(
    close: npt.ArrayLike, rsi_period: int = 14, stoch_period: int = 14, k: int = 3, d: int = 3
) -> StochRsi:
    """Stochastic RSI, 0..100, in the usual "14, 14, 3, 3" form (pandas-ta, TradingView).

    `raw = 100 × (RSI − min) / (max − min)` over the last `stoch_period` RSI values (the
    current one included; 50 when they are all equal), `k = SMA(raw, k)`,
    `d = SMA(k, d)`. TA-Lib's STOCHRSI returns `fastk = raw` (no smoothing) and
    `fastd = SMA(raw, fastd_period)`, so this `k` is TA-Lib's fastd with
    `fastd_period = k`, and `k = 1` gives its fastk (which TA-Lib blanks until its
    fastd starts, `fastd_period − 1` bars later than here). First values: `raw` at
    `rsi_period + stoch_period − 1`, `k` at that + `k − 1`, `d` at that + `k + d − 2`
    (29 and 31 for 14, 14, 3, 3).
    """
    (x,) = _bars(close=close)
    rsi_n, stoch_n = _period(rsi_period, "rsi_period"), _period(stoch_period, "stoch_period")
    k_n, d_n = _period(k, "k"), _period(d, "d")
    values = _rsi(x, rsi_n)
    raw = _nans(len(x))
    first = rsi_n + stoch_n - 1
    if len(x) > first:
        windows = sliding_window_view(values[rsi_n:], stoch_n)
        lowest, highest = windows.min(axis=1), windows.max(axis=1)
        span = highest - lowest
        flat = span == 0.0
        share = (values[first:] - lowest) / np.where(flat, 1.0, span)  # 0..1, exactly
        raw[first:] = np.where(flat, 50.0, 100.0 * share)
    k_line = _sma_from(raw, first, k_n)
    return StochRsi(k_line, _sma_from(k_line, first + k_n - 1, d_n))


def directional(
    high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike, period: int = 14
) -> Directional:
    """Wilder's +DI, −DI and ADX in one pass (TA-Lib PLUS_DI, MINUS_DI, ADX).

    Per bar t ≥ 1: `up = H − H₋₁`, `down = L₋₁ − L`; `+DM = up` when `up > down` and
    `up > 0`, else 0; `−DM = down` when `down > up` and `down > 0`, else 0; TR as
    `true_range`. Wilder sums: seeded with the plain sums over bars 1..period − 1, then
    `S = S − S / period + x` from bar `period` on. `±DI = 100 × S(±DM) / S(TR)` (0 when
    S(TR) = 0), first value at index `period`. `DX = 100 × |+DI − −DI| / (+DI + −DI)`.
    ADX is seeded at index `2 × period − 1` (its first value) with the mean of the
    `period` DX values from bar `period` on, then `adx = (adx × (period − 1) + DX) /
    period`. A bar whose DX is undefined (+DI + −DI = 0) counts as 0 in the seed and
    leaves the ADX unchanged afterwards, as in TA-Lib. Period 1 is allowed and stays in
    percent (TA-Lib's period-1 DI returns a fraction; its ADX refuses period 1).
    """
    h, lo, c = _bars(high=high, low=low, close=close)
    n = _period(period)
    size = len(c)
    plus, minus, adx_line = _nans(size), _nans(size), _nans(size)
    if size <= n:
        return Directional(plus, minus, adx_line)
    up, down = np.diff(h), -np.diff(lo)
    plus_dm = np.where((up > down) & (up > 0.0), up, 0.0)
    minus_dm = np.where((down > up) & (down > 0.0), down, 0.0)
    tr = _true_range(h, lo, c)[1:]
    sums = []
    for movement in (plus_dm, minus_dm, tr):
        seed = _total(movement[: n - 1].tolist())
        sums.append(np.array(_wilder_sum_loop(movement[n - 1 :].tolist(), seed, n)))
    s_plus, s_minus, s_tr = sums
    no_range = s_tr == 0.0
    safe_tr = np.where(no_range, 1.0, s_tr)
    plus[n:] = np.where(no_range, 0.0, 100.0 * (s_plus / safe_tr))
    minus[n:] = np.where(no_range, 0.0, 100.0 * (s_minus / safe_tr))
    di_sum = minus[n:] + plus[n:]
    undefined = di_sum == 0.0
    spread = np.abs(minus[n:] - plus[n:])
    dx = np.where(undefined, np.nan, 100.0 * (spread / np.where(undefined, 1.0, di_sum)))
    if len(dx) >= n:
        adx_line[2 * n - 1 :] = _adx_loop(dx.tolist(), n)
    return Directional(plus, minus, adx_line)


def _adx_loop(dx: list[float], period: int) -> list[float]:
    prev = _seed((0.0 if isnan(value) else value for value in dx[:period]), period)
    out, keep = [prev], period - 1
    append = out.append
    for value in dx[period:]:
        if not isnan(value):
            prev = (prev * keep + value) / period
        append(prev)
    return out


def plus_di(
    high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike, period: int = 14
) -> FloatArray:
    """+DI (TA-Lib PLUS_DI); see `directional`. First value at index `period`."""
    return directional(high, low, close, period).plus_di


def minus_di(
    high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike, period: int = 14
) -> FloatArray:
    """−DI (TA-Lib MINUS_DI); see `directional`. First value at index `period`."""
    return directional(high, low, close, period).minus_di


def adx(
    high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike, period: int = 14
) -> FloatArray:
    """ADX (TA-Lib ADX); see `directional`. First value at index `2 × period − 1`."""
    return directional(high, low, close, period).adx


def vwap_daily(
    open_ms: npt.ArrayLike,
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    close: npt.ArrayLike,
    volume: npt.ArrayLike,
) -> FloatArray:
    """Volume-weighted average typical price, restarted at 00:00 UTC every day.

    `vwap[t] = Σ(TP × V) / ΣV` over the bars of t's UTC day up to t (t included), with
    `TP = (H + L + C) / 3`; a bar belongs to the day of its open time (`open_ms`, ms
    since the epoch, strictly increasing). No warm-up: the first bar of a day gives its
    own TP. While the day's volume is still 0, the value is the bar's TP.
    """
    opens = np.asarray(open_ms)
    if opens.dtype.kind not in "iuf":
        raise InputError("open_ms must be a series of epoch milliseconds")
    h, lo, c, v, t = _bars(high=high, low=low, close=close, volume=volume, open_ms=opens)
    if np.any(t != np.floor(t)):
        raise InputError("open_ms must hold whole milliseconds")
    if np.any(np.diff(t) <= 0):
        raise InputError("open_ms must be strictly increasing")
    if np.any(v < 0):
        raise InputError("volume must not be negative")
    typical = (h + lo + c) / 3.0
    days = np.floor_divide(opens.astype(np.int64), DAY_MS)
    cum_pv, cum_v = np.empty(len(c)), np.empty(len(c))
    bounds = [0, *(np.flatnonzero(np.diff(days)) + 1).tolist(), len(c)]
    for start, end in pairwise(bounds):
        cum_pv[start:end] = np.cumsum(typical[start:end] * v[start:end])
        cum_v[start:end] = np.cumsum(v[start:end])
    traded = cum_v > 0.0
    return np.where(traded, cum_pv / np.where(traded, cum_v, 1.0), typical)


def pivots(high: npt.ArrayLike, low: npt.ArrayLike, left: int, right: int) -> Pivots:
    """Swing highs and lows, each reported on the bar that confirms it.

    Bar p is a swing high when `high[p]` is strictly above each of the `left` highs
    before it and at or above each of the `right` highs after it (so a flat top of
    equal highs gives one swing, its first bar); a swing low mirrors this with lows
    (strictly below the left ones, at or below the right ones). The `right` later bars
    are needed to know it, so the swing is reported at bar `t = p + right`:
    `high[t]` (resp. `low[t]`) of the result holds the pivot's price, NaN on every bar
    that confirms no swing. The pivot bar is `t − right`. Bars with fewer than `left`
    bars before them are never pivots, so the first possible value is at index
    `left + right`. `right = 0` reports a bar that tops its `left` predecessors at once.
    """
    h, lo = _bars(high=high, low=low)
    n_left, n_right = _period(left, "left"), _period(right, "right", minimum=0)
    size, span = len(h), n_left + n_right + 1
    swing_high, swing_low = _nans(size), _nans(size)
    if size < span:
        return Pivots(swing_high, swing_low)
    for source, out, sign in ((h, swing_high, 1.0), (lo, swing_low, -1.0)):
        windows = sliding_window_view(sign * source, span)
        centre = windows[:, n_left]
        is_pivot = centre > windows[:, :n_left].max(axis=1)
        if n_right:
            is_pivot &= centre >= windows[:, n_left + 1 :].max(axis=1)
        out[span - 1 :] = np.where(is_pivot, sign * centre, np.nan)
    return Pivots(swing_high, swing_low)
