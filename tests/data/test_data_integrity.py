"""Candle integrity checks on real klines with injected corruption."""

from __future__ import annotations

import json
import re
import time

import numpy as np
import pandas as pd
import pytest

from scalplab.data.integrity import (
    CorruptCandlesError,
    Gap,
    check_candles,
    check_loaded_candles,
    find_corruption,
    find_gaps,
    ms_to_iso,
)
from scalplab.errors import DataError


def test_real_klines_are_clean(btc_csv: pd.DataFrame) -> None:
    report = check_candles(btc_csv, "1m")
    assert report.ok
    assert (report.rows, report.gaps, report.duplicates) == (43_199, [], [])
    assert report.first_ms == 1_748_169_180_000
    assert report.to_dict()["first"] == "2025-05-25T10:33:00Z"
    assert report.to_dict()["last"] == "2025-06-24T10:31:00Z"


def test_gaps_alone_are_not_corruption(btc_csv: pd.DataFrame) -> None:
    holed = btc_csv.drop(index=[*range(10, 13), 500])
    report = check_candles(holed, "1m")
    assert report.ok
    t = btc_csv["open_time"]
    assert report.gaps == [
        Gap(int(t[9]), int(t[13]), 3),
        Gap(int(t[499]), int(t[501]), 1),
    ]
    assert report.missing_bars == 4
    assert report.to_dict()["gaps"][0] == {
        "after": "2025-05-25T10:42:00Z",
        "before": "2025-05-25T10:46:00Z",
        "missing_bars": 3,
    }


def test_corruption_is_reported_with_timestamps(btc_csv: pd.DataFrame) -> None:
    frame = btc_csv.iloc[:100].copy()
    t = frame["open_time"]
    frame.loc[5, "high"] = frame.loc[5, "low"] - 1  # high below low
    frame.loc[6, "close"] = np.nan  # NaN fails every comparison
    frame.loc[7, "volume"] = -3.0  # negative volume
    frame.loc[8, "open"] = frame.loc[8, "high"] + 10  # open above high
    frame.loc[20, "open_time"] = int(t[20]) + 30_000  # off the 1m grid
    duplicated = pd.concat([frame, frame.iloc[[40, 41]]])
    report = check_candles(duplicated, "1m")
    assert not report.ok
    assert report.ohlc_violations == [int(t[i]) for i in (5, 6, 7, 8)]
    assert report.duplicates == [int(t[40]), int(t[41])]
    assert report.misaligned == [int(t[20]) + 30_000]
    payload = report.to_dict()
    assert payload["ok"] is False
    assert payload["misaligned"] == ["2025-05-25T10:53:30Z"]
    assert payload["duplicates"] == [ms_to_iso(int(t[40])), ms_to_iso(int(t[41]))]
    json.dumps(payload)  # JSON-ready


def test_higher_timeframe_grid(btc_csv: pd.DataFrame) -> None:
    hourly = pd.DataFrame(
        {"open_time": [0, 3_600_000, 3 * 3_600_000, 3 * 3_600_000 + 60_000],
         "open": 1.0, "high": 2.0, "low": 0.5, "close": 1.5, "volume": 10.0}
    )  # fmt: skip
    report = check_candles(hourly, "1h")
    assert report.misaligned == [3 * 3_600_000 + 60_000]
    assert report.gaps[0] == Gap(3_600_000, 3 * 3_600_000, 1)


def test_empty_frame_and_helpers() -> None:
    empty = pd.DataFrame(columns=["open_time", "open", "high", "low", "close", "volume"])
    report = check_candles(empty, "5m")
    assert report.ok and report.rows == 0 and report.first_ms is None
    assert report.to_dict()["first"] is None
    assert find_gaps(np.array([0]), 60_000) == []
    assert ms_to_iso(1_750_723_200_003) == "2025-06-24T00:00:00.003Z"
    assert ms_to_iso(0) == "1970-01-01T00:00:00Z"


def _corrupted(btc_csv: pd.DataFrame) -> pd.DataFrame:
    """The first 1,000 real bars with 3 duplicates, 2 off-grid times, 1 OHLC break, 1 inf."""
    frame = btc_csv.iloc[:1000].copy().reset_index(drop=True)
    frame.loc[[100, 200, 300], "open_time"] = frame.loc[[99, 199, 299], "open_time"].to_numpy()
    frame.loc[400, "open_time"] += 17
    frame.loc[500, "open_time"] += 30_001
    frame.loc[600, "high"] = frame.loc[600, "low"] - 1
    frame.loc[700, "volume"] = np.inf
    return frame.sort_values("open_time", kind="stable", ignore_index=True)


def test_find_corruption_counts_what_data_check_counts(btc_csv: pd.DataFrame) -> None:
    frame = _corrupted(btc_csv)
    found = find_corruption(frame, "1m")
    report = check_candles(frame, "1m")
    assert (found.duplicates, found.off_grid) == (len(report.duplicates), len(report.misaligned))
    assert found.ohlc_violations == len(report.ohlc_violations) == 2  # the inf volume too
    assert (found.duplicates, found.off_grid, found.non_finite, found.unordered) == (3, 2, 1, 0)
    t = btc_csv["open_time"]
    assert (found.first_ms, found.last_ms) == (int(t[99]), int(t[700]))
    assert found.describe() == (
        "3 duplicate bars, 2 off-grid bars, 2 OHLC violations, 1 bar with non-finite values "
        f"between {ms_to_iso(int(t[99]))} and {ms_to_iso(int(t[700]))}"
    )
    assert report.corruption().describe().startswith("3 duplicate bars, 2 off-grid bars, 2 OHLC")
    assert find_corruption(btc_csv, "1m").ok and find_corruption(btc_csv, "1m").describe() == ""


def test_times_out_of_order_are_corruption(btc_csv: pd.DataFrame) -> None:
    swapped = btc_csv.iloc[:50].copy().reset_index(drop=True)
    swapped.loc[[10, 11]] = swapped.loc[[11, 10]].to_numpy()
    found = find_corruption(swapped, "1m")
    assert (found.unordered, found.duplicates, found.off_grid) == (1, 0, 0)
    assert "1 bar out of time order" in found.describe()


def test_check_loaded_candles_refuses_with_the_one_line_summary(btc_csv: pd.DataFrame) -> None:
    check_loaded_candles(btc_csv, "BTCUSDT", "1m")  # clean: nothing to say
    with pytest.raises(CorruptCandlesError) as info:
        check_loaded_candles(_corrupted(btc_csv), "BTCUSDT", "1m")
    message = str(info.value)
    assert re.fullmatch(
        r"BTCUSDT 1m: 3 duplicate bars, 2 off-grid bars, 2 OHLC violations, 1 bar with "
        r"non-finite values between \S+Z and \S+Z; run `scalplab data check --symbol BTCUSDT "
        r"--tf 1m`",
        message,
    )
    assert isinstance(info.value, DataError) and info.value.corruption.duplicates == 3


def test_the_check_of_a_month_of_minutes_is_cheap(btc_csv: pd.DataFrame) -> None:
    """30 days of 1m bars (43,199): well under 50 ms (best of 5, on a busy machine too)."""
    frame = btc_csv  # the frame a run over the real month would load
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        check_loaded_candles(frame, "BTCUSDT", "1m")
        timings.append(time.perf_counter() - started)
    assert len(frame) == 43_199
    assert min(timings) < 0.025, timings


def test_a_time_beyond_the_calendar_is_still_shown() -> None:
    assert ms_to_iso(-(2**62)) == f"epoch ms {-(2**62)}"
