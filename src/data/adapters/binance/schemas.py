"""Binance payloads turned into the platform's shapes (nautilus' `schemas/`).

Nothing above the adapter sees exchange JSON: klines become the candle store's frame;
a WebSocket message becomes one `scalplab.data.market_events` record; anything that
is not a well-formed message of a known kind is a `MessageError` naming what is wrong
(quoting at most a snippet), which the stream manager counts and logs once.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from scalplab.data.adapters.binance.config import stream_kind
from scalplab.data.market_events import (
    AggregateTrade,
    BookSnapshot,
    BookTop,
    DepthDiff,
    KlineUpdate,
    Level,
    Liquidation,
    MarketEvent,
    MarkPrice,
    PartialBook,
    Trade,
)
from scalplab.errors import DataError, InputError, snippet


def klines_to_frame(rows: list[list[Any]]) -> tuple[pd.DataFrame, np.ndarray]:
    """Raw `/fapi/v1/klines` rows → (candle frame, close times); `DataError` on a bad shape."""
    if not rows:
        return pd.DataFrame(), np.array([], dtype=np.int64)
    try:
        if any(not isinstance(row, list) or len(row) < 11 for row in rows):
            raise ValueError("each kline must be an array of at least 11 fields")
        columns = list(zip(*(row[:11] for row in rows), strict=True))
        frame = pd.DataFrame(
            {
                "open_time": np.array(columns[0], dtype=np.int64),
                "open": np.array(columns[1], dtype=np.float64),
                "high": np.array(columns[2], dtype=np.float64),
                "low": np.array(columns[3], dtype=np.float64),
                "close": np.array(columns[4], dtype=np.float64),
                "volume": np.array(columns[5], dtype=np.float64),
                "quote_volume": np.array(columns[7], dtype=np.float64),
                "trades": np.array(columns[8], dtype=np.int64),
                "taker_buy_volume": np.array(columns[9], dtype=np.float64),
                "taker_buy_quote_volume": np.array(columns[10], dtype=np.float64),
            }
        )
        close_times = np.array(columns[6], dtype=np.int64)
    except (ValueError, TypeError, OverflowError) as exc:
        raise DataError(f"malformed Binance klines response: {exc}") from None
    return frame, close_times


class MessageError(DataError):
    """A stream name or message that is not what Binance sends."""


def parse_combined(raw: str | bytes) -> tuple[str, MarketEvent]:
    """One combined-stream message (`{"stream": …, "data": …}`) → (stream, event)."""
    try:
        envelope = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise MessageError(f"not JSON: {snippet(raw)}") from None
    if not isinstance(envelope, dict) or not isinstance(envelope.get("stream"), str):
        raise MessageError(f"not a combined-stream message: {snippet(raw)}")
    stream = envelope["stream"]
    try:
        kind = stream_kind(stream)
    except InputError as exc:
        raise MessageError(str(exc)) from None
    return stream, parse_data(kind, envelope.get("data"))


def parse_data(kind: str, data: object) -> MarketEvent:
    """The `data` of a `kind` stream (see `stream_kind`) → its market event."""
    if not isinstance(data, dict):
        raise MessageError(f"{kind} message without an object: {snippet(data)}")
    parser = _PARSERS.get(kind)
    if parser is None:
        raise MessageError(f"unknown Binance stream kind {snippet(kind)}")
    try:
        return parser(data)
    except (KeyError, ValueError, TypeError) as exc:
        raise MessageError(f"malformed {kind} message ({_why(exc)}): {snippet(data)}") from None


def parse_depth_snapshot(symbol: str, payload: object) -> BookSnapshot:
    """A REST `/fapi/v1/depth` answer → the book snapshot of `symbol`."""
    if not isinstance(payload, dict):
        raise MessageError(f"depth snapshot is not an object: {snippet(payload)}")
    try:
        return BookSnapshot(
            symbol=symbol,
            last_update_id=_int(payload, "lastUpdateId"),
            bids=_levels(payload["bids"]),
            asks=_levels(payload["asks"]),
            transact_time=_int(payload, "T"),
            event_time=_int(payload, "E"),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise MessageError(f"malformed depth snapshot ({_why(exc)})") from None


def parse_klines(symbol: str, interval: str, rows: object) -> list[KlineUpdate]:
    """Closed candles from a REST `/fapi/v1/klines` answer (ask only for closed ones:
    REST does not say whether the last candle is still forming)."""
    if not isinstance(rows, list):
        raise MessageError(f"klines answer is not a list: {snippet(rows)}")
    frame, close_times = klines_to_frame(rows)
    records = frame.to_dict("records")
    return [
        KlineUpdate(
            symbol=symbol,
            interval=interval,
            open_time=int(row["open_time"]),
            close_time=int(close),
            open=float(row["open"]),
            high=float(row["high"]),
            low=float(row["low"]),
            close=float(row["close"]),
            volume=float(row["volume"]),
            quote_volume=float(row["quote_volume"]),
            trades=int(row["trades"]),
            taker_buy_volume=float(row["taker_buy_volume"]),
            taker_buy_quote_volume=float(row["taker_buy_quote_volume"]),
            closed=True,
            event_time=int(close) + 1,
        )
        for row, close in zip(records, close_times, strict=True)
    ]


def parse_agg_trades(symbol: str, rows: object) -> list[AggregateTrade]:
    """A REST `/fapi/v1/aggTrades` answer → aggregate trades (event time = trade time)."""
    if not isinstance(rows, list):
        raise MessageError(f"aggTrades answer is not a list: {snippet(rows)}")
    trades = []
    try:
        for row in rows:
            if not isinstance(row, dict):
                raise ValueError(f"row {snippet(row)}")
            trades.append(_agg_trade({**row, "s": symbol, "E": row["T"]}))
    except (KeyError, ValueError, TypeError) as exc:
        raise MessageError(f"malformed aggTrades answer ({_why(exc)})") from None
    return trades


# ----- one parser per stream kind ------------------------------------------------------------


def _kline(data: Mapping[str, Any]) -> KlineUpdate:
    k = data["k"]
    return KlineUpdate(
        symbol=_symbol(data),
        interval=str(k["i"]),
        open_time=_int(k, "t"),
        close_time=_int(k, "T"),
        open=_float(k, "o"),
        high=_float(k, "h"),
        low=_float(k, "l"),
        close=_float(k, "c"),
        volume=_float(k, "v"),
        quote_volume=_float(k, "q"),
        trades=_int(k, "n"),
        taker_buy_volume=_float(k, "V"),
        taker_buy_quote_volume=_float(k, "Q"),
        closed=_bool(k, "x"),
        event_time=_int(data, "E"),
    )


def _agg_trade(data: Mapping[str, Any]) -> AggregateTrade:
    return AggregateTrade(
        symbol=_symbol(data),
        agg_trade_id=_int(data, "a"),
        price=_float(data, "p"),
        quantity=_float(data, "q"),
        first_trade_id=_int(data, "f"),
        last_trade_id=_int(data, "l"),
        transact_time=_int(data, "T"),
        is_buyer_maker=_bool(data, "m"),
        event_time=_int(data, "E"),
    )


def _trade(data: Mapping[str, Any]) -> Trade:
    return Trade(
        symbol=_symbol(data),
        trade_id=_int(data, "t"),
        price=_float(data, "p"),
        quantity=_float(data, "q"),
        transact_time=_int(data, "T"),
        is_buyer_maker=_bool(data, "m"),
        event_time=_int(data, "E"),
    )


def _book_ticker(data: Mapping[str, Any]) -> BookTop:
    return BookTop(
        symbol=_symbol(data),
        update_id=_int(data, "u"),
        bid=_float(data, "b"),
        bid_qty=_float(data, "B"),
        ask=_float(data, "a"),
        ask_qty=_float(data, "A"),
        transact_time=_int(data, "T"),
        event_time=_int(data, "E"),
    )


def _depth_diff(data: Mapping[str, Any]) -> DepthDiff:
    return DepthDiff(
        symbol=_symbol(data),
        first_update_id=_int(data, "U"),
        final_update_id=_int(data, "u"),
        previous_final_update_id=_int(data, "pu"),
        bids=_levels(data["b"]),
        asks=_levels(data["a"]),
        transact_time=_int(data, "T"),
        event_time=_int(data, "E"),
    )


def _partial_depth(depth: int) -> Callable[[Mapping[str, Any]], PartialBook]:
    """The parser of a `depth{depth}` partial-book stream (Binance labels its messages
    `depthUpdate` too: the stream's name tells a partial book from a diff)."""

    def parse(data: Mapping[str, Any]) -> PartialBook:
        bids, asks = _levels(data["b"]), _levels(data["a"])
        if len(bids) > depth or len(asks) > depth:
            raise ValueError(f"more than {depth} levels a side")
        return PartialBook(
            symbol=_symbol(data),
            first_update_id=_int(data, "U"),
            final_update_id=_int(data, "u"),
            previous_final_update_id=_int(data, "pu"),
            bids=bids,
            asks=asks,
            transact_time=_int(data, "T"),
            event_time=_int(data, "E"),
        )

    return parse


def _mark_price(data: Mapping[str, Any]) -> MarkPrice:
    return MarkPrice(
        symbol=_symbol(data),
        mark_price=_float(data, "p"),
        index_price=_float(data, "i"),
        funding_rate=_float(data, "r"),
        next_funding_time=_int(data, "T"),
        event_time=_int(data, "E"),
    )


def _force_order(data: Mapping[str, Any]) -> Liquidation:
    order = data["o"]
    side = str(order["S"]).lower()
    if side not in ("buy", "sell"):
        raise ValueError(f"side {snippet(order['S'])}")
    return Liquidation(
        symbol=_symbol(order),
        side=side,
        order_type=_text(order, "o"),
        time_in_force=_text(order, "f"),
        quantity=_float(order, "q"),
        price=_float(order, "p"),
        average_price=_float(order, "ap"),
        status=_text(order, "X"),
        last_filled_quantity=_float(order, "l"),
        filled_quantity=_float(order, "z"),
        trade_time=_int(order, "T"),
        event_time=_int(data, "E"),
    )


_PARSERS: dict[str, Callable[[Mapping[str, Any]], MarketEvent]] = {
    "kline": _kline,
    "aggTrade": _agg_trade,
    "trade": _trade,
    "bookTicker": _book_ticker,
    "depth": _depth_diff,
    "depth5": _partial_depth(5),
    "depth10": _partial_depth(10),
    "depth20": _partial_depth(20),
    "markPrice": _mark_price,
    "forceOrder": _force_order,
}


# ----- fields ----------------------------------------------------------------------------------


def _why(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"missing {snippet(exc.args[0], bare=True)}"
    return str(exc) or type(exc).__name__


def _symbol(data: Mapping[str, Any]) -> str:
    symbol = data["s"]
    if not isinstance(symbol, str) or not symbol.isalnum():
        raise ValueError(f"symbol {snippet(symbol)}")
    return symbol.upper()


def _int(data: Mapping[str, Any], key: str) -> int:
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{key} is not an integer: {snippet(value)}")
    return value


def _float(data: Mapping[str, Any], key: str) -> float:
    return _number(data[key], key)


def _number(value: object, key: str) -> float:
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise ValueError(f"{key} is not a number: {snippet(value)}")
    number = float(value)
    if not math.isfinite(number) or number < 0:
        raise ValueError(f"{key} is not a non-negative number: {snippet(value)}")
    return number


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data[key]
    if not isinstance(value, str) or not value.replace("_", "").isalnum():
        raise ValueError(f"{key} is not a name: {snippet(value)}")
    return value


def _bool(data: Mapping[str, Any], key: str) -> bool:
    value = data[key]
    if not isinstance(value, bool):
        raise ValueError(f"{key} is not a boolean: {snippet(value)}")
    return value


def _levels(rows: object) -> tuple[Level, ...]:
    if not isinstance(rows, list):
        raise ValueError(f"levels are not a list: {snippet(rows)}")
    try:  # the shape Binance sends, checked in bulk: [["price", "quantity"], …] as text
        fast = [(float(p), float(q)) for p, q in rows if type(p) is str and type(q) is str]
    except (TypeError, ValueError):
        fast = None
    if fast is not None and len(fast) == len(rows):
        flat = [number for level in fast for number in level]
        if not flat or (math.isfinite(sum(flat)) and min(flat) >= 0):
            return tuple(fast)
    levels = []  # anything else: level by level, naming what is wrong
    for row in rows:
        if not isinstance(row, list) or len(row) < 2:
            raise ValueError(f"level {snippet(row)}")
        levels.append((_number(row[0], "price"), _number(row[1], "quantity")))
    return tuple(levels)
