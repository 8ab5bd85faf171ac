"""Timeframes and the 1m resampler, checked against REAL Binance 5m klines."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from scalplab.data.timeframes import TIMEFRAMES, resample, timeframe_ms
from scalplab.errors import InputError
from tests.data.conftest import BTC_5M

HOUR = 3_600_000
DAY = 86_400_000


def test_timeframes_table() -> None:
    assert list(TIMEFRAMES) == [
        "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d"
    ]  # fmt: skip
    assert timeframe_ms("1m") == 60_000
    assert timeframe_ms("15m") == 900_000
    assert timeframe_ms("8h") == 8 * HOUR
    assert timeframe_ms("1d") == DAY


@pytest.mark.parametrize("bad", ["2m", "1w", "", "1M", "60"])
def test_unknown_timeframe_is_input_error(bad: str) -> None:
    with pytest.raises(InputError, match=f"unknown timeframe {bad!r}") as info:
        timeframe_ms(bad)
    assert "1m 3m 5m" in str(info.value)


def test_resample_1m_matches_real_binance_5m(btc_csv: pd.DataFrame) -> None:
    """Binance's own 5m klines equal our 5m bars for every complete 5-minute bucket."""
    bars = resample(btc_csv, "5m")
    real_5m = pd.read_csv(BTC_5M)
    counts = (btc_csv["open_time"] // 300_000 * 300_000).value_counts()
    complete = set(counts[counts == 5].index)
    ours = bars[bars["open_time"].isin(complete)].set_index("open_time")
    theirs = real_5m[real_5m["open_time"].isin(complete)].set_index("open_time")
    assert len(theirs) == 8_639
    common = theirs.index.intersection(ours.index)
    assert len(common) == len(theirs)
    for column in ("open", "high", "low", "close"):
        assert (ours.loc[common, column] == theirs.loc[common, column]).all(), column
    np.testing.assert_allclose(ours.loc[common, "volume"], theirs.loc[common, "volume"], rtol=1e-9)


def test_partial_first_and_last_buckets_are_kept(btc_csv: pd.DataFrame) -> None:
    bars = resample(btc_csv, "1h")
    first_open = int(btc_csv["open_time"].iloc[0])  # 2025-05-25 10:33
    assert int(bars["open_time"].iloc[0]) == first_open // HOUR * HOUR  # labelled 10:00
    first_bucket = btc_csv[btc_csv["open_time"] < first_open // HOUR * HOUR + HOUR]
    assert bars["open"].iloc[0] == first_bucket["open"].iloc[0]
    assert bars["high"].iloc[0] == first_bucket["high"].max()
    assert bars["low"].iloc[0] == first_bucket["low"].min()
    assert bars["close"].iloc[0] == first_bucket["close"].iloc[-1]
    assert bars["volume"].iloc[0] == pytest.approx(first_bucket["volume"].sum())
    last_open = int(btc_csv["open_time"].iloc[-1])
    assert int(bars["open_time"].iloc[-1]) == last_open // HOUR * HOUR
    assert bars["close"].iloc[-1] == btc_csv["close"].iloc[-1]
    assert len(bars) == len(np.unique(btc_csv["open_time"] // HOUR))


def test_holes_produce_no_bars_and_neighbours_stay_partial(btc_csv: pd.DataFrame) -> None:
    start = int(btc_csv["open_time"].iloc[0]) // HOUR * HOUR + 5 * HOUR
    # remove 12:20 .. 13:59 of some day: the 13:00 hour disappears, 12:00 becomes partial
    hole = (btc_csv["open_time"] >= start + 20 * 60_000) & (btc_csv["open_time"] < start + 2 * HOUR)
    holed = btc_csv[~hole]
    bars = resample(holed, "1h").set_index("open_time")
    assert start + HOUR not in bars.index
    assert start in bars.index and start + 2 * HOUR in bars.index
    partial = holed[(holed["open_time"] >= start) & (holed["open_time"] < start + HOUR)]
    assert len(partial) == 20
    assert bars.loc[start, "close"] == partial["close"].iloc[-1]
    assert bars.loc[start, "volume"] == pytest.approx(partial["volume"].sum())


@pytest.mark.parametrize(("tf", "hours"), [("1d", {0}), ("8h", {0, 8, 16}), ("12h", {0, 12})])
def test_buckets_are_utc_aligned(btc_csv: pd.DataFrame, tf: str, hours: set[int]) -> None:
    bars = resample(btc_csv, tf)
    labels = pd.to_datetime(bars["open_time"], unit="ms", utc=True)
    assert set(labels.dt.hour) == hours
    assert set(labels.dt.minute) == {0}


def test_nullable_sums_and_unknown_buckets(near_csv: pd.DataFrame) -> None:
    frame = near_csv[
        ["open_time", "open", "high", "low", "close", "volume", "quote_volume", "trades",
         "taker_buy_volume", "taker_buy_quote_volume"]
    ].copy()  # fmt: skip
    frame["trades"] = frame["trades"].astype("Int64")
    frame.loc[5, "quote_volume"] = np.nan  # unknown value in the first 15m bucket
    frame.loc[5, "trades"] = pd.NA
    bars = resample(frame, "15m")
    assert bars["trades"].dtype == "Int64"
    assert pd.isna(bars["quote_volume"].iloc[0])
    assert pd.isna(bars["trades"].iloc[0])
    second = near_csv.iloc[15:30]
    assert bars["quote_volume"].iloc[1] == pytest.approx(second["quote_volume"].sum())
    assert int(bars["trades"].iloc[1]) == int(second["trades"].sum())
    assert bars["taker_buy_volume"].iloc[1] == pytest.approx(second["taker_buy_volume"].sum())


def test_unsorted_input_and_extra_columns(btc_csv: pd.DataFrame) -> None:
    shuffled = btc_csv.iloc[:600].sample(frac=1.0, random_state=7).assign(note="x")
    assert resample(shuffled, "15m").equals(resample(btc_csv.iloc[:600], "15m"))
    assert "note" not in resample(shuffled, "15m").columns


def test_resample_to_1m_is_a_copy_and_empty_stays_empty(btc_csv: pd.DataFrame) -> None:
    head = btc_csv.iloc[:10]
    same = resample(head.assign(note="x"), "1m")
    assert same.equals(head.reset_index(drop=True))
    assert same is not head
    assert resample(btc_csv.iloc[:0], "1h").empty
    with pytest.raises(InputError):
        resample(head, "7m")


def test_resample_is_fast(btc_csv: pd.DataFrame) -> None:
    """43k 1m rows → 15m in a few milliseconds (best of 5, generous bound for CI)."""
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        resample(btc_csv, "15m")
        timings.append(time.perf_counter() - started)
    assert len(btc_csv) > 43_000
    assert min(timings) < 0.02
