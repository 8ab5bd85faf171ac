"""`data import --kind`: archive CSVs into the market-data store, on REAL data.

The bookTicker file is a real data.binance.vision archive excerpt; no real aggTrades,
bookDepth or metrics archive could be brought here, so their files are written in the
archives' exact layouts from real data: aggregate trades of the 2021 capture, bookDepth
bands of the real 2021 SUSHIUSDT book, metrics from the real NEARUSDT archive klines (one
real column, five labelled stand-ins: see tests/data/fixtures/README.md).
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from scalplab.cli import main
from scalplab.data.market_import import import_market_csv
from scalplab.data.market_store import MarketStore
from scalplab.errors import DataError, InputError
from tests.conftest import REAL
from tests.data.archive_fixtures import BOOK_DEPTH, METRICS, book_depth_rows, metrics_rows
from tests.data.conftest import tree_digest
from tests.data.test_market_store import aggregate_trades

BOOK_TICKER = REAL / "bookticker_csv" / "BTCUSDT-bookTicker-2023-10-02-first10k.csv"


def archive_csv(frame: pd.DataFrame, path: Path, header: bool = True) -> Path:
    """`frame` as a data.binance.vision aggTrades CSV (booleans spelled `true`/`false`)."""
    text = frame.assign(is_buyer_maker=frame["is_buyer_maker"].map({True: "true", False: "false"}))
    body = text.to_csv(index=False, header=header, lineterminator="\n")
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(body.encode()))
    else:
        path.write_text(body)
    return path


@pytest.fixture
def store(tmp_path: Path) -> MarketStore:
    return MarketStore(tmp_path / "data")


def test_the_real_book_ticker_archive_is_stored_exactly_and_once(store: MarketStore) -> None:
    report = import_market_csv(BOOK_TICKER, "BTCUSDT", "bookTicker", store)
    assert (report.rows, report.added, report.days) == (9999, 9999, ("2023-10-02",))
    expected = pd.read_csv(BOOK_TICKER)
    stored = store.read("BTCUSDT", "bookTicker", 0, 2**62)
    pd.testing.assert_frame_equal(stored, expected, check_dtype=False)
    assert import_market_csv(BOOK_TICKER, "BTCUSDT", "bookTicker", store).added == 0


@pytest.mark.parametrize(("name", "header"), [("trades.csv", True), ("trades.csv.gz", False)])
def test_an_aggtrades_archive_with_or_without_header(
    store: MarketStore, tmp_path: Path, name: str, header: bool
) -> None:
    trades = aggregate_trades("AKROUSDT")
    path = archive_csv(trades, tmp_path / name, header)
    report = import_market_csv(path, "akrousdt", "aggTrades", store)
    assert report.added == len(trades) == 8 and report.days == ("2021-07-22",)
    stored = store.read("AKROUSDT", "aggTrade", 0, 2**62)
    pd.testing.assert_frame_equal(stored, trades.sort_values("agg_trade_id").reset_index(drop=True))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.assign(is_buyer_maker="maybe"), "line 2: is_buyer_maker is not true or false"),
        (lambda f: f.assign(price=0.0), "line 2: an aggregate trade needs a positive price"),
        (lambda f: f.assign(agg_trade_id=f["agg_trade_id"].iloc[0]), "appears with different"),
        (lambda f: f.assign(transact_time="soon"), "line 2: transact_time is not an integer"),
    ],
)
def test_a_bad_archive_is_refused_whole(
    store: MarketStore, tmp_path: Path, change: object, message: str
) -> None:
    trades = aggregate_trades("CTKUSDT")
    import_market_csv(archive_csv(trades.iloc[:3], tmp_path / "first.csv"), "CTKUSDT",
                      "aggTrades", store)  # fmt: skip
    before = tree_digest(store.root)
    bad = change(trades)  # type: ignore[operator]
    path = tmp_path / "bad.csv"
    path.write_text(bad.to_csv(index=False, lineterminator="\n").replace("True", "true")
                    .replace("False", "false"))  # fmt: skip
    with pytest.raises(DataError, match=message) as caught:
        import_market_csv(path, "CTKUSDT", "aggTrades", store)
    assert str(caught.value).endswith("nothing was imported")
    assert tree_digest(store.root) == before


def test_a_crossed_book_and_an_unknown_kind(store: MarketStore, tmp_path: Path) -> None:
    rows = BOOK_TICKER.read_text().splitlines()[:3]
    cells = rows[2].split(",")
    cells[1], cells[3] = cells[3], cells[1]  # bid above ask
    path = tmp_path / "crossed.csv"
    path.write_text("\n".join([rows[0], rows[1], ",".join(cells)]) + "\n")
    with pytest.raises(DataError, match="line 3: a book top needs 0 < best_bid_price"):
        import_market_csv(path, "BTCUSDT", "bookTicker", store)
    with pytest.raises(InputError, match="unknown archive kind 'trades'"):
        import_market_csv(BOOK_TICKER, "BTCUSDT", "trades", store)


def test_the_cli_imports_an_archive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_settings_cache: None,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    data_dir = tmp_path / "data"
    monkeypatch.setenv("DATA_DIR", str(data_dir))
    args = ["data", "import", str(BOOK_TICKER), "--symbol", "BTCUSDT", "--kind", "bookTicker"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert out == "BTCUSDT bookTicker: 9999 rows read, 9999 new\ndays: 2023-10-02\n"
    assert main([*args, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "symbol": "BTCUSDT", "kind": "bookTicker", "rows": 9999, "added": 0,
        "days": ["2023-10-02"],
    }  # fmt: skip
    day_file = data_dir / "market" / "binance" / "BTCUSDT" / "bookTicker" / "2023-10-02.parquet"
    assert day_file.is_file()
    assert main(["data", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["market"] == [
        {"symbol": "BTCUSDT", "stream": "bookTicker", "day": "2023-10-02", "rows": 9999,
         "missing_ids": None}
    ]  # fmt: skip
    assert main(["data", "list"]) == 0
    assert "market BTCUSDT bookTicker 2023-10-02: 9999 rows\n" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exited:
        main(["data", "import", str(BOOK_TICKER), "--symbol", "BTCUSDT", "--kind", "x"])
    assert exited.value.code == 2 and "invalid choice: 'x'" in capsys.readouterr().err


def archive_times(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """`column`'s `YYYY-MM-DD HH:MM:SS` text as epoch ms (what the store keeps)."""
    stamps = pd.to_datetime(frame[column], utc=True).dt.as_unit("ms").astype("int64")
    return frame.assign(**{column: stamps})


def test_the_fixtures_are_what_the_real_data_gives() -> None:
    assert BOOK_DEPTH.read_text().splitlines()[1:] == book_depth_rows()
    assert METRICS.read_text().splitlines()[1:] == metrics_rows()


@pytest.mark.parametrize(("name", "header"), [("depth.csv", True), ("depth.csv.gz", False)])
def test_a_book_depth_archive_with_or_without_header(
    store: MarketStore, tmp_path: Path, name: str, header: bool
) -> None:
    lines = BOOK_DEPTH.read_text().splitlines()[0 if header else 1 :]
    body = ("\n".join(lines) + "\n").encode()
    path = tmp_path / name
    path.write_bytes(gzip.compress(body) if name.endswith(".gz") else body)
    report = import_market_csv(path, "sushiusdt", "bookDepth", store)
    assert (report.rows, report.added, report.days) == (30, 30, ("2021-07-22",))
    stored = store.read("SUSHIUSDT", "bookDepth", 0, 2**62)
    expected = archive_times(pd.read_csv(BOOK_DEPTH), "timestamp")
    pd.testing.assert_frame_equal(stored, expected, check_dtype=False)
    assert stored["timestamp"].iloc[0] == 1626992750000  # 2021-07-22 22:25:50 UTC
    assert import_market_csv(path, "SUSHIUSDT", "bookDepth", store).added == 0


def test_a_metrics_archive_keeps_the_real_taker_ratio(store: MarketStore) -> None:
    report = import_market_csv(METRICS, "NEARUSDT", "metrics", store)
    assert (report.rows, report.added, report.days) == (12, 12, ("2025-02-01",))
    stored = store.read("NEARUSDT", "metrics", 0, 2**62)
    expected = archive_times(pd.read_csv(METRICS), "create_time").drop(columns=["symbol"])
    pd.testing.assert_frame_equal(stored, expected, check_dtype=False)
    klines = pd.read_csv(REAL / "klines" / "um" / "NEARUSDT" / "1m.csv").iloc[:5]
    buy, volume = klines["taker_buy_volume"].sum(), klines["volume"].sum()
    assert stored["sum_taker_long_short_vol_ratio"].iloc[0] == pytest.approx(
        buy / (volume - buy), rel=1e-7
    )
    assert import_market_csv(METRICS, "NEARUSDT", "metrics", store).added == 0


def edited(source: Path, line: int, cell: int, value: str) -> str:
    lines = source.read_text().splitlines()
    cells = lines[line - 1].split(",")
    cells[cell] = value
    lines[line - 1] = ",".join(cells)
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("source", "kind", "text", "message"),
    [
        (BOOK_DEPTH, "bookDepth", lambda: edited(BOOK_DEPTH, 4, 1, "0"),
         "line 4: percentage must be a band within ±5 % other than 0"),
        (BOOK_DEPTH, "bookDepth", lambda: edited(BOOK_DEPTH, 5, 1, "6"), "line 5: percentage"),
        (BOOK_DEPTH, "bookDepth", lambda: edited(BOOK_DEPTH, 3, 2, "-1"),
         "line 3: depth and notional cannot be negative"),
        (BOOK_DEPTH, "bookDepth", lambda: edited(BOOK_DEPTH, 2, 0, "2021-07-22T22:25:50"),
         "line 2: timestamp is not a YYYY-MM-DD HH:MM:SS time: '2021-07-22T22:25:50'"),
        (BOOK_DEPTH, "bookDepth", lambda: edited(BOOK_DEPTH, 13, 1, "-5"),
         "line 12: timestamp 1626992760000 percentage -5 appears with different values"),
        (BOOK_DEPTH, "bookDepth", lambda: edited(BOOK_DEPTH, 1, 2, "qty"),
         "line 1: the header is not the bookDepth archive's"),
        (METRICS, "metrics", lambda: edited(METRICS, 3, 4, ""),
         "line 3: count_toptrader_long_short_ratio is not a number: ''"),
        (METRICS, "metrics", lambda: edited(METRICS, 6, 1, "BTCUSDT"),
         "line 6: the metrics are of 'BTCUSDT', not NEARUSDT"),
        (METRICS, "metrics", lambda: edited(METRICS, 2, 7, "-0.5"),
         "line 2: open interest and ratios cannot be negative"),
        (METRICS, "bookDepth", METRICS.read_text, "the header is not the bookDepth"),
    ],
)  # fmt: skip
def test_a_bad_depth_or_metrics_archive_is_refused_whole(
    store: MarketStore, tmp_path: Path, source: Path, kind: str, text: object, message: str
) -> None:
    symbol = "SUSHIUSDT" if source == BOOK_DEPTH else "NEARUSDT"
    import_market_csv(source, symbol, "bookDepth" if source == BOOK_DEPTH else "metrics", store)
    before = tree_digest(store.root)
    path = tmp_path / "bad.csv"
    path.write_text(text())  # type: ignore[operator]
    with pytest.raises(DataError, match=re.escape(message)) as caught:
        import_market_csv(path, symbol, kind, store)
    assert str(caught.value).endswith("nothing was imported") and "\n" not in str(caught.value)
    assert tree_digest(store.root) == before


def test_the_cli_imports_lists_and_checks_depth_and_metrics(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_settings_cache: None,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    for path, symbol, kind in ((BOOK_DEPTH, "SUSHIUSDT", "bookDepth"),
                               (METRICS, "NEARUSDT", "metrics")):  # fmt: skip
        assert main(["data", "import", str(path), "--symbol", symbol, "--kind", kind]) == 0
    assert capsys.readouterr().out == (
        "SUSHIUSDT bookDepth: 30 rows read, 30 new\ndays: 2021-07-22\n"
        "NEARUSDT metrics: 12 rows read, 12 new\ndays: 2025-02-01\n"
    )
    assert main(["data", "list"]) == 0
    out = capsys.readouterr().out
    assert "market NEARUSDT metrics 2025-02-01: 12 rows\n" in out
    assert "market SUSHIUSDT bookDepth 2021-07-22: 30 rows\n" in out
    assert main(["data", "check", "--symbol", "SUSHIUSDT"]) == 0
    assert capsys.readouterr().out == (
        "SUSHIUSDT: no 1m candles stored\n"
        "market SUSHIUSDT bookDepth 2021-07-22: 30 rows\nstatus: ok\n"
    )
    assert main(["data", "check", "--symbol", "NEARUSDT", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["ok"] and payload["market"] == [
        {"symbol": "NEARUSDT", "stream": "metrics", "day": "2025-02-01", "rows": 12,
         "missing_ids": None}
    ]  # fmt: skip
    bad = tmp_path / "bad.csv"
    bad.write_text(edited(METRICS, 2, 0, "yesterday"))
    assert main(["data", "import", str(bad), "--symbol", "NEARUSDT", "--kind", "metrics"]) != 0
    assert "line 2: create_time is not a YYYY-MM-DD HH:MM:SS time" in capsys.readouterr().err
