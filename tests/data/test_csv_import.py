"""Binance archive CSV import: real files, header/headerless/gzip/µs variants, every rejection."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from scalplab.data.candles import CandleStore
from scalplab.data.csv_import import import_funding_csv, import_klines_csv
from scalplab.data.funding import FundingStore
from scalplab.errors import DataError, InputError, NotFoundError
from tests.data.conftest import BTC_1M, BTC_5M, BTC_FUNDING, NEAR_1M, tree_digest

NEAR_LINES = NEAR_1M.read_text().splitlines()
BTC_LINES = BTC_1M.read_text().splitlines()


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


def test_real_six_column_file_with_header(store: CandleStore, btc_csv: pd.DataFrame) -> None:
    report = import_klines_csv(BTC_1M, "BTCUSDT", "1m", store)
    assert (report.columns, report.rows, report.added, report.total) == (6, 43_199, 43_199, 43_199)
    assert report.gaps == [] and report.duplicates_dropped == 0
    assert report.to_dict()["first"] == "2025-05-25T10:33:00Z"
    frame = store.read("BTCUSDT", "1m")
    for column in ("open_time", "open", "high", "low", "close", "volume"):
        assert frame[column].tolist() == btc_csv[column].tolist()
    assert frame["quote_volume"].isna().all()


def test_real_twelve_column_archive(store: CandleStore, near_csv: pd.DataFrame) -> None:
    report = import_klines_csv(NEAR_1M, "NEARUSDT", "1m", store)
    assert (report.columns, report.rows, report.added) == (12, 40_320, 40_320)
    frame = store.read("NEARUSDT", "1m")
    for column in ("open_time", "open", "high", "low", "close", "volume", "quote_volume",
                   "taker_buy_volume", "taker_buy_quote_volume"):  # fmt: skip
        assert frame[column].tolist() == near_csv[column].tolist(), column
    assert frame["trades"].dtype == "Int64"
    assert frame["trades"].tolist() == near_csv["trades"].tolist()


@pytest.mark.parametrize("compress", [False, True])
def test_headerless_and_gzip_copies(
    tmp_path: Path, store: CandleStore, near_csv: pd.DataFrame, compress: bool
) -> None:
    body = "\n".join(NEAR_LINES[1:]) + "\n"
    path = tmp_path / ("near.csv.gz" if compress else "near.csv")
    path.write_bytes(gzip.compress(body.encode()) if compress else body.encode())
    report = import_klines_csv(path, "NEARUSDT", "1m", store)
    assert (report.columns, report.rows, report.added) == (12, 40_320, 40_320)
    assert store.read("NEARUSDT", "1m")["close"].tolist() == near_csv["close"].tolist()


def test_headerless_six_columns(tmp_path: Path, store: CandleStore) -> None:
    path = write(tmp_path / "btc.csv", BTC_LINES[1:1001])
    report = import_klines_csv(path, "BTCUSDT", "1m", store)
    assert (report.columns, report.rows, report.total) == (6, 1000, 1000)


def test_microsecond_timestamps(tmp_path: Path, store: CandleStore, near_csv: pd.DataFrame) -> None:
    lines = []
    for line in NEAR_LINES[1:1441]:
        cells = line.split(",")
        cells[0] += "000"
        cells[6] += "000"
        lines.append(",".join(cells))
    report = import_klines_csv(write(tmp_path / "us.csv", lines), "NEARUSDT", "1m", store)
    assert report.first_ms == int(near_csv["open_time"].iloc[0])
    stored = store.read("NEARUSDT", "1m")
    assert stored["open_time"].tolist() == near_csv["open_time"].iloc[:1440].tolist()


def test_gaps_and_identical_duplicates_are_reported(tmp_path: Path, store: CandleStore) -> None:
    lines = BTC_LINES[:101] + BTC_LINES[111:201] + [BTC_LINES[150]]
    report = import_klines_csv(write(tmp_path / "holes.csv", lines), "BTCUSDT", "1m", store)
    assert report.rows == 191
    assert report.duplicates_dropped == 1
    assert report.added == report.total == 190
    assert len(report.gaps) == 1 and report.gaps[0].missing_bars == 10
    assert report.to_dict()["missing_bars"] == 10


def test_reimport_is_idempotent(store: CandleStore) -> None:
    import_klines_csv(BTC_1M, "BTCUSDT", "1m", store)
    again = import_klines_csv(BTC_1M, "BTCUSDT", "1m", store)
    assert (again.added, again.total) == (0, 43_199)


def _edit(line_index: int, column: int, value: str) -> Callable[[list[str]], list[str]]:
    def apply(lines: list[str]) -> list[str]:
        cells = lines[line_index].split(",")
        cells[column] = value
        return [*lines[:line_index], ",".join(cells), *lines[line_index + 1 :]]

    return apply


BAD_FILES: list[tuple[str, Callable[[list[str]], list[str]], str]] = [
    ("short row", lambda ls: [*ls[:5], ls[5].rsplit(",", 1)[0], *ls[6:]],
     r"line 6: expected 12 columns, found 11"),
    ("non-numeric", _edit(9, 2, "abc"), r"line 10: high is not a number: 'abc'"),
    ("empty cell", _edit(9, 4, ""), r"line 10: close is not a number: ''"),
    ("NaN", _edit(3, 5, "NaN"), r"line 4: volume is not a finite number: 'NaN'"),
    ("bad time", _edit(3, 0, "17383680x0000"), r"line 4: open_time is not an integer"),
    ("bad count", _edit(3, 8, "1.5"), r"line 4: count is not an integer: '1.5'"),
    ("OHLC", _edit(7, 2, "4.0"), r"line 8: OHLC violation \(open 4.\d+, high 4.0, low"),
    ("negative volume", _edit(7, 5, "-1"), r"line 8: OHLC violation .*volume -1.0"),
    ("misaligned", _edit(12, 0, "1738368690000"),
     r"line 13: open_time 1738368690000 \(2025-02-01T00:11:30Z\) is not on the 1m grid"),
    ("close time", _edit(12, 6, "1738368779998"),
     r"line 13: close_time 1738368779998 does not close a 1m bar opening at "
     r"2025-02-01T00:11:00Z; is --tf right\?"),
    ("duplicate", lambda ls: [*ls[:20], _edit(5, 5, "1234")(ls)[5], *ls[20:]],
     r"line 21: open_time 1738368240000 \(2025-02-01T00:04:00Z\) repeats line 6 with different "
     r"values"),
    ("µs fraction", _edit(3, 0, "1738368120000001"), r"line 4: open_time 1738368120000001 \(µs\) "
     r"is not a whole millisecond"),
    ("seven columns", lambda ls: [",".join(line.split(",")[:7]) for line in ls],
     r"line 1: expected 6 or 12 columns \(Binance kline layout\), found 7"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "change", "message"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_malformed_file_rejected_whole_store_untouched(
    tmp_path: Path,
    store: CandleStore,
    name: str,
    change: Callable[[list[str]], list[str]],
    message: str,
    btc_csv: pd.DataFrame,
) -> None:
    store.merge("BTCUSDT", "1m", btc_csv.iloc[:1000])  # something already stored
    before = tree_digest(store.data_dir)
    path = write(tmp_path / "bad.csv", change(NEAR_LINES[:200]))
    with pytest.raises(DataError) as info:
        import_klines_csv(path, "NEARUSDT", "1m", store)
    text = str(info.value)
    assert text.startswith(f"{path}: ")
    assert text.endswith("; nothing was imported")
    assert "\n" not in text
    assert pd.Series([text]).str.contains(message).all(), text
    assert tree_digest(store.data_dir) == before
    assert store.symbols() == ["BTCUSDT"]


def test_conflict_with_stored_candles_names_the_line(
    tmp_path: Path, store: CandleStore, btc_csv: pd.DataFrame
) -> None:
    store.merge("BTCUSDT", "1m", btc_csv.iloc[:100])
    before = tree_digest(store.data_dir)
    cells = BTC_LINES[40].split(",")
    cells[5] = "999.5"
    lines = [*BTC_LINES[:40], ",".join(cells), *BTC_LINES[41:60]]
    path = write(tmp_path / "other.csv", lines)
    with pytest.raises(DataError, match=(
        r"other\.csv: line 41: the candle at 2025-05-25T11:12:00Z differs from the one already "
        r"stored \(1 conflicting candle\(s\)\); nothing was imported"
    )):  # fmt: skip
        import_klines_csv(path, "BTCUSDT", "1m", store)
    assert tree_digest(store.data_dir) == before


def test_wrong_timeframe_file_is_refused(store: CandleStore) -> None:
    message = r"5m\.csv: rows are 5 minutes apart, not 1m candles \(is this a 5m file\?\); nothing"
    with pytest.raises(DataError, match=message):
        import_klines_csv(BTC_5M, "BTCUSDT", "1m", store)
    assert store.symbols() == []
    report = import_klines_csv(BTC_5M, "BTCUSDT", "5m", store)
    assert report.rows == 8_639


def test_file_level_problems(tmp_path: Path, store: CandleStore) -> None:
    with pytest.raises(NotFoundError, match="no such file"):
        import_klines_csv(tmp_path / "missing.csv", "BTCUSDT", "1m", store)
    with pytest.raises(InputError, match="is a directory"):
        import_klines_csv(tmp_path, "BTCUSDT", "1m", store)
    empty = write(tmp_path / "empty.csv", [""])
    with pytest.raises(DataError, match=r"empty\.csv: the file is empty; nothing was imported"):
        import_klines_csv(empty, "BTCUSDT", "1m", store)
    header_only = write(tmp_path / "header.csv", BTC_LINES[:1])
    with pytest.raises(DataError, match="has a header but no data rows"):
        import_klines_csv(header_only, "BTCUSDT", "1m", store)
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(DataError, match=r"not UTF-8 text \(byte 0\)"):
        import_klines_csv(binary, "BTCUSDT", "1m", store)
    broken_gz = tmp_path / "broken.csv.gz"
    broken_gz.write_bytes(gzip.compress("\n".join(BTC_LINES[:50]).encode())[:60])
    with pytest.raises(DataError, match="corrupt gzip data"):
        import_klines_csv(broken_gz, "BTCUSDT", "1m", store)
    with pytest.raises(InputError, match="unknown timeframe"):
        import_klines_csv(BTC_1M, "BTCUSDT", "7m", store)
    with pytest.raises(InputError, match="invalid symbol"):
        import_klines_csv(BTC_1M, "BTC/USDT", "1m", store)
    assert store.symbols() == []


# --- funding ---


FUNDING_LINES = BTC_FUNDING.read_text().splitlines()


def test_real_funding_csv(funding_store: FundingStore) -> None:
    report = import_funding_csv(BTC_FUNDING, "BTCUSDT", funding_store)
    assert (report.kind, report.columns, report.rows, report.added) == ("funding", 3, 329, 329)
    assert report.to_dict()["last"] == "2025-06-24T00:00:00.003Z"
    frame = funding_store.read("BTCUSDT")
    assert frame["funding_rate"].iloc[0] == pytest.approx(0.00006818)


def test_funding_columns_in_any_order_with_extras(
    tmp_path: Path, funding_store: FundingStore
) -> None:
    lines = ["funding_rate,markPrice,funding_time,symbol"]
    for line in FUNDING_LINES[1:11]:
        symbol, stamp, rate = line.split(",")
        lines.append(f"{rate},0,{stamp},{symbol}")
    report = import_funding_csv(write(tmp_path / "f.csv", lines), "BTCUSDT", funding_store)
    assert report.added == 10


FUNDING_BAD: list[tuple[str, list[str], str]] = [
    ("no header", FUNDING_LINES[1:5],
     r"line 1: header `symbol,funding_time,funding_rate` required, found `btcusdt,"),
    ("other symbol", [*FUNDING_LINES[:4], FUNDING_LINES[4].replace("BTCUSDT", "ETHUSDT")],
     r"line 5: row is for ETHUSDT, not BTCUSDT"),
    ("bad rate", [*FUNDING_LINES[:3], "BTCUSDT,1741334400000,abc"],
     r"line 4: funding_rate is not a number: 'abc'"),
    ("nan rate", [*FUNDING_LINES[:3], "BTCUSDT,1741334400000,nan"],
     r"line 4: funding_rate is not a finite number: 'nan'"),
    ("huge rate", [*FUNDING_LINES[:3], "BTCUSDT,1741334400000,2.5"],
     r"line 4: funding_rate 2.5 is not a rate in \(-1, 1\)"),
    ("bad time", [*FUNDING_LINES[:3], "BTCUSDT,soon,0.0001"],
     r"line 4: funding_time is not an integer: 'soon'"),
    ("width", [*FUNDING_LINES[:3], "BTCUSDT,1741334400000"],
     r"line 4: expected 3 columns, found 2"),
    ("duplicate", [*FUNDING_LINES[:3], FUNDING_LINES[1].replace("0.00006818", "0.00001")],
     r"line 4: funding_time 1741276800000 \(2025-03-06T16:00:00Z\) repeats line 2 with different"),
    ("header only", FUNDING_LINES[:1], r"the file has a header but no data rows"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "lines", "message"), FUNDING_BAD, ids=[b[0] for b in FUNDING_BAD])
def test_bad_funding_files(
    tmp_path: Path, funding_store: FundingStore, name: str, lines: list[str], message: str
) -> None:
    import_funding_csv(BTC_FUNDING, "BTCUSDT", funding_store)
    before = tree_digest(funding_store.data_dir)
    path = write(tmp_path / "bad.csv", lines)
    with pytest.raises(DataError) as info:
        import_funding_csv(path, "BTCUSDT", funding_store)
    assert pd.Series([str(info.value)]).str.contains(message).all(), str(info.value)
    assert str(info.value).startswith(f"{path}: ")
    assert tree_digest(funding_store.data_dir) == before


def test_funding_conflict_with_store(tmp_path: Path, funding_store: FundingStore) -> None:
    import_funding_csv(BTC_FUNDING, "BTCUSDT", funding_store)
    before = tree_digest(funding_store.data_dir)
    lines = [*FUNDING_LINES[:5], FUNDING_LINES[5].replace(FUNDING_LINES[5].split(",")[2], "0.0009")]
    with pytest.raises(DataError, match=(
        r"line 6: the funding rate at 2025-03-08T00:00:00Z differs from the one already stored"
    )):  # fmt: skip
        import_funding_csv(write(tmp_path / "f.csv", lines), "BTCUSDT", funding_store)
    assert tree_digest(funding_store.data_dir) == before


def test_odd_but_valid_and_odd_invalid_inputs(tmp_path: Path, store: CandleStore) -> None:
    two = write(tmp_path / "two.csv", BTC_LINES[1:3])  # too few rows to judge the spacing
    assert import_klines_csv(two, "BTCUSDT", "1m", store).added == 2
    huge = write(tmp_path / "huge.csv", [*BTC_LINES[3:5], "99999999999999999999,1,1,1,1,1"])
    with pytest.raises(DataError, match=r"huge\.csv: open_time holds an out-of-range integer"):
        import_klines_csv(huge, "BTCUSDT", "1m", store)
    with pytest.raises(InputError, match="cannot read"):
        import_klines_csv(two / "child.csv", "BTCUSDT", "1m", store)
