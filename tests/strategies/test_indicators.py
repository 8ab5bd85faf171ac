"""`scalplab.strategies.indicators`: TA-Lib parity on real candles, hand-worked VWAP and
pivots, no look-ahead, bad input; the bar-by-bar twins of `indicators_incremental` equal
their batch functions on real candles.

Parity: the first 5,000 real 1m candles of BTCUSDT (≈ 105,000 USDT) and DOGEUSDT
(≈ 0.2 USDT, so absolute epsilons would show) from shared/data/real, compared with
TA-Lib 0.8 (`talib`, a dev dependency). After the warm-up the values agree to 1e-9
relative (measured: ≤ 2e-12) and the NaN positions are identical, except where a test
says otherwise and why.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import talib

from scalplab.errors import InputError
from scalplab.strategies import indicators as ind
from scalplab.strategies.indicators_incremental import DailyVwap, WilderAtr
from tests.conftest import real_klines

BARS = 5_000
RTOL = 1e-9
T0 = 1_750_118_400_000  # 2025-06-17T00:00:00Z
MINUTE, DAY = 60_000, 86_400_000

Candles = dict[str, np.ndarray]


def load(symbol: str, rows: int | None = BARS) -> Candles:
    frame = real_klines(symbol)
    if rows is not None:
        frame = frame.head(rows)
    return {
        "open_ms": frame["open_time"].to_numpy(np.int64),
        **{col: frame[col].to_numpy(np.float64) for col in ("high", "low", "close", "volume")},
    }


@pytest.fixture(scope="module", params=["BTCUSDT", "DOGEUSDT"])
def bars(request: pytest.FixtureRequest) -> Candles:
    return load(request.param)


def first_valid(values: np.ndarray) -> int:
    return int(np.flatnonzero(~np.isnan(values))[0])


def assert_matches(
    ours: np.ndarray, ref: np.ndarray, first: int, *, rtol: float = RTOL, atol: float = 0.0
) -> None:
    """Same NaN positions, the first value at index `first`, equal values after it."""
    assert ours.shape == ref.shape
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(ref))
    assert first_valid(ours) == first
    assert not np.isnan(ours[first:]).any()
    np.testing.assert_allclose(ours[first:], ref[first:], rtol=rtol, atol=atol)


# --- TA-Lib parity on real candles ------------------------------------------------------


@pytest.mark.parametrize("period", [1, 9, 20, 200])
def test_sma_and_ema_match_talib(bars: Candles, period: int) -> None:
    close = bars["close"]
    assert_matches(ind.sma(close, period), talib.SMA(close, period), period - 1)
    assert_matches(ind.ema(close, period), talib.EMA(close, period), period - 1)


@pytest.mark.parametrize("period", [2, 14, 21])
def test_rsi_matches_talib(bars: Candles, period: int) -> None:
    close = bars["close"]
    assert_matches(ind.rsi(close, period), talib.RSI(close, period), period)


@pytest.mark.parametrize(("fast", "slow", "signal"), [(12, 26, 9), (5, 35, 5)])
def test_macd_matches_talib_including_its_seeding(
    bars: Candles, fast: int, slow: int, signal: int
) -> None:
    close = bars["close"]
    ours = ind.macd(close, fast, slow, signal)
    ref = talib.MACD(close, fast, slow, signal)
    # The histogram is a difference of two nearly equal numbers: a 1e-17 difference can
    # be 2e-9 of a histogram near 0, so the scale is that of the MACD line.
    scale = float(np.nanmax(np.abs(ref[0])))
    for mine, theirs in zip(ours, ref, strict=True):
        assert_matches(mine, theirs, slow + signal - 2, atol=RTOL * scale)
    # TA-Lib seeds the fast EMA at bar slow − 1, not fast − 1: early on the line is not
    # ema(fast) − ema(slow), and the two converge as (1 − 2/(fast + 1))^t.
    naive = ind.ema(close, fast) - ind.ema(close, slow)
    assert ours.macd[slow + signal - 2] != naive[slow + signal - 2]
    np.testing.assert_allclose(ours.macd[-100:], naive[-100:], rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize(("period", "k"), [(20, 2.0), (10, 1.5)])
def test_bollinger_matches_talib_population_std(bars: Candles, period: int, k: float) -> None:
    close = bars["close"]
    ours = ind.bollinger(close, period, k)
    ref = talib.BBANDS(close, period, k, k, 0)  # matype 0 = SMA
    for mine, theirs in zip(ours, ref, strict=True):
        assert_matches(mine, theirs, period - 1)


@pytest.mark.parametrize("period", [1, 14])
def test_true_range_and_atr_match_talib(bars: Candles, period: int) -> None:
    h, lo, c = bars["high"], bars["low"], bars["close"]
    assert_matches(ind.true_range(h, lo, c), talib.TRANGE(h, lo, c), 1)
    assert_matches(ind.atr(h, lo, c, period), talib.ATR(h, lo, c, period), period)


def test_obv_matches_talib(bars: Candles) -> None:
    close, volume = bars["close"], bars["volume"]
    assert_matches(ind.obv(close, volume), talib.OBV(close, volume), 0)


def test_stoch_rsi_is_talib_fastd_smoothed_again(bars: Candles) -> None:
    """TA-Lib STOCHRSI(14, fastk 14, fastd 3) returns fastk = raw stochastic of RSI and
    fastd = SMA3(raw): our k (SMA3 of raw) is its fastd, our d is SMA3 of that.

    The tolerance is 1e-9 on the 0..100 scale (atol): where our SMA of a window of
    zeros is exactly 0, TA-Lib's running sum leaves a residue of ~1e-13.
    """
    close = bars["close"]
    fastk, fastd = talib.STOCHRSI(close, 14, 14, 3, 0)
    ours = ind.stoch_rsi(close, 14, 14, 3, 3)
    assert_matches(ours.k, fastd, 29, atol=1e-9)
    assert_matches(ours.d, talib.SMA(fastd, 3), 31, atol=1e-9)
    assert np.nanmin(ours.k) >= 0.0
    assert np.nanmax(ours.k) <= 100.0
    # k = 1 is TA-Lib's fastk, which TA-Lib blanks until its fastd starts (bar 29);
    # ours starts at bar 27, where 14 RSI values exist.
    raw = ind.stoch_rsi(close, 14, 14, 1, 3).k
    assert first_valid(raw) == 27
    assert_matches(np.where(np.isnan(fastk), np.nan, raw), fastk, 29, atol=1e-9)


@pytest.mark.parametrize("period", [2, 14, 30])
def test_di_and_adx_match_talib(bars: Candles, period: int) -> None:
    h, lo, c = bars["high"], bars["low"], bars["close"]
    ours = ind.directional(h, lo, c, period)
    assert_matches(ours.plus_di, talib.PLUS_DI(h, lo, c, period), period)
    assert_matches(ours.minus_di, talib.MINUS_DI(h, lo, c, period), period)
    assert_matches(ours.adx, talib.ADX(h, lo, c, period), 2 * period - 1)
    np.testing.assert_array_equal(ind.adx(h, lo, c, period), ours.adx)
    np.testing.assert_array_equal(ind.plus_di(h, lo, c, period), ours.plus_di)
    np.testing.assert_array_equal(ind.minus_di(h, lo, c, period), ours.minus_di)


def test_period_one_di_is_a_percentage_unlike_talibs_shortcut(bars: Candles) -> None:
    """TA-Lib's PLUS_DI/MINUS_DI take a shortcut for period 1 that returns DM / TR as a
    fraction (no × 100); ours stays in percent, as for every other period."""
    h, lo, c = bars["high"], bars["low"], bars["close"]
    ours = ind.directional(h, lo, c, 1)
    assert_matches(ours.plus_di, 100.0 * talib.PLUS_DI(h, lo, c, 1), 1)
    assert_matches(ours.minus_di, 100.0 * talib.MINUS_DI(h, lo, c, 1), 1)


@pytest.mark.parametrize("flat_bars", [20, 30, 40])
def test_adx_after_a_frozen_start_matches_talib(flat_bars: int) -> None:
    """Bars with no range at all: DI = 0, DX undefined (counted 0 in the ADX seed, ADX
    held afterwards), exactly as TA-Lib."""
    real = load("BTCUSDT", 300)
    h, lo, c = real["high"].copy(), real["low"].copy(), real["close"].copy()
    h[:flat_bars] = lo[:flat_bars] = c[:flat_bars] = c[0]
    assert_matches(ind.adx(h, lo, c), talib.ADX(h, lo, c), 27)
    assert_matches(ind.plus_di(h, lo, c), talib.PLUS_DI(h, lo, c), 14)


@pytest.mark.parametrize("length", range(1, 40))
def test_short_series_match_talib_warm_up(length: int) -> None:
    """Series shorter than a warm-up come back all NaN, at their own length."""
    real = load("ETHUSDT", length)
    h, lo, c, v = real["high"], real["low"], real["close"], real["volume"]
    pairs = [
        (ind.ema(c, 9), talib.EMA(c, 9)),
        (ind.rsi(c), talib.RSI(c)),
        (ind.atr(h, lo, c), talib.ATR(h, lo, c)),
        (ind.adx(h, lo, c), talib.ADX(h, lo, c)),
        (ind.plus_di(h, lo, c), talib.PLUS_DI(h, lo, c)),
        (ind.obv(c, v), talib.OBV(c, v)),
        (ind.stoch_rsi(c).k, talib.STOCHRSI(c, 14, 14, 3, 0)[1]),
        *zip(ind.macd(c), talib.MACD(c), strict=True),
        *zip(ind.bollinger(c), talib.BBANDS(c, 20, 2, 2, 0), strict=True),
    ]
    for ours, ref in pairs:
        assert ours.shape == (length,)
        np.testing.assert_array_equal(np.isnan(ours), np.isnan(ref))
        np.testing.assert_allclose(ours, ref, rtol=RTOL, atol=1e-9)


# --- deliberate differences from TA-Lib ----------------------------------------------


def test_rsi_and_stoch_rsi_of_a_frozen_market_are_neutral() -> None:
    """No move at all: RSI 50 and Stoch RSI 50 (TA-Lib says 0, i.e. 'oversold')."""
    flat = np.full(40, 100.0)
    assert talib.RSI(flat)[14] == 0.0
    np.testing.assert_array_equal(ind.rsi(flat)[14:], 50.0)
    stoch = ind.stoch_rsi(flat)
    np.testing.assert_array_equal(stoch.k[29:], 50.0)
    np.testing.assert_array_equal(stoch.d[31:], 50.0)


# --- VWAP, hand-computed ------------------------------------------------------------------


def test_vwap_restarts_at_each_utc_midnight() -> None:
    # Typical price TP = (H + L + C) / 3; VWAP = Σ TP·V / Σ V since 00:00 UTC.
    opens = [
        T0 - 2 * MINUTE,  # 23:58 of 06-16
        T0 - MINUTE,  # 23:59
        T0,  # 00:00 of 06-17: a new day
        T0 + MINUTE,
        T0 + DAY,  # 00:00 of 06-18 (a gap of a day is fine)
        T0 + DAY + 5 * MINUTE,
        T0 + DAY + 6 * MINUTE,
    ]
    high = [12.0, 14.0, 21.0, 32.0, 41.0, 52.0, 63.0]
    low = [9.0, 11.0, 18.0, 28.0, 39.0, 50.0, 57.0]
    close = [9.0, 11.0, 21.0, 30.0, 40.0, 48.0, 60.0]
    volume = [2.0, 3.0, 1.0, 4.0, 0.0, 2.0, 3.0]
    expected = [
        10.0,  # TP 30/3 = 10, V 2: 20/2
        11.2,  # TP 36/3 = 12, V 3: (20 + 36)/(2 + 3) = 56/5
        20.0,  # new day: TP 60/3 = 20, V 1: 20/1
        28.0,  # TP 90/3 = 30, V 4: (20 + 120)/(1 + 4) = 140/5
        40.0,  # new day, no volume yet: the bar's TP 120/3 = 40
        50.0,  # TP 150/3 = 50, V 2: (0 + 100)/(0 + 2)
        56.0,  # TP 180/3 = 60, V 3: (100 + 180)/(2 + 3) = 280/5
    ]
    got = ind.vwap_daily(opens, high, low, close, volume)
    np.testing.assert_allclose(got, expected, rtol=1e-15)
    vwap = DailyVwap()  # bar by bar, the same
    bar_by_bar = [vwap.update(*bar) for bar in zip(opens, high, low, close, volume, strict=True)]
    np.testing.assert_allclose(bar_by_bar, expected, rtol=1e-15)


def test_vwap_on_real_candles_equals_a_per_day_group_computation() -> None:
    real = load("BTCUSDT", None)  # 30 days
    got = ind.vwap_daily(real["open_ms"], real["high"], real["low"], real["close"], real["volume"])
    typical = (real["high"] + real["low"] + real["close"]) / 3.0
    day = real["open_ms"] // DAY
    for one_day in np.unique(day)[:3]:
        rows = np.flatnonzero(day == one_day)
        pv, vol = typical[rows] * real["volume"][rows], real["volume"][rows]
        for i in (0, 1, len(rows) // 2, len(rows) - 1):
            assert got[rows[i]] == pytest.approx(pv[: i + 1].sum() / vol[: i + 1].sum(), 1e-12)
    assert not np.isnan(got).any()


# --- bar by bar: the incremental twins ----------------------------------------------------


def stepped(values: list[float | None]) -> np.ndarray:
    return np.array([np.nan if value is None else value for value in values])


@pytest.mark.parametrize("period", [1, 3, 14, 50])
def test_wilder_atr_fed_the_true_ranges_is_atr_value_for_value(bars: Candles, period: int) -> None:
    h, lo, c = bars["high"], bars["low"], bars["close"]
    atr = WilderAtr(period)
    ranges = ind.true_range(h, lo, c)[1:].tolist()  # TA-Lib's: none for bar 0
    np.testing.assert_array_equal(
        stepped([atr.add(tr) for tr in ranges]), ind.atr(h, lo, c, period)[1:]
    )


@pytest.mark.parametrize("period", [1, 3, 14, 50])
def test_wilder_atr_bar_by_bar_counts_the_first_bar_as_high_minus_low(
    bars: Candles, period: int
) -> None:
    """`update` from bar 0 on is `atr` of the same bars behind a flat bar at bar 0's low,
    whose close makes bar 0's true range its high − low: the seed takes bars 0..period − 1."""
    h, lo, c = bars["high"], bars["low"], bars["close"]
    lead = lo[:1]
    expected = ind.atr(np.r_[lead, h], np.r_[lead, lo], np.r_[lead, c], period)[1:]
    atr = WilderAtr(period)
    got = stepped(
        [atr.update(*bar) for bar in zip(h.tolist(), lo.tolist(), c.tolist(), strict=True)]
    )
    assert first_valid(got) == period - 1
    np.testing.assert_array_equal(got, expected)


def test_daily_vwap_bar_by_bar_is_vwap_daily_value_for_value() -> None:
    real = load("BTCUSDT", None)  # 30 days: 30 restarts at midnight
    columns = ("open_ms", "high", "low", "close", "volume")
    vwap = DailyVwap()
    got = [
        vwap.update(*bar) for bar in zip(*(real[name].tolist() for name in columns), strict=True)
    ]
    expected = ind.vwap_daily(*(real[name] for name in columns))
    np.testing.assert_array_equal(got, expected)


# --- pivots, hand-computed --------------------------------------------------------------

# index:       0    1    2    3    4    5    6    7    8    9   10
HIGH = [5.0, 6.0, 8.0, 7.0, 6.0, 9.0, 9.0, 7.0, 6.0, 8.0, 7.0]
LOW = [3.0, 2.0, 6.0, 5.0, 3.0, 7.0, 8.0, 4.0, 4.0, 6.0, 5.0]


def test_pivots_are_reported_when_confirmed() -> None:
    # left = right = 2 (VORTEX-7's swing rule). Candidates p = 2..8 (2 bars each side).
    # Highs: p=2: 8 > max(5, 6) and 8 >= max(7, 6) -> swing 8, known at t = 4.
    #        p=5: 9 > max(7, 6) and 9 >= max(9, 7) -> swing 9, known at t = 7.
    #        p=6: 9 > max(6, 9)? no (an equal top is one swing, its first bar).
    #        p=9: 8 tops its left bars but has one right bar: not (yet) confirmed.
    # Lows:  p=4: 3 < min(6, 5) and 3 <= min(7, 8) -> swing 3, known at t = 6.
    #        p=7: 4 < min(7, 8) and 4 <= min(4, 6) -> swing 4, known at t = 9.
    #        p=8: 4 < min(8, 4)? no.  p=1 (low 2) has only one left bar: never a pivot.
    got = ind.pivots(HIGH, LOW, 2, 2)
    nan = np.nan
    np.testing.assert_array_equal(got.high, [nan, nan, nan, nan, 8, nan, nan, 9, nan, nan, nan])
    np.testing.assert_array_equal(got.low, [nan, nan, nan, nan, nan, nan, 3, nan, nan, 4, nan])


def test_pivots_with_asymmetric_windows() -> None:
    # left 3, right 1: p=5 high 9 > max(8, 7, 6) and >= 9 -> known at t = 6;
    # p=9 high 8 > max(9, 7, 6)? no.  Low p=4: 3 < min(2, ...)? no (bar 1 is 2);
    # p=7 low 4 < min(7, 8, 3)? no (bar 4 is 3); p=8: 4 < 4? no.  No swing low.
    got = ind.pivots(HIGH, LOW, 3, 1)
    assert np.flatnonzero(~np.isnan(got.high)).tolist() == [6]
    assert got.high[6] == 9.0
    assert np.isnan(got.low).all()
    # right = 0: a bar topping its left bars is reported on itself.
    now = ind.pivots(HIGH, LOW, 2, 0)
    assert np.flatnonzero(~np.isnan(now.high)).tolist() == [2, 5, 9]
    assert np.flatnonzero(~np.isnan(now.low)).tolist() == [4, 7]


# --- no look-ahead ---------------------------------------------------------------------

Indicator = Callable[[Candles], Any]
INDICATORS: dict[str, Indicator] = {
    "sma": lambda b: ind.sma(b["close"], 20),
    "ema": lambda b: ind.ema(b["close"], 200),
    "rsi": lambda b: ind.rsi(b["close"]),
    "macd": lambda b: ind.macd(b["close"]),
    "bollinger": lambda b: ind.bollinger(b["close"]),
    "true_range": lambda b: ind.true_range(b["high"], b["low"], b["close"]),
    "atr": lambda b: ind.atr(b["high"], b["low"], b["close"]),
    "obv": lambda b: ind.obv(b["close"], b["volume"]),
    "stoch_rsi": lambda b: ind.stoch_rsi(b["close"]),
    "directional": lambda b: ind.directional(b["high"], b["low"], b["close"]),
    "vwap_daily": lambda b: ind.vwap_daily(
        b["open_ms"], b["high"], b["low"], b["close"], b["volume"]
    ),
    "pivots": lambda b: ind.pivots(b["high"], b["low"], 2, 2),
}


def outputs(result: Any) -> list[np.ndarray]:
    return list(result) if isinstance(result, tuple) else [result]


@pytest.mark.parametrize("name", INDICATORS)
def test_values_never_depend_on_later_bars(name: str) -> None:
    real = load("ETHUSDT", 3_000)
    full = outputs(INDICATORS[name](real))
    for cut in (1, 35, 1_441, 2_999):
        part = outputs(INDICATORS[name]({key: values[:cut] for key, values in real.items()}))
        for whole, prefix in zip(full, part, strict=True):
            np.testing.assert_array_equal(prefix, whole[:cut])


# --- bad input --------------------------------------------------------------------------

CLOSE = [1.0, 2.0, 3.0]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: ind.sma(CLOSE, 0), "period must be >= 1, not 0"),
        (lambda: ind.ema(CLOSE, 2.5), "period must be an integer, not 2.5"),
        (lambda: ind.rsi(CLOSE, True), "period must be an integer, not True"),
        (lambda: ind.sma([1.0, np.nan], 1), "values holds a non-finite value at index 1"),
        (lambda: ind.ema([np.inf], 1), "values holds a non-finite value at index 0"),
        (lambda: ind.sma(["a", "b"], 1), "values must be a series of numbers"),
        (lambda: ind.sma([[1.0, 2.0]], 1), "values must be one-dimensional, not 2-D"),
        (lambda: ind.atr(CLOSE, CLOSE, CLOSE[:2]), "series lengths differ: high 3, low 3, close 2"),
        (lambda: ind.obv(CLOSE, [1.0, -1.0, 1.0]), "volume must not be negative"),
        (lambda: ind.macd(CLOSE, 26, 12), "fast (26) must be shorter than slow (12)"),
        (lambda: ind.bollinger(CLOSE, 2, -1.0), "k must be a finite number >= 0, not -1.0"),
        (lambda: ind.stoch_rsi(CLOSE, d=0), "d must be >= 1, not 0"),
        (lambda: ind.pivots(CLOSE, CLOSE, 0, 2), "left must be >= 1, not 0"),
        (lambda: ind.pivots(CLOSE, CLOSE, 2, -1), "right must be >= 0, not -1"),
        (lambda: WilderAtr(0), "ATR period must be >= 1, not 0"),
        (
            lambda: ind.vwap_daily([2, 1, 3], CLOSE, CLOSE, CLOSE, CLOSE),
            "open_ms must be strictly increasing",
        ),
        (
            lambda: ind.vwap_daily([0.5, 1, 2], CLOSE, CLOSE, CLOSE, CLOSE),
            "open_ms must hold whole milliseconds",
        ),
        (
            lambda: ind.vwap_daily(["x"] * 3, CLOSE, CLOSE, CLOSE, CLOSE),
            "open_ms must be a series of epoch milliseconds",
        ),
    ],
)
def test_bad_input_is_an_input_error(call: Callable[[], object], message: str) -> None:
    with pytest.raises(InputError) as caught:
        call()
    assert str(caught.value) == message
