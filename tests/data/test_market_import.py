"""`data import --kind`: archive CSVs into the market-data store, on REAL data.

The bookTicker file is a real data.binance.vision archive excerpt; no real aggTrades
archive could be brought here, so its files are written in the archive's exact layout
from the real aggregate trades of the 2021 capture (see shared/data/real/SOURCES.md).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pandas as pd
import pytest

from scalplab.cli import main
from scalplab.data.market_import import import_market_csv
from scalplab.data.market_store import MarketStore
from scalplab.errors import DataError, InputError
from tests.conftest import REAL
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
    with pytest.raises(InputError, match="unknown archive kind 'metrics'"):
        import_market_csv(BOOK_TICKER, "BTCUSDT", "metrics", store)


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
