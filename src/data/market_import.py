"""Import data.binance.vision market-data archive CSVs into the market-data store.

`aggTrades` (`agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,
is_buyer_maker`), `bookTicker` (`update_id,best_bid_price,best_bid_qty,
best_ask_price,best_ask_qty,transaction_time,event_time`), `bookDepth`
(`timestamp,percentage,depth,notional`: the cumulative depth and notional within
`percentage` % of the mid, bids negative) and `metrics` (`create_time,symbol,
sum_open_interest,sum_open_interest_value,count_toptrader_long_short_ratio,
sum_toptrader_long_short_ratio,count_long_short_ratio,sum_taker_long_short_vol_ratio`,
every 5 minutes), with or without their header row, plain or gzip-compressed;
microsecond stamps become milliseconds, and the `YYYY-MM-DD HH:MM:SS` (UTC) stamps of
bookDepth and metrics epoch milliseconds. Every cell must hold a value (the archive
layouts document no empty cell). Import is all-or-nothing: a malformed or empty cell,
a crossed or empty book, a band outside ±5 %, another symbol's metrics, or one key
twice with different values rejects the whole file with one `DataError` line naming
the line; rows already stored are kept as they were (a re-import adds nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scalplab.data.csv_rows import (
    CsvRows,
    check_widths,
    float_column,
    int_column,
    split_rows,
    to_ms,
    utc_times,
)
from scalplab.data.market_store import METRICS_COLUMNS, MarketStore, stream_of
from scalplab.data.symbols import normalize_symbol
from scalplab.errors import InputError, snippet

KINDS = {
    "aggTrades": "aggTrade",
    "bookTicker": "bookTicker",
    "bookDepth": "bookDepth",
    "metrics": "metrics",
}
"""Archive kind → the stream it fills."""
HEADERS = {
    "bookDepth": ("timestamp", "percentage", "depth", "notional"),
    "metrics": ("create_time", "symbol", *METRICS_COLUMNS),
}
"""The columns of the archives whose first column is a date (their header is checked)."""
MAX_PERCENTAGE = 5.0

BOOLEANS = {"true": True, "false": False, "True": True, "False": False}


@dataclass(frozen=True, slots=True)
class MarketImportReport:
    """What an archive import did."""

    symbol: str
    kind: str
    rows: int
    added: int
    days: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "symbol": self.symbol,
            "kind": self.kind,
            "rows": self.rows,
            "added": self.added,
            "days": list(self.days),
        }


def import_market_csv(path: Path, symbol: str, kind: str, store: MarketStore) -> MarketImportReport:
    """Check `path` as a `kind` archive CSV and merge its rows into `store`."""
    stream = KINDS.get(kind)
    if stream is None:
        raise InputError(f"unknown archive kind {snippet(kind)} (known: {', '.join(KINDS)})")
    name = normalize_symbol(symbol)
    spec = stream_of(stream)
    names = HEADERS.get(kind, tuple(spec.schema.names))
    data = split_rows(path, header_required=False, dated=kind in HEADERS)
    if kind in HEADERS and data.header is not None and tuple(data.header) != names:
        raise data.fail_line(data.header_line, f"the header is not the {kind} archive's "
                             f"({','.join(names)})")  # fmt: skip
    if not data.rows:
        raise data.fail(None, "the file has no data rows")
    check_widths(data, len(names))
    columns = dict(zip(names, zip(*data.rows, strict=True), strict=True))
    frame = _metrics(data, columns, name) if stream == "metrics" else _FRAMES[stream](data, columns)
    _check_unique(data, frame, spec.keys)
    report = store.write(name, stream, frame)
    return MarketImportReport(name, kind, report.rows, report.added, report.days)


def _aggregate_trades(data: CsvRows, columns: dict[str, tuple[str, ...]]) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "agg_trade_id": int_column(data, columns["agg_trade_id"], "agg_trade_id"),
            "price": float_column(data, columns["price"], "price"),
            "quantity": float_column(data, columns["quantity"], "quantity"),
            "first_trade_id": int_column(data, columns["first_trade_id"], "first_trade_id"),
            "last_trade_id": int_column(data, columns["last_trade_id"], "last_trade_id"),
            "transact_time": _times(data, columns["transact_time"], "transact_time"),
            "is_buyer_maker": _booleans(data, columns["is_buyer_maker"], "is_buyer_maker"),
        }
    )
    bad = np.flatnonzero(
        (frame["price"].to_numpy() <= 0)
        | (frame["quantity"].to_numpy() <= 0)
        | (frame["first_trade_id"].to_numpy() > frame["last_trade_id"].to_numpy())
    )
    if len(bad):
        raise data.fail(int(bad[0]), "an aggregate trade needs a positive price and quantity "
                        "and first_trade_id <= last_trade_id")  # fmt: skip
    return frame


def _book_tops(data: CsvRows, columns: dict[str, tuple[str, ...]]) -> pd.DataFrame:
    names = ("best_bid_price", "best_bid_qty", "best_ask_price", "best_ask_qty")
    frame = pd.DataFrame(
        {
            "update_id": int_column(data, columns["update_id"], "update_id"),
            **{name: float_column(data, columns[name], name) for name in names},
            "transaction_time": _times(data, columns["transaction_time"], "transaction_time"),
            "event_time": _times(data, columns["event_time"], "event_time"),
        }
    )
    bid, ask = frame["best_bid_price"].to_numpy(), frame["best_ask_price"].to_numpy()
    bad = np.flatnonzero((bid <= 0) | (ask <= bid))
    if len(bad):
        raise data.fail(int(bad[0]), "a book top needs 0 < best_bid_price < best_ask_price")
    return frame


def _book_depth(data: CsvRows, columns: dict[str, tuple[str, ...]]) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "timestamp": utc_times(data, columns["timestamp"], "timestamp"),
            "percentage": float_column(data, columns["percentage"], "percentage"),
            "depth": float_column(data, columns["depth"], "depth"),
            "notional": float_column(data, columns["notional"], "notional"),
        }
    )
    percentage = frame["percentage"].to_numpy()
    bad = np.flatnonzero((percentage == 0) | (np.abs(percentage) > MAX_PERCENTAGE))
    if len(bad):
        raise data.fail(int(bad[0]), "percentage must be a band within ±5 % other than 0")
    bad = np.flatnonzero((frame["depth"].to_numpy() < 0) | (frame["notional"].to_numpy() < 0))
    if len(bad):
        raise data.fail(int(bad[0]), "depth and notional cannot be negative")
    return frame


def _metrics(data: CsvRows, columns: dict[str, tuple[str, ...]], symbol: str) -> pd.DataFrame:
    other = next((i for i, cell in enumerate(columns["symbol"]) if cell.strip() != symbol), None)
    if other is not None:
        raise data.fail(other, f"the metrics are of {snippet(columns['symbol'][other].strip())}, "
                        f"not {symbol}")  # fmt: skip
    frame = pd.DataFrame(
        {
            "create_time": utc_times(data, columns["create_time"], "create_time"),
            **{name: float_column(data, columns[name], name) for name in METRICS_COLUMNS},
        }
    )
    bad = np.flatnonzero((frame[list(METRICS_COLUMNS)].to_numpy() < 0).any(axis=1))
    if len(bad):
        raise data.fail(int(bad[0]), "open interest and ratios cannot be negative")
    return frame


def _times(data: CsvRows, column: tuple[str, ...], name: str) -> np.ndarray:
    return to_ms(data, int_column(data, column, name), name)


def _booleans(data: CsvRows, column: tuple[str, ...], name: str) -> np.ndarray:
    values = np.empty(len(column), dtype=bool)
    for index, cell in enumerate(column):
        value = BOOLEANS.get(cell.strip())
        if value is None:
            raise data.fail(index, f"{name} is not true or false: {snippet(cell.strip())}")
        values[index] = value
    return values


def _check_unique(data: CsvRows, frame: pd.DataFrame, keys: list[str]) -> None:
    """One key twice is fine when the rows agree (a repeated export), an error otherwise."""
    repeated = frame.duplicated(subset=keys, keep=False)
    if not repeated.any():
        return
    conflicting = frame[repeated].drop_duplicates()
    twice = conflicting.duplicated(subset=keys, keep=False)
    if twice.any():
        index = int(np.flatnonzero(twice.to_numpy())[0])
        row = int(conflicting.index[index])
        key = " ".join(f"{name} {_shown(frame[name].iloc[row])}" for name in keys)
        raise data.fail(row, f"{key} appears with different values")


def _shown(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


_FRAMES = {"aggTrade": _aggregate_trades, "bookTicker": _book_tops, "bookDepth": _book_depth}
