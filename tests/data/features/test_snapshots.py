"""Snapshot features as of the bar close, on REAL book tops, partial books and metrics.

Book tops and partial books: the 2023-04-05 BTCUSDT capture (`recorded`); open interest
and long/short ratios: the NEARUSDT metrics rows made from real archive klines
(tests/data/fixtures). Liquidations have no real recording here: Binance's documented
example payload stands in for one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scalplab.data.adapters.binance.schemas import parse_combined
from scalplab.data.features.snapshots import (
    RATIO_FIELDS,
    Snapshots,
    asof_columns,
    book_top_columns,
    depth_columns,
    liquidation_columns,
    open_interest_columns,
)
from scalplab.data.features.spec import FeatureParams
from scalplab.data.features.stored import liquidation_snapshots
from scalplab.data.market_events import BookTop, Liquidation, PartialBook
from scalplab.data.recorder import book_frame, liquidation_frame
from tests.data.adapters.binance.documented_streams import force_order_message
from tests.data.archive_fixtures import METRICS
from tests.data.features.recorded import MIDNIGHT, of_kind


def tops() -> tuple[list[BookTop], Snapshots]:
    events = [e for e in of_kind(BookTop) if isinstance(e, BookTop)]
    snapshots = Snapshots(
        np.array([e.transact_time for e in events]),
        {
            "bid": np.array([e.bid for e in events]),
            "ask": np.array([e.ask for e in events]),
            "bid_qty": np.array([e.bid_qty for e in events]),
            "ask_qty": np.array([e.ask_qty for e in events]),
        },
    )
    return events, snapshots


def test_the_book_top_is_the_last_one_stamped_before_the_close() -> None:
    events, snapshots = tops()
    closes = np.array([MIDNIGHT, MIDNIGHT + 60_000])
    columns = book_top_columns(snapshots, closes)
    for bar, close in enumerate(closes.tolist()):
        before = [e for e in events if e.transact_time < close][-1]
        assert columns["bid"][bar] == before.bid and columns["ask_qty"][bar] == before.ask_qty
        assert columns["book_time_ms"][bar] == before.transact_time
        mid = (before.ask + before.bid) / 2
        assert columns["spread_pct"][bar] == pytest.approx((before.ask - before.bid) / mid * 100)
    # a top stamped exactly at a close is the next bar's, never this one's
    stamp = events[100].transact_time
    at = book_top_columns(snapshots, np.array([stamp]))
    assert at["book_time_ms"][0] == max(e.transact_time for e in events if e.transact_time < stamp)
    assert np.isnan(book_top_columns(snapshots, np.array([events[0].transact_time]))["bid"][0])


def depth_snapshots() -> tuple[list[PartialBook], Snapshots]:
    books = [e for e in of_kind(PartialBook) if isinstance(e, PartialBook)]
    frame = book_frame(list(books))
    values = {name: frame[name].to_numpy(np.float64) for name in frame.columns[3:]}
    return books, Snapshots(frame["transaction_time"].to_numpy(np.int64), values)


def test_depth_imbalance_and_walls_by_hand() -> None:
    books, snapshots = depth_snapshots()
    close = MIDNIGHT + 120_000
    book = [b for b in books if b.transact_time < close][-1]
    for params in (FeatureParams(), FeatureParams(depth_levels=5, wall_multiple=2.0,
                                                  wall_range_pct=0.01)):  # fmt: skip
        columns = depth_columns(snapshots, np.array([close]), params)
        n = params.depth_levels
        bids = sum(q for _, q in book.bids[:n])
        asks = sum(q for _, q in book.asks[:n])
        assert columns["bid_depth"][0] == pytest.approx(bids)
        assert columns["depth_imbalance"][0] == pytest.approx(asks / (bids + asks))
        near = n // 2  # the touch half of the counted levels
        assert columns["bid_depth_near"][0] == pytest.approx(sum(q for _, q in book.bids[:near]))
        assert columns["ask_depth_near"][0] == pytest.approx(sum(q for _, q in book.asks[:near]))
        assert columns["bid_level_max"][0] == max(q for _, q in book.bids[:n])
        assert columns["ask_level_max"][0] == max(q for _, q in book.asks[:n])
        average = (bids + asks) / (2 * n)
        mid = (book.bids[0][0] + book.asks[0][0]) / 2
        for side, levels, sign in (("bid", book.bids, -1), ("ask", book.asks, 1)):
            walls = [
                (q, p) for p, q in levels
                if q > params.wall_multiple * average
                and sign * (p - mid) / mid * 100 <= params.wall_range_pct
            ]  # fmt: skip
            if not walls:
                assert np.isnan(columns[f"{side}_wall_price"][0])
                continue
            qty = max(q for q, _ in walls)
            price = next(p for q, p in walls if q == qty)  # the nearest of equal walls
            assert columns[f"{side}_wall_qty"][0] == qty
            assert columns[f"{side}_wall_price"][0] == price
            assert columns[f"{side}_wall_distance_pct"][0] == pytest.approx(
                sign * (price - mid) / mid * 100
            )
    assert columns["depth_time_ms"][0] == book.transact_time


def metrics() -> Snapshots:
    frame = pd.read_csv(METRICS)
    since = pd.to_datetime(frame["create_time"], utc=True) - pd.Timestamp(0, tz="UTC")
    times = since // pd.Timedelta(milliseconds=1)
    values = {name: frame[name].to_numpy(np.float64) for name in frame.columns[2:]}
    return Snapshots(times.to_numpy(np.int64), values)


def test_open_interest_at_the_close_and_its_change_over_the_bar() -> None:
    rows = metrics()
    five = 300_000
    first = int(rows.times[0])
    opens = np.array([first - five, first, first + five, first + 2 * five])
    columns = open_interest_columns(rows, opens, five, column="sum_open_interest")
    oi = rows.values["sum_open_interest"]
    # the row stamped 00:00 is usable only after 00:00: the bar closing at 00:00 has none
    assert np.isnan(columns["open_interest"][0])
    assert columns["open_interest"][1:].tolist() == [oi[0], oi[1], oi[2]]
    assert np.isnan(columns["open_interest_change"][1])  # nothing before 00:00
    assert columns["open_interest_change"][2:].tolist() == [oi[1] - oi[0], oi[2] - oi[1]]
    ratios = asof_columns(rows, opens[2:] + five, RATIO_FIELDS)
    assert (
        ratios["long_short_ratio"].tolist() == rows.values["count_long_short_ratio"][1:3].tolist()
    )


def test_liquidations_are_summed_per_bar_by_the_side_they_closed() -> None:
    _, event = parse_combined(force_order_message())
    assert isinstance(event, Liquidation)
    rows = liquidation_snapshots(liquidation_frame([event]))
    time = event.trade_time
    columns = liquidation_columns(rows, np.array([time - 60_000, time]), 60_000)
    assert columns["long_liquidations"].tolist() == [0.0, 1.0]  # a SELL order closes a long
    assert columns["short_liquidations"].tolist() == [0.0, 0.0]
    assert columns["long_liquidation_notional"][1] == pytest.approx(0.014 * 9910)
