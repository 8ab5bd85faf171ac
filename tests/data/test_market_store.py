"""The market-data store on REAL recorded book tickers and aggregate trades.

BTCUSDT book tickers of the 2023 capture cross midnight UTC (2023-04-04 23:58 →
04-05 00:06), so they land in two day files; aggregate trades come from the 2021
combined-stream capture.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from scalplab.data.adapters.binance.fake_depth import partial_books
from scalplab.data.adapters.binance.schemas import parse_combined, parse_data
from scalplab.data.market_events import AggregateTrade, BookTop
from scalplab.data.market_store import STREAMS, MarketStore
from scalplab.data.recorder import book_frame, liquidation_frame
from scalplab.errors import DataError, InputError
from tests.data.adapters.binance.documented_streams import FORCE_ORDER
from tests.data.adapters.binance.recorded import capture, combined_messages, rest_depth
from tests.data.archive_fixtures import BOOK_DEPTH
from tests.data.conftest import tree_digest

MIDNIGHT = 1680652800000  # 2023-04-05 00:00 UTC


def book_tops() -> pd.DataFrame:
    """The 2023 BTCUSDT capture's book tickers in the archive's columns."""
    files = ("hftbacktest_usdm_btcusdt_20230404.dat.gz", "hftbacktest_usdm_btcusdt_20230405.dat.gz")
    rows = []
    for text in capture(*files):
        if "@bookTicker" in text:
            top = parse_combined(text)[1]
            assert isinstance(top, BookTop)
            rows.append(
                (top.update_id, top.bid, top.bid_qty, top.ask, top.ask_qty, top.transact_time,
                 top.event_time)
            )  # fmt: skip
    return pd.DataFrame(rows, columns=STREAMS["bookTicker"].schema.names)


def aggregate_trades(symbol: str) -> pd.DataFrame:
    """The 2021 capture's aggregate trades of `symbol` in the archive's columns."""
    trades = [parse_combined(m)[1] for m in combined_messages() if "@aggTrade" in m]
    rows = [
        (t.agg_trade_id, t.price, t.quantity, t.first_trade_id, t.last_trade_id,
         t.transact_time, t.is_buyer_maker)
        for t in trades
        if isinstance(t, AggregateTrade) and t.symbol == symbol
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=STREAMS["aggTrade"].schema.names)


@pytest.fixture
def store(tmp_path: Path) -> MarketStore:
    return MarketStore(tmp_path / "data")


def test_rows_land_in_their_utc_day_and_read_back_exactly(store: MarketStore) -> None:
    tops = book_tops()
    assert len(tops) == 6765 + 37440
    report = store.write("btcusdt", "bookTicker", tops)
    assert (report.rows, report.added, report.days) == (len(tops), len(tops),
                                                        ("2023-04-04", "2023-04-05"))  # fmt: skip
    assert [str(day) for day in store.days("BTCUSDT", "bookTicker")] == ["2023-04-04", "2023-04-05"]
    folder = store.root / "BTCUSDT" / "bookTicker"
    assert sorted(p.name for p in folder.glob("*.parquet")) == [
        "2023-04-04.parquet",
        "2023-04-05.parquet",
    ]
    everything = store.read("BTCUSDT", "bookTicker", 0, 2**53)
    expected = tops.sort_values("update_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(everything, expected)
    around = store.read("BTCUSDT", "bookTicker", MIDNIGHT - 60_000, MIDNIGHT + 60_000)
    times = expected["transaction_time"]
    window = expected[(times >= MIDNIGHT - 60_000) & (times < MIDNIGHT + 60_000)]
    pd.testing.assert_frame_equal(around, window.reset_index(drop=True))
    assert len(around) > 1000


def test_a_write_keeps_one_row_per_key_and_never_rewrites_a_stored_one(store: MarketStore) -> None:
    trades = aggregate_trades("CTKUSDT")
    assert len(trades) > 10
    store.write("CTKUSDT", "aggTrade", trades.iloc[:10])
    before = tree_digest(store.root)
    again = store.write("CTKUSDT", "aggTrade", trades.iloc[:10])
    assert again.added == 0 and tree_digest(store.root) == before  # unchanged, not rewritten
    changed = trades.iloc[5:].copy()
    changed.loc[changed.index[0], "price"] = 999.0  # a stored id with another price
    overlap = store.write("CTKUSDT", "aggTrade", changed)
    assert overlap.added == len(trades) - 10
    stored = store.read("CTKUSDT", "aggTrade", 0, 2**53)
    pd.testing.assert_frame_equal(stored, trades.reset_index(drop=True))  # the first one stays


def test_bad_streams_frames_and_files_are_one_line_errors(store: MarketStore) -> None:
    with pytest.raises(InputError, match="unknown market-data stream 'depth'"):
        store.write("BTCUSDT", "depth", book_tops())
    with pytest.raises(DataError, match="BTCUSDT bookTicker rows lack columns: event_time"):
        store.write("BTCUSDT", "bookTicker", book_tops().drop(columns=["event_time"]))
    bad = book_tops().iloc[:3].copy()
    bad["transaction_time"] = -1
    with pytest.raises(DataError, match="transaction_time outside epoch ms"):
        store.write("BTCUSDT", "bookTicker", bad)
    assert store.read("BTCUSDT", "bookTicker", 0, 2**53).empty
    store.write("BTCUSDT", "bookTicker", book_tops().iloc[:3])
    [day] = store.days("BTCUSDT", "bookTicker")
    path = store.path("BTCUSDT", "bookTicker", day)
    path.write_bytes(b"not parquet at all")
    with pytest.raises(DataError) as caught:
        store.read("BTCUSDT", "bookTicker", 0, 2**53)
    message = str(caught.value)
    assert message.startswith("unreadable BTCUSDT bookTicker file of 2023-04-04")
    assert str(store.root) not in message and "\n" not in message


def test_the_inventory_counts_rows_and_missing_trade_ids_per_day(store: MarketStore) -> None:
    assert store.inventory() == []
    trades = aggregate_trades("CTKUSDT")
    store.write("CTKUSDT", "aggTrade", trades.drop(index=[2, 3]))
    store.write("BTCUSDT", "bookTicker", book_tops())
    days = [day.to_dict() for day in store.inventory()]
    assert days == [
        {"symbol": "BTCUSDT", "stream": "bookTicker", "day": "2023-04-04", "rows": 6765,
         "missing_ids": None},
        {"symbol": "BTCUSDT", "stream": "bookTicker", "day": "2023-04-05", "rows": 37440,
         "missing_ids": None},
        {"symbol": "CTKUSDT", "stream": "aggTrade", "day": "2021-07-22", "rows": len(trades) - 2,
         "missing_ids": 2},
    ]  # fmt: skip
    store.path("CTKUSDT", "aggTrade", store.days("CTKUSDT", "aggTrade")[0]).write_bytes(b"junk")
    broken = store.inventory()[-1]
    assert broken.error is not None and broken.error.startswith("unreadable CTKUSDT aggTrade")


def partial_book_rows(depth: int = 20) -> pd.DataFrame:
    """`depth20` rows of the partial books the fake derives from the real 2021 CTKUSDT
    diffs and REST snapshot (`depth` 5: Binance's depth5 stream, 15 empty levels)."""
    pushes = partial_books(combined_messages(), {"CTKUSDT": rest_depth("CTKUSDT")}, depth)
    return book_frame([parse_combined(message)[1] for _, message in pushes])


def test_partial_books_round_trip_with_empty_levels(store: MarketStore) -> None:
    full, five = partial_book_rows(), partial_book_rows(depth=5)
    assert list(full.columns) == STREAMS["depth20"].schema.names and len(full) > 100
    assert full.notna().all().all()
    assert five.filter(like="_5").isna().all().all() and five.filter(like="_4").notna().all().all()
    report = store.write("CTKUSDT", "depth20", five)
    assert (report.added, report.days) == (len(five), ("2021-07-22",))
    stored = store.read("CTKUSDT", "depth20", 0, 2**53)
    pd.testing.assert_frame_equal(stored, five.sort_values("update_id").reset_index(drop=True))
    assert store.write("CTKUSDT", "depth20", full).added == 0  # keyed by update id: first stays
    assert stored["bid_price_0"].iloc[0] < stored["ask_price_0"].iloc[0]
    no_id = full.iloc[:2].astype({"update_id": "Int64"})
    no_id.loc[no_id.index[0], "update_id"] = pd.NA
    with pytest.raises(DataError, match="CTKUSDT depth20 rows have empty values"):
        store.write("CTKUSDT", "depth20", no_id)


def test_a_composite_key_keeps_each_band_once_and_the_first_stored(store: MarketStore) -> None:
    bands = pd.read_csv(BOOK_DEPTH)  # derived from the real 2021 book (see fixtures/README.md)
    bands["timestamp"] = pd.to_datetime(bands["timestamp"], utc=True).astype("int64") // 10**6
    assert store.write("SUSHIUSDT", "bookDepth", bands.iloc[:12]).added == 12
    changed = bands.copy()
    changed.loc[0, "depth"] = 1.0  # a stored (timestamp, percentage) with another depth
    assert store.write("SUSHIUSDT", "bookDepth", changed.iloc[::-1]).added == len(bands) - 12
    stored = store.read("SUSHIUSDT", "bookDepth", 0, 2**53)
    pd.testing.assert_frame_equal(stored, bands, check_dtype=False)  # sorted, first kept


def test_liquidations_without_an_id_are_kept_unless_identical(store: MarketStore) -> None:
    # Binance's documented forceOrder example (no capture holds one)
    liquidation = parse_data("forceOrder", FORCE_ORDER)
    rows = liquidation_frame([liquidation, liquidation])
    assert rows.iloc[0].to_dict() == {
        "time": 1568014460893, "side": "SELL", "order_type": "LIMIT", "time_in_force": "IOC",
        "original_quantity": 0.014, "price": 9910.0, "average_price": 9910.0,
        "order_status": "FILLED", "last_fill_quantity": 0.014,
        "accumulated_fill_quantity": 0.014, "event_time": 1568014460893,
    }  # fmt: skip
    assert store.write("BTCUSDT", "forceOrder", rows).added == 1  # delivered twice: once
    other = rows.iloc[:1].assign(original_quantity=0.02, accumulated_fill_quantity=0.02)
    assert store.write("BTCUSDT", "forceOrder", other).added == 1  # same time, another order
    assert len(store.read("BTCUSDT", "forceOrder", 0, 2**53)) == 2
