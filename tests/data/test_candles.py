"""The Parquet candle store, on real Parquet files written from real Binance klines."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from scalplab.data.candles import COLUMNS, CandleStore, ConflictingDataError, normalize_candles
from scalplab.data.integrity import CorruptCandlesError
from scalplab.data.timeframes import resample
from scalplab.errors import DataError, InputError, NoDataError
from tests.conftest import corrupt_candle_file, real_klines
from tests.data.conftest import digest

HOUR = 3_600_000


@pytest.fixture
def btc_store(store: CandleStore, btc_csv: pd.DataFrame) -> CandleStore:
    store.merge("BTCUSDT", "1m", btc_csv)
    return store


def test_roundtrip_real_klines(store: CandleStore, btc_csv: pd.DataFrame) -> None:
    result = store.merge("BTCUSDT", "1m", btc_csv)
    assert (result.added, result.total, result.gaps) == (43_199, 43_199, [])
    frame = store.read("BTCUSDT", "1m")
    assert list(frame.columns) == list(COLUMNS)
    assert frame["open_time"].dtype == np.int64
    for column in ("open", "high", "low", "close", "volume", "quote_volume"):
        assert frame[column].dtype == np.float64
    assert frame["trades"].dtype == "Int64"
    for column in ("open_time", "open", "high", "low", "close", "volume"):
        assert (frame[column].to_numpy() == btc_csv[column].to_numpy()).all(), column
    assert frame["quote_volume"].isna().all() and frame["trades"].isna().all()
    path = store.path("BTCUSDT", "1m")
    assert path == store.data_dir / "candles" / "binance" / "BTCUSDT" / "1m.parquet"
    assert pq.read_metadata(path).row_group(0).column(0).compression == "ZSTD"


def test_read_filters_half_open_range(btc_store: CandleStore, btc_csv: pd.DataFrame) -> None:
    start = int(btc_csv["open_time"].iloc[100])
    end = int(btc_csv["open_time"].iloc[200])
    frame = btc_store.read("btcusdt", "1m", start, end)
    assert len(frame) == 100
    assert int(frame["open_time"].iloc[0]) == start
    assert int(frame["open_time"].iloc[-1]) == end - 60_000
    assert len(btc_store.read("BTCUSDT", "1m", start_ms=end)) == len(btc_csv) - 200
    assert len(btc_store.read("BTCUSDT", "1m", end_ms=start)) == 100


def test_higher_timeframe_is_resampled_after_filtering(
    btc_store: CandleStore, btc_csv: pd.DataFrame
) -> None:
    start = int(btc_csv["open_time"].iloc[0]) // HOUR * HOUR + 2 * HOUR + 20 * 60_000  # mid-hour
    end = start + 10 * HOUR
    bars = btc_store.read("BTCUSDT", "1h", start, end)
    minutes = btc_csv[(btc_csv["open_time"] >= start) & (btc_csv["open_time"] < end)]
    expected = resample(normalize_candles(minutes), "1h")
    pd.testing.assert_frame_equal(bars, expected)
    assert int(bars["open_time"].iloc[0]) == start // HOUR * HOUR
    assert bars["open"].iloc[0] == minutes["open"].iloc[0]  # partial first bucket, from `start`
    assert len(bars) == 11


def test_own_timeframe_file_wins_over_resampling(
    btc_store: CandleStore, btc_csv: pd.DataFrame
) -> None:
    hourly = resample(btc_csv, "1h").iloc[5:8]
    btc_store.merge("BTCUSDT", "1h", hourly)
    assert btc_store.timeframes("BTCUSDT") == ["1m", "1h"]
    assert len(btc_store.read("BTCUSDT", "1h")) == 3


def test_no_file_is_no_data_error(store: CandleStore, btc_store: CandleStore) -> None:
    with pytest.raises(NoDataError, match=r"no ETHUSDT 1m candles stored for binance"):
        store.read("ETHUSDT", "1m")
    with pytest.raises(NoDataError, match=r"no ETHUSDT 15m candles .*and no 1m candles"):
        store.read("ETHUSDT", "15m")
    with pytest.raises(NoDataError, match="no ETHUSDT 4h candles stored"):
        store.span("ETHUSDT", "4h")


def test_empty_range_says_what_is_stored(btc_store: CandleStore) -> None:
    with pytest.raises(NoDataError) as info:
        btc_store.read("BTCUSDT", "15m", 1_700_000_000_000, 1_700_086_400_000)
    message = str(info.value)
    assert message == (
        "no BTCUSDT 15m candles from 2023-11-14T22:13:20Z to 2023-11-15T22:13:20Z; "
        "stored 1m: 2025-05-25T10:33:00Z to 2025-06-24T10:31:00Z"
    )
    with pytest.raises(NoDataError, match="from 2026-01-01T00:00:00Z to the end"):
        btc_store.read("BTCUSDT", "1m", start_ms=1_767_225_600_000)


def test_bad_arguments(btc_store: CandleStore) -> None:
    with pytest.raises(InputError, match="unknown timeframe '2m'"):
        btc_store.read("BTCUSDT", "2m")
    with pytest.raises(InputError, match="empty range"):
        btc_store.read("BTCUSDT", "1m", 1_750_000_000_000, 1_750_000_000_000)
    with pytest.raises(InputError, match="invalid symbol"):
        btc_store.read("../etc", "1m")


def test_truncated_file_is_one_line_data_error(btc_store: CandleStore) -> None:
    path = btc_store.path("BTCUSDT", "1m")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    before = digest(path)
    for call in (
        lambda: btc_store.read("BTCUSDT", "1m"),
        lambda: btc_store.read("BTCUSDT", "4h"),
        lambda: btc_store.span("BTCUSDT", "1m"),
    ):
        with pytest.raises(DataError, match=r"^unreadable BTCUSDT 1m candle file: ") as info:
            call()
        assert "\n" not in str(info.value)
        assert str(path.parent) not in str(info.value)
    with pytest.raises(DataError, match="unreadable BTCUSDT 1m candle file"):
        btc_store.merge("BTCUSDT", "1m", btc_store_frame())
    assert digest(path) == before


def btc_store_frame() -> pd.DataFrame:
    """One valid real candle (2025-05-25 10:33 BTCUSDT)."""
    return pd.DataFrame(
        {"open_time": [1748169180000], "open": [107187.4], "high": [107194.2],
         "low": [107165.0], "close": [107194.2], "volume": [22.67]}
    )  # fmt: skip


def test_wrong_schema_files(store: CandleStore, btc_csv: pd.DataFrame) -> None:
    path = store.path("BTCUSDT", "1m")
    path.parent.mkdir(parents=True)
    pq.write_table(pa.table({"time": [1], "price": [2.0]}), path)
    with pytest.raises(DataError, match=r"wrong schema: missing column\(s\) open_time, open"):
        store.read("BTCUSDT", "1m")
    as_text = btc_csv.head(3).astype({"open_time": str})
    pq.write_table(pa.Table.from_pandas(as_text, preserve_index=False), path)
    with pytest.raises(DataError, match=r"wrong schema: column open_time is (string|large_string)"):
        store.read("BTCUSDT", "1m")
    before = digest(path)
    with pytest.raises(DataError, match="wrong schema"):
        store.merge("BTCUSDT", "1m", btc_csv.head(3))
    assert digest(path) == before
    with_gap = btc_csv.head(3).astype({"open": "float64"})
    with_gap.loc[1, "open"] = None  # a null where every candle needs a price
    pq.write_table(pa.Table.from_pandas(with_gap, preserve_index=False), path)
    with pytest.raises(DataError, match=r"wrong schema: .*'open' with null values") as info:
        store.read("BTCUSDT", "1m")
    assert "\n" not in str(info.value)


def test_foreign_file_without_optional_columns_unsorted(
    store: CandleStore, btc_csv: pd.DataFrame
) -> None:
    path = store.path("BTCUSDT", "1m")
    path.parent.mkdir(parents=True)
    reversed_rows = btc_csv.iloc[:50].iloc[::-1].astype({"volume": np.float32})
    pq.write_table(pa.Table.from_pandas(reversed_rows, preserve_index=False), path)
    frame = store.read("BTCUSDT", "1m")
    assert frame["open_time"].is_monotonic_increasing
    assert list(frame.columns) == list(COLUMNS)
    assert frame["trades"].isna().all()
    assert frame["close"].tolist() == btc_csv["close"].iloc[:50].tolist()


def test_identical_duplicates_are_dropped(btc_store: CandleStore, btc_csv: pd.DataFrame) -> None:
    again = pd.concat([btc_csv.iloc[:10], btc_csv.iloc[:10]])
    result = btc_store.merge("BTCUSDT", "1m", again)
    assert (result.added, result.total) == (0, 43_199)


def test_conflicting_duplicate_rejects_whole_input(
    btc_store: CandleStore, btc_csv: pd.DataFrame
) -> None:
    path = btc_store.path("BTCUSDT", "1m")
    before = digest(path)
    later = btc_csv.iloc[-5:].copy()
    later["open_time"] += 5 * 60_000  # 5 genuinely new rows ...
    changed = btc_csv.iloc[[7]].copy()
    changed["volume"] = changed["volume"] + 1.0  # ... and one that contradicts the store
    with pytest.raises(ConflictingDataError) as info:
        btc_store.merge("BTCUSDT", "1m", pd.concat([later, changed]))
    assert str(info.value) == (
        "1 candle(s) have the same open_time but different values, first at "
        "2025-05-25T10:40:00Z (volume 58.686 vs 59.686); nothing was written"
    )
    assert info.value.times == [int(btc_csv["open_time"].iloc[7])]
    assert digest(path) == before
    inside = pd.concat([btc_csv.iloc[[3]], btc_csv.iloc[[3]].assign(volume=1.0)])
    with pytest.raises(DataError, match="different values"):
        btc_store.merge("BTCUSDT", "1m", inside)
    assert digest(path) == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.assign(open_time=f["open_time"] + 1), r"is not on the 1m grid"),
        (lambda f: f.assign(high=f["low"] - 1), r"OHLC violation at 2025-05-25T10:33:00Z"),
        (lambda f: f.assign(volume=-1.0), r"OHLC violation"),
        (lambda f: f.assign(close=np.nan), r"close is empty or NaN at 2025-05-25T10:33:00Z"),
        (lambda f: f.drop(columns="low"), r"missing column\(s\) low"),
        (lambda f: f.assign(open="abc"), r"column open holds a non-numeric value 'abc'"),
        (lambda f: f.assign(open_time=f["open_time"] + 0.5), r"integer epoch milliseconds"),
        (lambda f: f.assign(trades=1.5), r"trades must be whole numbers"),
    ],
)
def test_invalid_input_leaves_store_untouched(
    btc_store: CandleStore, btc_csv: pd.DataFrame, change: object, message: str
) -> None:
    path = btc_store.path("BTCUSDT", "1m")
    before = digest(path)
    with pytest.raises(DataError, match=message):
        btc_store.merge("BTCUSDT", "1m", change(btc_csv.head(5)))  # type: ignore[operator]
    assert digest(path) == before
    assert not list(path.parent.glob("*.tmp"))


def test_archive_columns_fill_nulls_of_stored_rows(
    store: CandleStore, near_csv: pd.DataFrame
) -> None:
    six = near_csv[["open_time", "open", "high", "low", "close", "volume"]]
    store.merge("NEARUSDT", "1m", six.iloc[:100])
    result = store.merge("NEARUSDT", "1m", near_csv.iloc[50:150])
    assert (result.added, result.total) == (50, 150)
    frame = store.read("NEARUSDT", "1m")
    assert frame["quote_volume"].iloc[:50].isna().all()
    assert (frame["quote_volume"].iloc[50:] == near_csv["quote_volume"].iloc[50:150]).all()
    assert frame["trades"].iloc[50:].tolist() == near_csv["trades"].iloc[50:150].tolist()


def test_gaps_are_kept_and_reported(store: CandleStore, btc_csv: pd.DataFrame) -> None:
    holed = btc_csv.drop(index=range(100, 130))
    result = store.merge("BTCUSDT", "1m", holed)
    assert len(result.gaps) == 1
    gap = result.gaps[0]
    assert gap.after_ms == int(btc_csv["open_time"].iloc[99])
    assert gap.before_ms == int(btc_csv["open_time"].iloc[130])
    assert gap.missing_bars == 30
    assert result.total == len(btc_csv) - 30


def test_listing_and_span(btc_store: CandleStore, btc_csv: pd.DataFrame) -> None:
    btc_store.merge("ETHUSDT", "5m", resample(btc_csv.iloc[:30], "5m"))
    assert btc_store.symbols() == ["BTCUSDT", "ETHUSDT"]
    assert btc_store.timeframes("BTCUSDT") == ["1m"]
    assert btc_store.timeframes("ETHUSDT") == ["5m"]
    assert btc_store.timeframes("SOLUSDT") == []
    first, last = int(btc_csv["open_time"].iloc[0]), int(btc_csv["open_time"].iloc[-1])
    assert btc_store.span("BTCUSDT", "1m") == (first, last, 43_199)
    span_4h = btc_store.span("BTCUSDT", "4h")
    assert span_4h == (
        first // (4 * HOUR) * 4 * HOUR,
        last // (4 * HOUR) * 4 * HOUR,
        len(btc_store.read("BTCUSDT", "4h")),
    )
    assert btc_store.has_candles()
    assert not CandleStore(btc_store.data_dir, exchange="bybit").has_candles()


def test_span_without_statistics(store: CandleStore, btc_csv: pd.DataFrame) -> None:
    path = store.path("BTCUSDT", "1m")
    path.parent.mkdir(parents=True)
    table = pa.Table.from_pandas(btc_csv.iloc[:20], preserve_index=False)
    pq.write_table(table, path, write_statistics=False)
    assert store.span("BTCUSDT", "1m") == (
        int(btc_csv["open_time"].iloc[0]),
        int(btc_csv["open_time"].iloc[19]),
        20,
    )
    pq.write_table(table.slice(0, 0), path)
    with pytest.raises(NoDataError, match="has no rows"):
        store.span("BTCUSDT", "1m")
    with pytest.raises(NoDataError, match="has no rows"):
        store.read("BTCUSDT", "1m")


def test_empty_merge_writes_nothing(store: CandleStore, btc_csv: pd.DataFrame) -> None:
    result = store.merge("BTCUSDT", "1m", btc_csv.iloc[:0])
    assert (result.added, result.total) == (0, 0)
    assert not store.path("BTCUSDT", "1m").exists()
    assert store.symbols() == []


def test_read_is_fast(btc_store: CandleStore) -> None:
    """30 days of 1m candles load in milliseconds (best of 5; generous bound for CI)."""
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        btc_store.read("BTCUSDT", "1m")
        timings.append(time.perf_counter() - started)
    assert min(timings) < 0.05


def test_no_temp_or_visible_lock_files_remain(btc_store: CandleStore, tmp_path: Path) -> None:
    folder = btc_store.path("BTCUSDT", "1m").parent
    names = sorted(p.name for p in folder.iterdir())
    assert names == [".1m.parquet.lock", "1m.parquet"]


def test_numeric_strings_are_accepted_but_missing_times_are_not(store: CandleStore) -> None:
    text = btc_store_frame().astype(str)
    result = store.merge("BTCUSDT", "1m", text)
    assert (result.added, store.read("BTCUSDT", "1m")["open"].iloc[0]) == (1, 107187.4)
    with pytest.raises(DataError, match="open_time has empty values"):
        store.merge("BTCUSDT", "1m", btc_store_frame().assign(open_time=np.nan))


def test_a_checked_read_refuses_the_bars_of_a_corrupted_file(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    store = CandleStore(data_dir)
    store.merge("BTCUSDT", "1m", real_klines("BTCUSDT").iloc[:20_000])
    clean = store.read("BTCUSDT", "15m", checked=True)
    assert len(clean) == len(store.read("BTCUSDT", "15m"))  # nothing to refuse
    summary = corrupt_candle_file(data_dir)
    store.read("BTCUSDT", "1m")  # a report (like `data check`) still reads it
    for tf in ("1m", "15m"):  # the 1m bars are checked before they are resampled
        with pytest.raises(CorruptCandlesError) as info:
            store.read("BTCUSDT", tf, checked=True)
        assert str(info.value) == (
            f"BTCUSDT 1m: {summary}; run `scalplab data check --symbol BTCUSDT --tf 1m`"
        )
