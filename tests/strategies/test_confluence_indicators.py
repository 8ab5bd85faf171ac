"""The bar-by-bar indicator twins the confluence plugin reads (`indicators_incremental`)
equal their batch functions value for value on 5,000 REAL 1m candles of BTCUSDT and
DOGEUSDT (shared/data/real), NaN positions included."""

from __future__ import annotations

import numpy as np
import pytest

from scalplab.errors import InputError
from scalplab.strategies import indicators as ind
from scalplab.strategies.indicators_incremental import (
    BollingerBands,
    Ema,
    Macd,
    Obv,
    RollingMean,
    Rsi,
    StochRsiLine,
)
from tests.conftest import real_klines


@pytest.fixture(scope="module", params=["BTCUSDT", "DOGEUSDT"])
def candles(request: pytest.FixtureRequest) -> tuple[np.ndarray, np.ndarray]:
    frame = real_klines(request.param).head(5_000)
    return frame["close"].to_numpy(np.float64), frame["volume"].to_numpy(np.float64)


def series(values: list[float | tuple[float, ...] | None], item: int | None = None) -> np.ndarray:
    out = []
    for value in values:
        if value is None:
            out.append(np.nan)
        elif isinstance(value, tuple):
            assert item is not None
            out.append(value[item])
        else:
            out.append(value)
    return np.array(out)


def same(ours: np.ndarray, batch: np.ndarray) -> None:
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(batch))
    np.testing.assert_array_equal(ours[~np.isnan(ours)], batch[~np.isnan(batch)])


@pytest.mark.parametrize("period", [9, 21, 200])
def test_ema_twin_is_the_batch_ema(candles: tuple[np.ndarray, np.ndarray], period: int) -> None:
    close, _ = candles
    ema = Ema(period)
    same(series([ema.update(x) for x in close]), ind.ema(close, period))


def test_rsi_and_macd_twins_are_the_batch_ones(candles: tuple[np.ndarray, np.ndarray]) -> None:
    close, _ = candles
    rsi = Rsi(14)
    same(series([rsi.update(x) for x in close]), ind.rsi(close, 14))
    macd = Macd(12, 26, 9)
    values = [macd.update(x) for x in close]
    batch = ind.macd(close, 12, 26, 9)
    for item, line in enumerate((batch.macd, batch.signal, batch.hist)):
        same(series(values, item), line)  # type: ignore[arg-type]


def test_bands_mean_obv_and_stoch_rsi_twins(candles: tuple[np.ndarray, np.ndarray]) -> None:
    close, volume = candles
    bands = BollingerBands(20, 2.0)
    values = [bands.update(x) for x in close]
    batch = ind.bollinger(close, 20, 2.0)
    for item, line in enumerate((batch.upper, batch.middle, batch.lower)):
        same(series(values, item), line)  # type: ignore[arg-type]
    mean = RollingMean(20)
    same(series([mean.update(v) for v in volume]), ind.sma(volume, 20))
    obv = Obv()
    same(
        np.array([obv.update(c, v) for c, v in zip(close, volume, strict=True)]),
        ind.obv(close, volume),
    )
    stoch = StochRsiLine(14, 14, 3, 3)
    values_k = [stoch.update(x) for x in close]
    k, d = ind.stoch_rsi(close, 14, 14, 3, 3)
    first_d = int(np.flatnonzero(~np.isnan(d))[0])
    k = k.copy()
    k[:first_d] = np.nan  # the twin gives (k, d) together, from d's first bar
    same(series(values_k, 0), k)  # type: ignore[arg-type]
    same(series(values_k, 1), d)  # type: ignore[arg-type]


def test_a_frozen_market_and_bad_periods() -> None:
    rsi = Rsi(3)
    assert [rsi.update(5.0) for _ in range(5)] == [None, None, None, 50.0, 50.0]
    obv = Obv()
    assert [obv.update(c, v) for c, v in ((1.0, 2.0), (2.0, 3.0), (2.0, 4.0), (1.0, 1.0))] == [
        2.0,
        5.0,
        5.0,
        4.0,
    ]
    with pytest.raises(InputError, match="period must be >= 1, not 0"):
        Ema(0)
    with pytest.raises(InputError, match="fast \\(26\\) must be shorter than slow \\(12\\)"):
        Macd(26, 12)
