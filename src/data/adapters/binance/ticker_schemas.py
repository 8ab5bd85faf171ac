"""Binance's whole-market ticker answers turned into the platform's records.

`/fapi/v1/ticker/24hr` and `/fapi/v1/ticker/bookTicker` without a symbol answer one
row per symbol. A market scan must not fail because one row is bad, so the parsers
keep each well-formed row and report the others by symbol (`Parsed.problems`): a row
with a missing or non-numeric field, a non-positive price, a crossed book. An answer
that is not a list at all is a `MessageError` (nothing can be read from it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from scalplab.data.adapters.binance.row_fields import (
    SYMBOL,
    row_error,
    row_not_negative,
    row_number,
    row_positive,
    row_symbol,
    row_time_ms,
)
from scalplab.data.adapters.binance.schemas import MessageError
from scalplab.data.market_events import BookTop
from scalplab.data.tickers import Ticker24h
from scalplab.errors import snippet

T = TypeVar("T")
UNNAMED = "?"
"""The key of problems in rows without a readable symbol."""


@dataclass(frozen=True, slots=True)
class Parsed(Generic[T]):
    """The well-formed rows by symbol, and why each other row was refused."""

    records: dict[str, T] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    """Symbol (`UNNAMED` when unreadable) → the reason in words."""


def parse_tickers_24h(payload: object) -> Parsed[Ticker24h]:
    """A `/fapi/v1/ticker/24hr` answer for every symbol → tickers by symbol."""
    return _parse("24h ticker", payload, _ticker)


def parse_book_tickers(payload: object) -> Parsed[BookTop]:
    """A `/fapi/v1/ticker/bookTicker` answer for every symbol → book tops by symbol."""
    return _parse("book ticker", payload, _book_top)


def _parse(what: str, payload: object, parse: Callable[[Mapping[str, Any]], T]) -> Parsed[T]:
    if not isinstance(payload, list):
        raise MessageError(f"{what} answer is not a list: {snippet(payload)}")
    parsed: Parsed[T] = Parsed()
    for row in payload:
        symbol = row.get("symbol") if isinstance(row, dict) else None
        name = symbol if isinstance(symbol, str) and SYMBOL.match(symbol) else UNNAMED
        if not isinstance(row, dict):
            parsed.problems[name] = f"malformed {what} (not an object: {snippet(row)})"
            continue
        try:
            record = parse(row)
        except (KeyError, ValueError, TypeError) as exc:
            parsed.problems[name] = f"malformed {what} ({row_error(exc)})"
            continue
        if name in parsed.records:
            parsed.problems[name] = f"{what} sent twice"
            continue
        parsed.records[name] = record
    for name in parsed.problems:
        parsed.records.pop(name, None)
    return parsed


def _ticker(row: Mapping[str, Any]) -> Ticker24h:
    return Ticker24h(
        symbol=row_symbol(row),
        last_price=row_positive(row, "lastPrice"),
        open_price=row_positive(row, "openPrice"),
        high_price=row_positive(row, "highPrice"),
        low_price=row_positive(row, "lowPrice"),
        price_change_pct=row_number(row, "priceChangePercent"),
        volume=row_not_negative(row, "volume"),
        quote_volume=row_not_negative(row, "quoteVolume"),
        open_time=row_time_ms(row, "openTime"),
        close_time=row_time_ms(row, "closeTime"),
        trades=int(row_not_negative(row, "count")) if "count" in row else 0,
    )


def _book_top(row: Mapping[str, Any]) -> BookTop:
    bid, ask = row_positive(row, "bidPrice"), row_positive(row, "askPrice")
    if bid >= ask:
        raise ValueError(f"crossed book (bid {bid!r} ≥ ask {ask!r})")
    when = row_time_ms(row, "time") if row.get("time") is not None else 0
    return BookTop(
        symbol=row_symbol(row),
        update_id=int(row_not_negative(row, "lastUpdateId")) if "lastUpdateId" in row else 0,
        bid=bid,
        bid_qty=row_not_negative(row, "bidQty"),
        ask=ask,
        ask_qty=row_not_negative(row, "askQty"),
        transact_time=when,
        event_time=when,
    )
