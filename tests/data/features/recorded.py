"""REAL recorded Binance BTCUSDT market data for the feature-pipeline tests.

The hftbacktest capture of 2023-04-04 23:58:20 → 2023-04-05 00:06:55 (two files, one
continuous stream; shared/data/real/SOURCES.md) holds Binance's raw `trade` stream,
`bookTicker`, `markPrice@1s` and diff depth with a REST snapshot. From it, nothing
made up:
- aggregate trades: consecutive trades (in id order) with the same time, side and price
  merged into one, the way Binance aggregates a taker order's fills at one price (ids:
  `agg_trade_id = first_trade_id`; quantities summed in decimal);
- partial books (`depth20`): the book rebuilt from the snapshot and the real diffs,
  pushed every 100 ms (`fake_depth.partial_books`, as the fake Binance serves them);
- book tops and mark prices: the recorded messages, parsed.
`events()` lists them in the capture's arrival order; `write_store` records them into a
market store with the recorder's own row mapping and `MarketStore.write`.
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from pathlib import Path

import pandas as pd
import pyarrow as pa

from scalplab.data.adapters.binance.fake_depth import with_partial_books
from scalplab.data.adapters.binance.schemas import parse_combined
from scalplab.data.candles import CandleStore
from scalplab.data.market_events import (
    AggregateTrade,
    BookTop,
    MarketEvent,
    MarkPrice,
    PartialBook,
    Trade,
)
from scalplab.data.market_store import MarketStore
from scalplab.data.recorder import MARK_COLUMNS, TOP_COLUMNS, TRADE_COLUMNS, book_table
from tests.data.adapters.binance.recorded import capture

FILES = ("hftbacktest_usdm_btcusdt_20230404.dat.gz", "hftbacktest_usdm_btcusdt_20230405.dat.gz")
SYMBOL = "BTCUSDT"
FIRST_MINUTE = 1680652680000  # 2023-04-04T23:58:00Z, the capture's first (partial) minute
MIDNIGHT = 1680652800000  # 2023-04-05T00:00:00Z
LAST_MINUTE = 1680653160000  # 2023-04-05T00:06:00Z, the last complete minute


def aggregate(trades: list[Trade]) -> AggregateTrade:
    """One taker order's fills at one price as Binance's aggregate trade."""
    first, last = trades[0], trades[-1]
    quantity = sum((Decimal(repr(t.quantity)) for t in trades), Decimal(0))
    return AggregateTrade(
        symbol=first.symbol,
        agg_trade_id=first.trade_id,
        price=first.price,
        quantity=float(quantity),
        first_trade_id=first.trade_id,
        last_trade_id=last.trade_id,
        transact_time=first.transact_time,
        is_buyer_maker=first.is_buyer_maker,
        event_time=last.event_time,
    )


@cache
def events() -> tuple[MarketEvent, ...]:
    """The capture's aggregate trades, book tops, mark prices and partial books, in
    arrival order (an aggregate trade where its last fill arrived)."""
    lines = list(capture(*FILES))
    snapshot = next(json.loads(line) for line in lines if '"lastUpdateId"' in line[:20])
    messages = [line for line in lines if line.startswith('{"stream"')]
    slots: list[MarketEvent | None] = []
    pending: list[Trade] = []
    pending_slot = 0

    def flush() -> None:
        if pending:
            slots[pending_slot] = aggregate(pending)
            pending.clear()

    for message in with_partial_books(messages, {SYMBOL: snapshot}):
        _, event = parse_combined(message)
        if isinstance(event, Trade):
            last = pending[-1] if pending else None
            if last is None or (last.transact_time, last.is_buyer_maker, last.price) != (
                event.transact_time,
                event.is_buyer_maker,
                event.price,
            ):
                flush()
            pending.append(event)
            slots.append(None)
            pending_slot = len(slots) - 1  # the aggregate arrives with its last fill
        elif isinstance(event, BookTop | MarkPrice | PartialBook):
            slots.append(event)
    flush()
    return tuple(event for event in slots if event is not None)


def of_kind(kind: type) -> list[MarketEvent]:
    """The recorded events of one kind, in arrival order."""
    return [event for event in events() if isinstance(event, kind)]


def rows(columns: dict[str, str], items: list[MarketEvent]) -> pa.Table:
    """Events as store rows, through the recorder's column mapping."""
    return pa.table({column: [getattr(e, name) for e in items] for column, name in columns.items()})


def write_store(
    data_dir: Path, streams: tuple[str, ...] = ("aggTrade", "bookTicker", "markPrice", "depth20")
) -> None:
    """Record the capture into the market store under `data_dir` (and its 1m candles,
    made from the aggregate trades, into the candle store)."""
    store = MarketStore(data_dir)
    tables = {
        "aggTrade": lambda: rows(TRADE_COLUMNS, of_kind(AggregateTrade)),
        "bookTicker": lambda: rows(TOP_COLUMNS, of_kind(BookTop)),
        "markPrice": lambda: rows(MARK_COLUMNS, of_kind(MarkPrice)),
        "depth20": lambda: book_table(of_kind(PartialBook)),
    }
    for stream in streams:
        store.write(SYMBOL, stream, tables[stream]())
    CandleStore(data_dir).merge(SYMBOL, "1m", minute_candles())


def trade_frame() -> pd.DataFrame:
    """The aggregate trades as a frame of the store's columns."""
    return rows(TRADE_COLUMNS, of_kind(AggregateTrade)).to_pandas()


def minute_candles() -> pd.DataFrame:
    """1m OHLCV candles of the aggregate trades (a minute without trades has none)."""
    trades = trade_frame()
    minute = trades["transact_time"] // 60_000 * 60_000
    grouped = trades.assign(open_time=minute).groupby("open_time")
    return pd.DataFrame(
        {
            "open": grouped["price"].first(),
            "high": grouped["price"].max(),
            "low": grouped["price"].min(),
            "close": grouped["price"].last(),
            "volume": grouped["quantity"].sum(),
        }
    ).reset_index()
