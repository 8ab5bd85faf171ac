"""The market-data store as the feature pipeline reads it: coverage by UTC day, and the
stored rows of a time range as the pipeline's arrays.

Coverage is counted in UTC days, the store's unit: a day with any stored row of a
stream counts as covered (a recording that began mid-day covers that day from then on:
the bars before it have zero trades and no snapshot).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd

from scalplab.data.features.snapshots import Snapshots
from scalplab.data.features.spec import HOW_TO_GET
from scalplab.data.features.trades import TradeArrays
from scalplab.data.market_store import DAY_MS, METRICS_COLUMNS, MarketStore, level_columns
from scalplab.errors import NoDataError

LOOKBACK_MS: dict[str, int] = {
    "bookTicker": 60_000,
    "depth20": 60_000,
    "markPrice": 60_000,
    "openInterest": 15 * 60_000,
    "metrics": 60 * 60_000,
    "forceOrder": 0,
}
"""How far before a day a snapshot stream is read, so its first bar has a value as of
its open and close (open interest is polled every few seconds, metrics every 5 min)."""


def day_of(ms: int) -> date:
    """The UTC day of an epoch-ms instant."""
    return (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)).date()


def day_start_ms(day: date) -> int:
    """Midnight UTC of `day`, epoch ms."""
    return (day - date(1970, 1, 1)).days * DAY_MS


def days_between(start_ms: int, end_ms: int) -> list[date]:
    """The UTC days `[start_ms, end_ms)` touches."""
    first, last = day_of(start_ms), day_of(end_ms - 1)
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def missing_days(
    store: MarketStore, symbol: str, stream: str, start_ms: int, end_ms: int
) -> list[date]:
    """The days of `[start_ms, end_ms)` without any stored row of `stream`."""
    stored = set(store.days(symbol, stream))
    return [day for day in days_between(start_ms, end_ms) if day not in stored]


def day_ranges(days: list[date]) -> str:
    """`2025-06-18, 2025-06-20 to 2025-06-22` (consecutive days joined; at most 4 ranges)."""
    ranges: list[tuple[date, date]] = []
    for day in sorted(days):
        if ranges and day == ranges[-1][1] + timedelta(days=1):
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    texts = [f"{a}" if a == b else f"{a} to {b}" for a, b in ranges[:4]]
    if len(ranges) > 4:
        texts.append(f"and {len(ranges) - 4} more ranges")
    return ", ".join(texts)


def moment(ms: int) -> str:
    """`2025-06-17` for a UTC midnight, else `2025-06-17T12:30:00Z`."""
    stamp = datetime.fromtimestamp(ms / 1000, UTC)
    return stamp.strftime("%Y-%m-%d" if ms % DAY_MS == 0 else "%Y-%m-%dT%H:%M:%SZ")


class MarketDataMissingError(NoDataError):
    """A declared market data is not stored for (part of) a run's range."""


def refusal(
    strategy: str,
    data: str,
    stream: str,
    symbol: str,
    start_ms: int,
    end_ms: int,
    days: list[date],
    others: list[str],
) -> MarketDataMissingError:
    """The one-line refusal naming the data, the range and what the store lacks."""
    requested = days_between(start_ms, end_ms)
    lacks = "none at all" if len(days) == len(requested) else f"none for {day_ranges(days)}"
    also = f"; also missing: {', '.join(others)}" if others else ""
    return MarketDataMissingError(
        f"strategy {strategy} needs {data} for {symbol} from {moment(start_ms)} to "
        f"{moment(end_ms)}; the store has {lacks} ({HOW_TO_GET[stream]}, or run with "
        f"--degraded, API: degraded: true){also}"
    )


def read_trades(store: MarketStore, symbol: str, start_ms: int, end_ms: int) -> TradeArrays:
    """Stored aggregate trades with `start_ms <= transact_time < end_ms`, in time order."""
    columns = ("price", "quantity", "transact_time", "is_buyer_maker")
    frame = store.read(symbol, "aggTrade", start_ms, end_ms, columns)
    return TradeArrays(
        frame["transact_time"].to_numpy(np.int64),
        frame["price"].to_numpy(np.float64),
        frame["quantity"].to_numpy(np.float64),
        frame["is_buyer_maker"].to_numpy(np.bool_),
    ).sorted()


STREAM_COLUMNS: dict[str, tuple[str, dict[str, str]]] = {
    "bookTicker": (
        "transaction_time",
        {
            "bid": "best_bid_price",
            "ask": "best_ask_price",
            "bid_qty": "best_bid_qty",
            "ask_qty": "best_ask_qty",
        },
    ),
    "depth20": ("transaction_time", {name: name for name in level_columns()}),
    "openInterest": ("time", {"open_interest": "open_interest"}),
    "markPrice": (
        "event_time",
        {name: name for name in ("mark_price", "index_price", "funding_rate", "next_funding_time")},
    ),
    "metrics": ("create_time", {name: name for name in METRICS_COLUMNS}),
}
"""Snapshot stream → (its time column, pipeline column ← stored column)."""


def read_snapshots(
    store: MarketStore, symbol: str, stream: str, start_ms: int, end_ms: int
) -> Snapshots:
    """Stored rows of a snapshot stream (or `forceOrder`) in `[start_ms, end_ms)`, in time
    order, with the pipeline's column names."""
    frame = store.read(symbol, stream, start_ms, end_ms)
    if stream == "forceOrder":
        return liquidation_snapshots(frame)
    time, names = STREAM_COLUMNS[stream]
    values = {name: frame[column].to_numpy(np.float64, na_value=np.nan)
              for name, column in names.items()}  # fmt: skip
    return Snapshots(frame[time].to_numpy(np.int64), values).sorted()


def liquidation_snapshots(frame: pd.DataFrame) -> Snapshots:
    """`forceOrder` rows as the pipeline's liquidations."""
    return Snapshots(
        frame["time"].to_numpy(np.int64),
        {
            "sell": (frame["side"] == "SELL").to_numpy(np.float64),
            "filled_quantity": frame["accumulated_fill_quantity"].to_numpy(np.float64),
            "average_price": frame["average_price"].to_numpy(np.float64),
        },
    ).sorted()
