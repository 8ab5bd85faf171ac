"""Candle integrity checks on real klines with injected corruption."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from scalplab.data.integrity import Gap, check_candles, find_gaps, ms_to_iso


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
